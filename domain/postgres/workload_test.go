package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"scpo/domain"
)

// workloadRecount is the workload report as first written: every current
// assignment on the force's live orders joined to its order, and each
// held order's flags probed. Workload now reads the assignments' copies
// of their order and the force's overdue flags at once; it must count the
// same.
const workloadRecount = `
WITH mine AS (
    SELECT a.officer_id, a.role, a.order_id FROM orders o
    JOIN owner_assignments a ON a.order_id = o.id AND a.ended_at IS NULL
    WHERE o.subject_force = @force AND o.status IN ('pending', 'active')),
away AS (
    SELECT DISTINCT ON (ab.officer_id) ab.officer_id, ab.ends_on, ab.cover_officer_id FROM officer_absences ab
    WHERE ab.cancelled_at IS NULL AND ab.starts_on <= @as_of AND (ab.ends_on IS NULL OR ab.ends_on >= @as_of)
    ORDER BY ab.officer_id, ab.ends_on DESC NULLS FIRST)
SELECT f.id,
       count(m.order_id) FILTER (WHERE m.role = 'iom') AS iom,
       count(m.order_id) FILTER (WHERE m.role = 'lro') AS lro,
       count(m.order_id) FILTER (WHERE m.role = 'orders_officer') AS orders_officer,
       count(DISTINCT m.order_id) AS total,
       count(DISTINCT m.order_id) FILTER (WHERE EXISTS (SELECT 1 FROM flags fl WHERE fl.order_id = m.order_id
           AND fl.resolved_at IS NULL AND fl.kind IN ('review_overdue', 'check_overdue'))) AS overdue,
       (SELECT count(DISTINCT c.order_id) FROM away w JOIN mine c ON c.officer_id = w.officer_id
        WHERE w.cover_officer_id = f.id) AS covering,
       EXISTS (SELECT 1 FROM away w WHERE w.officer_id = f.id) AS absent_now
FROM officers f LEFT JOIN mine m ON m.officer_id = f.id
WHERE f.force = @force AND f.active AND f.roles && ARRAY['iom_officer', 'lro', 'orders_officer']
GROUP BY f.id`

// The workload report counts, for each officer of a force, what a plain
// recount of the force's orders and flags gives: orders held by role, in
// all, overdue, and those of absent colleagues covered, over a register
// with closed orders, ended assignments, an absence with cover and one
// without, and an order closed and a review recorded since the sweep.
func TestWorkloadCountsAsARecountDoes(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)
	var force string
	if err := s.DB().Raw(`SELECT subject_force FROM orders WHERE status IN ('pending', 'active')
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&force).Error; err != nil {
		t.Fatal(err)
	}
	var holders []string
	if err := s.DB().Raw(`SELECT a.officer_id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.ended_at IS NULL AND o.subject_force = ? AND o.status IN ('pending', 'active')
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3`, force).Scan(&holders).Error; err != nil || len(holders) < 3 {
		t.Fatalf("three owners in %s: %v, %v", force, holders, err)
	}
	// One away with another covering, one away with nobody covering.
	if _, err := s.RecordAbsence(ctx, domain.Absence{OfficerID: holders[0], Kind: "long_term", StartsOn: today.AddDays(-3),
		Cover: &domain.OfficerRef{ID: holders[1]}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordAbsence(ctx, domain.Absence{OfficerID: holders[2], Kind: "annual_leave", StartsOn: today,
		EndsOn: ptr(today.AddDays(5))}); err != nil {
		t.Fatal(err)
	}
	// Changes since the sweep: an order closed, an assignment ended.
	if err := s.DB().Exec(`UPDATE orders SET status = 'discharged', ended_on = ?, end_reason = 'Discharged on appeal.', version = version + 1
		WHERE id = (SELECT a.order_id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		            WHERE a.officer_id = ? AND a.ended_at IS NULL AND o.status = 'active' ORDER BY a.order_id LIMIT 1)`,
		today.Time, holders[1]).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`UPDATE owner_assignments SET ended_at = greatest(now(), assigned_at), end_reason = 'Moved on.'
		WHERE id = (SELECT id FROM owner_assignments WHERE officer_id = ? AND ended_at IS NULL ORDER BY order_id LIMIT 1)`,
		holders[0]).Error; err != nil {
		t.Fatal(err)
	}

	type line struct {
		ID                                                string
		IOM, LRO, OrdersOfficer, Total, Overdue, Covering int
		AbsentNow                                         bool
	}
	var want []line
	if err := s.DB().Raw(workloadRecount, map[string]any{"force": force, "as_of": today.Time}).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.Workload(ctx, force, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Officers) != len(want) || len(want) < 3 {
		t.Fatalf("%d officers in the report, %d in the recount", len(got.Officers), len(want))
	}
	byID := map[string]line{}
	for _, w := range want {
		byID[w.ID] = w
	}
	covered, overdue := 0, 0
	for _, g := range got.Officers {
		w, ok := byID[g.Officer.ID]
		if !ok {
			t.Fatalf("officer %s is in the report but not the recount", g.Officer.ID)
		}
		have := line{ID: g.Officer.ID, IOM: g.Owned[domain.OwnerIOM], LRO: g.Owned[domain.OwnerLRO],
			OrdersOfficer: g.Owned[domain.OwnerOrdersOfficer], Total: g.Total, Overdue: g.Overdue, Covering: g.Covering,
			AbsentNow: g.AbsentNow}
		if have != w {
			t.Errorf("officer %s: report %s, recount %s", g.Officer.ID, fmt.Sprintf("%+v", have), fmt.Sprintf("%+v", w))
		}
		covered += g.Covering
		overdue += g.Overdue
	}
	if covered == 0 || overdue == 0 {
		t.Errorf("nothing covered (%d) or overdue (%d): the register does not test the counts", covered, overdue)
	}
}
