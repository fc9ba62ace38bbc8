package domain

import "context"

// OrderDecision is a meeting's decision on one of an order's agenda items:
// the force's tasking meeting, or the regional meeting an escalation went
// to. The order's force reads both on the order (it cannot open another
// region's meeting, and an officer opening the order saw no meeting's
// decision at all).
type OrderDecision struct {
	MeetingID string `json:"meeting_id"`
	HeldOn    Date   `json:"held_on"`
	// Region is the regional meeting's region; null at a force's meeting.
	Region   *string  `json:"region"`
	ItemKind string   `json:"item_kind"`
	Decision Decision `json:"decision"`
}

// OrderDecisionReader reads the meetings' decisions on an order.
type OrderDecisionReader interface {
	// OrderDecisions lists a page of the meetings' decisions on the order's
	// agenda items, oldest first, and the cursor of the next page
	// (ErrNotFound for an order outside the caller's view).
	OrderDecisions(ctx context.Context, orderID string, p Page) ([]OrderDecision, string, error)
}
