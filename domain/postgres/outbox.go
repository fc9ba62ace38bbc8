package postgres

import (
	"gorm.io/gorm"

	"scpo/domain"
)

// notify writes an event into the outbox in the change's own transaction:
// it is delivered if, and only if, the change commits. The same event
// about the same thing on the same day is written once.
func (s *Store) notify(tx *gorm.DB, e domain.Event) error {
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
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.Kind, e.OfficerID, order, subject, on, s.now()).Error
}
