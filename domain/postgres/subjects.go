package postgres

import (
	"context"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type subjectRow struct {
	ID                 string
	Kind               string
	RegistrationNumber *string
	RegisteredAddress  *string
	FirstNames         string
	LastName           string
	Aliases            textArray
	DateOfBirth        *time.Time
	PNCID              *string `gorm:"column:pnc_id"`
	VisorID            *string
	PrisonNumber       *string
	Force              string
	CustodyStatus      string
	Establishment      *string
	ReleaseDate        *time.Time
	ReleaseDateType    *string
	ReleasedOn         *time.Time
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (subjectRow) TableName() string { return "subjects" }

func (r subjectRow) domain() domain.Subject {
	sub := domain.Subject{ID: r.ID, Kind: r.Kind, RegistrationNumber: r.RegistrationNumber,
		RegisteredAddress: r.RegisteredAddress, FirstNames: r.FirstNames, LastName: r.LastName, Aliases: []string(r.Aliases),
		PNCID: deref(r.PNCID), VisorID: r.VisorID, PrisonNumber: r.PrisonNumber,
		Force: r.Force, Custody: domain.Custody{Status: r.CustodyStatus, Establishment: r.Establishment,
			ReleaseDate: datePtr(r.ReleaseDate), ReleaseDateType: r.ReleaseDateType, ReleasedOn: datePtr(r.ReleasedOn)},
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.DateOfBirth != nil {
		sub.DateOfBirth = domain.AsDate(*r.DateOfBirth)
	}
	if sub.Kind == "" {
		sub.Kind = domain.SubjectIndividual
	}
	sub.Name = sub.DisplayName()
	return sub
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func subjectRowOf(s domain.Subject) subjectRow {
	aliases := s.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	var dob *time.Time
	if !s.DateOfBirth.IsZero() {
		dob = &s.DateOfBirth.Time
	}
	kind := s.Kind
	if kind == "" {
		kind = domain.SubjectIndividual
	}
	return subjectRow{ID: s.ID, Kind: kind, RegistrationNumber: s.RegistrationNumber, RegisteredAddress: s.RegisteredAddress,
		FirstNames: s.FirstNames, LastName: s.LastName, Aliases: textArray(aliases),
		DateOfBirth: dob, PNCID: nonEmpty(s.PNCID), VisorID: s.VisorID, PrisonNumber: s.PrisonNumber,
		Force: s.Force, CustodyStatus: s.Custody.Status, Establishment: s.Custody.Establishment,
		ReleaseDate: timePtr(s.Custody.ReleaseDate), ReleaseDateType: s.Custody.ReleaseDateType,
		ReleasedOn: timePtr(s.Custody.ReleasedOn), Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
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
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := refuseDuplicateIdentity(ctx, tx, sub); err != nil {
			return err
		}
		if err := translate(tx.Create(&row).Error); err != nil {
			return err
		}
		if sub.Custody.InCustody() {
			// Held already when first recorded: when the spell began is unknown.
			return openCustodyPeriod(tx, sub, nil, now)
		}
		return nil
	})
	if err != nil {
		return domain.Subject{}, err
	}
	return row.domain(), nil
}

// refuseDuplicateIdentity answers 409 when another subject already holds
// the PNC ID or prison number, naming that subject when the caller may see
// it. The unique indexes are the backstop under concurrency.
func refuseDuplicateIdentity(ctx context.Context, tx *gorm.DB, sub domain.Subject) error {
	self := sub.ID
	if self == "" {
		self = "00000000-0000-0000-0000-000000000000"
	}
	check := func(field, column, value, what string) error {
		var rows []struct{ ID, Force string }
		if err := tx.Raw(`SELECT id, force FROM subjects WHERE `+column+` = ? AND id <> ? LIMIT 1`, value, self).
			Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		c := &domain.ConflictError{Field: field, Message: "another subject already holds this " + what}
		if canSee(ctx, rows[0].Force) == nil {
			c.Message += ": subject " + rows[0].ID
			c.Existing = "/api/v1/subjects/" + rows[0].ID
		}
		return c
	}
	if sub.PNCID != "" {
		if err := check("pnc_id", "pnc_id", sub.PNCID, "PNC ID"); err != nil {
			return err
		}
	}
	if sub.PrisonNumber != nil {
		return check("prison_number", "prison_number", *sub.PrisonNumber, "prison number")
	}
	return nil
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
	limit := pageLimit(p)
	var rows []subjectRow
	if f.Q != "" {
		// A search of punctuation alone folds to nothing, which every
		// name contains: refused, not answered with everyone.
		if !strings.ContainsFunc(f.Q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return nil, "", domain.Invalid("q", "must have a letter or digit in it")
		}
		var err error
		if rows, err = s.searchSubjects(ctx, f, p.Cursor, limit+1); err != nil {
			return nil, "", err
		}
	} else {
		q := subjectsFiltered(ctx, s.db.WithContext(ctx).Model(&subjectRow{}), f, p.Cursor)
		if err := q.Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
			return nil, "", err
		}
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

// subjectsFiltered is q narrowed to the subjects the caller may see that
// the filter's exact fields keep, after the cursor.
func subjectsFiltered(ctx context.Context, q *gorm.DB, f domain.SubjectFilter, cursor string) *gorm.DB {
	q = readScope(ctx, q, "force")
	if f.Force != "" {
		q = q.Where("force = ?", f.Force)
	}
	if f.PNCID != "" {
		q = q.Where("pnc_id = ?", f.PNCID)
	}
	if f.PrisonNumber != "" {
		q = q.Where("prison_number = ?", f.PrisonNumber)
	}
	if cursor != "" {
		q = q.Where("id > ?", cursor)
	}
	return q
}

// subjectSearchWindow is how many subjects, in creation order, a name
// search reads before it turns to the trigram index (see searchSubjects):
// at a million subjects, 2 ms of reading, enough for any name one subject
// in two hundred shares to fill a page.
const subjectSearchWindow = 10000

// subjectSearchLike matches a name, the full name or an alias: both sides
// folded alike (search_fold, migration 00430), so "siobhan oconnor" finds
// Siobhán O'Connor. The folded text is a stored column (migration 00500).
const subjectSearchLike = `search_text LIKE '%' || search_fold(?) || '%'`

// searchSubjects answers the first n subjects, in creation order, that f
// (with its name search) keeps after the cursor.
//
// The planner cannot tell how common a name is (a substring's share of a
// register is beyond its statistics), and the two ways of answering cost
// the inverse of each other: reading subjects in order until n match is
// quick for a common name and reads everything for a rare one; fetching
// every match through the trigram index is quick for a rare name and, for
// a common one (a twenty-fifth of a million), reads most of the table to
// sort it. So the search reads a window of subjects in order first, from
// an index that holds the folded text (migration 00530: no table read),
// and only when fewer than n of those match (the name is rarer than
// n/subjectSearchWindow) fetches every match through the trigram index,
// now known to be few. Either answer is exact. The window needs an order
// an index holds: every force, or one; a caller who sees several forces
// but not all searches through the trigram index alone.
func (s *Store) searchSubjects(ctx context.Context, f domain.SubjectFilter, cursor string, n int) ([]subjectRow, error) {
	pattern := escapeLike(f.Q)
	db := s.db.WithContext(ctx)
	sc := domain.ScopeFrom(ctx)
	oneForce := f.Force != "" || !sc.AllForces && len(sc.ReadForces) == 1
	if f.PNCID == "" && f.PrisonNumber == "" && (sc.AllForces || oneForce) {
		window := subjectsFiltered(ctx, db.Table("subjects").Select("id", "search_text"), f, cursor)
		if f.Force == "" && oneForce {
			window = window.Where("force = ?", sc.ReadForces[0])
		}
		size := subjectSearchWindow
		if s.searchWindow > 0 {
			size = s.searchWindow
		}
		var ids []string
		if err := db.Table("(?) AS w", window.Order("id").Limit(size)).
			Where(subjectSearchLike, pattern).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
			return nil, err
		}
		if len(ids) == n {
			var rows []subjectRow
			err := db.Where("id IN ?", ids).Order("id").Find(&rows).Error
			return rows, err
		}
	}
	// Every match, then the first n: materialised, so the planner cannot
	// turn it back into a walk in order, which for a rare name reads every
	// subject.
	matches := subjectsFiltered(ctx, db.Table("subjects").Select("*"), f, cursor).Where(subjectSearchLike, pattern)
	var rows []subjectRow
	err := db.Raw(`WITH m AS MATERIALIZED (?) SELECT * FROM m ORDER BY id `+limitSQL(n), matches).Scan(&rows).Error
	return rows, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateSubject applies change under a row lock. A release closes the
// subject's custody period on its actual day and brings their on-release
// orders into force from it; a move to another force ends the ownerships of
// officers who cannot act there; the subject's flags follow, all in the
// same transaction.
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
		before := sub
		// change gets its own copies of the slices it may edit.
		sub.Aliases = append([]string{}, sub.Aliases...)
		if err := change(&sub); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		sub.Validate(today, v)
		if sub.IsIndividual() && !sameDate(&before.DateOfBirth, &sub.DateOfBirth) && !v.Has("date_of_birth") {
			// An order is made only against an adult (s.6): a corrected
			// date of birth may not make the subject a child when one of
			// their orders was made.
			made, err := scanDay(tx, `SELECT min(made_on) FROM orders WHERE subject_id = ?`, sub.ID)
			if err != nil {
				return err
			}
			if made != nil && sub.DateOfBirth.Time.AddDate(18, 0, 0).After(made.Time) {
				v.Add("date_of_birth", "would make the subject under 18 when an order against them was made (%s); an order can only be made against an adult (s.6)",
					*made)
			}
		}
		if sub.Force != before.Force && !v.Has("force") {
			// Looked up in this transaction: nothing here waits on the pool.
			var known int64
			if err := tx.Table("forces").Where("code = ?", sub.Force).Count(&known).Error; err != nil {
				return err
			}
			if known == 0 {
				v.Add("force", "is not a known force code")
			}
		}
		if !before.Custody.InCustody() && !sub.Custody.InCustody() && !sameDate(before.Custody.ReleasedOn, sub.Custody.ReleasedOn) {
			v.Add("custody.released_on", "is recorded with the release itself; correct an order's start with its starts_on")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if !domain.ScopeFrom(ctx).CanWrite(sub.Force) {
			return domain.Invalid("force", "you can only move a subject to a force you work for")
		}
		if err := refuseDuplicateIdentity(ctx, tx, sub); err != nil {
			return err
		}
		now := s.now()
		released, err := recordCustodyChange(tx, before, &sub, actorID(ctx), today, now)
		if err != nil {
			return err
		}
		sub.Version++
		sub.UpdatedAt = now
		row := subjectRowOf(sub)
		if err := tx.Select("*").Omit("created_at").Save(&row).Error; err != nil {
			return translate(err)
		}
		// Flags follow the subject: a move of custody changes which case
		// type the open ones count under, and a move of force who sees them
		// all, the resolved too (the old force no longer sees the orders).
		caseType := domain.CaseCommunity
		if sub.Custody.InCustody() {
			caseType = domain.CasePrison
		}
		// By the subject's orders: flags have no index on the subject.
		if err := tx.Exec(`UPDATE flags SET force = ?,
				case_type = CASE WHEN resolved_at IS NULL THEN ? ELSE case_type END
			WHERE order_id IN (SELECT id FROM orders WHERE subject_id = ?)
			  AND (force <> ? OR (resolved_at IS NULL AND case_type <> ?))`,
			sub.Force, caseType, sub.ID, sub.Force, caseType).Error; err != nil {
			return err
		}
		if sub.Force != before.Force {
			// A transfer still waiting is overtaken: the subject has moved
			// (neither force could settle it, and a new one could not be
			// asked for while it waits).
			if err := tx.Exec(`UPDATE transfers SET status = 'withdrawn', decided_by = ?, decided_at = ?,
				decision_reason = ? WHERE subject_id = ? AND status = 'requested'`, actorID(ctx), now,
				"overtaken: the subject's record was moved to "+forceName(tx, sub.Force)+" directly", sub.ID).Error; err != nil {
				return err
			}
			if _, err := endOwnersWhoCannotAct(tx, "o.subject_id = @id", sub.ID,
				"subject moved to "+forceName(tx, sub.Force)+": owners come from the subject's force", now); err != nil {
				return err
			}
			if err := endActionsOnMove(tx, sub.ID, sub.Force, today, now); err != nil {
				return err
			}
		}
		if released != nil {
			if err := s.startOnReleaseOrders(tx, sub, *released, today); err != nil {
				return err
			}
		}
		var orders []string
		if err := tx.Table("orders").Where("subject_id = ?", sub.ID).Pluck("id", &orders).Error; err != nil {
			return err
		}
		touch(tx, orders...)
		if custodyMoved(before.Custody, sub.Custody) {
			// What the custody sweep would find is raised now, not at its
			// next run: a release date moved into the pre-release window (or
			// passed) is on today's agenda at once, as it is on the board.
			for _, kind := range domain.JobFlags[domain.JobCustody] {
				raiseNow(tx, kind, orders...)
			}
		}
		out = row.domain()
		return nil
	})
	return out, err
}

// custodyMoved says whether a change moved any of the facts the custody
// flags are judged on.
func custodyMoved(before, after domain.Custody) bool {
	return before.InCustody() != after.InCustody() || !sameText(before.Establishment, after.Establishment) ||
		!sameDate(before.ReleaseDate, after.ReleaseDate) || !sameText(before.ReleaseDateType, after.ReleaseDateType)
}

func sameDate(a, b *domain.Date) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b.Time)
}
