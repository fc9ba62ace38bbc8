package postgres_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// A first sweep analyses flags while it is still empty, then raises a flag
// on most orders in one statement. officer_loads' triggers (migrations
// 00510, 00520) then read the open flags and the live assignments of the
// orders moved. Planned from no column statistics, 00510's trigger probed
// each order's flags through flags_one_open, whose first column is the
// kind, so every probe read the whole index, and a million-order
// register's first catch-up ran past the sweep's statement timeout. The
// statements the triggers run must read each table once, whatever the
// statistics say: no scan of flags or owner_assignments repeated per row.
func TestOfficerLoadsReadFlagsOnceWhenStatisticsSayNothing(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := postgres.Open(ctx, url, domain.FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}

	// auto_explain sends the plan of every statement, the triggers' own
	// included, with the rows and loops of each node, to this connection.
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var plans []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		plans = append(plans, n.Message)
		mu.Unlock()
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		// As a register nobody has analysed: no column statistics anywhere.
		`DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)`,
		`LOAD 'auto_explain'`,
		`SET auto_explain.log_min_duration = 0`,
		`SET auto_explain.log_analyze = on`,
		`SET auto_explain.log_timing = off`,
		`SET auto_explain.log_nested_statements = on`,
		`SET client_min_messages = log`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, path := range []struct{ name, bulkRows string }{{"by index", "10000"}, {"in bulk", "0"}} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('scpo.officer_loads_bulk_rows', $1, true)`, path.bulkRows); err != nil {
			t.Fatal(err)
		}
		var held int
		if err := tx.QueryRow(ctx, `SELECT count(DISTINCT order_id) FROM owner_assignments
			WHERE ended_at IS NULL AND order_next_due IS NOT NULL`).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held < 300 {
			t.Fatalf("only %d held orders: too few to tell one read from one per order", held)
		}
		mu.Lock()
		plans = nil
		mu.Unlock()
		// As a first sweep raises (every order at once, in order id
		// order), then resolves; then assignments end, which moves the
		// counts by assignment.
		for _, q := range []string{
			`INSERT INTO flags (kind, order_id, subject_id, force, case_type)
			 SELECT 'expiring', o.id, o.subject_id, o.subject_force, 'community' FROM orders o ORDER BY o.id`,
			`INSERT INTO flags (kind, order_id, subject_id, force, case_type)
			 SELECT 'review_overdue', o.id, o.subject_id, o.subject_force, 'community' FROM orders o ORDER BY o.id`,
			`UPDATE flags SET resolved_at = now() WHERE kind = 'expiring'`,
			`DELETE FROM flags WHERE kind = 'review_overdue'`,
			`UPDATE owner_assignments SET ended_at = now() WHERE ended_at IS NULL AND role = 'lro'`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %s: %v", path.name, q, err)
			}
		}
		mu.Lock()
		got := plans
		mu.Unlock()
		var triggers int
		for _, p := range got {
			if !strings.Contains(p, "officer_loads") {
				continue
			}
			triggers++
			if bad := repeatedScans(p); bad != "" {
				t.Errorf("%s: a statement of officer_loads' triggers reads a table once per row (%s):\n%s", path.name, bad, p)
			}
		}
		if triggers < 5 {
			t.Errorf("%s: %d plans of officer_loads' triggers came back (of %d), want one for each statement at least", path.name, triggers, len(got))
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

var scanLoops = regexp.MustCompile(`(?m)^\s*(?:->\s*)?((?:Parallel )?(?:Seq|Index|Index Only|Bitmap Heap) Scan(?: Backward)?(?: using \w+)? on (?:flags|owner_assignments)\b[^\n]*?)\(actual rows=\d+ loops=(\d+)\)`)

// repeatedScans names the first scan of flags or owner_assignments in plan
// that ran more than once, or "".
func repeatedScans(plan string) string {
	for _, m := range scanLoops.FindAllStringSubmatch(plan, -1) {
		if n, _ := strconv.Atoi(m[2]); n > 1 {
			return strings.TrimSpace(m[1]) + " loops=" + m[2]
		}
	}
	return ""
}
