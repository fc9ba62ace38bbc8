package postgres_test

import (
	"context"
	"gorm.io/gorm"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/domain"
)

// Every change runs the flag rules for the orders it touched (refresh.go),
// so each rule must read those orders through indexes, never the whole
// register: the filter on order_id has to reach inside the inlined rule.
// A rule written so that it does not would make every write scan every
// order.
var (
	seqScan        = regexp.MustCompile(`Seq Scan on (\w+)`)
	registerTables = []string{"orders", "subjects", "owner_assignments", "checks", "reviews", "flags"}
)

func TestRefreshReadsOnlyTheTouchedOrders(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.GenerateOrders(ctx, 20000, today); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec("ANALYZE").Error; err != nil {
		t.Fatal(err)
	}
	var id string
	if err := s.DB().Raw("SELECT id FROM orders LIMIT 1").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	for _, kind := range domain.FlagKinds {
		var plan []string
		q := "EXPLAIN (COSTS OFF) SELECT * FROM flag_" + kind + "(?) c WHERE c.order_id = ANY (CAST(? AS uuid[]))"
		if err := s.DB().Raw(q, today.Time, "{"+id+"}").Scan(&plan).Error; err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, line := range plan {
			if m := seqScan.FindStringSubmatch(line); m != nil && slices.Contains(registerTables, m[1]) {
				t.Errorf("flag_%s for one order scans all of %s:\n%s", kind, m[1], strings.Join(plan, "\n"))
			}
		}
		// A change's refresh runs the connection's generic plan (the ids
		// unknown when it is planned): it too must read by the indexes.
		var generic []string
		err := s.DB().Transaction(func(tx *gorm.DB) error {
			for _, stmt := range []string{
				"SET LOCAL plan_cache_mode = force_generic_plan",
				"PREPARE refresh_plan_" + kind + "(date, uuid[]) AS SELECT * FROM flag_" + kind + "($1) c WHERE c.order_id = ANY ($2)",
			} {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			// EXECUTE takes no bound parameters: the values are the test's own.
			if err := tx.Raw("EXPLAIN (COSTS OFF) EXECUTE refresh_plan_" + kind + "('" + today.String() + "', '{" + id + "}')").
				Scan(&generic).Error; err != nil {
				return err
			}
			return tx.Exec("DEALLOCATE refresh_plan_" + kind).Error
		})
		if err != nil {
			t.Fatalf("%s generic: %v", kind, err)
		}
		for _, line := range generic {
			if m := seqScan.FindStringSubmatch(line); m != nil && slices.Contains(registerTables, m[1]) {
				t.Errorf("flag_%s's generic plan for a few orders scans all of %s:\n%s", kind, m[1], strings.Join(generic, "\n"))
			}
		}
	}
}
