package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"scpo/domain"
	"scpo/domain/postgres"
)

// forceCountsRecountSQL counts from the tables what force_counts keeps
// (migration 00070's initial fill).
const forceCountsRecountSQL = `
SELECT force, metric, n FROM (
SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END AS metric, count(*) AS n
FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.status IN ('pending', 'active') GROUP BY 1, 2
UNION ALL
SELECT s.force, 'owned', count(*) FROM orders o JOIN subjects s ON s.id = o.subject_id
WHERE o.status IN ('pending', 'active')
  AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id AND a.ended_at IS NULL) GROUP BY 1
UNION ALL
SELECT force, 'flag:' || kind, count(*) FROM flags WHERE resolved_at IS NULL GROUP BY 1, 2) c
ORDER BY 1, 2`

type forceCount struct {
	Force, Metric string
	N             int64
}

// force_counts, kept by statement triggers, equals a full recount after a
// mix of changes: orders created, ended and expired; owners assigned,
// removed and ended by deactivation; subjects moved; flags raised and
// resolved by sweeps and by changes. At every stage each flag also agrees
// with the order it is about (TestFlagsAgreeWithTheirOrders' check).
func TestForceCountsMatchARecount(t *testing.T) {
	t.Parallel()
	forceCountsMatchARecount(t, newStore(t))
}

// The same with every statement on flags taking officer_loads' bulk path
// (migration 00520), which a first sweep's statements take at scale.
func TestForceCountsMatchARecountInBulk(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if err := s.DB().Exec(`DO $$ BEGIN
		EXECUTE format('ALTER DATABASE %I SET scpo.officer_loads_bulk_rows = 0', current_database()); END $$`).Error; err != nil {
		t.Fatal(err)
	}
	// Connections opened before keep the default: close them.
	sqlDB, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0)
	sqlDB.SetMaxIdleConns(4)
	var got string
	if err := s.DB().Raw(`SELECT current_setting('scpo.officer_loads_bulk_rows', true)`).Scan(&got).Error; err != nil || got != "0" {
		t.Fatalf("scpo.officer_loads_bulk_rows = %q (%v), want 0", got, err)
	}
	forceCountsMatchARecount(t, s)
}

