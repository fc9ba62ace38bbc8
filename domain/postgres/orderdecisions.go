package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// decisionKeys: the meetings' decisions, in the order they were made.
var decisionKeys = keyset{cols: []string{"d.decided_at", "d.id"}, types: []string{"timestamptz", "uuid"}}

// OrderDecisions lists a page of the decisions of the force's and regional
// meetings on the order's agenda items, oldest first.
func (s *Store) OrderDecisions(ctx context.Context, orderID string, p domain.Page) ([]domain.OrderDecision, string, error) {
	after, args, err := decisionKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	rows, err := s.itemDecisions(ctx, s.db.WithContext(ctx), "i.order_id = ?", orderID, after, limitClause(limit), args...)
	if err != nil {
		return nil, "", err
	}
	rows, next := keysetPage(rows, limit, func(r itemDecision) []string {
		return []string{keyTime(r.Decision.DecidedAt), r.Decision.ID}
	})
	out := make([]domain.OrderDecision, len(rows))
	for i, r := range rows {
		out[i] = r.OrderDecision
	}
	return out, next, nil
}

// itemDecision is a decision with the order its item is on.
type itemDecision struct {
	OrderID string
	domain.OrderDecision
}

// itemDecisions are the meetings' decisions on the agenda items matching
// where (over meeting_items i), oldest first, those matching after (over
// meeting_decisions d, with afterArgs), tail ending the statement (a
// LIMIT); each meeting read is noted.
func (s *Store) itemDecisions(ctx context.Context, db *gorm.DB, where string, arg any, after, tail string, afterArgs ...any) ([]itemDecision, error) {
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
	rows, err := decisionRows(db, `SELECT `+decisionColumns+` FROM meeting_decisions d
		WHERE d.item_id = ANY (CAST(? AS uuid[])) AND `+after+decisionKeys.orderBy()+tail,
		append([]any{textArray(ids)}, afterArgs...)...)
	if err != nil {
		return nil, err
	}
	decisions := make([]domain.Decision, len(rows))
	for i, r := range rows {
		decisions[i] = r.decision()
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
