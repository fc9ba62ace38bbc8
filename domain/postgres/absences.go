package postgres

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type absenceRow struct {
	ID             string
	OfficerID      string
	Kind           string
	StartsOn       time.Time
	EndsOn         *time.Time
	CoverOfficerID *string
	Notes          *string
	CreatedBy      *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	CancelledAt    *time.Time
	Version        int
	CName          *string `gorm:"->"`
	CEmail         *string `gorm:"->"`
	BName          *string `gorm:"->"`
	BEmail         *string `gorm:"->"`
}

func (r absenceRow) domain() domain.Absence {
	a := domain.Absence{ID: r.ID, OfficerID: r.OfficerID, Kind: r.Kind, StartsOn: domain.AsDate(r.StartsOn),
		EndsOn: datePtr(r.EndsOn), Cover: officerRef(r.CoverOfficerID, r.CName, r.CEmail), Notes: r.Notes,
		CreatedBy: officerRef(r.CreatedBy, r.BName, r.BEmail), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Version: r.Version}
	if r.CancelledAt != nil {
		t := r.CancelledAt.UTC()
		a.CancelledAt = &t
	}
	return a
}

func (s *Store) absences(db *gorm.DB, where string, args ...any) ([]domain.Absence, error) {
	return s.absencesPage(db, where, "", args...)
}

