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
