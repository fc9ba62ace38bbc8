package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"scpo/domain"
)

// allRulesOfForceSQL is every flag kind's rule for one force as of a day:
// what should be open there.
func allRulesOfForceSQL() string {
	kinds := []string{"action_overdue", "breach_decision_due", "breach_open", "check_overdue", "compliance_concern",
		"em_ending", "expiring", "extension_to_settle", "interim_unserved", "not_served", "owner_absent", "pre_release",
		"release_date_passed", "review_overdue", "unowned"}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("SELECT '%s' AS kind, c.order_id FROM flag_%s(@day) c WHERE c.force = @force", k, k)
	}
	return strings.Join(parts, " UNION ALL ")
}

// A policy change settles at once the flags it ends, and only the kinds
// whose rules read a setting it changed are worked out again (one rule
// over a large force takes a fraction of a second, all fifteen seconds).
// Each setting is relaxed in turn from a strict policy a sweep has
// raised flags under: after each, no open flag of the force is one its
// rule no longer holds for (a kind left out of the refresh would leave
// them standing), and the kind the setting drives lost flags then and
// there.
func TestPolicyChangeSettlesTheKindsItMoves(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	var force string
	if err := s.DB().Raw(`SELECT subject_force FROM orders WHERE status IN ('pending', 'active')
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&force).Error; err != nil {
		t.Fatal(err)
	}
	strict := domain.Policy{Force: force, RequiredRoles: []string{"iom", "lro", "orders_officer"}, PreReleaseDays: 1095,
		CommunityReviewDays: 20, PrisonReviewDays: 20, CheckGraceDays: 0, ExpiryWarningDays: 1095, EMWarningDays: 180,
		AbsenceThresholdDays: 1}
	if _, err := s.PutPolicy(ctx, strict, nil); err != nil {
		t.Fatal(err)
	}
	// An owner of the force's orders away for a month from ten days ago, nobody covering.
	var owner string
	if err := s.DB().Raw(`SELECT a.officer_id FROM owner_assignments a JOIN orders o ON o.id = a.order_id
		WHERE a.ended_at IS NULL AND o.subject_force = ? AND o.status IN ('pending', 'active')
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, force).Scan(&owner).Error; err != nil || owner == "" {
		t.Fatalf("an owner in %s: %q, %v", force, owner, err)
	}
	if _, err := s.RecordAbsence(ctx, domain.Absence{OfficerID: owner, Kind: "long_term", StartsOn: today.AddDays(-10), EndsOn: ptr(today.AddDays(20))}); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)

	open := func(kind string) int {
		t.Helper()
		var n int
		if err := s.DB().Raw(`SELECT count(*) FROM flags WHERE force = ? AND kind = ? AND resolved_at IS NULL`, force, kind).
			Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		kind   string
		relax  func(*domain.Policy)
		raised bool // the generated register raises this kind under the strict policy
	}{
		{domain.FlagUnowned, func(p *domain.Policy) { p.RequiredRoles = []string{"iom"} }, true},
		{domain.FlagPreRelease, func(p *domain.Policy) { p.PreReleaseDays = 1 }, true},
		{domain.FlagReviewOverdue, func(p *domain.Policy) { p.CommunityReviewDays, p.PrisonReviewDays = 366, 366 }, true},
		{domain.FlagCheckOverdue, func(p *domain.Policy) { p.CheckGraceDays = 90 }, true},
		{domain.FlagExpiring, func(p *domain.Policy) { p.ExpiryWarningDays = 1 }, true},
		{domain.FlagEMEnding, func(p *domain.Policy) { p.EMWarningDays = 1 }, false},
		{domain.FlagOwnerAbsent, func(p *domain.Policy) { p.AbsenceThresholdDays = 365 }, true},
	}
	p := strict
	for _, step := range steps {
		before := open(step.kind)
		if step.raised && before == 0 {
			t.Fatalf("%s: the strict policy raised none in %s; the step would prove nothing", step.kind, force)
		}
		step.relax(&p)
		if _, err := s.PutPolicy(ctx, p, nil); err != nil {
			t.Fatalf("%s: %v", step.kind, err)
		}
		var stale []struct{ Kind, OrderID string }
		if err := s.DB().Raw(`SELECT f.kind, f.order_id FROM flags f WHERE f.force = @force AND f.resolved_at IS NULL
			AND (f.kind, f.order_id) NOT IN (`+allRulesOfForceSQL()+`) ORDER BY 1, 2`,
			map[string]any{"force": force, "day": today.Time}).Scan(&stale).Error; err != nil {
			t.Fatal(err)
		}
		if len(stale) > 0 {
			t.Errorf("after relaxing what drives %s, %d open flags of %s no longer hold, e.g. %+v",
				step.kind, len(stale), force, stale[0])
		}
		if after := open(step.kind); step.raised && after >= before {
			t.Errorf("relaxing what drives %s left %d of %d open", step.kind, after, before)
		}
	}
	// Made strict again, the policy raises at once what its rules now find,
	// the swept kinds too: a stricter policy's unowned orders were left
	// off the agenda until the next sweep.
	if _, err := s.PutPolicy(ctx, strict, nil); err != nil {
		t.Fatal(err)
	}
	var missing []struct{ Kind, OrderID string }
	if err := s.DB().Raw(`SELECT r.kind, r.order_id FROM (`+allRulesOfForceSQL()+`) r
		WHERE r.kind IN ('unowned', 'pre_release', 'review_overdue', 'check_overdue', 'expiring', 'owner_absent')
		  AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.order_id = r.order_id AND f.kind = r.kind AND f.resolved_at IS NULL)
		ORDER BY 1, 2`, map[string]any{"force": force, "day": today.Time}).Scan(&missing).Error; err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("made strict again, %d flags the rules find in %s are not raised, e.g. %+v", len(missing), force, missing[0])
	}
	if open(domain.FlagUnowned) == 0 {
		t.Errorf("made strict again, no order of %s is unowned", force)
	}
	// Saving the same policy again moves nothing and asks for nothing.
	if got := p.FlagKindsMovedFrom(p); len(got) != 0 {
		t.Errorf("an unchanged policy moves %v", got)
	}
}
