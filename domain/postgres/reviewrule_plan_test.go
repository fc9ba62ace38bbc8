package postgres_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// flag_review_overdue reads the orders whose last review comes after the
// day asked apart from the others (their due date counts from an earlier
// review). There are almost never any, and finding them by scanning every
// order again cost a sweep at a million orders 0.14 s to find none: they
// are found through orders_last_reviewed_on (migration 00560), so the rule
// reads the register once.
func TestReviewRuleReadsTheOrdersOnce(t *testing.T) {
	s := newStore(t)
	if _, err := s.GenerateOrders(context.Background(), 1500, today); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`ANALYZE orders`).Error; err != nil {
		t.Fatal(err)
	}
	// Both as the sweep plans it (in parallel) and as a single process.
	for _, workers := range []string{"0", "1"} {
		var plan []string
		err := s.DB().Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL max_parallel_workers_per_gather = ` + workers).Error; err != nil {
				return err
			}
			return tx.Raw(`EXPLAIN SELECT order_id FROM flag_review_overdue(?)`, today.Time).Scan(&plan).Error
		})
		if err != nil {
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
