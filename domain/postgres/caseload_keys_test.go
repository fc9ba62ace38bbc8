package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
	"scpo/domain/postgres"
)

// caseloadByDefinitionSQL ranks an officer's caseload as it is defined,
// from the tables themselves rather than the keys migration 00220 copies
// onto assignments: the live orders held in any role (current
// assignments, an absent colleague's covered, overdue meeting actions),
// in scope, the earliest review or check due first (order_schedule), then
// order. Each item is the order,
// its roles and its two due dates; with it, whether it has a flag open and
// the earlier of its due dates, for the summary.
const caseloadByDefinitionSQL = `
WITH held AS (
    SELECT a.order_id, a.role FROM owner_assignments a WHERE a.officer_id = @officer AND a.ended_at IS NULL
    UNION ALL
    SELECT a.order_id, 'cover:' || a.role FROM officer_absences ab
    JOIN owner_assignments a ON a.officer_id = ab.officer_id AND a.ended_at IS NULL
    WHERE ab.cover_officer_id = @officer AND ab.cancelled_at IS NULL AND ab.starts_on <= @as_of
      AND (ab.ends_on IS NULL OR ab.ends_on >= @as_of)
    UNION ALL
    SELECT i.order_id, 'action' FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id
    WHERE d.action_by = @officer AND d.status = 'open' AND d.due_by < @as_of AND d.withdrawn_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id))
SELECT o.id::text || ' ' || string_agg(h.role, ',' ORDER BY h.role) || ' ' ||
       coalesce(sch.next_review_due::text, '-') || ' ' || coalesce(sch.next_check_due::text, '-') AS item,
       EXISTS (SELECT 1 FROM flags f WHERE f.order_id = o.id AND f.resolved_at IS NULL) AS flagged,
       LEAST(sch.next_review_due, sch.next_check_due) AS due
FROM held h JOIN orders o ON o.id = h.order_id JOIN order_schedule sch ON sch.order_id = o.id
WHERE o.status IN ('pending', 'active') AND (@all OR o.subject_force IN @forces)
GROUP BY o.id, o.reference, sch.next_review_due, sch.next_check_due
ORDER BY coalesce(LEAST(sch.next_review_due, sch.next_check_due), 'infinity'), o.id`

func caseloadItem(it domain.CaseloadItem) string {
	day := func(d *domain.Date) string {
		if d == nil {
			return "-"
		}
		return d.String()
	}
	return it.OrderID + " " + strings.Join(it.Roles, ",") + " " + day(it.NextReviewDue) + " " + day(it.NextCheckDue)
}

