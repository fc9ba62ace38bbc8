package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestGenerateOrders(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	// Two loads, to show the second takes serials after the first.
	n1, err := s.GenerateOrders(ctx, 1500, today)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := s.GenerateOrders(ctx, 500, today)
	if err != nil {
		t.Fatal(err)
	}
	if n1 != 1500 || n2 != 500 {
		t.Fatalf("generated %d and %d orders, want 1500 and 500", n1, n2)
	}
	if _, err := s.GenerateOrders(ctx, 0, today); err == nil {
		t.Error("generating 0 orders succeeded, want an error")
	}

	var counts struct {
		Orders, Subjects, Forces, Custody, Live, Owned, Reviewed, OpenChecks, Officers int
	}
	if err := s.DB().Raw(`SELECT
		(SELECT count(*) FROM orders) AS orders,
		(SELECT count(*) FROM subjects) AS subjects,
		(SELECT count(DISTINCT force) FROM subjects) AS forces,
		(SELECT count(*) FROM subjects WHERE custody_status = 'custody') AS custody,
		(SELECT count(*) FROM live_orders) AS live,
		(SELECT count(DISTINCT order_id) FROM owner_assignments WHERE ended_at IS NULL) AS owned,
		(SELECT count(DISTINCT order_id) FROM reviews) AS reviewed,
		(SELECT count(*) FROM checks WHERE outcome IS NULL) AS open_checks,
		(SELECT count(*) FROM officers) AS officers`).Scan(&counts).Error; err != nil {
		t.Fatal(err)
	}
	t.Logf("generated: %+v", counts)
	if counts.Orders != 2000 || counts.Subjects != 2000 || counts.Live != 2000 {
		t.Errorf("orders %d subjects %d live %d, want 2000 each", counts.Orders, counts.Subjects, counts.Live)
	}
	if counts.Forces != 43 {
		t.Errorf("subjects in %d forces, want all 43", counts.Forces)
	}
	if counts.Custody < 350 || counts.Custody > 650 {
		t.Errorf("%d subjects in custody, want about a quarter of 2000", counts.Custody)
	}
	if counts.Owned < 650 || counts.Owned > 950 {
		t.Errorf("%d orders owned, want about 40%% of 2000", counts.Owned)
	}
	if counts.Reviewed == 0 || counts.OpenChecks == 0 {
		t.Errorf("reviewed %d, open checks %d, want some of each", counts.Reviewed, counts.OpenChecks)
	}
	if counts.Officers != 43*3*2 {
		t.Errorf("%d officers, want %d (the second load reuses them)", counts.Officers, 43*3*2)
	}

	// Owners hold the officer role their owner role needs, in their force.
	var mismatched int
	if err := s.DB().Raw(`SELECT count(*) FROM owner_assignments a
		JOIN officers o ON o.id = a.officer_id JOIN orders r ON r.id = a.order_id JOIN subjects s ON s.id = r.subject_id
		WHERE o.force <> s.force OR NOT (CASE a.role WHEN 'iom' THEN 'iom_officer' ELSE a.role END) = ANY (o.roles)`).
		Scan(&mismatched).Error; err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 {
		t.Errorf("%d owners with the wrong role or force", mismatched)
	}

	var pncs []string
	if err := s.DB().Raw(`SELECT pnc_id FROM subjects ORDER BY pnc_id`).Scan(&pncs).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, p := range pncs {
		if seen[p] {
			t.Fatalf("PNC %s appears twice", p)
		}
		seen[p] = true
		if i%37 != 0 && i != len(pncs)-1 {
			continue
		}
		got, err := domain.NormalisePNC(p, today)
		if err != nil || got != p {
			t.Errorf("PNC %s: normalised to %q, %v", p, got, err)
		}
	}

	// Orders read back through the store as valid.
	var ids []string
	if err := s.DB().Raw(`SELECT id FROM orders ORDER BY id LIMIT 20`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := s.GetOrder(ctx, id); err != nil {
			t.Errorf("get order %s: %v", id, err)
		}
	}

	for _, job := range domain.JobNames {
		r, err := s.RunJob(ctx, job, today, nil)
		if err != nil {
			t.Fatalf("%s: %v", job, err)
		}
		t.Logf("%s: raised %d, resolved %d, changed %d", job, r.Raised, r.Resolved, r.Changed)
	}
	byKind := map[string]int{}
	var rows []struct {
		Kind string
		N    int
	}
	if err := s.DB().Raw(`SELECT kind, count(*) AS n FROM flags WHERE resolved_at IS NULL GROUP BY kind`).
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		byKind[r.Kind] = r.N
	}
	t.Logf("open flags: %v", byKind)
	for _, kind := range domain.FlagKinds {
		// compliance_concern is raised when an outcome is recorded, not by a
		// sweep; the generator records no absences (owner_absent) and holds
		// no meetings (action_overdue).
		if kind != domain.FlagExpiring && kind != domain.FlagComplianceConcern && kind != domain.FlagOwnerAbsent &&
			kind != domain.FlagBreachDecisionDue && kind != domain.FlagBreachOpen && kind != domain.FlagExtensionToSettle && // raised by what is recorded
			kind != domain.FlagActionOverdue &&
			kind != domain.FlagInterimUnserved && kind != domain.FlagEMEnding && // the generator makes no interim orders or monitoring requirements
			byKind[kind] == 0 {
			t.Errorf("no %s flags raised", kind)
		}
	}
}

