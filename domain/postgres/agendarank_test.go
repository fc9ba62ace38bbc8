package postgres_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// agenda_rank reads its dates with make_date so that PostgreSQL inlines it
// (migration 00260); flags_agenda's entries were written by the body it
// replaced, which read them with a date cast. Over every flag the sweeps
// raise on generated orders, and over details written by hand for the kinds
// they may not raise, the two give the same date, and the new one is
// inlined (a call would show as agenda_rank in the plan).
func TestAgendaRankReadsDatesAsTheCastDid(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	sweepAllAsOf(t, s, today)
	const castRank = `coalesce(CASE kind
		WHEN 'check_overdue' THEN (details ->> 'due_on')::date
		WHEN 'review_overdue' THEN (details ->> 'due_on')::date
		WHEN 'pre_release' THEN (details ->> 'release_date')::date
		WHEN 'release_date_passed' THEN (details ->> 'release_date')::date
		WHEN 'expiring' THEN (details ->> 'ends_on')::date
		WHEN 'compliance_concern' THEN (details ->> 'on')::date
		END, (raised_at AT TIME ZONE 'UTC')::date)`
	var rows []struct {
		Kind           string
		Flags, Differ  int
		DatedFromField int
	}
	if err := s.DB().Raw(`
		WITH f AS (
		    SELECT kind, details, raised_at FROM flags
		    UNION ALL
		    SELECT k, jsonb_build_object(key, d), timestamptz '2026-03-29 23:30:00+00'
		    FROM (VALUES ('compliance_concern', 'on'), ('expiring', 'ends_on'), ('pre_release', 'release_date'),
		                 ('release_date_passed', 'release_date'), ('check_overdue', 'due_on')) v(k, key)
		    CROSS JOIN (VALUES (date '2024-02-29'), (date '1999-12-31'), (date '2031-01-01')) dd(d)
		    UNION ALL
		    SELECT 'compliance_concern', '{}', timestamptz '2026-10-25 00:30:00+01'
		    UNION ALL
		    SELECT 'review_overdue', '{"due_on": null}', now())
		SELECT kind, count(*) AS flags,
		       count(*) FILTER (WHERE agenda_rank(kind, details, raised_at) IS DISTINCT FROM ` + castRank + `) AS differ,
		       count(*) FILTER (WHERE agenda_rank(kind, details, raised_at) <> (raised_at AT TIME ZONE 'UTC')::date) AS dated_from_field
		FROM f GROUP BY kind ORDER BY kind`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Kind] = true
		if r.Differ != 0 {
			t.Errorf("%s: agenda_rank differs from the cast on %d of %d flags", r.Kind, r.Differ, r.Flags)
		}
		switch r.Kind {
		case "check_overdue", "review_overdue", "pre_release", "expiring", "compliance_concern":
			if r.DatedFromField == 0 {
				t.Errorf("%s: no flag ranked by the date in its details (of %d): the comparison proves nothing", r.Kind, r.Flags)
			}
		}
	}
	for _, kind := range []string{"unowned", "review_overdue", "check_overdue", "pre_release", "expiring"} {
		if !seen[kind] {
			t.Errorf("the sweeps raised no %s flag over generated orders; want some to compare", kind)
		}
	}
	// What the sweeps never write but jsonb could hold for a date ranks by
	// the day raised instead of failing the insert.
	var odd []string
	if err := s.DB().Raw(`SELECT agenda_rank('check_overdue', jsonb_build_object('due_on', d), timestamptz '2026-03-01 12:00+00')::text
		FROM (VALUES (date '0044-03-15 BC'), (date 'infinity'), (date '10000-01-01')) v(d)`).Scan(&odd).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Join(odd, ",") != "2026-03-01,2026-03-01,2026-03-01" {
		t.Errorf("a BC date, infinity and year 10000 rank as %v; want the day raised", odd)
	}
	// The index's expression is evaluated where the search path is empty:
	// autovacuum's analysis, a restore's CREATE INDEX.
	if err := s.DB().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL search_path = ''`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`ANALYZE public.flags`).Error; err != nil {
			return err
		}
		return tx.Exec(`REINDEX INDEX public.flags_agenda`).Error
	}); err != nil {
		t.Errorf("with an empty search path: %v", err)
	}
	var plan []string
	if err := s.DB().Raw(`EXPLAIN (VERBOSE) SELECT agenda_rank(kind, details, raised_at) FROM flags`).
		Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "\n"); strings.Contains(p, "agenda_rank(") || !strings.Contains(p, "make_date") {
		t.Errorf("agenda_rank is not inlined:\n%s", p)
	}
}
