package postgres_test

import (
	"context"
	"testing"

	"gorm.io/gorm"
)

// The pre_release rule picks the subjects in custody by their release
// date (migration 00590), which the planner estimates from the column:
// asked through custody_status, a CASE it cannot estimate, it expected
// 0.5% of the custody periods and, at a million orders, probed orders by
// subject 240,000 times instead of hashing them.
func TestPreReleaseRuleEstimatesTheCustodyPeriods(t *testing.T) {
	s := newStore(t)
	if _, err := s.GenerateOrders(context.Background(), 2000, today); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`ANALYZE custody_periods`).Error; err != nil {
		t.Fatal(err)
	}
	var raw string
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL max_parallel_workers_per_gather = 0`).Error; err != nil {
			return err
		}
		return tx.Raw(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT order_id FROM flag_pre_release(?)`, today.Time).Row().Scan(&raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	scans := planNodes(t, raw, func(n planNode) bool { return n.Relation == "custody_periods" })
	if len(scans) == 0 {
		t.Fatalf("the rule does not read custody_periods:\n%s", raw)
	}
	for _, n := range scans {
		actual := n.Actual * n.Loops
		if actual < 100 {
			t.Fatalf("only %.0f custody periods read: too few generated to tell an estimate", actual)
		}
		// Within a factor of three either way.
		if n.Planned*n.Loops*3 < actual || n.Planned*n.Loops > 3*actual {
			t.Errorf("custody periods: %.0f expected, %.0f read:\n%s", n.Planned*n.Loops, actual, raw)
		}
	}
}
