package domain_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
		{"an owner replaced", domain.Decision{Decision: domain.DecisionAssignOwner, Role: ptr(domain.OwnerIOM), Owner: ben,
			Replaced: amy}, ": Ben Smith as IOM officer, replacing Amy O'Neill"},
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

// An allocation replaces the role's holder only when confirmed to replace
// them: a meeting's allocation ended the IOM owner's assignment unseen.
func TestOwnerChangeCheckReplacing(t *testing.T) {
	amy := &domain.OwnerAssignment{Officer: domain.OfficerRef{ID: "amy", Name: "Amy O'Neill"}}
	for _, tc := range []struct {
		name      string
		replacing *string
		current   *domain.OwnerAssignment
		officer   string
		refused   bool
	}{
		{"unchecked (PUT owners)", nil, amy, "ben", false},
		{"nobody holds the role", ptr(""), nil, "ben", false},
		{"confirmed someone who has since left the role", ptr("amy"), nil, "ben", false},
		{"already theirs", ptr(""), amy, "amy", false},
		{"the holder confirmed", ptr("amy"), amy, "ben", false},
		{"not confirmed", ptr(""), amy, "ben", true},
		{"confirmed someone else", ptr("carl"), amy, "ben", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := domain.OwnerChange{Role: domain.OwnerIOM, OfficerID: tc.officer, Replacing: tc.replacing}
			err := c.CheckReplacing(tc.current)
			if !tc.refused {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			v, ok := err.(*domain.ValidationError)
			if !ok || len(v.Errors) != 1 || v.Errors[0].Field != "replaces" ||
				!strings.Contains(v.Errors[0].Message, "replaces Amy O'Neill as IOM officer") {
				t.Errorf("want a refusal on replaces naming Amy O'Neill as IOM officer, got %v", err)
			}
		})
	}
}

// A meeting sees each owner role of an order: who holds it now, and which
// roles are missing (named by the order's unowned item, nobody holding
// them since); an allocation is for the first missing role. The card said
// only "No owner" and the form always offered the IOM officer, so an
// order with an IOM owner and no LRO had its IOM owner replaced.
func TestAgendaOrderOwnership(t *testing.T) {
	amy := &domain.OwnerSummary{ID: "amy", Name: "Amy O'Neill"}
	lara := &domain.OwnerSummary{ID: "lara", Name: "Lara Lee"}
	unowned := func(missing string) domain.AgendaReason {
		return domain.AgendaReason{Kind: domain.FlagUnowned, Details: json.RawMessage(`{"missing_roles": ` + missing + `}`)}
	}
	review := domain.AgendaReason{Kind: domain.FlagReviewOverdue}
	preRelease := domain.AgendaReason{Kind: domain.FlagPreRelease}
	type row struct {
		Role    string
		Owner   string
		Missing bool
	}
	for _, tc := range []struct {
		name    string
		order   domain.AgendaOrder
		want    []row
		toAlloc string
	}{
		{"an IOM owner, the LRO missing",
			domain.AgendaOrder{Reasons: []domain.AgendaReason{review, unowned(`["lro"]`)}, Owners: domain.Owners{IOM: amy}},
			[]row{{"iom", "Amy O'Neill", false}, {"lro", "", true}, {"orders_officer", "", false}}, domain.OwnerLRO},
		{"the missing LRO allocated since",
			domain.AgendaOrder{Reasons: []domain.AgendaReason{unowned(`["lro"]`)}, Owners: domain.Owners{IOM: amy, LRO: lara}},
			[]row{{"iom", "Amy O'Neill", false}, {"lro", "Lara Lee", false}, {"orders_officer", "", false}}, domain.OwnerOrdersOfficer},
		{"no owner at all",
			domain.AgendaOrder{Reasons: []domain.AgendaReason{unowned(`["iom", "lro", "orders_officer"]`)}},
			[]row{{"iom", "", true}, {"lro", "", true}, {"orders_officer", "", true}}, domain.OwnerIOM},
		{"before release with an LRO only",
			domain.AgendaOrder{Reasons: []domain.AgendaReason{preRelease}, Owners: domain.Owners{LRO: lara}},
			[]row{{"iom", "", false}, {"lro", "Lara Lee", false}, {"orders_officer", "", false}}, domain.OwnerIOM},
		{"every role held",
			domain.AgendaOrder{Reasons: []domain.AgendaReason{review}, Owners: domain.Owners{IOM: amy, LRO: lara, OrdersOfficer: lara}},
			[]row{{"iom", "Amy O'Neill", false}, {"lro", "Lara Lee", false}, {"orders_officer", "Lara Lee", false}}, domain.OwnerIOM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []row
			for _, r := range tc.order.Ownership() {
				name := ""
				if r.Owner != nil {
					name = r.Owner.Name
				}
				got = append(got, row{r.Role, name, r.Missing})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Ownership() (-want +got):\n%s", diff)
			}
			if r := tc.order.RoleToAllocate(); r != tc.toAlloc {
				t.Errorf("RoleToAllocate() = %s, want %s", r, tc.toAlloc)
			}
		})
	}
}

// An agenda's items are grouped one entry per order, reasons in item
// order, worst order first; each order's reasons are its own (they share
// one allocation).
func TestGroupAgenda(t *testing.T) {
	days := func(n int) *int { return &n }
	items := []domain.AgendaItem{
		{ID: "i1", OrderID: "a", Kind: domain.FlagUnowned},
		{ID: "i2", OrderID: "b", Kind: domain.FlagCheckOverdue, DaysOverdue: days(3)},
		{ID: "i3", OrderID: "a", Kind: domain.FlagReviewOverdue, DaysOverdue: days(9)},
		{ID: "i4", OrderID: "c", Kind: domain.FlagPreRelease, DaysToRelease: days(20)},
		{ID: "i5", OrderID: "b", Kind: domain.FlagExpiring},
		{ID: "i6", OrderID: "c", Kind: domain.FlagPreRelease, DaysToRelease: days(5)},
	}
	got := domain.GroupAgenda(items)
	var seen []string
	for _, o := range got {
		ids := o.OrderID + ":"
		for _, r := range o.Reasons {
			ids += r.ItemID
		}
		seen = append(seen, ids)
	}
	if want := []string{"a:i1i3", "b:i2i5", "c:i4i6"}; !slices.Equal(seen, want) {
		t.Fatalf("grouped %v, want %v", seen, want)
	}
	if *got[0].DaysOverdue != 9 || *got[1].DaysOverdue != 3 || *got[2].DaysToRelease != 5 {
		t.Fatalf("worst of each order: %+v", got)
	}
	// Appending to one order's reasons leaves the next order's alone.
	got[0].Reasons = append(got[0].Reasons, domain.AgendaReason{ItemID: "x"})
	if got[1].Reasons[0].ItemID != "i2" {
		t.Fatalf("an order's reasons ran into the next's: %+v", got[1].Reasons)
	}
	if g := domain.GroupAgenda(nil); g == nil || len(g) != 0 {
		t.Fatalf("no items: %#v, want an empty list", g)
	}
}
