package postgres_test

import (
	"context"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// The days of an order's timeline are the service's days (SCPO_TIMEZONE),
// as every page gives them: an owner allocated at 01:00 in Auckland on
// the 26th was shown as allocated on the 25th, London's day.
func TestOrderTimelineDaysInTheServicesZone(t *testing.T) {
	t.Parallel()
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} // 01:00 on the 26th in Auckland
	s, err := postgres.Open(context.Background(), pgtest.URL(t), clock, auckland)
	if err != nil {
		t.Fatal(err)
	}
	clocks.Store(s, clock)
	t.Cleanup(func() { s.Close(); clocks.Delete(s) })
	ctx := context.Background()
	iom := mustOfficer(t, s, "zone@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	o := mustOrder(t, s, onDate(namedSubject(t, s, 7500).ID, domain.NewDate(2026, 7, 1), 36))
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerIOM, OfficerID: iom.ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	events, _, err := s.OrderEvents(ctx, o.ID, domain.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		if e.Kind == "owner_assigned" {
			found = true
			if want := domain.NewDate(2026, 11, 26); e.On != want {
				t.Errorf("owner allocated on %s, want %s (Auckland's day)", e.On, want)
			}
		}
	}
	if !found {
		t.Fatalf("no owner_assigned event in %+v", events)
	}
}
