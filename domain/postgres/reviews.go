package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type reviewRow struct {
	ID         string
	OrderID    string
	ReviewedOn time.Time
	Kind       string
	Outcome    string
	Notes      *string
	RecordedBy *string
	ByName     *string `gorm:"->"`
	ByEmail    *string `gorm:"->"`
	Imported   bool
	CreatedAt  time.Time
}

func (reviewRow) TableName() string { return "reviews" }

func (r reviewRow) domain() domain.Review {
	return domain.Review{ID: r.ID, OrderID: r.OrderID, ReviewedOn: domain.AsDate(r.ReviewedOn), Kind: r.Kind,
		Outcome: r.Outcome, Notes: r.Notes, RecordedBy: officerRef(r.RecordedBy, r.ByName, r.ByEmail),
		Imported: r.Imported, CreatedAt: r.CreatedAt.UTC()}
}

// RecordReview records a review of a live order.
func (s *Store) RecordReview(ctx context.Context, orderID string, r domain.Review) (domain.Review, error) {
	today := s.Today()
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, orderID)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		r.Validate(o, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		id = newID()
		// A breach_suspected review raises a compliance concern, a
		// satisfactory one resolves it, in this transaction (refresh.go).
		return translate(tx.Exec(`INSERT INTO reviews (id, order_id, reviewed_on, kind, outcome, notes, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, orderID, r.ReviewedOn.Time, r.Kind, r.Outcome, r.Notes,
			actorID(ctx), s.now()).Error)
	})
	if err != nil {
		return domain.Review{}, err
	}
	list, err := s.reviews(s.db.WithContext(ctx), "r.id = ?", "", id)
	if err != nil {
		return domain.Review{}, err
	}
	return list[0], nil
}

// reviewKeys: an order's reviews, newest first.
var reviewKeys = keyset{cols: []string{"r.reviewed_on", "r.id"}, types: []string{"date", "uuid"}, desc: true}

// reviews reads the reviews matching where, newest first; tail ends the
// statement (a LIMIT).
func (s *Store) reviews(db *gorm.DB, where, tail string, args ...any) ([]domain.Review, error) {
	var rows []reviewRow
	if err := db.Raw(`SELECT r.*, b.name AS by_name, b.email AS by_email FROM reviews r
		LEFT JOIN officers b ON b.id = r.recorded_by WHERE `+where+reviewKeys.orderBy()+tail,
		args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Review, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ListReviews lists a page of an order's reviews, newest first.
func (s *Store) ListReviews(ctx context.Context, orderID string, p domain.Page) ([]domain.Review, string, error) {
	after, args, err := reviewKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.orderExists(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	list, err := s.reviews(s.db.WithContext(ctx), "r.order_id = ? AND "+after, limitClause(limit), append([]any{orderID}, args...)...)
	if err != nil {
		return nil, "", err
	}
	list, next := keysetPage(list, limit, func(r domain.Review) []string { return []string{r.ReviewedOn.String(), r.ID} })
	return list, next, nil
}

type checkRow struct {
	ID             string
	OrderID        string
	Kind           string
	DueOn          time.Time
	CompletedOn    *time.Time
	Outcome        *string
	Notes          *string
	ScheduledBy    *string
	SName          *string `gorm:"->"`
	SEmail         *string `gorm:"->"`
	CompletedBy    *string
	CName          *string `gorm:"->"`
	CEmail         *string `gorm:"->"`
	CancelledAt    *time.Time
	CancelledBy    *string
	XName          *string `gorm:"->"`
	XEmail         *string `gorm:"->"`
	CancelReason   *string
	NoBreachReason *string
	BreachID       *string `gorm:"->"`
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (r checkRow) domain() domain.Check {
	c := domain.Check{ID: r.ID, OrderID: r.OrderID, Kind: r.Kind, DueOn: domain.AsDate(r.DueOn),
		CompletedOn: datePtr(r.CompletedOn), Outcome: r.Outcome, Notes: r.Notes,
		ScheduledBy: officerRef(r.ScheduledBy, r.SName, r.SEmail),
		CompletedBy: officerRef(r.CompletedBy, r.CName, r.CEmail),
		CancelledBy: officerRef(r.CancelledBy, r.XName, r.XEmail), CancelReason: r.CancelReason,
		NoBreachReason: r.NoBreachReason, BreachID: r.BreachID,
		Corrections: []domain.CheckCorrection{},
		Version:     r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.CancelledAt != nil {
		t := r.CancelledAt.UTC()
		c.CancelledAt = &t
	}
	c.Status = c.StatusOf()
	return c
}

// checkKeys: an order's checks, by due date.
var checkKeys = keyset{cols: []string{"c.due_on", "c.id"}, types: []string{"date", "uuid"}}

// checks reads the checks matching where, by due date; tail ends the
// statement (a LIMIT).
func (s *Store) checks(db *gorm.DB, where, tail string, args ...any) ([]domain.Check, error) {
	var rows []checkRow
	if err := db.Raw(`SELECT c.*, sb.name AS s_name, sb.email AS s_email, cb.name AS c_name, cb.email AS c_email,
		       xb.name AS x_name, xb.email AS x_email,
		       (SELECT b.id FROM breach_cases b WHERE b.found_by_check = c.id ORDER BY b.id LIMIT 1) AS breach_id
		FROM checks c LEFT JOIN officers sb ON sb.id = c.scheduled_by LEFT JOIN officers cb ON cb.id = c.completed_by
		LEFT JOIN officers xb ON xb.id = c.cancelled_by
		WHERE `+where+checkKeys.orderBy()+tail, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Check, len(rows))
	ids := make([]string, len(rows))
	byID := make(map[string]*domain.Check, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		ids[i] = r.ID
		byID[r.ID] = &out[i]
	}
	if len(ids) == 0 {
		return out, nil
	}
	// Every check's corrections in one more query, oldest first.
	var corr []struct {
		CheckID             string
		PreviousCompletedOn time.Time
		PreviousOutcome     string
		PreviousNotes       *string
		Reason              string
		CorrectedBy         *string
		BName               *string
		BEmail              *string
		CorrectedAt         time.Time
	}
	if err := db.Raw(`SELECT k.*, b.name AS b_name, b.email AS b_email FROM check_corrections k
		LEFT JOIN officers b ON b.id = k.corrected_by WHERE k.check_id IN ? ORDER BY k.corrected_at, k.id`, ids).
		Scan(&corr).Error; err != nil {
		return nil, err
	}
	for _, k := range corr {
		c := byID[k.CheckID]
		c.Corrections = append(c.Corrections, domain.CheckCorrection{PreviousCompletedOn: domain.AsDate(k.PreviousCompletedOn),
			PreviousOutcome: k.PreviousOutcome, PreviousNotes: k.PreviousNotes, Reason: k.Reason,
			CorrectedBy: officerRef(k.CorrectedBy, k.BName, k.BEmail), CorrectedAt: k.CorrectedAt.UTC()})
	}
	return out, nil
}

// ScheduleCheck schedules a compliance check on a live order.
func (s *Store) ScheduleCheck(ctx context.Context, orderID string, c domain.Check) (domain.Check, error) {
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		id, err = scheduleCheck(tx, orderID, c, actorID(ctx), s.now())
		return err
	})
	if err != nil {
		return domain.Check{}, err
	}
	list, err := s.checks(s.db.WithContext(ctx), "c.id = ?", "", id)
	if err != nil {
		return domain.Check{}, err
	}
	return list[0], nil
}

// scheduleCheck works inside a caller's transaction, so a tasking meeting's
// decision to schedule a check follows the same rules.
func scheduleCheck(tx *gorm.DB, orderID string, c domain.Check, by *string, now time.Time) (string, error) {
	o, _, err := liveOrder(tx, orderID)
	if err != nil {
		return "", err
	}
	v := &domain.ValidationError{}
	c.ValidateSchedule(o, v)
	if err := v.Err(); err != nil {
		return "", err
	}
	id := newID()
	err = tx.Exec(`INSERT INTO checks (id, order_id, kind, due_on, notes, scheduled_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, orderID, c.Kind, c.DueOn.Time, c.Notes, by, now, now).Error
	return id, translate(err)
}

// CompleteCheck records a check's outcome, or corrects a completed one
// (change calls Check.Correct, and the previous values are kept). A
// compliance concern is raised or resolved in the same transaction.
func (s *Store) CompleteCheck(ctx context.Context, orderID, checkID string, ifVersion *int, change func(*domain.Check) error) (domain.Check, error) {
	if !validID(checkID) {
		return domain.Check{}, domain.ErrNotFound
	}
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		var rows []checkRow
		if err := tx.Table("checks").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = ? AND order_id = ?", checkID, orderID).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		c := rows[0].domain()
		if ifVersion != nil && *ifVersion != c.Version {
			return domain.ErrStale
		}
		if o.Ended() {
			return errEnded(o)
		}
		wasDone := c.Outcome != nil
		if err := change(&c); err != nil {
			return err
		}
		if wasDone != (c.Correction != nil) {
			return domain.Conflict("outcome", "the check was already completed on %s", c.CompletedOn)
		}
		v := &domain.ValidationError{}
		c.ValidateCompletion(o, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		if k := c.Correction; k != nil {
			if err := translate(tx.Exec(`INSERT INTO check_corrections (id, check_id, previous_completed_on,
				previous_outcome, previous_notes, reason, corrected_by, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				newID(), checkID, k.PreviousCompletedOn.Time, k.PreviousOutcome, k.PreviousNotes, k.Reason,
				actorID(ctx), s.now()).Error); err != nil {
				return err
			}
			if err := translate(tx.Exec(`UPDATE checks SET completed_on = ?, outcome = ?, notes = ?,
				version = version + 1, updated_at = ? WHERE id = ?`,
				c.CompletedOn.Time, c.Outcome, c.Notes, s.now(), checkID).Error); err != nil {
				return err
			}
			return nil
		}
		// The order's flags follow the outcome in this transaction (refresh.go).
		if err := translate(tx.Exec(`UPDATE checks SET completed_on = ?, outcome = ?, notes = ?, completed_by = ?,
			version = version + 1, updated_at = ? WHERE id = ?`,
			c.CompletedOn.Time, c.Outcome, c.Notes, actorID(ctx), s.now(), checkID).Error); err != nil {
			return err
		}
		return s.closeCheckActions(tx, checkID, domain.ActionDone, "the check was recorded: "+domain.Humanise(deref(c.Outcome)),
			c.CompletedOn)
	})
	if err != nil {
		return domain.Check{}, err
	}
	list, err := s.checks(s.db.WithContext(ctx), "c.id = ?", "", checkID)
	if err != nil {
		return domain.Check{}, err
	}
	return list[0], nil
}

// CancelCheck cancels a scheduled check with a reason. From today it is
// neither due nor overdue; the order's check_overdue flag is resolved in the
// same transaction when no other overdue check remains.
func (s *Store) CancelCheck(ctx context.Context, orderID, checkID string, ifVersion *int, reason string) (domain.Check, error) {
	if !validID(checkID) {
		return domain.Check{}, domain.ErrNotFound
	}
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		var rows []checkRow
		if err := tx.Table("checks").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = ? AND order_id = ?", checkID, orderID).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		c := rows[0].domain()
		if ifVersion != nil && *ifVersion != c.Version {
			return domain.ErrStale
		}
		if o.Ended() {
			return errEnded(o)
		}
		if err := c.Cancel(reason, today, &domain.ValidationError{}); err != nil {
			return err
		}
		now := s.now()
		// check_overdue resolves in this transaction when no other overdue
		// check remains (refresh.go).
		if err := translate(tx.Exec(`UPDATE checks SET outcome = ?, completed_on = ?, cancelled_at = ?, cancelled_by = ?,
			cancel_reason = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			c.Outcome, c.CompletedOn.Time, now, actorID(ctx), c.CancelReason, now, checkID).Error); err != nil {
			return err
		}
		return s.closeCheckActions(tx, checkID, domain.ActionCancelled, "the check was cancelled: "+deref(c.CancelReason),
			c.CompletedOn)
	})
	if err != nil {
		return domain.Check{}, err
	}
	list, err := s.checks(s.db.WithContext(ctx), "c.id = ?", "", checkID)
	if err != nil {
		return domain.Check{}, err
	}
	return list[0], nil
}

// ListChecks lists a page of an order's checks by due date.
func (s *Store) ListChecks(ctx context.Context, orderID string, p domain.Page) ([]domain.Check, string, error) {
	after, args, err := checkKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.orderExists(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	list, err := s.checks(s.db.WithContext(ctx), "c.order_id = ? AND "+after, limitClause(limit), append([]any{orderID}, args...)...)
	if err != nil {
		return nil, "", err
	}
	list, next := keysetPage(list, limit, func(c domain.Check) []string { return []string{c.DueOn.String(), c.ID} })
	return list, next, nil
}

var (
	_ domain.Officers = (*Store)(nil)
	_ domain.Subjects = (*Store)(nil)
	_ domain.Orders   = (*Store)(nil)
)

// closeCheckActions closes the open actions of the meeting decisions that
// scheduled the check, as the check is recorded or cancelled: the action
// was to carry it out (it stayed open for ever). Not before the day the
// action was given, in the service's zone.
func (s *Store) closeCheckActions(tx *gorm.DB, checkID, status, note string, on *domain.Date) error {
	day := s.Today()
	if on != nil {
		day = *on
	}
	return tx.Exec(`UPDATE meeting_decisions d SET status = @status, status_note = @note,
			status_on = greatest(CAST(@on AS date), (d.decided_at AT TIME ZONE @zone)::date),
			status_by = @by, status_at = @now
		WHERE d.check_id = @check AND d.status = 'open' AND d.withdrawn_at IS NULL`,
		map[string]any{"status": status, "note": note, "on": day.Time, "zone": s.zoneName(), "by": actorID(tx.Statement.Context),
			"now": s.now(), "check": checkID}).Error
}
