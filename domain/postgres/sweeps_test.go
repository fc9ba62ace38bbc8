package postgres_test

import (
	"context"
	"encoding/json"
	"testing"

	"scpo/domain"
	"scpo/domain/postgres"
)

func sweepOrder(t *testing.T, s *postgres.Store, o domain.Order) domain.Order {
	t.Helper()
	if o.Reference == "" {
		o.Reference, o.Court, o.CourtType = "T20240001", "Bristol Crown Court", "crown"
	}
	out, err := s.CreateOrder(context.Background(), o)
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	return out
}

func run(t *testing.T, s *postgres.Store, job string, asOf domain.Date) domain.JobRun {
	t.Helper()
	clockOf(s).advanceTo(asOf) // a run never runs ahead of today: live to the day
	r, err := s.RunJob(context.Background(), job, asOf, nil)
	if err != nil {
		t.Fatalf("run %s as of %s: %v", job, asOf, err)
	}
	return r
}

func openFlags(t *testing.T, s *postgres.Store, orderID, kind string) []domain.Flag {
	t.Helper()
	fl, _, err := s.ListFlags(context.Background(), domain.FlagFilter{Status: "open", OrderID: orderID, Kind: kind}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

func TestReviewOverdueBoundaries(t *testing.T) {
	s := newStore(t)
	sub := mustSubject(t, s, "2012/0345678U", false)
	start := domain.NewDate(2026, 6, 1)
	o := sweepOrder(t, s, domain.Order{SubjectID: sub.ID, MadeOn: start, Commencement: domain.CommenceOnDate,
		StartsOn: &start, DurationMonths: ptr(24)})
	due := start.AddDays(90)
	if o.NextReviewDue == nil || !o.NextReviewDue.Equal(due.Time) {
		t.Fatalf("next review due %v, want %s", o.NextReviewDue, due)
	}
	if r := run(t, s, domain.JobReview, due); r.Raised != 0 {
		t.Errorf("due today raised %d flags, want none", r.Raised)
	}
	if r := run(t, s, domain.JobReview, due.AddDays(1)); r.Raised != 1 {
		t.Errorf("the day after raised %d, want 1", r.Raised)
	}
	if r := run(t, s, domain.JobReview, due.AddDays(2)); r.Raised != 0 || r.Resolved != 0 {
		t.Errorf("still overdue: raised %d resolved %d, want nothing", r.Raised, r.Resolved)
	}
	fl := openFlags(t, s, o.ID, domain.FlagReviewOverdue)
	if len(fl) != 1 {
		t.Fatalf("open flags %d, want 1", len(fl))
	}
	var d map[string]any
	json.Unmarshal(fl[0].Details, &d)
	if d["due_on"] != due.String() || d["days_overdue"] != float64(1) {
		t.Errorf("details %s", fl[0].Details)
	}
	got, _ := s.GetOrder(context.Background(), o.ID)
	if len(got.OpenFlags) != 1 || got.OpenFlags[0] != domain.FlagReviewOverdue {
		t.Errorf("order open_flags %v", got.OpenFlags)
	}
	if _, err := s.RecordReview(context.Background(), o.ID, domain.Review{ReviewedOn: domain.NewDate(2026, 9, 1),
		Kind: "routine", Outcome: "satisfactory"}); err != nil {
		t.Fatal(err)
	}
	// Recording the review ends the condition: the flag is resolved by the
	// change itself, so the next sweep has nothing left to resolve.
	if fl := openFlags(t, s, o.ID, domain.FlagReviewOverdue); len(fl) != 0 {
		t.Errorf("after review %d open review_overdue flags, want the change to resolve it", len(fl))
	}
	if r := run(t, s, domain.JobReview, due.AddDays(3)); r.Resolved != 0 || r.Raised != 0 {
		t.Errorf("after review the sweep raised %d resolved %d, want nothing", r.Raised, r.Resolved)
	}
	if r := run(t, s, domain.JobReview, domain.NewDate(2026, 9, 1).AddDays(91)); r.Raised != 1 {
		t.Errorf("overdue again raised %d, want a new flag", r.Raised)
	}
	all, _, _ := s.ListFlags(context.Background(), domain.FlagFilter{OrderID: o.ID}, domain.Page{Limit: 10})
	if len(all) != 2 {
		t.Errorf("flags in history %d, want 2", len(all))
	}
}

func TestEveryJobRuns(t *testing.T) {
	s := newStore(t)
	sub := mustSubject(t, s, "2012/0345678U", true)
	sweepOrder(t, s, domain.Order{SubjectID: sub.ID, MadeOn: domain.NewDate(2024, 6, 10),
		Commencement: domain.CommenceOnRelease, DurationMonths: ptr(60)})
	for _, job := range domain.JobNames {
		r := run(t, s, job, today)
		if r.Status != "succeeded" {
			t.Errorf("%s: %+v", job, r)
		}
	}
	if len(openFlags(t, s, "", domain.FlagUnowned)) != 1 {
		t.Error("unowned prison order not flagged")
	}
	if len(openFlags(t, s, "", domain.FlagPreRelease)) != 1 {
		t.Error("pre-release order (release 2027-03-01, window 180 days) not flagged")
	}
}
