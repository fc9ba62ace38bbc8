package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

type assignmentRow struct {
	ID           string
	OrderID      string
	Role         string
	OfficerID    string
	OfficerName  string
	OfficerEmail string
	AssignedAt   time.Time
	Reason       string
	AssignedBy   *string
	ByName       *string
	ByEmail      *string
	EndedAt      *time.Time
	EndedBy      *string
	EndedName    *string
	EndedEmail   *string
	EndReason    *string
}

func officerRef(id, name, email *string) *domain.OfficerRef {
	if id == nil {
		return nil
	}
	return &domain.OfficerRef{ID: *id, Name: deref(name), Email: deref(email)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (r assignmentRow) domain() domain.OwnerAssignment {
	a := domain.OwnerAssignment{ID: r.ID, OrderID: r.OrderID, Role: r.Role,
		Officer: domain.OfficerRef{ID: r.OfficerID, Name: r.OfficerName, Email: r.OfficerEmail},
		From:    r.AssignedAt.UTC(), Reason: r.Reason, AssignedBy: officerRef(r.AssignedBy, r.ByName, r.ByEmail),
		EndedBy: officerRef(r.EndedBy, r.EndedName, r.EndedEmail), EndReason: r.EndReason}
	if r.EndedAt != nil {
		t := r.EndedAt.UTC()
		a.Until = &t
	}
	return a
}

const assignmentSelect = `SELECT a.id, a.order_id, a.role, a.officer_id, f.name AS officer_name, f.email AS officer_email,
	a.assigned_at, a.reason, a.assigned_by, b.name AS by_name, b.email AS by_email,
	a.ended_at, a.ended_by, e.name AS ended_name, e.email AS ended_email, a.end_reason
	FROM owner_assignments a
	JOIN officers f ON f.id = a.officer_id
	LEFT JOIN officers b ON b.id = a.assigned_by
	LEFT JOIN officers e ON e.id = a.ended_by `

func actorID(ctx context.Context) *string {
	if a, ok := domain.ActorFrom(ctx); ok {
		return &a.ID
	}
	return nil
}

// AssignOwner gives an owner role on an order to an officer, ending the
// current holder's assignment. Concurrent calls for one order take turns on
// the order's row lock; the partial unique index is the last word.
func (s *Store) AssignOwner(ctx context.Context, c domain.OwnerChange) (domain.OwnerAssignment, error) {
	v := &domain.ValidationError{}
	c.Validate(true, v)
	if err := v.Err(); err != nil {
		return domain.OwnerAssignment{}, err
	}
	var out domain.OwnerAssignment
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, _, err = assignOwner(tx, c, actorID(ctx), s.clock)
		return err
	})
	return out, err
}