// absencesPage reads the absences where holds, the latest first, with
// limit (a LIMIT clause, or "").
func (s *Store) absencesPage(db *gorm.DB, where, limit string, args ...any) ([]domain.Absence, error) {
	var rows []absenceRow
	if err := db.Raw(`SELECT a.*, c.name AS c_name, c.email AS c_email, b.name AS b_name, b.email AS b_email
		FROM officer_absences a LEFT JOIN officers c ON c.id = a.cover_officer_id LEFT JOIN officers b ON b.id = a.created_by
		WHERE `+where+absenceKeys.orderBy()+limit, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Absence, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// absentOfficer loads the officer an absence belongs to, inside tx, and
// checks the caller may change their force's records.
func absentOfficer(ctx context.Context, tx *gorm.DB, id string, lock bool) (domain.Officer, error) {
	o, err := getOfficer(tx, id, lock)
	if err != nil {
		return domain.Officer{}, err
	}
	if err := canChange(ctx, forceOf(o)); err != nil {
		return domain.Officer{}, err
	}
	domain.Note(ctx, "officer", o.ID)
	return o, nil
}

// checkCover looks the cover officer up in tx and checks they can cover,
// from the later of the absence's first day and today (from, when the
// cover is named on an absence already under way).
func checkCover(tx *gorm.DB, absent domain.Officer, a *domain.Absence, from domain.Date) error {
	if a.Cover == nil {
		return nil
	}
	if a.StartsOn.After(from.Time) {
		from = a.StartsOn
	}
	cover, err := shareVisibleOfficer(tx, a.Cover.ID)
	if err == domain.ErrNotFound {
		noteRefused(tx.Statement.Context, "officer", a.Cover.ID)
		return domain.Invalid("cover_officer_id", "no such officer")
	} else if err != nil {
		return err // a deadlock (run again) or the database gone (503)
	}
	if err := domain.CanCover(absent, cover); err != nil {
		return err
	}
	// Nobody covers from a day they are away themselves (a later absence
	// of theirs is the sweeps' business: owner_absent counts a cover only
	// on the days they can act).
	var away []struct {
		Kind     string
		StartsOn time.Time
	}
	if err := tx.Raw(`SELECT kind, starts_on FROM officer_absences WHERE officer_id = ? AND cancelled_at IS NULL
		AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?) AND id <> coalesce(CAST(NULLIF(?, '') AS uuid), '00000000-0000-0000-0000-000000000000')
		LIMIT 1`, cover.ID, from.Time, from.Time, a.ID).Scan(&away).Error; err != nil {
		return err
	}
	if len(away) > 0 {
		return domain.Invalid("cover_officer_id", "is away themselves on %s (%s from %s): choose someone who is at work",
			from, strings.ReplaceAll(away[0].Kind, "_", " "), domain.AsDate(away[0].StartsOn))
	}
	return nil
}

// refuseOverlap refuses an absence that overlaps another of the officer's
// (not cancelled): with two, which cover holds on the shared days is
// anyone's guess, and the officer's record says two things. The officer's
// row lock (absentOfficer) makes concurrent absences of one officer take
// turns, so two overlapping ones cannot both pass.
func refuseOverlap(tx *gorm.DB, a domain.Absence) error {
	var other []struct {
		Kind     string
		StartsOn time.Time
		EndsOn   *time.Time
	}
	if err := tx.Raw(`SELECT kind, starts_on, ends_on FROM officer_absences WHERE officer_id = ? AND cancelled_at IS NULL
		AND id <> coalesce(CAST(NULLIF(?, '') AS uuid), '00000000-0000-0000-0000-000000000000')
		AND starts_on <= coalesce(CAST(? AS date), 'infinity') AND (ends_on IS NULL OR ends_on >= ?)
		ORDER BY starts_on LIMIT 1`, a.OfficerID, a.ID, timePtr(a.EndsOn), a.StartsOn.Time).Scan(&other).Error; err != nil {
		return err
	}
	if len(other) == 0 {
		return nil
	}
	o := other[0]
	until := "with no end set"
	if o.EndsOn != nil {
		until = "to " + domain.AsDate(*o.EndsOn).String()
	}
	return domain.Invalid("starts_on", "overlaps the officer's %s from %s %s: change that absence instead",
		strings.ReplaceAll(o.Kind, "_", " "), domain.AsDate(o.StartsOn), until)
}

// touchOwnedOrders marks the orders an officer owns as changed, so the
// flags an absence (or its cover) ends are resolved with it.
func touchOwnedOrders(tx *gorm.DB, officerID string) error {
	// Theirs, and those they cover for an absent colleague: whether the
	// cover is away decides those orders' owner_absent (a cover's absence
	// cancelled left the colleague's orders flagged until the next sweep).
	var orders []string
	if err := tx.Raw(`SELECT DISTINCT order_id FROM owner_assignments WHERE ended_at IS NULL
		AND (officer_id = @o OR officer_id IN (SELECT ab.officer_id FROM officer_absences ab
		                                       WHERE ab.cover_officer_id = @o AND ab.cancelled_at IS NULL
		                                         AND (ab.ends_on IS NULL OR ab.ends_on >= current_date - 1)))`,
		map[string]any{"o": officerID}).Scan(&orders).Error; err != nil {
		return err
	}
	touch(tx, orders...)
	return nil
}

// tellCover tells the officer named to cover an absence, in its
// transaction (the outbox): for how long, not who (mail carries no names).
func (s *Store) tellCover(tx *gorm.DB, a domain.Absence, absenceID string) error {
	if a.Cover == nil {
		return nil
	}
	when := "from " + a.StartsOn.String()
	if a.EndsOn != nil {
		when += " to " + a.EndsOn.String()
	} else {
		when += ", with no end set"
	}
	return s.notify(tx, domain.Event{Kind: domain.EventCoverNamed, OfficerID: a.Cover.ID, Subject: when})
}

// RecordAbsence records a period an officer is away, with the officer
// covering their orders if there is one.
func (s *Store) RecordAbsence(ctx context.Context, a domain.Absence) (domain.Absence, error) {
	today := s.Today()
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		officer, err := absentOfficer(ctx, tx, a.OfficerID, true)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		a.Validate(today, v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := refuseOverlap(tx, a); err != nil {
			return err
		}
		if err := checkCover(tx, officer, &a, today); err != nil {
			return err
		}
		id = newID()
		now := s.now()
		var cover *string
		if a.Cover != nil {
			cover = &a.Cover.ID
		}
		domain.Note(ctx, "absence", id)
		if err := translate(tx.Exec(`INSERT INTO officer_absences (id, officer_id, kind, starts_on, ends_on, cover_officer_id,
			notes, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, a.OfficerID, a.Kind,
			a.StartsOn.Time, timePtr(a.EndsOn), cover, a.Notes, actorID(ctx), now, now).Error); err != nil {
			return err
		}
		if err := s.tellCover(tx, a, id); err != nil {
			return err
		}
		return touchOwnedOrders(tx, a.OfficerID)
	})
	if err != nil {
		return domain.Absence{}, err
	}
	list, err := s.absences(s.db.WithContext(ctx), "a.id = ?", id)
	if err != nil {
		return domain.Absence{}, err
	}
	return list[0], nil
}

// absenceKeys is the order an officer's absences are listed in: the
// latest first day first (the officer_absences_officer index).
var absenceKeys = keyset{cols: []string{"a.starts_on", "a.id"}, types: []string{"date", "uuid"}, desc: true}

// ListAbsences lists a page of an officer's absences, the latest first.
func (s *Store) ListAbsences(ctx context.Context, officerID string, p domain.Page) ([]domain.Absence, string, error) {
	after, args, err := absenceKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	o, err := s.GetOfficer(ctx, officerID)
	if err != nil {
		return nil, "", err
	}
	if err := canSee(ctx, forceOf(o)); err != nil {
		return nil, "", err
	}
	domain.Note(ctx, "officer", o.ID)
	limit := pageLimit(p)
	list, err := s.absencesPage(s.db.WithContext(ctx), "a.officer_id = ? AND "+after, limitClause(limit),
		append([]any{officerID}, args...)...)
	if err != nil {
		return nil, "", err
	}
	list, next := keysetPage(list, limit, func(a domain.Absence) []string { return []string{a.StartsOn.String(), a.ID} })
	return list, next, nil
}

// UpdateAbsence changes an absence (its dates, cover or notes) or cancels
// it, under its row lock.
func (s *Store) UpdateAbsence(ctx context.Context, officerID, id string, ifVersion *int, change func(*domain.Absence) error) (domain.Absence, error) {
	if !validID(id) {
		return domain.Absence{}, domain.ErrNotFound
	}
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		officer, err := absentOfficer(ctx, tx, officerID, true)
		if err != nil {
			return err
		}
		var rows []absenceRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("officer_absences").
			Where("id = ? AND officer_id = ?", id, officerID).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		a := rows[0].domain()
		domain.Note(ctx, "absence", a.ID)
		if ifVersion != nil && *ifVersion != a.Version {
			return domain.ErrStale
		}
		if a.CancelledAt != nil {
			return domain.Conflict("cancelled", "the absence was cancelled and can no longer be changed")
		}
		before, startedOn, endedOn := a.Cover, a.StartsOn, a.EndsOn
		if err := change(&a); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		a.ValidateChange(today, startedOn, v)
		if err := v.Err(); err != nil {
			return err
		}
		// Only a change of dates is judged against the other absences: a
		// pair that overlapped before the rule can still have its notes
		// or cover changed.
		if a.CancelledAt == nil && (!startedOn.Equal(a.StartsOn.Time) || !sameDate(endedOn, a.EndsOn)) {
			if err := refuseOverlap(tx, a); err != nil {
				return err
			}
		}
		// A new cover is judged, from today or the first day, and so is the
		// one named when the first day moves (as when it is recorded); an
		// edit of the end or the notes does not judge them again (the
		// sweeps count a cover only on the days they can act).
		named := a.Cover != nil && (before == nil || before.ID != a.Cover.ID)
		if a.Cover != nil && a.CancelledAt == nil && (named || !startedOn.Equal(a.StartsOn.Time)) {
			if err := checkCover(tx, officer, &a, today); err != nil {
				return err
			}
		}
		if named {
			if a.CancelledAt == nil {
				if err := s.tellCover(tx, a, a.ID); err != nil {
					return err
				}
			}
		}
		var cover *string
		if a.Cover != nil {
			cover = &a.Cover.ID
		}
		now := s.now()
		var cancelled *time.Time
		if a.CancelledAt != nil {
			cancelled = &now
		}
		if err := translate(tx.Exec(`UPDATE officer_absences SET kind = ?, starts_on = ?, ends_on = ?, cover_officer_id = ?,
			notes = ?, cancelled_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`, a.Kind, a.StartsOn.Time,
			timePtr(a.EndsOn), cover, a.Notes, cancelled, now, a.ID).Error); err != nil {
			return err
		}
		return touchOwnedOrders(tx, officerID)
	})
	if err != nil {
		return domain.Absence{}, err
	}
	list, err := s.absences(s.db.WithContext(ctx), "a.id = ?", id)
	if err != nil {
		return domain.Absence{}, err
	}
	return list[0], nil
}

// Workload sets a force's owning officers side by side for a chair
// allocating fairly: current ownerships by role, how many of those orders
// have an overdue review or check, how many they cover for an absent
// colleague, and whether they are away now. One query.
func (s *Store) Workload(ctx context.Context, force string, asOf domain.Date) (domain.Workload, error) {
	if _, err := s.GetForce(ctx, force); err != nil {
		return domain.Workload{}, err
	}
	if err := canSee(ctx, force); err != nil {
		return domain.Workload{}, err
	}
	var rows []struct {
		ID            string
		Name          string
		Email         string
		Roles         textArray
		IOM           int
		LRO           int
		OrdersOfficer int
		Total         int
		Overdue       int
		Covering      int
		AbsentUntil   *time.Time
		AbsentNow     bool
	}
	// What each officer holds comes from officer_loads (migration 00510),
	// kept current by the transactions that change assignments and flags:
	// counting their assignments and setting them against the force's open
	// review and check flags took 19-26 ms a force at a million orders.
	err := s.db.WithContext(ctx).Raw(`
		WITH staff AS (
		    SELECT f.id, f.name, f.email, f.roles FROM officers f
		    WHERE f.force = @force AND f.active AND f.roles && ARRAY['iom_officer', 'lro', 'orders_officer']),
		away AS (
		    SELECT DISTINCT ON (ab.officer_id) ab.officer_id, ab.ends_on, ab.cover_officer_id FROM officer_absences ab
		    WHERE ab.cancelled_at IS NULL AND ab.starts_on <= @as_of AND (ab.ends_on IS NULL OR ab.ends_on >= @as_of)
		    ORDER BY ab.officer_id, ab.ends_on DESC NULLS FIRST),
		held AS (SELECT l.officer_id, l.iom, l.lro, l.orders_officer, l.total, l.overdue
		         FROM staff f JOIN officer_loads l ON l.officer_id = f.id AND l.force = @force)
		SELECT f.id, f.name, f.email, f.roles, coalesce(h.iom, 0) AS iom, coalesce(h.lro, 0) AS lro,
		       coalesce(h.orders_officer, 0) AS orders_officer, coalesce(h.total, 0) AS total,
		       coalesce(h.overdue, 0) AS overdue,
		       (SELECT count(DISTINCT c.order_id) FROM away w
		        JOIN owner_assignments c ON c.officer_id = w.officer_id AND c.ended_at IS NULL
		        WHERE w.cover_officer_id = f.id AND c.order_subject_force = @force AND c.order_next_due IS NOT NULL) AS covering,
		       (SELECT w.ends_on FROM away w WHERE w.officer_id = f.id) AS absent_until,
		       EXISTS (SELECT 1 FROM away w WHERE w.officer_id = f.id) AS absent_now
		FROM staff f LEFT JOIN held h ON h.officer_id = f.id
		ORDER BY total, f.name`, map[string]any{"force": force, "as_of": asOf.Time}).Scan(&rows).Error
	if err != nil {
		return domain.Workload{}, err
	}
	out := domain.Workload{Force: force, AsOf: asOf, Officers: make([]domain.WorkloadLine, len(rows))}
	for i, r := range rows {
		domain.Note(ctx, "officer", r.ID)
		out.Officers[i] = domain.WorkloadLine{Officer: domain.OfficerRef{ID: r.ID, Name: r.Name, Email: r.Email},
			Roles: []string(r.Roles), Owned: map[string]int{domain.OwnerIOM: r.IOM, domain.OwnerLRO: r.LRO,
				domain.OwnerOrdersOfficer: r.OrdersOfficer}, Total: r.Total, Overdue: r.Overdue, Covering: r.Covering,
			AbsentNow: r.AbsentNow, AbsentTill: datePtr(r.AbsentUntil)}
	}
	return out, nil
}

var (
	_ domain.Absences        = (*Store)(nil)
	_ domain.WorkloadReports = (*Store)(nil)
)
