package domain_test

import (
	"testing"

	"scpo/domain"
)

// A decision the chair files against no item in particular answers the
// item of its own kind: an owner allocated the order's want of an owner, a
// check scheduled its overdue check; anything else the order's first
// reason. Every allocation was filed against the first reason (Review
// overdue), whatever it answered.
func TestAgendaOrderItemFor(t *testing.T) {
	order := func(kinds ...string) domain.AgendaOrder {
		o := domain.AgendaOrder{}
		for _, k := range kinds {
			o.Reasons = append(o.Reasons, domain.AgendaReason{ItemID: "item-" + k, Kind: k})
		}
		return o
	}
	for _, tc := range []struct {
		name     string
		order    domain.AgendaOrder
		decision string
		want     string
	}{
		{"allocation answers no owner", order(domain.FlagReviewOverdue, domain.FlagUnowned), domain.DecisionAssignOwner, "item-unowned"},
		{"allocation before release", order(domain.FlagCheckOverdue, domain.FlagPreRelease), domain.DecisionAssignOwner, "item-pre_release"},
		{"no owner before pre-release", order(domain.FlagUnowned, domain.FlagPreRelease), domain.DecisionAssignOwner, "item-unowned"},
		{"check answers the overdue check", order(domain.FlagReviewOverdue, domain.FlagCheckOverdue), domain.DecisionScheduleCheck, "item-check_overdue"},
		{"allocation with no owner item", order(domain.FlagReviewOverdue, domain.FlagExpiring), domain.DecisionAssignOwner, "item-review_overdue"},
		{"a note answers the first reason", order(domain.FlagReviewOverdue, domain.FlagUnowned), domain.DecisionNote, "item-review_overdue"},
		{"an order with no reason", order(), domain.DecisionAssignOwner, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.order.ItemFor(tc.decision); got != tc.want {
				t.Errorf("ItemFor(%s) = %q, want %q", tc.decision, got, tc.want)
			}
		})
	}
}

// A decision reads the same wherever it is written: what it decided after
// its kind, in words. The meeting page wrote "Action; Amy O'Neill to act"
// and the printable minutes "Action ; action for Amy O'Neill".
func TestDecisionInWords(t *testing.T) {
	amy, ben, carl := &domain.OfficerRef{Name: "Amy O'Neill"}, &domain.OfficerRef{Name: "Ben Smith"}, &domain.OfficerRef{Name: "Carl Cole"}
	for _, tc := range []struct {
		name string
		d    domain.Decision
		want string
	}{
		{"an action", domain.Decision{Decision: domain.DecisionAction, ActionBy: amy, DueBy: dp(2026, 12, 3),
			Status: ptr(domain.ActionOpen), Notes: ptr("Visit the address.")},
			": Amy O'Neill to act by 3 December 2026 (open). Visit the address."},
		{"an owner allocated", domain.Decision{Decision: domain.DecisionAssignOwner, Role: ptr(domain.OwnerIOM), Owner: ben},
			": Ben Smith as IOM officer"},
		{"an owner allocated, and an action", domain.Decision{Decision: domain.DecisionAssignOwner, Role: ptr(domain.OwnerLRO),
			Owner: ben, ActionBy: amy, DueBy: dp(2026, 12, 3), Status: ptr(domain.ActionOpen)},
			": Ben Smith as Lead responsible officer; Amy O'Neill to act by 3 December 2026 (open)"},
		{"a check scheduled", domain.Decision{Decision: domain.DecisionScheduleCheck, CheckKind: ptr("home_visit"),
			CheckDueOn: dp(2026, 12, 10)}, ": home visit check due 10 December 2026"},
		{"an action moved and done", domain.Decision{Decision: domain.DecisionAction, ActionBy: carl, ReassignedFrom: amy,
			DueBy: dp(2026, 12, 3), Status: ptr(domain.ActionDone), StatusNote: ptr("Visited.")},
			": Carl Cole (first given to Amy O'Neill) to act by 3 December 2026 (done: Visited.)"},
		{"an escalation due back", domain.Decision{Decision: domain.DecisionEscalate, DueBy: dp(2026, 12, 10), Notes: ptr("Regional help.")},
			": due by 10 December 2026. Regional help."},
		{"a note", domain.Decision{Decision: domain.DecisionNote, Notes: ptr("Seen.")}, ". Seen."},
		{"no action", domain.Decision{Decision: domain.DecisionNoAction}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.InWords(); got != tc.want {
				t.Errorf("InWords() = %q, want %q", got, tc.want)
			}
		})
	}
}
