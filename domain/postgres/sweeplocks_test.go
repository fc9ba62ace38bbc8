package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// A run settles its kinds in name order, the order force_counts rows are
// taken in by every statement that changes flags. A change that settles
// two kinds on one force (here a transaction holding the force's
// check_overdue count, then asking for its review_overdue count) waits for
// the review sweep or makes it wait, and both finish. Settled in the job's
// own order (review_overdue first), the run would hold the review count and
// wait for the check count while the change waits for the review count: a
// deadlock, one of the two failed.
func TestSweepTakesForceCountsInTheOrderChangesDo(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 600, today); err != nil {
		t.Fatal(err)
	}
	const force = "gloucestershire"
	if err := s.DB().Exec(`INSERT INTO force_counts (force, metric, n) VALUES (?, 'flag:check_overdue', 0),
		(?, 'flag:review_overdue', 0) ON CONFLICT DO NOTHING`, force, force).Error; err != nil {
		t.Fatal(err)
	}
	// The change: its own transaction, holding the check count first.
	change := s.DB().Begin()
	defer change.Rollback()
	if err := change.Exec(`UPDATE force_counts SET n = n WHERE force = ? AND metric = 'flag:check_overdue'`, force).Error; err != nil {
		t.Fatal(err)
	}
	// The review sweep's first run raises both kinds on the force.
	done := make(chan error, 1)
	go func() {
		_, err := s.RunJob(ctx, domain.JobReview, today, nil)
		done <- err
	}()
	// Once the run waits on a lock, the change asks for the review count.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := s.DB().Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock'`).Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the run finished without waiting for the change's lock: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never waited for the change")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := change.Exec(`UPDATE force_counts SET n = n WHERE force = ? AND metric = 'flag:review_overdue'`, force).Error; err != nil {
		t.Fatalf("the change failed: %v", err)
	}
	if err := change.Commit().Error; err != nil {
		t.Fatalf("the change's commit: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the run failed: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not finish")
	}
	var kept, recount []forceCount
	if err := s.DB().Raw(`SELECT force, metric, n FROM force_counts WHERE n <> 0 ORDER BY 1, 2`).Scan(&kept).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Raw(forceCountsRecountSQL).Scan(&recount).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recount, kept); d != "" {
		t.Errorf("force_counts drifted from a recount (-recount +kept):\n%s", d)
	}
}
