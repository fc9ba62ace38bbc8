package postgres_test

import (
	"context"
	"testing"

	"scpo/domain"
)

// A feed holds what falls due from CalendarDaysBack days ago to
// CalendarDaysAhead ahead, soonest first, and no more than
// CalendarMaxEntries of it, however many orders the officer holds.
func TestCalendarFeedIsBounded(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	me := mustOfficer(t, s, "cal@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	sub := namedSubject(t, s, 7400)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerIOM, OfficerID: me.ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	day := s.Today()
	// Checks due every day from 100 days back: the first ten are too old,
	// then 91 inside the window behind today, then the rest ahead.
	if err := s.DB().Exec(`INSERT INTO checks (id, order_id, kind, due_on, created_at)
		SELECT gen_random_uuid(), ?, 'home_visit', CAST(? AS date) + g, now() FROM generate_series(-100, 700) g`,
		o.ID, day.Time).Error; err != nil {
		t.Fatal(err)
	}
	secret, err := s.CreateCalendarFeed(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	feed, err := s.CalendarFeedFor(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	for _, e := range feed.Entries {
		if e.Kind == domain.CalendarCheck {
			checks++
		}
	}
	if want := domain.CalendarDaysBack + 1 + domain.CalendarDaysAhead; checks != want {
		t.Errorf("%d checks in the feed, want %d (every day from %d days back to %d ahead)", checks, want,
			domain.CalendarDaysBack, domain.CalendarDaysAhead)
	}
	if first, want := feed.Entries[0].Due, day.AddDays(-domain.CalendarDaysBack); first != want {
		t.Errorf("the feed starts on %s, want %s", first, want)
	}
	if last, want := feed.Entries[len(feed.Entries)-1].Due, day.AddDays(domain.CalendarDaysAhead); last != want {
		t.Errorf("the feed ends on %s, want %s", last, want)
	}
	// A second check a day: more than the feed holds, so it ends sooner.
	if err := s.DB().Exec(`INSERT INTO checks (id, order_id, kind, due_on, created_at)
		SELECT gen_random_uuid(), ?, 'financial', CAST(? AS date) + g, now() FROM generate_series(-100, 700) g`,
		o.ID, day.Time).Error; err != nil {
		t.Fatal(err)
	}
	if feed, err = s.CalendarFeedFor(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != domain.CalendarMaxEntries {
		t.Fatalf("%d entries, want %d", len(feed.Entries), domain.CalendarMaxEntries)
	}
	if first, want := feed.Entries[0].Due, day.AddDays(-domain.CalendarDaysBack); first != want {
		t.Errorf("the feed starts on %s, want %s", first, want)
	}
	for i := 1; i < len(feed.Entries); i++ {
		if feed.Entries[i].Due.Before(feed.Entries[i-1].Due.Time) {
			t.Fatalf("entry %d (%s) before entry %d (%s)", i, feed.Entries[i].Due, i-1, feed.Entries[i-1].Due)
		}
	}
}
