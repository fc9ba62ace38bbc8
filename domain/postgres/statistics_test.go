package postgres_test

import (
	"context"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// The service role owns no table, so it cannot ANALYZE; a sweep has the
// tables analysed through scpo_analyze (migration 00140), which runs with
// the schema owner's rights. On a register nobody has analysed, the first
// sweep leaves statistics behind, and a run that raised many flags has
// flags analysed once it has committed (in the background, so the wait
// below is for that, not for the run).
func TestSweepGathersStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, service := pgtest.URLs(t)
	// Autovacuum would analyse flags too (test databases are many and small,
	// so it visits each often); off for flags, only the sweep's own analysis
	// counts below.
	ownerStore, err := postgres.Open(ctx, owner, domain.FixedClock(benchToday.Add(10*time.Hour)), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if err := ownerStore.DB().Exec(`ALTER TABLE flags SET (autovacuum_enabled = off)`).Error; err != nil {
		t.Fatal(err)
	}
	defer ownerStore.Close()
	clock := &testClock{now: benchToday.Add(10 * time.Hour)}
	s, err := postgres.Open(ctx, service, clock, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	clocks.Store(s, clock)
	t.Cleanup(func() { s.Close(); clocks.Delete(s) })

	reltuples := func(table string) float64 {
		t.Helper()
		var n float64
		if err := s.DB().Raw(`SELECT reltuples FROM pg_class WHERE oid = ?::regclass`, table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// PostgreSQL skips, with a warning, a table the caller does not own.
	if err := s.DB().Exec(`ANALYZE orders`).Error; err != nil {
		t.Fatal(err)
	}
	if got := reltuples("orders"); got >= 0 {
		t.Fatalf("orders analysed by the service role (reltuples %v); want it skipped", got)
	}
	if _, err := s.GenerateOrders(ctx, 3000, benchToday); err != nil {
		t.Fatal(err)
	}
	// Generating has what it wrote analysed, through scpo_analyze too.
	if got := reltuples("orders"); got < 2000 {
		t.Errorf("orders after generating 3000: reltuples %v, want about 3000 (analysed)", got)
	}
	// As a register loaded some other way, which nobody has analysed.
	if err := ownerStore.DB().Exec(`DELETE FROM pg_statistic WHERE starelid = 'orders'::regclass`).Error; err != nil {
		t.Fatal(err)
	}
	if err := ownerStore.DB().Exec(`UPDATE pg_class SET reltuples = -1 WHERE oid = 'orders'::regclass`).Error; err != nil {
		t.Fatal(err)
	}
	before := reltuples("flags")
	r, err := s.RunJob(ctx, domain.JobOwnership, benchToday, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := reltuples("orders"); got < 2000 {
		t.Errorf("orders after the first sweep: reltuples %v, want about 3000 (analysed)", got)
	}
	t.Logf("ownership sweep raised %d; flags reltuples %v before", r.Raised, before)
	// The run analysed orders from a small sample (at most 11 histogram
	// bounds for a column), and in full once it had committed (up to 101).
	bounds := func() int {
		t.Helper()
		var n *int
		if err := s.DB().Raw(`SELECT cardinality(histogram_bounds::text::text[]) FROM pg_stats
			WHERE schemaname = 'public' AND tablename = 'orders' AND attname = 'id'`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == nil {
			return 0
		}
		return *n
	}
	deadline := time.Now().Add(30 * time.Second)
	for bounds() <= 11 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := bounds(); got <= 11 {
		t.Errorf("orders.id 30 s after the first sweep: %d histogram bounds, want the full sample's (analysed again after the run)", got)
	}

	// A run that raises more than manyChanged flags analyses flags with its
	// own rows in them, waiting its turn when another analysis holds the
	// lock (here, throughout the run and a second after it).
	if _, err := s.GenerateOrders(ctx, 25000, benchToday); err != nil {
		t.Fatal(err)
	}
	holder := s.DB().Begin()
	if err := holder.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:analyze'))`).Error; err != nil {
		t.Fatal(err)
	}
	r, err = s.RunJob(ctx, domain.JobReview, benchToday, nil)
	if err != nil {
		holder.Rollback()
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if got := reltuples("flags"); got >= float64(r.Raised)/2 {
		t.Errorf("flags analysed (reltuples %v) while another analysis held the lock", got)
	}
	if err := holder.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if r.Raised <= 10000 {
		t.Fatalf("review sweep raised %d, want more than 10000 for this test", r.Raised)
	}
	deadline = time.Now().Add(30 * time.Second)
	for reltuples("flags") < float64(r.Raised)/2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := reltuples("flags"); got < float64(r.Raised)/2 {
		t.Errorf("flags 30 s after raising %d: reltuples %v, want them counted (analysed after the run)", r.Raised, got)
	}
}
