package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// OrderDecisions lists the decisions of the force's and regional meetings
// on the order's agenda items, oldest first.
func (s *Store) OrderDecisions(ctx context.Context, orderID string) ([]domain.OrderDecision, error) {
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, err
	}
	rows, err := s.itemDecisions(ctx, s.db.WithContext(ctx), "i.order_id = ?", orderID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.OrderDecision, len(rows))
	for i, r := range rows {
		out[i] = r.OrderDecision
	}
	return out, nil
}

// itemDecision is a decision with the order its item is on.
type itemDecision struct {
	OrderID string
	domain.OrderDecision
}

// itemDecisions are the meetings' decisions on the agenda items matching
// where (over meeting_items i), oldest first; each meeting read is noted.
func (s *Store) itemDecisions(ctx context.Context, db *gorm.DB, where string, arg any) ([]itemDecision, error) {
	var items []struct {
		ID, MeetingID, OrderID, Kind string
		Region                       *string
		HeldOn                       time.Time
	}
	if err := db.Raw(`SELECT i.id, i.meeting_id, i.order_id, i.kind, m.region, m.held_on FROM meeting_items i
		JOIN meetings m ON m.id = i.meeting_id WHERE `+where, arg).Scan(&items).Error; err != nil {
		return nil, err
	}
	out := []itemDecision{}
	if len(items) == 0 {
		return out, nil
	}
	ids := make([]string, len(items))
	byID := map[string]int{}
	for i, it := range items {
		ids[i] = it.ID
		byID[it.ID] = i
	}
	decisions, err := s.decisions(db, "d.item_id = ANY (CAST(? AS uuid[]))", textArray(ids))
	if err != nil {
		return nil, err
	}
	for _, d := range decisions {
		it := items[byID[d.ItemID]]
		domain.Note(ctx, "meeting", it.MeetingID)
		out = append(out, itemDecision{OrderID: it.OrderID, OrderDecision: domain.OrderDecision{MeetingID: it.MeetingID,
			HeldOn: domain.AsDate(it.HeldOn), Region: it.Region, ItemKind: it.Kind, Decision: d}})
	}
	return out, nil
}

var _ domain.OrderDecisionReader = (*Store)(nil)