func forceCountsMatchARecount(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	check := func(stage string) {
		t.Helper()
		var kept, recount []forceCount
		if err := s.DB().Raw(`SELECT force, metric, n FROM force_counts WHERE n <> 0 ORDER BY 1, 2`).Scan(&kept).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Raw(forceCountsRecountSQL).Scan(&recount).Error; err != nil {
			t.Fatal(err)
		}
		if len(recount) == 0 {
			t.Fatalf("%s: nothing to count", stage)
		}
		if d := cmp.Diff(recount, kept); d != "" {
			t.Errorf("%s: force_counts drifted from a recount (-recount +kept):\n%s", stage, d)
		}
		officerLoadsMatchARecount(t, s, stage)
		flagsAgreeWithTheirOrders(t, s, stage)
	}
	ids := func(q string) []string {
		t.Helper()
		var out []string
		if err := s.DB().Raw(q).Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	if _, err := s.GenerateOrders(ctx, 800, today); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)
	check("after generating and sweeping")
	var overdueHeld int64
	if err := s.DB().Raw(`SELECT coalesce(sum(overdue), 0) FROM officer_loads`).Scan(&overdueHeld).Error; err != nil {
		t.Fatal(err)
	}
	if overdueHeld == 0 {
		t.Fatal("no officer holds an overdue order: officer_loads' overdue counts are not tested")
	}
	// Reviews recorded on held overdue orders resolve their flags in the
	// same transaction.
	for _, id := range ids(`SELECT DISTINCT f.order_id FROM flags f JOIN owner_assignments a ON a.order_id = f.order_id
		AND a.ended_at IS NULL WHERE f.kind = 'review_overdue' AND f.resolved_at IS NULL ORDER BY 1 LIMIT 10`) {
		if _, err := s.RecordReview(ctx, id, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}); err != nil {
			t.Fatalf("review %s: %v", id, err)
		}
	}
	check("after reviews of overdue orders")
	// A review suspecting a breach, on a held order whose one open flag is
	// its overdue review: the change resolves that flag and raises a
	// compliance concern on the same order, which stays flagged.
	concerned := ids(`SELECT DISTINCT f.order_id FROM flags f JOIN owner_assignments a ON a.order_id = f.order_id
		AND a.ended_at IS NULL AND a.order_next_due IS NOT NULL WHERE f.kind = 'review_overdue' AND f.resolved_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM flags g WHERE g.order_id = f.order_id AND g.resolved_at IS NULL AND g.kind <> 'review_overdue')
		ORDER BY 1 LIMIT 5`)
	if len(concerned) == 0 {
		t.Fatal("no held order whose one open flag is an overdue review")
	}
	for _, id := range concerned {
		if _, err := s.RecordReview(ctx, id, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "breach_suspected"}); err != nil {
			t.Fatalf("review %s: %v", id, err)
		}
	}
	check("after reviews suspecting a breach")

	day := today
	// End some orders (resolving their flags in the change).
	for _, id := range ids(`SELECT id FROM orders WHERE status = 'active' ORDER BY id LIMIT 15`) {
		dischargeOrder(t, s, id, day)
	}
	check("after ending orders")
	// Remove some owners, ending the last owner of some orders.
	var owners []struct{ OrderID, Role, OfficerID string }
	if err := s.DB().Raw(`SELECT a.order_id, a.role, a.officer_id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.ended_at IS NULL AND o.status IN ('pending', 'active') ORDER BY a.order_id LIMIT 15`).Scan(&owners).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range owners {
		if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: a.OrderID, Role: a.Role, Reason: "Moved on.", By: a.OfficerID}); err != nil {
			t.Fatalf("remove owner of %s: %v", a.OrderID, err)
		}
	}
	check("after removing owners")
	// Deactivate officers who own orders (their assignments end).
	for _, id := range ids(`SELECT DISTINCT a.officer_id FROM owner_assignments a WHERE a.ended_at IS NULL ORDER BY 1 LIMIT 3`) {
		if _, err := s.UpdateOfficer(ctx, id, nil, func(o *domain.Officer) error { o.Active = false; return nil }); err != nil {
			t.Fatalf("deactivate %s: %v", id, err)
		}
	}
	check("after deactivating owners")
	// Move some subjects to another force.
	for _, id := range ids(`SELECT s.id FROM subjects s WHERE s.force <> 'dorset' ORDER BY s.id LIMIT 15`) {
		if _, err := s.UpdateSubject(ctx, id, nil, func(sub *domain.Subject) error { sub.Force = "dorset"; return nil }); err != nil {
			t.Fatalf("move subject %s: %v", id, err)
		}
	}
	check("after moving subjects")
	// Assignments written in bulk by hand, each statement many rows: the
	// triggers count moves per order from the statement's rows. Ended, then
	// made current again; moved to orders nobody owns (gaining and losing
	// orders in one statement); one order's owners ended while another
	// role of it is made current; removed.
	some := ids(`SELECT a.id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.ended_at IS NULL AND o.status IN ('pending', 'active') ORDER BY a.officer_id, a.id LIMIT 40`)
	hand := func(stage, q string, args ...any) {
		t.Helper()
		res := s.DB().Exec(q, args...)
		if res.Error != nil {
			t.Fatalf("%s: %v", stage, res.Error)
		}
		if res.RowsAffected == 0 {
			t.Fatalf("%s: changed nothing", stage)
		}
		check(stage)
	}
	hand("after ending assignments in one statement",
		`UPDATE owner_assignments SET ended_at = now(), end_reason = 'By hand.' WHERE id = ANY (CAST(? AS uuid[]))`,
		"{"+strings.Join(some, ",")+"}")
	hand("after making them current again in one statement",
		`UPDATE owner_assignments SET ended_at = NULL, end_reason = NULL WHERE id = ANY (CAST(? AS uuid[]))`,
		"{"+strings.Join(some, ",")+"}")
	hand("after moving assignments to unowned orders in one statement", `
		UPDATE owner_assignments a SET order_id = m.unowned
		FROM (SELECT x.id, u.unowned FROM
		          (SELECT a.id, row_number() OVER (ORDER BY a.id) AS n FROM owner_assignments a
		           WHERE a.id = ANY (CAST(? AS uuid[]))) x
		      JOIN (SELECT o.id AS unowned, row_number() OVER (ORDER BY o.id) AS n FROM orders o
		            WHERE o.status IN ('pending', 'active')
		              AND NOT EXISTS (SELECT 1 FROM owner_assignments b WHERE b.order_id = o.id AND b.ended_at IS NULL)) u
		        ON u.n = x.n) m
		WHERE a.id = m.id`, "{"+strings.Join(some[:20], ",")+"}")
	hand("after ending and starting owners of the same orders in one statement", `
		UPDATE owner_assignments a SET ended_at = CASE WHEN a.ended_at IS NULL THEN now() END,
		       end_reason = CASE WHEN a.ended_at IS NULL THEN 'Swapped.' END
		WHERE a.id IN (SELECT DISTINCT ON (b.order_id) b.id FROM owner_assignments b
		               WHERE b.order_id IN (SELECT order_id FROM owner_assignments WHERE ended_at IS NOT NULL
		                                    GROUP BY order_id HAVING count(*) = 1)
		                 AND NOT EXISTS (SELECT 1 FROM owner_assignments c WHERE c.order_id = b.order_id
		                                 AND c.role = b.role AND c.id <> b.id AND c.ended_at IS NULL)
		               ORDER BY b.order_id, b.id)`)
	if _, err := s.PutPolicy(ctx, domain.Policy{Force: "dorset", RequiredRoles: []string{"iom"}, PreReleaseDays: 180,
		CommunityReviewDays: 60, PrisonReviewDays: 120, CheckGraceDays: 0, ExpiryWarningDays: 180, EMWarningDays: 42,
		AbsenceThresholdDays: 14}, nil); err != nil {
		t.Fatal(err)
	}
	check("after a review policy rewrote the caseload copies of a force")
	hand("after removing assignments in one statement", `
		DELETE FROM owner_assignments a WHERE a.id = ANY (CAST(? AS uuid[]))
		  AND NOT EXISTS (SELECT 1 FROM meeting_decisions d WHERE d.assignment_id = a.id)`,
		"{"+strings.Join(some[20:], ",")+"}")
	// Orders created, owners assigned, then years on: expiry by the
	// lifecycle sweep, flags raised and resolved.
	if _, err := s.GenerateOrders(ctx, 200, day); err != nil {
		t.Fatal(err)
	}
	check("after more orders")
	sweepAllAsOf(t, s, day.AddDays(400))
	check("a year on")
	sweepAllAsOf(t, s, day.AddDays(400))
	hand("after forgetting the open flags in one statement", `DELETE FROM flags WHERE resolved_at IS NULL
		AND id NOT IN (SELECT flag_id FROM meeting_items WHERE flag_id IS NOT NULL)`)
	sweepAllAsOf(t, s, day.AddDays(3*366))
	check("three years on")
}

