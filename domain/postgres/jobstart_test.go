package postgres_test

import (
	"context"
	"errors"
	"testing"

	"scpo/domain"
)

// A started run goes on to the end when its caller's context ends, and is
// recorded; while it holds the job, another start is refused; a run left
// "running" by a stopped process is recorded as failed by the next run.
func TestStartJobOutlivesItsCaller(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	subj := flSubject(t, s, 1, domain.Custody{Status: domain.CustodyCommunity})
	o := sweepOrder(t, s, flOnDate(subj.ID, today.AddDays(-20), 24))

	// A row a stopped process left running.
	if err := s.DB().Exec(`INSERT INTO job_runs (id, job, trigger, as_of, status, started_at)
		VALUES ('00000000-0000-7000-8000-000000000001', ?, 'manual', ?, 'running', now())`,
		domain.JobOwnership, today.Time).Error; err != nil {
		t.Fatal(err)
	}

	// Another process holds the job: the start is refused, nothing recorded.
	held, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := held.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('scpo:job:`+domain.JobOwnership+`'))`); err != nil {
		t.Fatal(err)
	}
	var conflict *domain.ConflictError
	if _, _, err := s.StartJob(ctx, domain.JobOwnership, today); !errors.As(err, &conflict) {
		t.Fatalf("start while the job is held elsewhere: %v, want a ConflictError", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	callerCtx, cancel := context.WithCancel(ctx)
	started, done, err := s.StartJob(callerCtx, domain.JobOwnership, today)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the request ends at once
	if started.Status != "running" {
		t.Errorf("started run's status %q, want running", started.Status)
	}
	out := <-done
	if out.Err != nil {
		t.Fatalf("run after its caller ended: %v", out.Err)
	}
	got, err := s.GetJobRun(ctx, domain.JobOwnership, started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "succeeded" || got.Raised < 1 || got.FinishedAt == nil {
		t.Errorf("recorded run %+v, want succeeded having raised the unowned flag", got)
	}
	flags, _, err := s.ListFlags(ctx, domain.FlagFilter{Status: "open", Kind: domain.FlagUnowned, OrderID: o.ID}, domain.Page{})
	if err != nil || len(flags) != 1 {
		t.Fatalf("open unowned flags: %v, %v; want 1", flags, err)
	}
	stale, err := s.GetJobRun(ctx, domain.JobOwnership, "00000000-0000-7000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if stale.Status != "failed" || stale.Error == nil {
		t.Errorf("run left running by a stopped process: %+v, want failed with an error", stale)
	}
	// The lock was given back: the next start is not refused.
	if _, done, err := s.StartJob(ctx, domain.JobOwnership, today); err != nil {
		t.Errorf("second start: %v", err)
	} else if out := <-done; out.Err != nil {
		t.Errorf("second run: %v", out.Err)
	}
}
