package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"scpo/domain"
)

// Checked files are kept as checked, a few per officer (checking another
// forgets their oldest), swept once expired, and forgotten when recorded.
func TestCheckedImportsKept(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	glos := "gloucestershire"
	me := mustOfficer(t, s, "keeper@gloucestershire.police.uk", &glos, "orders_officer")
	you := mustOfficer(t, s, "other@gloucestershire.police.uk", &glos, "orders_officer")
	at := clockOf(s).Now()
	keep := func(id, officer string, when time.Time) domain.CheckedImport {
		t.Helper()
		c := domain.NewCheckedImport(id, officer, glos, id+".csv", []byte("pnc_id\n"+id+"\n"), when)
		if err := s.KeepCheckedImport(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	kept := func(id string) bool {
		t.Helper()
		_, err := s.CheckedImport(ctx, id)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	first := keep("yours", you.ID, at)
	got, err := s.CheckedImport(ctx, first.ID)
	if err != nil || string(got.Data) != string(first.Data) || got.SHA256 != first.SHA256 || got.OfficerID != you.ID ||
		!got.ExpiresAt.Equal(first.ExpiresAt) || got.UsableBy(you.ID, at) != nil {
		t.Fatalf("kept %+v, %v; want %+v", got, err, first)
	}
	for i := range domain.CheckedImportsKept + 2 {
		keep(fmt.Sprintf("mine-%d", i), me.ID, at.Add(time.Duration(i)*time.Minute))
	}
	for i := range domain.CheckedImportsKept + 2 {
		if want := i >= 2; kept(fmt.Sprintf("mine-%d", i)) != want {
			t.Errorf("mine-%d kept: %v, want %v (the newest %d)", i, !want, want, domain.CheckedImportsKept)
		}
	}
	if !kept("yours") {
		t.Errorf("another officer's check was forgotten for mine")
	}

	// Two days on, the next check sweeps the expired ones.
	clockOf(s).advanceTo(today.AddDays(2))
	keep("later", me.ID, clockOf(s).Now())
	if kept("yours") || kept("mine-6") || !kept("later") {
		t.Errorf("after a day: yours %v, mine-6 %v, later %v", kept("yours"), kept("mine-6"), kept("later"))
	}
	if err := s.ForgetCheckedImport(ctx, "later"); err != nil || kept("later") {
		t.Errorf("forgotten: %v, still kept %v", err, kept("later"))
	}
}

// A file checked and never recorded goes with the hourly retention once its
// day is over, though nobody checks another file.
func TestCheckedImportsGoWithTheRetention(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	glos := "gloucestershire"
	me := mustOfficer(t, s, "forgetful@gloucestershire.police.uk", &glos, "orders_officer")
	at := clockOf(s).Now()
	old := domain.NewCheckedImport("stale", me.ID, glos, "stale.csv", []byte("pnc_id\nx\n"), at.Add(-25*time.Hour))
	fresh := domain.NewCheckedImport("fresh", me.ID, glos, "fresh.csv", []byte("pnc_id\ny\n"), at)
	for _, c := range []domain.CheckedImport{fresh, old} { // old last: keeping one drops those expired before it
		if err := s.KeepCheckedImport(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.PruneNotifications(ctx, at.Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckedImport(ctx, old.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the file checked a day ago is still kept (%v)", err)
	}
	if _, err := s.CheckedImport(ctx, fresh.ID); err != nil {
		t.Errorf("today's checked file is gone: %v", err)
	}
}
