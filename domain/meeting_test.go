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