// benchToday is the day the benchmark's orders are generated around.
var benchToday = domain.NewDate(2026, 11, 25)

// openBenchStore opens a fresh database with n generated orders, analysed,
// and every job run once as of benchToday, so what the benchmarks time is a
// day's sweep rather than the first catch-up.
func openBenchStore(b *testing.B, n int) *postgres.Store {
	b.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	s, err := postgres.Open(ctx, pgtest.URL(b), clock, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	clocks.Store(s, clock)
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	got, err := s.GenerateOrders(ctx, n, benchToday)
	if err != nil {
		b.Fatal(err)
	}
	gen := time.Since(start)
	if err := s.DB().Exec(`ANALYZE`).Error; err != nil {
		b.Fatal(err)
	}
	b.Logf("orders=%d: generated %d orders in %v (%.1f µs/order)", n, got, gen.Round(time.Millisecond),
		float64(gen.Microseconds())/float64(got))
	for _, job := range domain.JobNames {
		start := time.Now()
		r, err := s.RunJob(ctx, job, benchToday, nil)
		if err != nil {
			b.Fatalf("%s: %v", job, err)
		}
		b.Logf("orders=%d: first %s (catch-up) took %v: raised %d, resolved %d, changed %d", n, job,
			time.Since(start).Round(time.Millisecond), r.Raised, r.Resolved, r.Changed)
	}
	if err := s.DB().Exec(`VACUUM ANALYZE`).Error; err != nil {
		b.Fatal(err)
	}
	return s
}

// benchJob times one job's daily run, the as-of date a day later each
// time, reporting the flags raised and resolved per run. next holds the
// job's next day offset across the calls the benchmark framework makes.
func benchJob(b *testing.B, s *postgres.Store, job string, next *int, orders int) {
	ctx := context.Background()
	var raised, resolved, changed int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		*next++
		clockOf(s).advanceTo(benchToday.AddDays(*next))
		r, err := s.RunJob(ctx, job, benchToday.AddDays(*next), nil)
		if err != nil {
			b.Fatalf("%s: %v", job, err)
		}
		raised += r.Raised
		resolved += r.Resolved
		changed += r.Changed
	}
	b.StopTimer()
	b.ReportMetric(float64(raised)/float64(b.N), "raised/op")
	b.ReportMetric(float64(resolved)/float64(b.N), "resolved/op")
	if job == domain.JobLifecycle {
		b.ReportMetric(float64(changed)/float64(b.N), "changed/op")
	}
	if orders > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(orders), "ns/order")
	}
}

