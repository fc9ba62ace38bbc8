package postgres_test

import (
	"context"
	"strings"
	"testing"

	"scpo/domain"
)

// Reassigning an officer's whole caseload moves every ownership as one
// allocation would: the old assignment ended with the reason, a new one
// current for the receiving officer, each order's version moved, the
// receiving officer told of each, the audit entry naming every order, and
// the flags that followed the old owner settled before the answer (here:
// the old owner is away beyond the threshold, so owner_absent stood on
// each order and goes with the move).
func TestReassignMovesAWholeCaseload(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	var from struct {
		OfficerID string
		Force     string
		Roles     string
	}
	if err := s.DB().Raw(`SELECT a.officer_id, f.force, array_to_string(f.roles, ',') AS roles FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		JOIN officers f ON f.id = a.officer_id
		WHERE a.ended_at IS NULL AND o.status IN ('pending', 'active')
		GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&from).Error; err != nil {
		t.Fatal(err)
	}
	// Give them the force's unowned orders too, as their IOM officer.
	var unowned []string
	if err := s.DB().Raw(`SELECT o.id FROM orders o WHERE o.subject_force = ? AND o.status IN ('pending', 'active')
		AND NOT EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id AND a.role = 'iom' AND a.ended_at IS NULL)
		ORDER BY o.id LIMIT 40`, from.Force).Scan(&unowned).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(from.Roles, domain.RoleIOMOfficer) {
		for _, id := range unowned {
			if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: id, Role: domain.OwnerIOM, OfficerID: from.OfficerID,
				Reason: "Allocated."}); err != nil {
				t.Fatal(err)
			}
		}
	}
	to := mustOfficer(t, s, "successor@police.uk", &from.Force, strings.Split(from.Roles, ",")...)
	if _, err := s.RecordAbsence(ctx, domain.Absence{OfficerID: from.OfficerID, Kind: "long_term",
		StartsOn: today.AddDays(-10), EndsOn: ptr(today.AddDays(40))}); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)

	type held struct {
		OrderID, Role string
		Version       int
	}
	var before []held
	if err := s.DB().Raw(`SELECT a.order_id, a.role, o.version FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.officer_id = ? AND a.ended_at IS NULL AND o.status IN ('pending', 'active') ORDER BY 1, 2`,
		from.OfficerID).Scan(&before).Error; err != nil {
		t.Fatal(err)
	}
	if len(before) < 30 {
		t.Fatalf("the busiest officer holds %d live ownerships; too few to prove a bulk move", len(before))
	}
	absent := func() int {
		t.Helper()
		var n int
		if err := s.DB().Raw(`SELECT count(*) FROM flags f WHERE f.kind = 'owner_absent' AND f.resolved_at IS NULL
			AND f.order_id IN (SELECT order_id FROM owner_assignments WHERE officer_id = ?)`, from.OfficerID).
			Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if absent() == 0 {
		t.Fatal("the sweep raised no owner_absent on the away officer's orders")
	}

	trail := domain.NewAuditTrail(domain.AuditEntry{Action: domain.ActionAlteration, Method: "POST",
		Route: "/api/v1/officers/:id/reassign", Purpose: "caseload moved"})
	res, err := s.Reassign(domain.WithAudit(ctx, trail), domain.Reassignment{FromOfficerID: from.OfficerID, ToOfficerID: to.ID, Reason: "Retired."})
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != len(before) || len(res.Assignments) != len(before) {
		t.Fatalf("moved %d (%d assignments), want %d", res.Moved, len(res.Assignments), len(before))
	}
	for i, a := range res.Assignments {
		if a.OrderID != before[i].OrderID || a.Role != before[i].Role || a.Officer.ID != to.ID || a.Reason != "Retired." {
			t.Fatalf("assignment %d: %+v, want %s's %s", i, a, before[i].OrderID, before[i].Role)
		}
	}
	var after []struct {
		OrderID, Role, OfficerID string
		Version                  int
		Ended                    int
		Told                     int
	}
	if err := s.DB().Raw(`SELECT a.order_id, a.role, a.officer_id, o.version,
		       (SELECT count(*) FROM owner_assignments e WHERE e.order_id = a.order_id AND e.role = a.role
		          AND e.officer_id = @from AND e.ended_at IS NOT NULL AND e.end_reason = 'Retired.') AS ended,
		       (SELECT count(*) FROM notification_events n WHERE n.officer_id = @to AND n.order_id = a.order_id
		          AND n.kind = 'order_allocated' AND n.subject = a.role) AS told
		FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.officer_id = @to AND a.ended_at IS NULL ORDER BY 1, 2`,
		map[string]any{"from": from.OfficerID, "to": to.ID}).Scan(&after).Error; err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%s holds %d, want %d", to.ID, len(after), len(before))
	}
	for i, a := range after {
		if a.OrderID != before[i].OrderID || a.Role != before[i].Role || a.Version <= before[i].Version ||
			a.Ended != 1 || a.Told != 1 {
			t.Errorf("%s %s: version %d (was %d), old assignment ended %d times, told %d times",
				a.OrderID, a.Role, a.Version, before[i].Version, a.Ended, a.Told)
		}
	}
	if n := absent(); n != 0 {
		t.Errorf("%d owner_absent flags still open after the move", n)
	}
	named := map[string]bool{}
	entry, _ := trail.Pending()
	for _, r := range entry.Records {
		if r.Type == "order" {
			named[r.ID] = true
		}
	}
	for _, b := range before {
		if !named[b.OrderID] {
			t.Errorf("the audit entry does not name order %s", b.OrderID)
			break
		}
	}
}
