package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type orderRow struct {
	ID                 string
	SubjectID          string
	Type               string
	Reference          string
	Court              string
	CourtType          string
	MadeOn             time.Time
	Commencement       string
	StartsOn           *time.Time
	EndsOn             *time.Time
	DurationMonths     *int
	ReviewIntervalDays *int
	Status             string
	EndedOn            *time.Time
	EndReason          *string
	ExtensionPending   bool
	ExtendedTo         *time.Time
	AppealPending      bool
	Interim            bool
	InterimOrderID     *string
	Conviction         *string // jsonb
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (orderRow) TableName() string { return "orders" }

// orderView is an order row with what is derived from its subject and
// schedule; the read queries fill it.
type orderView struct {
	Row           orderRow `gorm:"embedded"`
	SubjectName   string
	ReplacedBy    *string
	Force         string
	CustodyStatus string
	NextReviewDue *time.Time
	NextCheckDue  *time.Time
	Parts         orderParts `gorm:"embedded"`
}

func (r orderView) domain() domain.Order {
	o := r.Row.domain()
	o.Force, o.SubjectName, o.ReplacedBy = r.Force, r.SubjectName, r.ReplacedBy
	o.CaseType = domain.CaseCommunity
	if r.CustodyStatus == domain.CustodyCustody {
		o.CaseType = domain.CasePrison
	}
	o.NextReviewDue, o.NextCheckDue = datePtr(r.NextReviewDue), datePtr(r.NextCheckDue)
	return o
}

func (r orderRow) domain() domain.Order {
	return domain.Order{ID: r.ID, SubjectID: r.SubjectID, Type: r.Type, Reference: r.Reference, Court: r.Court,
		CourtType: r.CourtType, MadeOn: domain.AsDate(r.MadeOn), Commencement: r.Commencement,
		StartsOn: datePtr(r.StartsOn), EndsOn: datePtr(r.EndsOn), DurationMonths: r.DurationMonths,
		ReviewIntervalDays: r.ReviewIntervalDays, Status: r.Status, EndedOn: datePtr(r.EndedOn),
		EndReason: r.EndReason, ExtensionPending: r.ExtensionPending, ExtendedTo: datePtr(r.ExtendedTo),
		AppealPending: r.AppealPending, Interim: r.Interim, InterimOrderID: r.InterimOrderID,
		Conviction: convictionOf(r.Conviction), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Terms: []domain.Term{}, OpenFlags: []string{}}
}

func convictionOf(s *string) *domain.Conviction {
	if s == nil {
		return nil
	}
	var c domain.Conviction
	if json.Unmarshal([]byte(*s), &c) != nil {
		return nil
	}
	return &c
}

func convictionJSON(c *domain.Conviction) *string {
	if c == nil {
		return nil
	}
	b, _ := json.Marshal(c)
	s := string(b)
	return &s
}

func orderRowOf(o domain.Order) orderRow {
	return orderRow{ID: o.ID, SubjectID: o.SubjectID, Type: o.Type, Reference: o.Reference, Court: o.Court,
		CourtType: o.CourtType, MadeOn: o.MadeOn.Time, Commencement: o.Commencement, StartsOn: timePtr(o.StartsOn),
		EndsOn: timePtr(o.EndsOn), DurationMonths: o.DurationMonths, ReviewIntervalDays: o.ReviewIntervalDays,
		Status: o.Status, EndedOn: timePtr(o.EndedOn), EndReason: o.EndReason, ExtensionPending: o.ExtensionPending,
		ExtendedTo: timePtr(o.ExtendedTo), AppealPending: o.AppealPending, Interim: o.Interim,
		InterimOrderID: o.InterimOrderID, Conviction: convictionJSON(o.Conviction), Version: o.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

type termRow struct {
	OrderID    string
	Position   int
	TermID     string
	Category   string
	Text       string
	StartsOn   *time.Time
	EndsOn     *time.Time
	Monitoring *string // jsonb
}

func (termRow) TableName() string { return "order_terms" }

// carriedOwner is an owner of an interim order, carried to the full order
// that replaces it.
type carriedOwner struct {
	Role      string
	OfficerID string
}

// ownersToCarry reads an interim order's current owners, officer by
// officer (the order their rows are locked in).
func ownersToCarry(tx *gorm.DB, orderID string) ([]carriedOwner, error) {
	var out []carriedOwner
	err := tx.Raw(`SELECT role, officer_id FROM owner_assignments
		WHERE order_id = ? AND ended_at IS NULL ORDER BY officer_id, role`, orderID).Scan(&out).Error
	return out, err
}

// CreateOrder validates an order against its subject and records it with
// its terms.
func (s *Store) CreateOrder(ctx context.Context, o domain.Order) (domain.Order, error) {
	today := s.Today()
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sub, err := getSubject(tx, o.SubjectID, "SHARE")
		if err == nil {
			err = canSee(ctx, sub.Force)
		}
		if err == domain.ErrNotFound {
			noteRefused(ctx, "subject", o.SubjectID)
			return domain.Invalid("subject_id", "no such subject")
		} else if err != nil {
			return err
		}
		if err := canChange(ctx, sub.Force); err != nil {
			return err
		}
		o.Status, o.EndedOn, o.EndReason = "", nil, nil
		v := &domain.ValidationError{}
		o.Validate(sub, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := refuseDuplicateOrder(tx, o); err != nil {
			return err
		}
		var interim *domain.Order
		var carried []carriedOwner
		if o.InterimOrderID != nil {
			// The interim order's owners, their officers locked before
			// the order (the order assignOwner takes them in).
			if validID(*o.InterimOrderID) {
				var err error
				if carried, err = ownersToCarry(tx, *o.InterimOrderID); err != nil {
					return err
				}
				for _, c := range carried {
					if _, err := shareOfficer(tx, c.OfficerID); err != nil && err != domain.ErrNotFound {
						return err
					}
				}
			}
			iv, _, err := lockOrder(tx, *o.InterimOrderID)
			if err == nil && len(carried) > 0 {
				// Read again under the order's lock: an owner changed
				// meanwhile would be carried as it was.
				now, err := ownersToCarry(tx, iv.ID)
				if err != nil {
					return err
				}
				if !slices.Equal(now, carried) {
					return errTryAgain
				}
			}
			if err == domain.ErrNotFound {
				noteRefused(ctx, "order", *o.InterimOrderID)
				return domain.Invalid("interim_order_id", "no such order")
			} else if err != nil {
				return err
			}
			o.ReplaceInterim(&iv, v)
			if err := v.Err(); err != nil {
				return err
			}
			interim = &iv
		}
		now := s.now()
		o.ID, o.Version, o.CreatedAt, o.UpdatedAt = newID(), 1, now, now
		row := orderRowOf(o)
		if err := tx.Create(&row).Error; err != nil {
			return translate(err)
		}
		id = o.ID
		touch(tx, o.ID)
		domain.Note(ctx, "order", o.ID)
		domain.Note(ctx, "subject", o.SubjectID)
		if err := writeTerms(tx, o.ID, o.Terms); err != nil {
			return err
		}
		// The order's life starts with its "made" event and version 1 of each term.
		if err := recordMade(tx, []string{o.ID}, now); err != nil {
			return err
		}
		if interim != nil {
			if err := s.bumpOrder(tx, *interim, map[string]any{"status": interim.Status,
				"ended_on": timePtr(interim.EndedOn), "end_reason": interim.EndReason}); err != nil {
				return err
			}
			if _, err := s.recordEvent(tx, interim.ID, domain.EventReplaced, o.MadeOn, &o.Court,
				map[string]any{"full_order_id": o.ID, "reference": o.Reference, "reason": *interim.EndReason}); err != nil {
				return err
			}
			if err := s.endFlags(tx, interim.ID); err != nil {
				return err
			}
			// The officers who managed the interim order go on managing
			// the full one: the same subject, the same team. A role whose
			// officer can no longer hold it is left for allocation.
			for _, c := range carried {
				officer, err := shareOfficer(tx, c.OfficerID)
				if err != nil || domain.CanOwn(officer, c.Role, domain.Force{Code: sub.Force}) != nil {
					continue
				}
				if _, _, err := assignOwner(tx, domain.OwnerChange{OrderID: o.ID, Role: c.Role, OfficerID: c.OfficerID,
					Reason: "carried over from interim order " + interim.Reference + ", which this order replaces"},
					actorID(ctx), s.clock); err != nil {
					return err
				}
			}
		}
		if o.ServedAtHearing {
			_, err := s.recordEvent(tx, o.ID, domain.EventServed, o.MadeOn, &o.Court,
				domain.Service{Method: domain.ServedAtHearing, ServedOn: o.MadeOn})
			return err
		}
		return nil
	})
	if err != nil {
		return domain.Order{}, err
	}
	return s.GetOrder(ctx, id)
}

// refuseDuplicateOrder answers 409, naming the order already recorded, for
// a second record of the same order: same subject, court reference and day
// made. (A fresh order made on another day is a new order, s.16(6).) The
// unique index orders_one_per_reference is the backstop under concurrency.
func refuseDuplicateOrder(tx *gorm.DB, o domain.Order) error {
	var ids []string
	if err := tx.Raw(`SELECT id FROM orders WHERE subject_id = ? AND lower(reference) = lower(?) AND made_on = ?
		AND id <> coalesce(CAST(NULLIF(?, '') AS uuid), '00000000-0000-0000-0000-000000000000') LIMIT 1`,
		o.SubjectID, o.Reference, o.MadeOn.Time, o.ID).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) > 0 {
		return &domain.ConflictError{Field: "reference", Existing: "/api/v1/orders/" + ids[0],
			Message: "this order is already recorded (same subject, court reference and date made) as order " + ids[0]}
	}
	return nil
}

func writeTerms(tx *gorm.DB, orderID string, terms []domain.Term) error {
	if err := tx.Where("order_id = ?", orderID).Delete(&termRow{}).Error; err != nil {
		return err
	}
	if len(terms) == 0 {
		return nil
	}
	rows := make([]termRow, len(terms))
	for i, t := range terms {
		if t.ID == "" {
			t.ID = newID()
		}
		rows[i] = termRow{OrderID: orderID, Position: i, TermID: t.ID, Category: t.Category, Text: t.Text,
			StartsOn: timePtr(t.StartsOn), EndsOn: timePtr(t.EndsOn), Monitoring: monitoringJSON(t.Monitoring)}
	}
	return translate(tx.Create(&rows).Error)
}

// orderQuery selects orders with their derived fields; callers add filters.
// The schedule (a view joining the order, its subject, the force's policy,
// reviews and checks again) is read per order found, as a subquery the
// planner keeps apart (OFFSET 0): joined in, its relations made one join
// problem with the caller's filters, and planning it took four times as
// long as running it (a page of ?flag=unowned at 100k orders: 4 ms to
// plan, 1 ms to run; 0.6 ms to plan kept apart).
func orderQuery(db *gorm.DB) *gorm.DB {
	return db.Table("orders o").
		Select(orderColumns + `, ` + subjectNameSQL + ` AS subject_name, s.force, s.custody_status, ` + orderScheduleSQL + `,
			(SELECT f.id FROM orders f WHERE f.interim_order_id = o.id) AS replaced_by, ` + orderPartsSQL).
		Joins("JOIN subjects s ON s.id = o.subject_id")
}

// orderColumns are orderRow's columns of the order o, in the order
// scanOrderView reads them.
const orderColumns = `o.id, o.subject_id, o.type, o.reference, o.court, o.court_type, o.made_on, o.commencement,
	o.starts_on, o.ends_on, o.duration_months, o.review_interval_days, o.status, o.ended_on, o.end_reason,
	o.extension_pending, o.extended_to, o.appeal_pending, o.interim, o.interim_order_id, o.conviction, o.version,
	o.created_at, o.updated_at`

// scanOrderView reads one row of orderQuery column by column: a page of
// orders scanned by gorm's reflection was a quarter of the service's CPU
// on the order lists.
func scanOrderView(rows *sql.Rows, v *orderView) error {
	r := &v.Row
	return rows.Scan(&r.ID, &r.SubjectID, &r.Type, &r.Reference, &r.Court, &r.CourtType, &r.MadeOn, &r.Commencement,
		&r.StartsOn, &r.EndsOn, &r.DurationMonths, &r.ReviewIntervalDays, &r.Status, &r.EndedOn, &r.EndReason,
		&r.ExtensionPending, &r.ExtendedTo, &r.AppealPending, &r.Interim, &r.InterimOrderID, &r.Conviction, &r.Version,
		&r.CreatedAt, &r.UpdatedAt,
		&v.SubjectName, &v.Force, &v.CustodyStatus, &v.NextReviewDue, &v.NextCheckDue, &v.ReplacedBy,
		&v.Parts.TermsJSON, &v.Parts.OwnersJSON, &v.Parts.OpenFlags)
}

// orderScheduleSQL is order_schedule's two dates (migration 00002) for the
// order o of subject s, from the order's copy of its last review (migration
// 00280) instead of the view, which joined the order and its subject again
// and read its reviews: three of the dozen index probes an order on a page
// cost (TestOrderReadsMatchTheSchedule holds the two to each other).
const orderScheduleSQL = `
	CASE WHEN o.status IN ('pending', 'active') THEN
	    coalesce(o.last_reviewed_on, o.starts_on, o.made_on)
	    + coalesce(o.review_interval_days,
	               (SELECT CASE WHEN s.custody_status = 'custody' THEN coalesce(p.prison_review_days, 180)
	                            ELSE coalesce(p.community_review_days, 90) END
	                FROM force_policies p WHERE p.force = s.force),
	               CASE WHEN s.custody_status = 'custody' THEN 180 ELSE 90 END)
	END AS next_review_due,
	CASE WHEN o.status IN ('pending', 'active') THEN
	    (SELECT min(c.due_on) FROM checks c WHERE c.order_id = o.id AND c.outcome IS NULL)
	END AS next_check_due`

// orderPartsSQL reads an order's terms, current owners and open flag kinds
// with the order itself, each through its index on the order (evaluated
// for the rows returned only, after any sort and limit), so a read of one
// order or a page is one statement instead of four.
const orderPartsSQL = `
	(SELECT json_agg(json_build_object('term_id', t.term_id, 'category', t.category, 'text', t.text,
	                 'starts_on', t.starts_on, 'ends_on', t.ends_on, 'monitoring', t.monitoring) ORDER BY t.position)
	 FROM order_terms t WHERE t.order_id = o.id) AS terms_json,
	(SELECT json_agg(json_build_object('role', a.role, 'assigned_at', a.assigned_at, 'officer_id', a.officer_id,
	                 'name', f.name, 'email', f.email))
	 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
	 WHERE a.order_id = o.id AND a.ended_at IS NULL) AS owners_json,
	(SELECT array_agg(f.kind ORDER BY f.kind) FROM flags f WHERE f.order_id = o.id AND f.resolved_at IS NULL) AS open_flags`

// orderParts are the columns orderPartsSQL adds.
type orderParts struct {
	TermsJSON  []byte
	OwnersJSON []byte
	OpenFlags  textArray
}

// fill sets o's terms, owners and open flags from the parts read with it.
func (p orderParts) fill(o *domain.Order) error {
	if len(p.TermsJSON) > 0 {
		var terms []struct {
			TermID     string          `json:"term_id"`
			Category   string          `json:"category"`
			Text       string          `json:"text"`
			StartsOn   *string         `json:"starts_on"`
			EndsOn     *string         `json:"ends_on"`
			Monitoring json.RawMessage `json:"monitoring"`
		}
		if err := json.Unmarshal(p.TermsJSON, &terms); err != nil {
			return err
		}
		for _, t := range terms {
			row := termRow{TermID: t.TermID, Category: t.Category, Text: t.Text}
			for _, d := range []struct {
				in  *string
				out **time.Time
			}{{t.StartsOn, &row.StartsOn}, {t.EndsOn, &row.EndsOn}} {
				if d.in != nil {
					day, err := domain.ParseDate(*d.in)
					if err != nil {
						return err
					}
					*d.out = &day.Time
				}
			}
			if len(t.Monitoring) > 0 && string(t.Monitoring) != "null" {
				m := string(t.Monitoring)
				row.Monitoring = &m
			}
			o.Terms = append(o.Terms, row.domain())
		}
	}
	if len(p.OwnersJSON) > 0 {
		var owners []ownerRow
		if err := json.Unmarshal(p.OwnersJSON, &owners); err != nil {
			return err
		}
		for _, a := range owners {
			a.setOn(&o.Owners)
		}
	}
	if len(p.OpenFlags) > 0 {
		o.OpenFlags = []string(p.OpenFlags)
	}
	return nil
}

// GetOrder returns one order with its derived fields.
func (s *Store) GetOrder(ctx context.Context, id string) (domain.Order, error) {
	if !validID(id) {
		return domain.Order{}, domain.ErrNotFound
	}
	q := readScope(ctx, orderQuery(s.db.WithContext(ctx)), "s.force")
	out, err := s.loadOrders(s.db.WithContext(ctx), q.Where("o.id = ?", id))
	if err != nil {
		return domain.Order{}, err
	}
	if len(out) == 0 {
		return domain.Order{}, domain.ErrNotFound
	}
	return out[0], nil
}

// ordersWhere narrows q (an orderQuery) to the orders f names, of those
// the caller may see.
func ordersWhere(ctx context.Context, q *gorm.DB, f domain.OrderFilter) *gorm.DB {
	// By the order's copy of its subject's force (migration 00160), so a
	// force's orders are read from the (subject_force, id) index in order.
	q = readScope(ctx, q, "o.subject_force")
	if f.Force != "" {
		q = q.Where("o.subject_force = ?", f.Force)
	}
	if f.Status != "" {
		q = q.Where("o.status = ?", f.Status)
	}
	switch f.CaseType {
	case domain.CasePrison:
		q = q.Where("s.custody_status = 'custody'")
	case domain.CaseCommunity:
		q = q.Where("s.custody_status = 'community'")
	}
	if f.SubjectID != "" {
		q = q.Where("o.subject_id = ?", f.SubjectID)
	}
	// The officer's current orders are read first from their index (an
	// array, so the planner cannot choose to walk every order instead),
	// then fetched by id.
	if f.Owner != "" {
		q = q.Where(`o.id = ANY (ARRAY(SELECT a.order_id FROM owner_assignments a
			WHERE a.officer_id = ? AND a.ended_at IS NULL))`, f.Owner)
	}
	// The open flags of a kind are walked in order id order (at most one
	// open flag per order and kind), so a page stops after limit matches.
	if f.Flag != "" {
		q = q.Joins(`JOIN flags fl ON fl.order_id = o.id AND fl.resolved_at IS NULL AND fl.kind = ` + flagKindSQL(f.Flag))
	}
	if f.Reference != "" {
		q = q.Where("lower(o.reference) = lower(?)", f.Reference)
	}
	return q
}

// ListOrders returns a page of orders in creation order. It costs the same
// four queries whatever the page size.
func (s *Store) ListOrders(ctx context.Context, f domain.OrderFilter, p domain.Page) ([]domain.Order, string, error) {
	db := s.db.WithContext(ctx)
	q := ordersWhere(ctx, orderQuery(db), f)
	if p.Cursor != "" {
		q = q.Where("o.id > ?", p.Cursor)
	}
	limit := pageLimit(p)
	// The row read past the page (to tell whether another follows) is
	// not shown, so not noted on the trail.
	out, err := s.loadOrders(db.WithContext(domain.WithAudit(ctx, nil)), q.Order("o.id").Limit(limit+1))
	if err != nil {
		return nil, "", err
	}
	out, next, err := pageOf(out, limit, func(o domain.Order) string { return o.ID })
	for _, o := range out {
		domain.Note(ctx, "order", o.ID)
		domain.Note(ctx, "subject", o.SubjectID)
	}
	return out, next, err
}

// CountOrders counts the orders ListOrders lists with f.
func (s *Store) CountOrders(ctx context.Context, f domain.OrderFilter) (int, error) {
	q := ordersWhere(ctx, s.db.WithContext(ctx).Table("orders AS o").Joins("JOIN subjects s ON s.id = o.subject_id"), f)
	var n int64
	err := q.Count(&n).Error
	return int(n), err
}

// loadOrders runs q (an orderQuery: the orders with their terms, owners
// and open flags) in one statement.
func (s *Store) loadOrders(db *gorm.DB, q *gorm.DB) ([]domain.Order, error) {
	var rows []orderView
	if err := eachRow(q, func(r *sql.Rows) error {
		rows = append(rows, orderView{})
		return scanOrderView(r, &rows[len(rows)-1])
	}); err != nil {
		return nil, err
	}
	for _, r := range rows {
		domain.Note(db.Statement.Context, "order", r.Row.ID)
		domain.Note(db.Statement.Context, "subject", r.Row.SubjectID)
	}
	return ordersOf(rows)
}

// ordersOf makes the orders rows of orderQuery read.
func ordersOf(rows []orderView) ([]domain.Order, error) {
	out := make([]domain.Order, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		if err := r.Parts.fill(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lockOrder takes the order's row lock: every change to an order, its
// owners, reviews and checks goes through it, so they serialise per order.
func lockOrder(tx *gorm.DB, id string) (domain.Order, domain.Subject, error) {
	if !validID(id) {
		return domain.Order{}, domain.Subject{}, domain.ErrNotFound
	}
	var rows []orderRow
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return domain.Order{}, domain.Subject{}, err
	}
	if len(rows) == 0 {
		return domain.Order{}, domain.Subject{}, domain.ErrNotFound
	}
	o := rows[0].domain()
	var terms []termRow
	if err := tx.Where("order_id = ?", id).Order("position").Find(&terms).Error; err != nil {
		return domain.Order{}, domain.Subject{}, err
	}
	for _, t := range terms {
		o.Terms = append(o.Terms, t.domain())
	}
	sub, err := getSubject(tx, o.SubjectID, "")
	if err != nil {
		return domain.Order{}, domain.Subject{}, err
	}
	// Every change to an order passes here, so this is where scope holds.
	if err := canChange(tx.Statement.Context, sub.Force); err != nil {
		return domain.Order{}, domain.Subject{}, err
	}
	domain.Note(tx.Statement.Context, "order", o.ID)
	domain.Note(tx.Statement.Context, "subject", sub.ID)
	touch(tx, o.ID)
	o.Force = sub.Force
	return o, sub, nil
}

// liveOrder locks an order that is still live for a change: an ended order
// (discharged, expired, quashed) is kept read-only and answers 409.
func liveOrder(tx *gorm.DB, id string) (domain.Order, domain.Subject, error) {
	o, sub, err := lockOrder(tx, id)
	if err == nil && o.Ended() {
		err = errEnded(o)
	}
	return o, sub, err
}

// errEnded is what any change to an ended order gets.
func errEnded(o domain.Order) error {
	return domain.Conflict("status", "the order is %s and can no longer be changed", o.Status)
}

// UpdateOrder applies change under the order's lock.
func (s *Store) UpdateOrder(ctx context.Context, id string, ifVersion *int, change func(*domain.Order, domain.Subject) error) (domain.Order, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, sub, err := lockOrder(tx, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != o.Version {
			return domain.ErrStale
		}
		if o.Ended() {
			return errEnded(o)
		}
		before := o
		before.Terms = append([]domain.Term(nil), o.Terms...)
		if err := change(&o, sub); err != nil {
			return err
		}
		if o.MadeOn.Time.After(before.MadeOn.Time) {
			// Made later than the order's own records (a review, a check,
			// an event other than its making and its service at the
			// hearing, which follow it: see madeOnMoved), which could not be
			// recorded against it now.
			first, err := scanDay(tx, `SELECT min(d) FROM (
				SELECT min(reviewed_on) AS d FROM reviews WHERE order_id = @id
				UNION ALL SELECT min(least(due_on, coalesce(completed_on, due_on))) FROM checks WHERE order_id = @id
				UNION ALL SELECT min(on_date) FROM order_events e WHERE order_id = @id AND NOT `+ofTheMaking+`) x`,
				map[string]any{"id": o.ID, "from": before.MadeOn.Time})
			if err != nil {
				return err
			}
			if first != nil && first.Before(o.MadeOn.Time) {
				return domain.Invalid("made_on", "must not be after the order's own records: one is dated %s", *first)
			}
		}
		if err := refuseDuplicateOrder(tx, o); err != nil {
			return err
		}
		o.Version++
		o.UpdatedAt = s.now()
		row := orderRowOf(o)
		if err := tx.Select("*").Omit("created_at").Save(&row).Error; err != nil {
			return translate(err)
		}
		if !o.MadeOn.Equal(before.MadeOn.Time) {
			if err := madeOnMoved(tx, o.ID, before.MadeOn, o.MadeOn); err != nil {
				return err
			}
		}
		if o.Ended() {
			// The PATCH form of a discharge or quashing, recorded as the event
			// (without a court: POST /orders/{id}/discharge and the appeal
			// routes name it). An order whose end date was moved into the
			// past has expired, which has no such date or reason.
			if o.EndedOn != nil {
				if _, err := s.recordEvent(tx, o.ID, o.Status, *o.EndedOn, nil, map[string]any{
					"reason": o.EndReason, "via": "PATCH /api/v1/orders/{id}"}); err != nil {
					return err
				}
			}
			// An ended order keeps no open flags.
			if err := tx.Exec(`UPDATE flags SET resolved_at = ? WHERE order_id = ? AND resolved_at IS NULL`,
				o.UpdatedAt, o.ID).Error; err != nil {
				return err
			}
		}
		// A change of terms through PATCH is recorded as an amendment in
		// force from today, keeping every version (domain.AmendTerms).
		plan := domain.AmendTerms(before.Terms, o.Terms)
		if plan.Empty() {
			return nil
		}
		assignTermIDs(&plan)
		today := s.Today()
		ev, err := s.recordEvent(tx, o.ID, domain.EventTermsAmended, today, nil, map[string]any{
			"via": "PATCH /api/v1/orders/{id}", "terms_ended": plan.Ended, "terms_new": plan.New})
		if err != nil {
			return err
		}
		return applyTermPlan(tx, o.ID, ev.ID, today, plan)
	})
	if err != nil {
		return domain.Order{}, err
	}
	return s.GetOrder(ctx, id)
}

// ofTheMaking, over order_events e with @from the day the order was made,
// picks the records of its making: the "made" event and a service at the
// hearing, which are of that day whatever it is.
const ofTheMaking = `(e.kind = 'made' OR (e.kind = 'served' AND e.on_date = @from
	AND e.details->>'method' = '` + domain.ServedAtHearing + `'))`

// madeOnMoved carries a corrected made date to the records of the order's
// making and to the first versions of its terms, in force from the day it
// was made: otherwise the terms in force on a day after the new date
// and before the old one would read as none, and the timeline would keep
// the old date.
func madeOnMoved(tx *gorm.DB, orderID string, from, to domain.Date) error {
	args := map[string]any{"id": orderID, "from": from.Time, "to": to.Time}
	if err := tx.Exec(`UPDATE term_versions v SET effective_from = @to
		FROM order_events e WHERE v.order_id = @id AND e.id = v.made_by_event AND e.kind = 'made'
		  AND v.effective_from = @from`, args).Error; err != nil {
		return translate(err)
	}
	return tx.Exec(`UPDATE order_events e SET on_date = @to,
			details = CASE WHEN e.details->>'served_on' IS NOT NULL THEN jsonb_set(e.details, '{served_on}', to_jsonb(CAST(@to AS date)))
			               ELSE e.details END
		WHERE e.order_id = @id AND `+ofTheMaking, args).Error
}

// startOnReleaseOrders brings a released subject's on-release orders into
// force from the day of release.
func (s *Store) startOnReleaseOrders(tx *gorm.DB, sub domain.Subject, released, today domain.Date) error {
	var rows []orderRow
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("subject_id = ? AND commencement = 'on_release' AND starts_on IS NULL AND status = 'pending'", sub.ID).
		Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		o := r.domain()
		touch(tx, o.ID)
		if err := o.StartOnRelease(released, today); err != nil {
			return err
		}
		o.Version++
		o.UpdatedAt = s.now()
		if err := tx.Model(&orderRow{}).Where("id = ?", o.ID).Updates(map[string]any{
			"starts_on": timePtr(o.StartsOn), "ends_on": timePtr(o.EndsOn), "duration_months": o.DurationMonths,
			"status": o.Status, "version": o.Version, "updated_at": o.UpdatedAt,
		}).Error; err != nil {
			return translate(err)
		}
		if o.Ended() {
			if err := tx.Exec(`UPDATE flags SET resolved_at = ? WHERE order_id = ? AND resolved_at IS NULL`,
				o.UpdatedAt, o.ID).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// ownerRow is a current owner as read from owner_assignments and officers,
// by column or from orderPartsSQL's JSON.
type ownerRow struct {
	Role       string    `json:"role"`
	AssignedAt time.Time `json:"assigned_at"`
	OfficerID  string    `json:"officer_id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
}

// setOnOrder puts the owner in its role's place among orderID's owners.
func (a ownerRow) setOnOrder(owners map[string]domain.Owners, orderID string) {
	o := owners[orderID]
	a.setOn(&o)
	owners[orderID] = o
}

// setOn puts the owner in its role's place.
func (a ownerRow) setOn(o *domain.Owners) {
	sum := &domain.OwnerSummary{ID: a.OfficerID, Name: a.Name, Email: a.Email, Since: a.AssignedAt.UTC()}
	switch a.Role {
	case domain.OwnerIOM:
		o.IOM = sum
	case domain.OwnerLRO:
		o.LRO = sum
	case domain.OwnerOrdersOfficer:
		o.OrdersOfficer = sum
	}
}

// currentOwners loads the current owners of many orders in one query.
func currentOwners(db *gorm.DB, orderIDs []string) (map[string]domain.Owners, error) {
	out := make(map[string]domain.Owners, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	// The IDs as one array joined to the current-owner index: with a list
	// of 500 values the planner chose to scan every assignment instead.
	// Scanned column by column: every agenda and meeting page reads its
	// orders' owners here.
	err := eachRow(db.Raw(`SELECT a.order_id, a.role, a.assigned_at, a.officer_id, f.name, f.email
		FROM unnest(?::uuid[]) AS ids(id)
		JOIN owner_assignments a ON a.order_id = ids.id AND a.ended_at IS NULL
		JOIN officers f ON f.id = a.officer_id`, textArray(orderIDs)), func(rows *sql.Rows) error {
		var orderID string
		var a ownerRow
		if err := rows.Scan(&orderID, &a.Role, &a.AssignedAt, &a.OfficerID, &a.Name, &a.Email); err != nil {
			return err
		}
		a.setOnOrder(out, orderID)
		return nil
	})
	return out, err
}
