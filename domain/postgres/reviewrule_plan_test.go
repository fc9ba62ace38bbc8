package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// flag_review_overdue reads the orders whose last review comes after the
// day asked apart from the others (their due date counts from an earlier
// review). There are almost never any, and finding them by scanning every
// order again cost a sweep at a million orders 0.14 s to find none: they
// are found through orders_last_reviewed_on (migration 00560), so the rule
// reads the register once.
func TestReviewRuleReadsTheOrdersOnce(t *testing.T) {
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
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ANALYZE orders`); err != nil {
		t.Fatal(err)
	}
	// Both as the sweep plans it (in parallel) and as a single process.
	for _, workers := range []string{"0", "1"} {
		rows, err := conn.Query(ctx, `SELECT set_config('max_parallel_workers_per_gather', $1, false)`, workers)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		var plan []string
		rows, err = conn.Query(ctx, `EXPLAIN SELECT order_id FROM flag_review_overdue($1::date)`, today.String())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		if n := strings.Count(text, "Seq Scan on orders"); n != 1 {
			t.Errorf("workers %s: the rule scans the orders %d times, want once:\n%s", workers, n, text)
		}
		if !strings.Contains(text, "orders_last_reviewed_on") {
			t.Errorf("workers %s: the orders reviewed after the day are not read through orders_last_reviewed_on:\n%s", workers, text)
		}
	}
}