// assignOwner does the work of AssignOwner inside a caller's transaction,
// so bulk reassignment and meeting decisions follow the same rules. It
// answers the new assignment and the one it ended (nil when the role was
// empty, or already the officer's).
func assignOwner(tx *gorm.DB, c domain.OwnerChange, by *string, clock domain.Clock) (domain.OwnerAssignment, *domain.OwnerAssignment, error) {
	// The officer first, then the order: a deactivation locks the officer
	// and then the orders they own, so the other order would deadlock
	// when they already own this one (in another role, say).
	officer, officerErr := shareVisibleOfficer(tx, c.OfficerID)
	if officerErr != nil && officerErr != domain.ErrNotFound {
		return domain.OwnerAssignment{}, nil, officerErr
	}
	o, sub, err := lockOrder(tx, c.OrderID)
	if err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	// Read the time only once the lock is held, so history stays in order.
	now := clock.Now().UTC().Truncate(time.Microsecond)
	if c.IfVersion != nil && *c.IfVersion != o.Version {
		return domain.OwnerAssignment{}, nil, domain.ErrStale
	}
	if o.Ended() {
		return domain.OwnerAssignment{}, nil, errEnded(o)
	}
	if officerErr == domain.ErrNotFound {
		noteRefused(tx.Statement.Context, "officer", c.OfficerID)
		return domain.OwnerAssignment{}, nil, domain.Invalid("officer_id", "no such officer")
	}
	if err := canOwn(tx, officer, c.Role, sub.Force); err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	current, err := currentAssignment(tx, c.OrderID, c.Role)
	if err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	if current != nil && current.Officer.ID == c.OfficerID {
		return *current, nil, nil // already theirs: PUT is idempotent
	}
	if err := c.CheckReplacing(current); err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	if current != nil {
		if err := tx.Exec(`UPDATE owner_assignments SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ?`,
			now, by, c.Reason, current.ID).Error; err != nil {
			return domain.OwnerAssignment{}, nil, translate(err)
		}
	}
	id := newID()
	if err := tx.Exec(`INSERT INTO owner_assignments (id, order_id, role, officer_id, assigned_at, reason, assigned_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, c.OrderID, c.Role, c.OfficerID, now, c.Reason, by).Error; err != nil {
		return domain.OwnerAssignment{}, nil, translate(err)
	}
	if err := touchOrder(tx, c.OrderID, now); err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	// The officer hears of it, unless they gave it to themselves.
	if by == nil || *by != c.OfficerID {
		if err := notifyAt(tx, domain.Event{Kind: domain.EventOrderAllocated, OfficerID: c.OfficerID, OrderID: c.OrderID,
			Subject: c.Role}, now); err != nil {
			return domain.OwnerAssignment{}, nil, err
		}
	}
	var rows []assignmentRow
	if err := tx.Raw(assignmentSelect+`WHERE a.id = ?`, id).Scan(&rows).Error; err != nil {
		return domain.OwnerAssignment{}, nil, err
	}
	return rows[0].domain(), current, nil
}

// moveAssignments moves the given current assignments of officer from to
// officer to, as assignOwner would one by one, in a few statements: each
// ended with the reason and a new one begun, the orders' versions moved,
// the receiving officer told (unless they made the move), and the orders
// marked for their flags to follow. The caller has locked the orders and
// checked every move (see Reassign). One by one, 1,943 moves took 10 s.
func moveAssignments(tx *gorm.DB, moves []domain.ReassignmentItem, from, to, reason string, by *string,
	now time.Time) ([]domain.OwnerAssignment, error) {
	if len(moves) == 0 {
		return []domain.OwnerAssignment{}, nil
	}
	ids, orders, roles := make(textArray, len(moves)), make(textArray, len(moves)), make(textArray, len(moves))
	for i, m := range moves {
		ids[i], orders[i], roles[i] = newID(), m.OrderID, m.Role
	}
	args := map[string]any{"ids": ids, "orders": orders, "roles": roles, "from": from, "to": to,
		"reason": reason, "by": by, "now": now, "allocated": domain.EventOrderAllocated}
	ended := tx.Exec(`UPDATE owner_assignments a SET ended_at = @now, ended_by = @by, end_reason = @reason
		FROM unnest(CAST(@orders AS uuid[]), CAST(@roles AS text[])) m (order_id, role)
		WHERE a.order_id = m.order_id AND a.role = m.role AND a.officer_id = @from AND a.ended_at IS NULL`, args)
	if ended.Error != nil {
		return nil, translate(ended.Error)
	}
	if int(ended.RowsAffected) != len(moves) {
		// Another change ended one of them since it was planned: plan
		// again (see txOn).
		return nil, errTryAgain
	}
	if err := tx.Exec(`INSERT INTO owner_assignments (id, order_id, role, officer_id, assigned_at, reason, assigned_by)
		SELECT m.id, m.order_id, m.role, @to, @now, @reason, @by
		FROM unnest(CAST(@ids AS uuid[]), CAST(@orders AS uuid[]), CAST(@roles AS text[])) m (id, order_id, role)`,
		args).Error; err != nil {
		return nil, translate(err)
	}
	if err := tx.Exec(`UPDATE orders SET version = version + 1, updated_at = @now
		WHERE id IN (SELECT DISTINCT unnest(CAST(@orders AS uuid[])))`, args).Error; err != nil {
		return nil, err
	}
	if by == nil || *by != to {
		if err := tx.Exec(`INSERT INTO notification_events (kind, officer_id, order_id, subject, due_on, created_at)
			SELECT @allocated, @to, m.order_id, m.role, NULL, @now
			FROM unnest(CAST(@orders AS uuid[]), CAST(@roles AS text[])) m (order_id, role)
			ON CONFLICT DO NOTHING`, args).Error; err != nil {
			return nil, err
		}
	}
	touch(tx, orders...)
	var rows []assignmentRow
	if err := tx.Raw(assignmentSelect+`WHERE a.id = ANY (CAST(? AS uuid[])) ORDER BY a.order_id, a.role`, ids).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.OwnerAssignment, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func currentAssignment(tx *gorm.DB, orderID, role string) (*domain.OwnerAssignment, error) {
	var rows []assignmentRow
	if err := tx.Raw(assignmentSelect+`WHERE a.order_id = ? AND a.role = ? AND a.ended_at IS NULL`,
		orderID, role).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	a := rows[0].domain()
	return &a, nil
}

// RemoveOwner ends the current holder's assignment, leaving the role
// empty. Removing from an empty role changes nothing.
func (s *Store) RemoveOwner(ctx context.Context, c domain.OwnerChange) error {
	v := &domain.ValidationError{}
	c.Validate(false, v)
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, c.OrderID)
		if err != nil {
			return err
		}
		if c.IfVersion != nil && *c.IfVersion != o.Version {
			return domain.ErrStale
		}
		now := s.now()
		res := tx.Exec(`UPDATE owner_assignments SET ended_at = ?, ended_by = ?, end_reason = ?
			WHERE order_id = ? AND role = ? AND ended_at IS NULL`, now, actorID(ctx), c.Reason, c.OrderID, c.Role)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		raiseNow(tx, domain.FlagUnowned, c.OrderID)
		return touchOrder(tx, c.OrderID, now)
	})
}

// endOwnersWhoCannotAct ends the current assignments, among those matching
// filter (over owner_assignments a, orders o, subjects s, officers f, with
// @id bound to id), whose officer can no longer act on the order: inactive,
// of another force than the subject, or without the role (owner_can_act in
// SQL, the same rule as canOwn). Each ending is kept in the history with
// the reason; the orders' versions move and their flags are refreshed.
func endOwnersWhoCannotAct(tx *gorm.DB, filter, id, reason string, now time.Time) ([]string, error) {
	// The orders first, in id order, as an allocation takes its order's
	// row: the owned count the trigger keeps per force is judged with no
	// allocation to the same order under way. Without it, a deactivation
	// racing allocations on the officer's orders miscounted them (the
	// region report showed a force owning -25 orders).
	if err := tx.Exec(`SELECT o.id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		JOIN subjects s ON s.id = o.subject_id JOIN officers f ON f.id = a.officer_id
		WHERE a.ended_at IS NULL AND `+filter+` AND NOT owner_can_act(f.active, f.force, f.roles, a.role, s.force)
		ORDER BY o.id FOR UPDATE OF o`, map[string]any{"id": id}).Error; err != nil {
		return nil, err
	}
	var ended []struct{ OrderID, SubjectID string }
	// Each officer whose ownership ended hears of it (the outbox, in this
	// statement), naming the role.
	err := tx.Raw(`WITH ended AS (
		UPDATE owner_assignments a SET ended_at = greatest(@now, a.assigned_at), ended_by = @by, end_reason = @reason
		FROM orders o, subjects s, officers f
		WHERE a.ended_at IS NULL AND o.id = a.order_id AND s.id = o.subject_id AND f.id = a.officer_id
		  AND `+filter+` AND NOT owner_can_act(f.active, f.force, f.roles, a.role, s.force)
		RETURNING a.order_id, a.officer_id, a.role, s.id AS subject_id),
	told AS (
		INSERT INTO notification_events (kind, officer_id, order_id, subject, created_at)
		SELECT 'owner_removed', e.officer_id, e.order_id, e.role, @now FROM ended e
		ON CONFLICT DO NOTHING)
	SELECT DISTINCT order_id, subject_id FROM ended`, map[string]any{"now": now, "by": actorID(tx.Statement.Context), "reason": reason, "id": id}).
		Scan(&ended).Error
	if err != nil || len(ended) == 0 {
		return nil, err
	}
	// The change's audit entry names the orders and subjects it changed
	// (a deactivation named the officer alone, so the subjects' access
	// logs missed it).
	orders := make([]string, len(ended))
	for i, e := range ended {
		orders[i] = e.OrderID
		domain.Note(tx.Statement.Context, "subject", e.SubjectID)
	}
	domain.Note(tx.Statement.Context, "order", orders...)
	// One array, not an IN list of thousands of parameters (an officer
	// with 1,937 orders: 0.8 s planned as a list, 0.1 s as an array).
	if err := tx.Exec(`UPDATE orders SET version = version + 1, updated_at = ? WHERE id = ANY (CAST(? AS uuid[]))`,
		now, textArray(orders)).Error; err != nil {
		return nil, err
	}
	raiseNow(tx, domain.FlagUnowned, orders...)
	return orders, nil
}

// touchOrder bumps an order's version when its owners change: a client
// that read the order before an owner changed must read it again before
// changing it. (Due dates derived from reviews and checks do not move it.)
func touchOrder(tx *gorm.DB, orderID string, now time.Time) error {
	return tx.Exec(`UPDATE orders SET version = version + 1, updated_at = ? WHERE id = ?`, now, orderID).Error
}

// ownerKeys: an order's owner assignments, newest first.
var ownerKeys = keyset{cols: []string{"a.assigned_at", "a.id"}, types: []string{"timestamptz", "uuid"}, desc: true}

// OwnerHistory lists a page of the assignments on an order, newest first.
func (s *Store) OwnerHistory(ctx context.Context, orderID string, p domain.Page) ([]domain.OwnerAssignment, string, error) {
	after, args, err := ownerKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.orderExists(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	var rows []assignmentRow
	if err := s.db.WithContext(ctx).Raw(assignmentSelect+`WHERE a.order_id = ? AND `+after+ownerKeys.orderBy()+limitClause(limit),
		append([]any{orderID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.OwnerAssignment, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	out, next := keysetPage(out, limit, func(a domain.OwnerAssignment) []string { return []string{keyTime(a.From), a.ID} })
	return out, next, nil
}

func (s *Store) orderExists(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, domain.ErrNotFound
	}
	var subjects []string
	q := s.db.WithContext(ctx).Table("orders o").Joins("JOIN subjects s ON s.id = o.subject_id").Where("o.id = ?", id)
	if err := readScope(ctx, q, "s.force").Pluck("o.subject_id", &subjects).Error; err != nil {
		return false, err
	}
	if len(subjects) == 0 {
		return false, domain.ErrNotFound
	}
	domain.Note(ctx, "order", id)
	domain.Note(ctx, "subject", subjects[0])
	return true, nil
}
