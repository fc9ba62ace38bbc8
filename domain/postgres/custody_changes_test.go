package postgres_test

import (
	"context"
	"testing"

	"scpo/domain"
)

// A subject moved to another prison, or given another release date, while
// still in custody keeps what the period said before: it was overwritten
// in place, and the old prison and date were gone.
func TestCustodyChangesAreKept(t *testing.T) {
	s := newStore(t)
	admin := mustOfficer(t, s, "custody.admin@police.uk", nil, domain.RoleAdmin)
	ctx := domain.WithActor(context.Background(), admin)
	sub := newSubject(t, s, 9301, "gloucestershire", custody(date(2027, 2, 14)))
	change := func(f func(c *domain.Custody)) {
		t.Helper()
		if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error { f(&x.Custody); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	change(func(c *domain.Custody) { c.Establishment = ptr("HMP Leyhill") })
	change(func(c *domain.Custody) { c.ReleaseDate, c.ReleaseDateType = date(2027, 3, 1), ptr("ARD") })
	// A change to something else keeps nothing new.
	if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error { x.FirstNames = "Renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	h, _, err := s.CustodyHistory(ctx, sub.ID, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || len(h[0].Changes) != 2 {
		t.Fatalf("history %+v: want one period with two changes", h)
	}
	first, second := h[0].Changes[0], h[0].Changes[1]
	if *first.Before.Establishment != "HMP Bristol" || *first.After.Establishment != "HMP Leyhill" ||
		first.Before.ReleaseDate.String() != "2027-02-14" || first.After.ReleaseDate.String() != "2027-02-14" {
		t.Errorf("the move to another prison kept %+v", first)
	}
	if second.Before.ReleaseDate.String() != "2027-02-14" || *second.Before.ReleaseDateType != "CRD" ||
		second.After.ReleaseDate.String() != "2027-03-01" || *second.After.ReleaseDateType != "ARD" {
		t.Errorf("the new release date kept %+v", second)
	}
	if first.ChangedBy == nil || first.ChangedBy.ID != admin.ID {
		t.Errorf("changed by %+v, want %s", first.ChangedBy, admin.ID)
	}
	if *h[0].Establishment != "HMP Leyhill" || h[0].ReleaseDate.String() != "2027-03-01" {
		t.Errorf("the period now says %+v", h[0])
	}
}

// A release date moved into the pre-release window, or into the past, is
// on the agenda at once: the pre-release board said so, and the agenda
// and the order's flags waited for the custody sweep.
func TestCustodyChangeRaisesTheCustodyFlagsAtOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := newSubject(t, s, 9302, "gloucestershire", custody(date(2028, 1, 5)))
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 60))
	if n := len(openFlags(t, s, o.ID, domain.FlagPreRelease)); n != 0 {
		t.Fatalf("%d pre-release flags before the change", n)
	}
	if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
		x.Custody.ReleaseDate = date(2027, 1, 20)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFlags(t, s, o.ID, domain.FlagPreRelease)); n != 1 {
		t.Errorf("%d pre-release flags after the release date moved into the window, want 1", n)
	}
	if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
		x.Custody.ReleaseDate = date(2026, 11, 20)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFlags(t, s, o.ID, domain.FlagReleaseDatePassed)); n != 1 {
		t.Errorf("%d release-date-passed flags after the date moved before today, want 1", n)
	}
	if n := len(openFlags(t, s, o.ID, domain.FlagPreRelease)); n != 0 {
		t.Errorf("%d pre-release flags after the date passed, want 0", n)
	}
}