// officerLoadsMatchARecount holds officer_loads (migration 00510), kept by
// statement triggers on assignments and flags, to officer_loads_recount().
func officerLoadsMatchARecount(t *testing.T, s interface{ DB() *gorm.DB }, stage string) {
	t.Helper()
	type load struct {
		OfficerID, Force                                 string
		IOM, LRO, OrdersOfficer, Total, Overdue, Flagged int
	}
	var kept, recount []load
	if err := s.DB().Raw(`SELECT officer_id, force, iom, lro, orders_officer, total, overdue, flagged FROM officer_loads
		WHERE (iom, lro, orders_officer, total, overdue, flagged) <> (0, 0, 0, 0, 0, 0) ORDER BY 1, 2`).Scan(&kept).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Raw(`SELECT * FROM officer_loads_recount() ORDER BY 1, 2`).Scan(&recount).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recount, kept); d != "" {
		t.Errorf("%s: officer_loads drifted from a recount (-recount +kept):\n%s", stage, d)
	}
}

// flagsAgreeWithTheirOrders checks what the keys dropped by migration 00190
// no longer enforce: every flag is about an order that exists, names that
// order's subject, and while open carries the force of that subject (a
// moved subject's open flags move with it; a resolved flag keeps the force
// it was resolved in); every notification event is about an order that
// exists.
func flagsAgreeWithTheirOrders(t *testing.T, s interface{ DB() *gorm.DB }, stage string) {
	t.Helper()
	var bad []struct {
		ID, Problem string
	}
	if err := s.DB().Raw(`
		SELECT f.id, CASE WHEN o.id IS NULL THEN 'no such order'
		                  WHEN f.subject_id <> o.subject_id THEN 'another subject'
		                  WHEN s.id IS NULL THEN 'no such subject'
		                  ELSE 'force ' || f.force || ', subject in ' || s.force END AS problem
		FROM flags f
		LEFT JOIN orders o ON o.id = f.order_id
		LEFT JOIN subjects s ON s.id = f.subject_id
		WHERE o.id IS NULL OR s.id IS NULL OR f.subject_id <> o.subject_id
		   OR (f.resolved_at IS NULL AND (f.force <> s.force OR f.force <> o.subject_force))
		LIMIT 5`).Scan(&bad).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: flag %s disagrees with its order: %s", stage, b.ID, b.Problem)
	}
	var orphans int64
	if err := s.DB().Raw(`SELECT count(*) FROM notification_events e
		WHERE e.order_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.order_id)`).Scan(&orphans).Error; err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Errorf("%s: %d notification events about no order", stage, orphans)
	}
	// Nor any key to the officer told (migration 00230).
	if err := s.DB().Raw(`SELECT count(*) FROM notification_events e
		WHERE NOT EXISTS (SELECT 1 FROM officers f WHERE f.id = e.officer_id)`).Scan(&orphans).Error; err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Errorf("%s: %d notification events for no officer", stage, orphans)
	}
	var told int64
	if err := s.DB().Raw(`SELECT count(*) FROM notification_events`).Scan(&told).Error; err != nil {
		t.Fatal(err)
	}
	if told == 0 {
		t.Errorf("%s: no notification events to check", stage)
	}
}