// caseloadAgreesWithDefinition holds the officer's caseload as of asOf,
// read with ctx's scope, to caseloadByDefinitionSQL: one page of 500, and
// walked in pages of 1, 2 and 3 (the cursor falling inside groups of equal
// flags and due dates), with the summary on every page. It answers the
// items, ranked.
func caseloadAgreesWithDefinition(t *testing.T, s *postgres.Store, ctx context.Context, officer string, asOf domain.Date, stage string) []string {
	t.Helper()
	sc := domain.ScopeFrom(ctx)
	var def []struct {
		Item    string
		Flagged bool
		Due     *time.Time
	}
	if err := s.DB().Raw(caseloadByDefinitionSQL, map[string]any{"officer": officer, "as_of": asOf.Time,
		"all": sc.AllForces, "forces": append([]string{""}, sc.ReadForces...)}).Scan(&def).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{}
	wantSummary := domain.CaseloadSummary{Orders: len(def)}
	for _, d := range def {
		want = append(want, d.Item)
		if d.Flagged {
			wantSummary.WithOpenFlags++
		}
		if d.Due != nil {
			switch n := asOf.DaysUntil(domain.DateOf(*d.Due, time.UTC)); {
			case n < 0:
				wantSummary.Overdue++
			case n <= domain.CaseloadDueSoonDays:
				wantSummary.DueSoon++
			case n <= domain.CaseloadDueLaterDays:
				wantSummary.DueLater++
			}
		}
	}
	whole, err := s.Caseload(ctx, officer, asOf, domain.Page{Limit: 500})
	if err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	got := []string{}
	for _, it := range whole.Items {
		got = append(got, caseloadItem(it))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: caseload (-by definition +answered):\n%s", stage, d)
	}
	if whole.Summary != wantSummary || whole.NextCursor != nil {
		t.Errorf("%s: summary %+v (cursor %v), by definition %+v", stage, whole.Summary, whole.NextCursor, wantSummary)
	}
	for _, limit := range []int{1, 2, 3} {
		walked := walk(t, limit, func(cursor string) ([]string, string) {
			r, err := s.Caseload(ctx, officer, asOf, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			if r.Summary != wantSummary {
				t.Errorf("%s: summary %+v on a page of %d, by definition %+v", stage, r.Summary, limit, wantSummary)
			}
			var items []string
			for _, it := range r.Items {
				items = append(items, caseloadItem(it))
			}
			next := ""
			if r.NextCursor != nil {
				next = *r.NextCursor
			}
			return items, next
		})
		if d := cmp.Diff(want, append([]string{}, walked...)); d != "" {
			t.Errorf("%s: caseload in pages of %d (-by definition +walked):\n%s", stage, limit, d)
		}
	}
	return want
}

// TestCaseloadRanksByDefinition builds a caseload where every part of the
// key decides somewhere: a check due before the reviews, a review due
// later than the rest, and the order id among orders due the same day
// (open flags do not rank, but are counted: on orders owned, covered and
// acted on); with roles owned, covered for an absent colleague (alone and
// with an owned role on the same order) and given as an overdue meeting
// action; an ended order left out; and a subject moved to another force,
// left out of the first force's view.
func TestCaseloadRanksByDefinition(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	glos := ptr("gloucestershire")
	a := mustOfficer(t, s, "rank.a@glos.police.uk", glos, domain.RoleIOMOfficer, domain.RoleLRO)
	b := mustOfficer(t, s, "rank.b@glos.police.uk", glos, domain.RoleIOMOfficer)

	// Every order starts on the same day and none is reviewed, so all are
	// due for review on the same day (2026-09-29) unless said otherwise.
	order := func(serial int, ref string) domain.Order {
		sub := newSubject(t, s, serial, "gloucestershire", community())
		o := onDate(sub.ID, domain.NewDate(2026, 7, 1), 36)
		o.Reference = ref
		return mustOrder(t, s, o)
	}
	assign := func(o domain.Order, role string, who domain.Officer) {
		t.Helper()
		if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: role, OfficerID: who.ID, Reason: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	twoFlags := order(9101, "R-C")
	oneFlag := order(9102, "R-B")
	oneFlagCovered := order(9103, "R-A")
	sameRef1 := order(9104, "R-D")
	sameRef2 := order(9105, "R-D")
	checkFirst := order(9106, "R-Z")
	coveredOnly := order(9107, "R-E")
	action := order(9108, "R-H")
	ended := order(9109, "R-0")
	moved := order(9110, "R-F")
	reviewed := order(9111, "R-1")
	for _, o := range []domain.Order{twoFlags, oneFlag, sameRef1, sameRef2, checkFirst, ended, moved, reviewed} {
		assign(o, domain.OwnerIOM, a)
	}
	assign(oneFlagCovered, domain.OwnerLRO, a)
	assign(oneFlagCovered, domain.OwnerIOM, b)
	assign(coveredOnly, domain.OwnerIOM, b)
	if _, err := s.ScheduleCheck(ctx, checkFirst.ID, domain.Check{Kind: "home_visit", DueOn: domain.NewDate(2026, 9, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordReview(ctx, reviewed.ID, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}); err != nil {
		t.Fatal(err)
	}
	dischargeOrder(t, s, ended.ID, today)

	// The unowned order goes on the agenda; the meeting gives it to a as
	// an action due in three days, so overdue on the fourth.
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, nil); err != nil {
		t.Fatal(err)
	}
	m, err := s.OpenMeeting(ctx, "gloucestershire", today)
	if err != nil {
		t.Fatal(err)
	}
	item := ""
	for _, it := range m.Agenda {
		if it.OrderID == action.ID && it.Kind == domain.FlagUnowned {
			item = it.ID
		}
	}
	if item == "" {
		t.Fatalf("the unowned order is not on the agenda: %+v", m.Agenda)
	}
	due := today.AddDays(3)
	if _, err := s.Decide(ctx, m.ID, domain.Decision{ItemID: item, Decision: domain.DecisionAction,
		ActionBy: &domain.OfficerRef{ID: a.ID}, DueBy: &due, Notes: ptr("Find an owner")}); err != nil {
		t.Fatal(err)
	}
	asOf := today.AddDays(4)
	// Moved in SQL, after the sweep, keeping its owner (the service's
	// move would end the assignment): held, but outside gloucestershire's view.
	if err := s.DB().Exec(`UPDATE subjects SET force = 'dorset' WHERE id = ?`, moved.SubjectID).Error; err != nil {
		t.Fatal(err)
	}
	// b is away, a covering.
	if err := s.DB().Exec(`INSERT INTO officer_absences (id, officer_id, kind, starts_on, ends_on, cover_officer_id,
		created_at, updated_at) VALUES (gen_random_uuid(), ?, 'annual_leave', ?, ?, ?, now(), now())`,
		b.ID, today.AddDays(-3).Time, today.AddDays(10).Time, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	// Open flags, last, so no change's flag refresh resolves them.
	raise := func(o domain.Order, kinds ...string) {
		t.Helper()
		if err := s.DB().Exec(`INSERT INTO flags (kind, order_id, subject_id, force, case_type)
			SELECT k, o.id, o.subject_id, o.subject_force, 'community' FROM orders o, unnest(?::text[]) k WHERE o.id = ?`,
			"{"+strings.Join(kinds, ",")+"}", o.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	raise(twoFlags, domain.FlagComplianceConcern, domain.FlagBreachOpen)
	raise(oneFlag, domain.FlagComplianceConcern)
	raise(oneFlagCovered, domain.FlagComplianceConcern)
	raise(coveredOnly, domain.FlagBreachOpen)

	all := domain.WithScope(ctx, domain.Scope{AllForces: true})
	got := caseloadAgreesWithDefinition(t, s, all, a.ID, asOf, "every force")
	// The definition's ranking, spelt out for this caseload: the check due
	// on 1 September, then the orders due for review on 29 September by
	// id, then the order reviewed today.
	review := "2026-09-29"
	sameDay := []string{
		twoFlags.ID + " iom " + review + " -",
		oneFlagCovered.ID + " cover:iom,lro " + review + " -",
		oneFlag.ID + " iom " + review + " -",
		action.ID + " action " + review + " -",
		sameRef1.ID + " iom " + review + " -",
		sameRef2.ID + " iom " + review + " -",
		coveredOnly.ID + " cover:iom " + review + " -",
		moved.ID + " iom " + review + " -",
	}
	slices.Sort(sameDay)
	want := append([]string{checkFirst.ID + " iom " + review + " 2026-09-01"}, sameDay...)
	want = append(want, reviewed.ID+" iom "+today.AddDays(90).String()+" -")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("caseload (-spelt out +by definition):\n%s", d)
	}
	glosOnly := domain.WithScope(ctx, domain.Scope{ReadForces: []string{"gloucestershire"}, WriteForces: []string{"gloucestershire"}})
	inGlos := caseloadAgreesWithDefinition(t, s, glosOnly, a.ID, asOf, "gloucestershire")
	if len(inGlos) != len(want)-1 || slicesContains(inGlos, moved.ID+" iom "+review+" -") {
		t.Errorf("in gloucestershire's view: %v, want all but the moved subject's order", inGlos)
	}
	// Before the action is overdue and after the absence, neither shows.
	later := caseloadAgreesWithDefinition(t, s, all, a.ID, today.AddDays(11), "after the absence")
	for _, it := range later {
		if strings.Contains(it, "cover:") {
			t.Errorf("after the absence: %s", it)
		}
	}
	caseloadAgreesWithDefinition(t, s, all, a.ID, due, "the action not yet overdue")
}

// caseloadKeysAgree holds the keys migration 00220 copies onto assignments
// to a recount from the orders and order_schedule: on a current
// assignment, the order's earliest review or check due (none when the
// order is not live) and its subject's force; on an ended one, nothing.
func caseloadKeysAgree(t *testing.T, s *postgres.Store, stage string) {
	t.Helper()
	var bad []struct{ ID, OrderID, Kept, Recount string }
	if err := s.DB().Raw(`SELECT * FROM (
		SELECT a.id, a.order_id,
		       coalesce(a.order_next_due::text, '-') || ' ' || coalesce(a.order_subject_force, '-') AS kept,
		       CASE WHEN a.ended_at IS NOT NULL THEN '- -'
		            ELSE coalesce(LEAST(sch.next_review_due, sch.next_check_due)::text, '-') || ' ' || o.subject_force
		       END AS recount
		FROM owner_assignments a JOIN orders o ON o.id = a.order_id JOIN order_schedule sch ON sch.order_id = a.order_id) x
		WHERE kept <> recount LIMIT 5`).Scan(&bad).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: assignment %s of order %s keeps %q, recounted %q", stage, b.ID, b.OrderID, b.Kept, b.Recount)
	}
}

// TestCaseloadKeysFollowTheirOrders changes, one by one, everything an
// order's caseload keys are derived from, through the store and (for what
// the service never does) in SQL, and after each holds every assignment's
// copy to a recount, and the changed order's to the value expected.
func TestCaseloadKeysFollowTheirOrders(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	// Owners, reviews and checks written in bulk.
	if _, err := s.GenerateOrders(ctx, 600, today); err != nil {
		t.Fatal(err)
	}
	caseloadKeysAgree(t, s, "after generating")
	sweepAllAsOf(t, s, today)
	caseloadKeysAgree(t, s, "after sweeping")

	iom := mustOfficer(t, s, "keys.iom@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	lro := mustOfficer(t, s, "keys.lro@glos.police.uk", ptr("gloucestershire"), domain.RoleLRO)
	dorsetIOM := mustOfficer(t, s, "keys.iom@dorset.police.uk", ptr("dorset"), domain.RoleIOMOfficer)
	dorsetLRO := mustOfficer(t, s, "keys.lro@dorset.police.uk", ptr("dorset"), domain.RoleLRO)
	sub := newSubject(t, s, 9201, "gloucestershire", community())
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	keyOf := func() string {
		t.Helper()
		var keys []string
		if err := s.DB().Raw(`SELECT DISTINCT coalesce(order_next_due::text, '-') || ' ' || coalesce(order_subject_force, '-')
			FROM owner_assignments WHERE order_id = ? AND ended_at IS NULL`, o.ID).Scan(&keys).Error; err != nil {
			t.Fatal(err)
		}
		return strings.Join(keys, " | ")
	}
	step := func(name, want string, change func()) {
		t.Helper()
		change()
		if got := keyOf(); got != want {
			t.Errorf("%s: the order's assignments keep %q, want %q", name, got, want)
		}
		caseloadKeysAgree(t, s, name)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := s.DB().Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	step("owners assigned", "2026-09-29 gloucestershire", func() {
		for _, c := range []domain.OwnerChange{{Role: domain.OwnerIOM, OfficerID: iom.ID}, {Role: domain.OwnerLRO, OfficerID: lro.ID}} {
			c.OrderID, c.Reason = o.ID, "r"
			if _, err := s.AssignOwner(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	})
	step("a review recorded", "2027-02-23 gloucestershire", func() {
		if _, err := s.RecordReview(ctx, o.ID, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}); err != nil {
			t.Fatal(err)
		}
	})
	var check domain.Check
	step("a check scheduled before the review", "2026-12-10 gloucestershire", func() {
		var err error
		if check, err = s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "home_visit", DueOn: domain.NewDate(2026, 12, 10)}); err != nil {
			t.Fatal(err)
		}
	})
	step("the check completed", "2027-02-23 gloucestershire", func() {
		if _, err := s.CompleteCheck(ctx, o.ID, check.ID, nil, func(c *domain.Check) error {
			c.CompletedOn, c.Outcome = &today, ptr("compliant")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	step("a check scheduled", "2026-12-20 gloucestershire", func() {
		var err error
		if check, err = s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "device", DueOn: domain.NewDate(2026, 12, 20)}); err != nil {
			t.Fatal(err)
		}
	})
	step("the check moved (in SQL)", "2026-12-22 gloucestershire", func() {
		exec(`UPDATE checks SET due_on = '2026-12-22' WHERE id = ?`, check.ID)
	})
	step("the check cancelled", "2027-02-23 gloucestershire", func() {
		if _, err := s.CancelCheck(ctx, o.ID, check.ID, nil, "Not needed."); err != nil {
			t.Fatal(err)
		}
	})
	step("the force's review policy changed", "2026-12-25 gloucestershire", func() {
		p, err := s.GetPolicy(ctx, "gloucestershire")
		if err != nil {
			t.Fatal(err)
		}
		p.CommunityReviewDays = 30
		if _, err := s.PutPolicy(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	})
	step("the policy saved unchanged", "2026-12-25 gloucestershire", func() {
		exec(`UPDATE force_policies SET pre_release_days = pre_release_days + 1 WHERE force = 'gloucestershire'`)
	})
	step("the review moved (in SQL)", "2026-12-20 gloucestershire", func() {
		exec(`UPDATE reviews SET reviewed_on = '2026-11-20' WHERE order_id = ?`, o.ID)
	})
	step("the review deleted (in SQL)", "2026-07-31 gloucestershire", func() {
		exec(`DELETE FROM reviews WHERE order_id = ?`, o.ID)
	})
	step("the start moved (in SQL)", "2026-08-14 gloucestershire", func() {
		exec(`UPDATE orders SET starts_on = '2026-07-15' WHERE id = ?`, o.ID)
	})
	step("the subject taken into custody", "2027-01-11 gloucestershire", func() {
		if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
			x.Custody = custody(date(2027, 6, 1))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	// A subject's move ends its owners' assignments (they are of the old
	// force); a new owner in the new force takes the order's keys.
	step("the subject moved to another force", "", func() {
		if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error { x.Force = "dorset"; return nil }); err != nil {
			t.Fatal(err)
		}
	})
	step("an owner assigned in that force", "2027-01-11 dorset", func() {
		for _, c := range []domain.OwnerChange{{Role: domain.OwnerIOM, OfficerID: dorsetIOM.ID}, {Role: domain.OwnerLRO, OfficerID: dorsetLRO.ID}} {
			c.OrderID, c.Reason = o.ID, "r"
			if _, err := s.AssignOwner(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	})
	step("the subject's force corrected back and forth (in SQL)", "2027-01-11 dorset", func() {
		exec(`UPDATE subjects SET force = 'gloucestershire' WHERE id = ?`, sub.ID)
		if got := keyOf(); got != "2027-01-11 gloucestershire" {
			t.Errorf("moved back in SQL: the order's assignments keep %q", got)
		}
		exec(`UPDATE subjects SET force = 'dorset' WHERE id = ?`, sub.ID)
	})
	step("that force's policy set", "2026-10-13 dorset", func() {
		exec(`INSERT INTO force_policies (force, prison_review_days) VALUES ('dorset', 90)`)
	})
	step("that force's prison interval changed", "2026-11-12 dorset", func() {
		p, err := s.GetPolicy(ctx, "dorset")
		if err != nil {
			t.Fatal(err)
		}
		p.PrisonReviewDays = 120
		if _, err := s.PutPolicy(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	})
	step("the order's own review interval set", "2026-08-29 dorset", func() {
		if _, err := s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, _ domain.Subject) error {
			x.ReviewIntervalDays = ptr(45)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	step("the order's interval cleared and that policy removed (in SQL)", "2027-01-11 dorset", func() {
		exec(`UPDATE orders SET review_interval_days = NULL WHERE id = ?`, o.ID)
		exec(`DELETE FROM force_policies WHERE force = 'dorset'`)
	})
	step("an owner removed", "2027-01-11 dorset", func() {
		if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerLRO, Reason: "Moved on."}); err != nil {
			t.Fatal(err)
		}
	})
	step("the order discharged", "- dorset", func() {
		day := today
		if _, err := s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, _ domain.Subject) error {
			v := &domain.ValidationError{}
			x.End("discharged", &day, ptr("Discharged on appeal."), day, v)
			return v.Err()
		}); err != nil {
			t.Fatal(err)
		}
	})

	// Officers deactivated (their assignments end), then years of sweeps:
	// orders start and expire in bulk.
	var owners []string
	if err := s.DB().Raw(`SELECT DISTINCT officer_id FROM owner_assignments WHERE ended_at IS NULL ORDER BY 1 LIMIT 3`).
		Scan(&owners).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range owners {
		if _, err := s.UpdateOfficer(ctx, id, nil, func(x *domain.Officer) error { x.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	caseloadKeysAgree(t, s, "after deactivating owners")
	sweepAllAsOf(t, s, today.AddDays(400))
	caseloadKeysAgree(t, s, "a year on")
	sweepAllAsOf(t, s, today.AddDays(3*366))
	caseloadKeysAgree(t, s, "three years on")
	var live int64
	if err := s.DB().Raw(`SELECT count(*) FROM owner_assignments WHERE ended_at IS NULL AND order_next_due IS NOT NULL`).
		Scan(&live).Error; err != nil {
		t.Fatal(err)
	}
	var ended int64
	if err := s.DB().Raw(`SELECT count(*) FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.ended_at IS NULL AND o.status NOT IN ('pending', 'active')`).Scan(&ended).Error; err != nil {
		t.Fatal(err)
	}
	if ended == 0 {
		t.Error("no owned order ended in three years of sweeps; the test shows nothing about expiry")
	}
	t.Logf("three years on: %d current assignments of live orders, %d of ended ones", live, ended)
}
