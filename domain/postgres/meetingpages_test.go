package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// A meeting's agenda is answered a page of orders at a time, worst first,
// and the pages together are the whole agenda in the minutes' order: each
// order once, with all its items and nothing else, and the summary counts
// the whole of it on every page. A force's meeting at a national register
// froze 39,000 items, a 36 MB answer.
func TestMeetingAgendaComesInPages(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 2500, today); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)
	var force string
	if err := s.DB().Raw(`SELECT force FROM flags WHERE resolved_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).
		Scan(&force).Error; err != nil {
		t.Fatal(err)
	}
	opened, err := s.OpenMeeting(ctx, force, today)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := s.MeetingMinutes(ctx, opened.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Orders) < 30 {
		t.Fatalf("%s's agenda has %d orders; too few to page", force, len(whole.Orders))
	}
	sections := map[string]int{}
	for _, it := range whole.Agenda {
		sections[it.Kind]++
	}
	want := domain.MeetingSummary{Items: len(whole.Agenda), Orders: len(whole.Orders), Sections: sections}
	if opened.Summary.Items != want.Items || opened.Summary.Orders != want.Orders ||
		len(opened.Orders) != min(want.Orders, domain.MeetingPageDefault) {
		t.Errorf("the opened meeting (its first page) sums %+v with %d orders; want %+v", opened.Summary,
			len(opened.Orders), want)
	}
	// A cursor names the last order shown and its place in this agenda:
	// any other is refused, not read as a place to start from.
	for name, c := range map[string]string{
		"past the end":          domain.EncodeKeyCursor(strconv.Itoa(want.Orders+5), whole.Orders[0].OrderID),
		"beyond an int4":        domain.EncodeKeyCursor("3000000000", whole.Orders[0].OrderID),
		"another order's place": domain.EncodeKeyCursor("2", whole.Orders[0].OrderID),
		"zero":                  domain.EncodeKeyCursor("0", whole.Orders[0].OrderID),
	} {
		var invalid *domain.ValidationError
		if _, err := s.GetMeeting(ctx, opened.ID, domain.Page{Cursor: c, Limit: 7}); !errors.As(err, &invalid) {
			t.Errorf("a cursor %s: %v; want it refused", name, err)
		}
	}
	if _, err := s.GetMeeting(ctx, opened.ID, domain.Page{Cursor: domain.EncodeKeyCursor("1", whole.Orders[0].OrderID),
		Limit: 7}); err != nil {
		t.Errorf("the first order's own cursor: %v", err)
	}

	var paged []domain.AgendaOrder
	cursor, pages := "", 0
	for {
		m, err := s.GetMeeting(ctx, opened.ID, domain.Page{Cursor: cursor, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if m.Summary.Items != want.Items || m.Summary.Orders != want.Orders || len(m.Summary.Sections) != len(want.Sections) {
			t.Fatalf("page %d sums %+v; want %+v", pages, m.Summary, want)
		}
		for k, n := range want.Sections {
			if m.Summary.Sections[k] != n {
				t.Fatalf("page %d: section %s has %d; want %d", pages, k, m.Summary.Sections[k], n)
			}
		}
		if len(m.Orders) > 7 || (m.NextCursor != nil && len(m.Orders) != 7) {
			t.Fatalf("page %d has %d orders (next %v)", pages, len(m.Orders), m.NextCursor)
		}
		items := 0
		for _, o := range m.Orders {
			items += len(o.Reasons)
		}
		if items != len(m.Agenda) {
			t.Fatalf("page %d: %d items for its orders, %d in its agenda", pages, items, len(m.Agenda))
		}
		paged = append(paged, m.Orders...)
		if m.NextCursor == nil {
			break
		}
		cursor = *m.NextCursor
	}
	if len(paged) != len(whole.Orders) {
		t.Fatalf("%d pages gave %d orders; the agenda has %d", pages, len(paged), len(whole.Orders))
	}
	for i := range paged {
		a, b := paged[i], whole.Orders[i]
		if a.OrderID != b.OrderID || len(a.Reasons) != len(b.Reasons) {
			t.Fatalf("order %d: paged %s (%d reasons), minutes %s (%d reasons)", i, a.OrderID, len(a.Reasons),
				b.OrderID, len(b.Reasons))
		}
	}
	// Reading a page names its orders and their subjects on the request's
	// audit entry (the subjects are shown by name).
	trail := domain.NewAuditTrail(domain.AuditEntry{Action: domain.ActionConsultation})
	page, err := s.GetMeeting(domain.WithAudit(ctx, trail), opened.ID, domain.Page{Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := trail.Pending()
	named := map[domain.RecordRef]bool{}
	for _, r := range entry.Records {
		named[r] = true
	}
	for _, it := range page.Agenda {
		if !named[domain.RecordRef{Type: "order", ID: it.OrderID}] || !named[domain.RecordRef{Type: "subject", ID: it.SubjectID}] {
			t.Errorf("item %s: its order or subject is not named on the read's audit entry", it.ID)
		}
	}
	// The minutes' single pass gives the same pages.
	var passed []domain.AgendaOrder
	calls := 0
	if err := s.MeetingAgendaInPages(ctx, opened.ID, 7, func(orders []domain.AgendaOrder) error {
		calls++
		passed = append(passed, orders...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls != pages || len(passed) != len(whole.Orders) {
		t.Fatalf("one pass: %d pages, %d orders; want %d and %d", calls, len(passed), pages, len(whole.Orders))
	}
	for i := range passed {
		if passed[i].OrderID != whole.Orders[i].OrderID || len(passed[i].Reasons) != len(whole.Orders[i].Reasons) {
			t.Fatalf("one pass, order %d: %s, minutes %s", i, passed[i].OrderID, whole.Orders[i].OrderID)
		}
	}
	_, err = s.GetMeeting(ctx, opened.ID, domain.Page{Cursor: "not-a-cursor", Limit: 7})
	wantInvalid(t, err, "cursor")
}

// One order of a meeting's agenda is read alone, as its page has it (its
// items, its decisions, its owners now), with the cursor of the page of
// the agenda it is on, so that its decision form needs no other order and
// goes back to that page; an order not on the agenda is not found. The
// decision form came inline on each order of a page of a hundred, each
// with every officer list.
func TestMeetingOrderReadAlone(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)
	var force string
	if err := s.DB().Raw(`SELECT force FROM flags WHERE resolved_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).
		Scan(&force).Error; err != nil {
		t.Fatal(err)
	}
	opened, err := s.OpenMeeting(ctx, force, today)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := s.MeetingMinutes(ctx, opened.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Orders) < 15 {
		t.Fatalf("%s's agenda has %d orders; too few for three pages of 7", force, len(whole.Orders))
	}
	cursor := ""
	for n := 0; n < len(whole.Orders); n += 7 {
		page, err := s.GetMeeting(ctx, opened.ID, domain.Page{Cursor: cursor, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range page.Orders {
			one, err := s.GetMeetingOrder(ctx, opened.ID, o.OrderID, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(one.Orders) != 1 || len(one.Agenda) != len(o.Reasons) {
				t.Fatalf("order %d alone: %d orders, %d items; want 1 and %d", n+i, len(one.Orders), len(one.Agenda), len(o.Reasons))
			}
			if diff := cmp.Diff(o, one.Orders[0]); diff != "" {
				t.Fatalf("order %d alone, against its page (-page +alone):\n%s", n+i, diff)
			}
			if one.OrdersBefore != n+i || one.PageCursor != cursor || one.Summary.Orders != len(whole.Orders) {
				t.Fatalf("order %d alone: %d before it, page cursor %q, %d orders; want %d, %q, %d", n+i, one.OrdersBefore,
					one.PageCursor, one.Summary.Orders, n+i, cursor, len(whole.Orders))
			}
		}
		if page.NextCursor != nil {
			cursor = *page.NextCursor
		}
	}
	// Its decisions come with it.
	first := whole.Orders[0]
	d, err := s.Decide(ctx, opened.ID, domain.Decision{ItemID: first.Reasons[0].ItemID, Decision: domain.DecisionNote,
		Notes: ptr("Discussed.")})
	if err != nil {
		t.Fatal(err)
	}
	one, err := s.GetMeetingOrder(ctx, opened.ID, first.OrderID, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Orders[0].Decisions) != 1 || one.Orders[0].Decisions[0].ID != d.ID {
		t.Errorf("the order's decisions read alone: %+v", one.Orders[0].Decisions)
	}
	for name, order := range map[string]string{"not on the agenda": "01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5", "not an id": "G-001"} {
		if _, err := s.GetMeetingOrder(ctx, opened.ID, order, 7); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("an order %s: %v; want not found", name, err)
		}
	}
}