// Flags keep no foreign keys (migration 00190): the rule SQL writes them
// from the orders they are about. Sweeps over generated orders and
// subjects moved to another force leave every flag agreeing with its order
// (TestForceCountsMatchARecount checks the same through ended orders,
// removed owners, deactivated officers and years of sweeps).
func TestFlagsAgreeWithTheirOrders(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 300, today); err != nil {
		t.Fatal(err)
	}
	for _, job := range domain.JobNames {
		if _, err := s.RunJob(ctx, job, today, nil); err != nil {
			t.Fatal(err)
		}
	}
	var open int64
	s.DB().Raw(`SELECT count(*) FROM flags WHERE resolved_at IS NULL`).Scan(&open)
	if open == 0 {
		t.Fatal("the sweeps raised no flags to check")
	}
	flagsAgreeWithTheirOrders(t, s, "after the sweeps")
	var moved []string
	if err := s.DB().Raw(`SELECT DISTINCT f.subject_id FROM flags f JOIN subjects s ON s.id = f.subject_id
		WHERE f.resolved_at IS NULL AND s.force <> 'dorset' ORDER BY 1 LIMIT 5`).Scan(&moved).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range moved {
		if _, err := s.UpdateSubject(ctx, id, nil, func(sub *domain.Subject) error { sub.Force = "dorset"; return nil }); err != nil {
			t.Fatalf("move subject %s: %v", id, err)
		}
	}
	var n int64
	s.DB().Raw(`SELECT count(*) FROM flags WHERE resolved_at IS NULL AND force = 'dorset' AND subject_id IN ?`, moved).Scan(&n)
	if n == 0 {
		t.Error("no open flag of the moved subjects is in Dorset")
	}
	flagsAgreeWithTheirOrders(t, s, "after moving subjects")
}

// A deactivation that ends an officer's ownerships while other owners are
// allocated to the same orders keeps the force's owned count right. It
// drifted by three or four orders a round: the deactivation judged each
// order's owners from a snapshot without the allocation under way, and
// the allocation from one with the ownership still there.
func TestForceCountsHoldWhenADeactivationRacesAllocations(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	glos := "gloucestershire"
	iom := mustOfficer(t, s, "race-iom@gloucestershire.police.uk", &glos, domain.RoleIOMOfficer)
	serial := 9_100_000
	for round := range 8 {
		lro := mustOfficer(t, s, fmt.Sprintf("race-lro%d@gloucestershire.police.uk", round), &glos, domain.RoleLRO)
		var orders []string
		for range 4 {
			serial++
			o := mustOrder(t, s, onDate(newSubject(t, s, serial, glos, community()).ID, domain.NewDate(2026, 7, 1), 24))
			if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerLRO, OfficerID: lro.ID,
				Reason: "Allocated."}); err != nil {
				t.Fatal(err)
			}
			orders = append(orders, o.ID)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := s.UpdateOfficer(ctx, lro.ID, nil, func(o *domain.Officer) error { o.Active = false; return nil }); err != nil {
				t.Error(err)
			}
		})
		for _, id := range orders {
			wg.Go(func() {
				if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: id, Role: domain.OwnerIOM, OfficerID: iom.ID,
					Reason: "Allocated at the same moment."}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	var kept, recount []forceCount
	if err := s.DB().Raw(`SELECT force, metric, n FROM force_counts WHERE force = ? AND metric = 'owned'`, glos).
		Scan(&kept).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Raw(`SELECT * FROM (`+forceCountsRecountSQL+`) c WHERE force = ? AND metric = 'owned'`, glos).
		Scan(&recount).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recount, kept); d != "" || len(kept) != 1 || kept[0].N != 32 {
		t.Errorf("Gloucestershire's owned orders (-recount +kept):\n%s%v", d, kept)
	}
}