// BenchmarkSweeps times each job's daily run over 100,000 live orders.
func BenchmarkSweeps(b *testing.B) {
	// A benchmark with sub-benchmarks runs its body once, so this setup is
	// done once per run of the binary.
	const orders = 100_000
	s := openBenchStore(b, orders)
	for _, job := range domain.JobNames {
		next := 0
		b.Run(job, func(b *testing.B) { benchJob(b, s, job, &next, orders) })
	}
}

// BenchmarkSweepsScale times the same daily runs at 25,000 and 100,000
// orders; ns/order should stay level (or fall) as the register grows.
func BenchmarkSweepsScale(b *testing.B) {
	for _, orders := range []int{25_000, 100_000} {
		b.Run(fmt.Sprintf("orders=%d", orders), func(b *testing.B) {
			s := openBenchStore(b, orders)
			for _, job := range domain.JobNames {
				next := 0
				b.Run(job, func(b *testing.B) { benchJob(b, s, job, &next, orders) })
			}
		})
	}
}

// BenchmarkSweepsCold is the review sweep on a fresh database that nobody
// has analysed: orders generated through the service role (which cannot
// ANALYZE) with autovacuum off, then the review sweep run twice, the
// second over the flags the first raised with no statistics on them. Both
// runs' times are logged. SCPO_BENCH_ORDERS sets the number of orders
// (default 100,000; 1000000 for the national case, run on demand).
func BenchmarkSweepsCold(b *testing.B) {
	orders := 100_000
	if v := os.Getenv("SCPO_BENCH_ORDERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SCPO_BENCH_ORDERS=%q: want a positive number", v)
		}
		orders = n
	}
	ctx := context.Background()
	owner, service := pgtest.URLs(b)
	ownerStore, err := postgres.Open(ctx, owner, domain.FixedClock(benchToday.Add(10*time.Hour)), time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	for _, table := range []string{"orders", "subjects", "custody_periods", "owner_assignments", "reviews", "checks",
		"officers", "flags", "job_runs"} {
		if err := ownerStore.DB().Exec(`ALTER TABLE ` + table + ` SET (autovacuum_enabled = off)`).Error; err != nil {
			b.Fatal(err)
		}
	}
	ownerStore.Close()
	clock := &testClock{now: benchToday.Add(10 * time.Hour)}
	s, err := postgres.Open(ctx, service, clock, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	clocks.Store(s, clock)
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	if _, err := s.GenerateOrders(ctx, orders, benchToday); err != nil {
		b.Fatal(err)
	}
	b.Logf("orders=%d: generated in %v, not analysed", orders, time.Since(start).Round(time.Millisecond))
	for run := 1; run <= 2; run++ {
		start := time.Now()
		r, err := s.RunJob(ctx, domain.JobReview, benchToday, nil)
		if err != nil {
			b.Fatalf("review run %d: %v", run, err)
		}
		b.Logf("orders=%d: review-sweep run %d took %v: raised %d, resolved %d", orders, run,
			time.Since(start).Round(time.Millisecond), r.Raised, r.Resolved)
	}
	for _, job := range domain.JobNames {
		start := time.Now()
		r, err := s.RunJob(ctx, job, benchToday, nil)
		if err != nil {
			b.Fatalf("%s: %v", job, err)
		}
		b.Logf("orders=%d: %s (first of the others, or a repeat) took %v: raised %d, resolved %d", orders, job,
			time.Since(start).Round(time.Millisecond), r.Raised, r.Resolved)
	}
	next := 0
	for _, job := range domain.JobNames {
		b.Run(job, func(b *testing.B) { benchJob(b, s, job, &next, orders) })
	}
}
