package postgres

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type subjectRow struct {
	ID              string
	FirstNames      string
	LastName        string
	Aliases         textArray
	DateOfBirth     time.Time
	PNCID           string `gorm:"column:pnc_id"`
	VisorID         *string
	PrisonNumber    *string
	Force           string
	CustodyStatus   string
	Establishment   *string
	ReleaseDate     *time.Time
	ReleaseDateType *string
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (subjectRow) TableName() string { return "subjects" }

func (r subjectRow) domain() domain.Subject {
	return domain.Subject{ID: r.ID, FirstNames: r.FirstNames, LastName: r.LastName, Aliases: []string(r.Aliases),
		DateOfBirth: domain.AsDate(r.DateOfBirth), PNCID: r.PNCID, VisorID: r.VisorID, PrisonNumber: r.PrisonNumber,
		Force: r.Force, Custody: domain.Custody{Status: r.CustodyStatus, Establishment: r.Establishment,
			ReleaseDate: datePtr(r.ReleaseDate), ReleaseDateType: r.ReleaseDateType},
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func subjectRowOf(s domain.Subject) subjectRow {
	aliases := s.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	return subjectRow{ID: s.ID, FirstNames: s.FirstNames, LastName: s.LastName, Aliases: textArray(aliases),
		DateOfBirth: s.DateOfBirth.Time, PNCID: s.PNCID, VisorID: s.VisorID, PrisonNumber: s.PrisonNumber,
		Force: s.Force, CustodyStatus: s.Custody.Status, Establishment: s.Custody.Establishment,
		ReleaseDate: timePtr(s.Custody.ReleaseDate), ReleaseDateType: s.Custody.ReleaseDateType,
		Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// CreateSubject validates and records a new subject.
func (s *Store) CreateSubject(ctx context.Context, sub domain.Subject) (domain.Subject, error) {
	v := &domain.ValidationError{}
	sub.Validate(s.Today(), v)
	if err := v.Err(); err != nil {
		return domain.Subject{}, err
	}
	if !domain.ScopeFrom(ctx).CanWrite(sub.Force) {
		return domain.Subject{}, domain.Invalid("force", "you can only record subjects of a force you work for")
	}
	now := s.now()
	sub.ID, sub.Version, sub.CreatedAt, sub.UpdatedAt = newID(), 1, now, now
	row := subjectRowOf(sub)
	domain.Note(ctx, "subject", sub.ID)
	if err := s.tx(ctx, func(tx *gorm.DB) error { return translate(tx.Create(&row).Error) }); err != nil {
		return domain.Subject{}, err
	}
	return row.domain(), nil
}

// GetSubject returns one subject.
func (s *Store) GetSubject(ctx context.Context, id string) (domain.Subject, error) {
	sub, err := getSubject(s.db.WithContext(ctx), id, "")
	if err != nil {
		return domain.Subject{}, err
	}
	if err := canSee(ctx, sub.Force); err != nil {
		return domain.Subject{}, err
	}
	domain.Note(ctx, "subject", sub.ID)
	return sub, nil
}

func getSubject(db *gorm.DB, id string, lock string) (domain.Subject, error) {
	if !validID(id) {
		return domain.Subject{}, domain.ErrNotFound
	}
	q := db.Where("id = ?", id)
	if lock != "" {
		q = q.Clauses(clause.Locking{Strength: lock})
	}
	var rows []subjectRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return domain.Subject{}, err
	}
	if len(rows) == 0 {
		return domain.Subject{}, domain.ErrNotFound
	}
	return rows[0].domain(), nil
}

// ListSubjects returns a page of subjects in creation order.
func (s *Store) ListSubjects(ctx context.Context, f domain.SubjectFilter, p domain.Page) ([]domain.Subject, string, error) {
	q := readScope(ctx, s.db.WithContext(ctx).Model(&subjectRow{}), "force")
	if f.Force != "" {
		q = q.Where("force = ?", f.Force)
	}
	if f.PNCID != "" {
		q = q.Where("pnc_id = ?", f.PNCID)
	}
	if f.PrisonNumber != "" {
		q = q.Where("prison_number = ?", f.PrisonNumber)
	}
	if f.Q != "" {
		like := "%" + escapeLike(f.Q) + "%"
		q = q.Where(`first_names ILIKE ? OR last_name ILIKE ? OR (first_names || ' ' || last_name) ILIKE ?
			OR EXISTS (SELECT 1 FROM unnest(aliases) a WHERE a ILIKE ?)`, like, like, like, like)
	}
	if p.Cursor != "" {
		q = q.Where("id > ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []subjectRow
	if err := q.Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.Subject, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.domain())
	}
	out, next, err := pageOf(out, limit, func(x domain.Subject) string { return x.ID })
	for _, x := range out {
		domain.Note(ctx, "subject", x.ID)
	}
	return out, next, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateSubject applies change under a row lock. When the subject leaves
// custody, their on-release orders come into force in the same transaction.
func (s *Store) UpdateSubject(ctx context.Context, id string, ifVersion *int, change func(*domain.Subject) error) (domain.Subject, error) {
	var out domain.Subject
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sub, err := getSubject(tx, id, "UPDATE")
		if err != nil {
			return err
		}
		if err := canChange(ctx, sub.Force); err != nil {
			return err
		}
		domain.Note(ctx, "subject", sub.ID)
		if ifVersion != nil && *ifVersion != sub.Version {
			return domain.ErrStale
		}
		before := sub.Custody
		// change gets its own copies of the slices it may edit.
		sub.Aliases = append([]string{}, sub.Aliases...)
		if err := change(&sub); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		sub.Validate(today, v)
		if err := v.Err(); err != nil {
			return err
		}
		if !domain.ScopeFrom(ctx).CanWrite(sub.Force) {
			return domain.Invalid("force", "you can only move a subject to a force you work for")
		}
		sub.Version++
		sub.UpdatedAt = s.now()
		row := subjectRowOf(sub)
		if err := tx.Select("*").Omit("created_at").Save(&row).Error; err != nil {
			return translate(err)
		}
		// Open flags follow the subject: a move of force or custody changes
		// who sees them and which case type they count under.
		caseType := domain.CaseCommunity
		if sub.Custody.InCustody() {
			caseType = domain.CasePrison
		}
		if err := tx.Exec(`UPDATE flags SET force = ?, case_type = ? WHERE subject_id = ? AND resolved_at IS NULL`,
			sub.Force, caseType, sub.ID).Error; err != nil {
			return err
		}
		if before.InCustody() && !sub.Custody.InCustody() {
			released := today
			if before.ReleaseDate != nil && before.ReleaseDate.OnOrBefore(today) {
				released = *before.ReleaseDate
			}
			if err := s.startOnReleaseOrders(tx, sub, released, today); err != nil {
				return err
			}
		}
		out = row.domain()
		return nil
	})
	return out, err
}
