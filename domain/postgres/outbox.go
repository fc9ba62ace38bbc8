package postgres

import (
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// notify writes an event into the outbox in the change's own transaction:
// it is delivered if, and only if, the change commits. The same event
// about the same thing on the same day is written once.
func (s *Store) notify(tx *gorm.DB, e domain.Event) error { return notifyAt(tx, e, s.now()) }

func notifyAt(tx *gorm.DB, e domain.Event, now time.Time) error {
	var order, subject, on any
	if e.OrderID != "" {
		order = e.OrderID
	}
	if e.Subject != "" {
		subject = e.Subject
	}
	if e.On != nil {
		on = e.On.Time
	}
	return tx.Exec(`INSERT INTO notification_events (kind, officer_id, order_id, subject, due_on, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.Kind, e.OfficerID, order, subject, on, now).Error
}

// flagEventsSQL is a CTE, following one named raised (RETURNING order_id,
// kind), that tells the current owners of each order a flag was raised on:
// pre_release as its own kind, the others as flag_raised naming the kind.
// An overdue action's flag tells the officer given the action instead.
const flagEventsSQL = `,
told AS (
    INSERT INTO notification_events (kind, officer_id, order_id, subject, due_on, created_at)
    SELECT CASE WHEN r.kind = 'pre_release' THEN 'pre_release' ELSE 'flag_raised' END, a.officer_id, r.order_id, r.kind, NULL::date, CAST(@now AS timestamptz)
    FROM raised r JOIN owner_assignments a ON a.order_id = r.order_id AND a.ended_at IS NULL
    WHERE r.kind <> 'action_overdue'
    UNION ALL
    SELECT 'action_overdue', d.action_by, r.order_id, d.id::text, d.due_by, CAST(@now AS timestamptz)
    FROM raised r JOIN meeting_items i ON i.order_id = r.order_id
    JOIN meeting_decisions d ON d.item_id = i.id
    WHERE r.kind = 'action_overdue' AND d.status = 'open' AND d.due_by < @as_of AND d.withdrawn_at IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1)`
