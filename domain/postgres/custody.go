package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

type custodyPeriodRow struct {
	ID              string
	SubjectID       string
	Establishment   *string
	BeganOn         *time.Time
	ReleaseDate     *time.Time
	ReleaseDateType *string
	ReleasedOn      *time.Time
	RecordedAt      time.Time
	UpdatedAt       time.Time
}

func (r custodyPeriodRow) domain() domain.CustodyPeriod {
	return domain.CustodyPeriod{ID: r.ID, SubjectID: r.SubjectID, Establishment: r.Establishment,
		BeganOn: datePtr(r.BeganOn), ReleaseDate: datePtr(r.ReleaseDate), ReleaseDateType: r.ReleaseDateType,
		ReleasedOn: datePtr(r.ReleasedOn), RecordedAt: r.RecordedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// openCustodyPeriod starts the record of a spell in custody.
func openCustodyPeriod(tx *gorm.DB, sub domain.Subject, began *domain.Date, now time.Time) error {
	return tx.Exec(`INSERT INTO custody_periods (subject_id, establishment, began_on, release_date, release_date_type,
		recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, sub.ID, sub.Custody.Establishment, timePtr(began),
		timePtr(sub.Custody.ReleaseDate), sub.Custody.ReleaseDateType, now, now).Error
}

func openCustodyPeriodOf(tx *gorm.DB, subjectID string) (*custodyPeriodRow, error) {
	var rows []custodyPeriodRow
	if err := tx.Raw(`SELECT * FROM custody_periods WHERE subject_id = ? AND released_on IS NULL FOR UPDATE`,
		subjectID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// recordCustodyChange keeps the subject's custody history in step with a
// change from before to sub, and returns the day of release when the change
// is one.
func recordCustodyChange(tx *gorm.DB, before domain.Subject, sub *domain.Subject, by *string, today domain.Date, now time.Time) (*domain.Date, error) {
	was, is := before.Custody.InCustody(), sub.Custody.InCustody()
	if sub.Custody.BeganOn != nil && !is {
		return nil, domain.Invalid("custody.began_on", "is the day a spell in custody began: only with a return to custody, or while in custody")
	}
	if !was && !is {
		return nil, nil
	}
	open, err := openCustodyPeriodOf(tx, sub.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case was && !is:
		began, madeBy, err := releaseBounds(tx, sub.ID, open)
		if err != nil {
			return nil, err
		}
		on, err := sub.Release(before.Custody, began, madeBy, today)
		if err != nil {
			return nil, err
		}
		if open == nil {
			// A spell the register never saw open: keep it all the same.
			if err := openCustodyPeriod(tx, before, nil, now); err != nil {
				return nil, err
			}
		}
		err = tx.Exec(`UPDATE custody_periods SET released_on = ?, updated_at = ? WHERE subject_id = ? AND released_on IS NULL`,
			on.Time, now, sub.ID).Error
		return &on, translate(err)
	case !was && is:
		// Recalled or sentenced again: the spell begins the day given, or
		// the day it is recorded.
		began, err := sub.ReturnToCustody(before.Custody.ReleasedOn, today)
		if err != nil {
			return nil, err
		}
		return nil, openCustodyPeriod(tx, *sub, &began, now)
	}
	// Still in custody: the open period follows the latest establishment and
	// dates, and keeps what it said before (custody_changes).
	if open == nil {
		return nil, openCustodyPeriod(tx, *sub, nil, now)
	}
	c := sub.Custody
	began := datePtr(open.BeganOn)
	if c.BeganOn != nil && !sameDate(began, c.BeganOn) {
		// The spell's first day corrected (a recall recorded on the wrong
		// day): the same bounds as when it was recorded.
		last, err := scanDay(tx, `SELECT max(released_on) FROM custody_periods WHERE subject_id = ? AND id <> ?`,
			sub.ID, open.ID)
		if err != nil {
			return nil, err
		}
		if _, err := c.SpellBegan(last, today); err != nil {
			return nil, err
		}
		began = c.BeganOn
	}
	if sameText(open.Establishment, c.Establishment) && sameDate(datePtr(open.ReleaseDate), c.ReleaseDate) &&
		sameText(open.ReleaseDateType, c.ReleaseDateType) && sameDate(datePtr(open.BeganOn), began) {
		return nil, nil
	}
	if err := tx.Exec(`INSERT INTO custody_changes (period_id, changed_at, changed_by, establishment_before,
		release_date_before, release_date_type_before, began_on_before, establishment_after, release_date_after,
		release_date_type_after, began_on_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, open.ID, now, by,
		open.Establishment, open.ReleaseDate, open.ReleaseDateType, open.BeganOn,
		c.Establishment, timePtr(c.ReleaseDate), c.ReleaseDateType, timePtr(began)).Error; err != nil {
		return nil, err
	}
	return nil, tx.Exec(`UPDATE custody_periods SET establishment = ?, release_date = ?, release_date_type = ?,
		began_on = ?, updated_at = ? WHERE id = ?`, c.Establishment, timePtr(c.ReleaseDate), c.ReleaseDateType,
		timePtr(began), now, open.ID).Error
}

func sameText(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// custodyKeys: a subject's custody periods, the latest first (the open
// one, not yet released, before every other).
var custodyKeys = keyset{cols: []string{"coalesce(released_on, 'infinity'::date)", "recorded_at", "id"},
	types: []string{"date", "timestamptz", "uuid"}, desc: true}

// CustodyHistory lists a page of a subject's custody periods, the latest
// first, each with the changes made to it.
func (s *Store) CustodyHistory(ctx context.Context, subjectID string, p domain.Page) ([]domain.CustodyPeriod, string, error) {
	after, args, err := custodyKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetSubject(ctx, subjectID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	var rows []custodyPeriodRow
	if err := s.db.WithContext(ctx).Raw(`SELECT * FROM custody_periods WHERE subject_id = ? AND `+after+
		custodyKeys.orderBy()+limitClause(limit), append([]any{subjectID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next := keysetPage(rows, limit, func(r custodyPeriodRow) []string {
		released := "infinity"
		if r.ReleasedOn != nil {
			released = keyDate(*r.ReleasedOn)
		}
		return []string{released, keyTime(r.RecordedAt), r.ID}
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var changes []struct {
		PeriodID                                                         string
		ChangedAt                                                        time.Time
		ChangedBy                                                        *string
		ByName, ByEmail                                                  *string
		EstablishmentBefore, ReleaseDateTypeBefore                       *string
		EstablishmentAfter, ReleaseDateTypeAfter                         *string
		ReleaseDateBefore, ReleaseDateAfter, BeganOnBefore, BeganOnAfter *time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT c.*, f.name AS by_name, f.email AS by_email FROM custody_changes c
		LEFT JOIN officers f ON f.id = c.changed_by
		WHERE c.period_id = ANY (CAST(? AS uuid[])) ORDER BY c.changed_at, c.id`, textArray(ids)).Scan(&changes).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.CustodyPeriod, len(rows))
	at := map[string]int{}
	for i, r := range rows {
		out[i] = r.domain()
		out[i].Changes = []domain.CustodyChange{}
		at[r.ID] = i
	}
	for _, c := range changes {
		ch := domain.CustodyChange{ChangedAt: c.ChangedAt.UTC(),
			Before: domain.CustodyFacts{Establishment: c.EstablishmentBefore, ReleaseDate: datePtr(c.ReleaseDateBefore),
				ReleaseDateType: c.ReleaseDateTypeBefore, BeganOn: datePtr(c.BeganOnBefore)},
			After: domain.CustodyFacts{Establishment: c.EstablishmentAfter, ReleaseDate: datePtr(c.ReleaseDateAfter),
				ReleaseDateType: c.ReleaseDateTypeAfter, BeganOn: datePtr(c.BeganOnAfter)}}
		if c.ChangedBy != nil && c.ByName != nil {
			ch.ChangedBy = &domain.OfficerRef{ID: *c.ChangedBy, Name: *c.ByName, Email: deref(c.ByEmail)}
		}
		i := at[c.PeriodID]
		out[i].Changes = append(out[i].Changes, ch)
	}
	return out, next, nil
}

// releaseBounds is what decides whether a passed release date is the day
// of a release (Subject.Release): when the open custody period began, and
// the latest made of the orders waiting for this release (a recorded date
// before it is stale).
func releaseBounds(tx *gorm.DB, subjectID string, open *custodyPeriodRow) (began, madeBy *domain.Date, err error) {
	if open != nil {
		began = datePtr(open.BeganOn)
	}
	madeBy, err = scanDay(tx, `SELECT max(made_on) FROM orders WHERE subject_id = ? AND commencement = 'on_release'
		AND starts_on IS NULL AND status = 'pending'`, subjectID)
	return began, madeBy, err
}

// LikelyReleaseDay is the day a release would be recorded on with no day
// given: the same rule, on the same facts, as recording it.
func (s *Store) LikelyReleaseDay(ctx context.Context, subjectID string) (domain.Date, error) {
	today := s.Today()
	sub, err := s.GetSubject(ctx, subjectID)
	if err != nil {
		return today, err
	}
	var open []custodyPeriodRow
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT * FROM custody_periods WHERE subject_id = ? AND released_on IS NULL`, subjectID).
		Scan(&open).Error; err != nil {
		return today, err
	}
	var period *custodyPeriodRow
	if len(open) > 0 {
		period = &open[0]
	}
	began, madeBy, err := releaseBounds(db, subjectID, period)
	if err != nil {
		return today, err
	}
	probe := sub
	probe.Custody.ReleasedOn = nil
	day, err := probe.Release(sub.Custody, began, madeBy, today)
	if err != nil {
		return today, nil // the form says what is wrong when it is sent
	}
	return day, nil
}
