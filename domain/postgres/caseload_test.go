package postgres_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"scpo/domain"
)

// TestCaseloadSummaryAndKeys holds the caseload of an officer who owns
// orders and covers an absent colleague's to a recount: the summary to
// the live orders held and those with a flag open, each item's schedule
// to the order_schedule view, the pages walked to the whole, and the
// summary to the set the page is ranked from, in the one statement (the
// summary needs no schedule).
func TestCaseloadSummaryAndKeys(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)

	// The officer with most current assignments, and another of the same
	// force who is away with the first covering.
	pair := sqlIDs(t, s, `WITH held AS (
			SELECT a.officer_id, f.force, count(*) AS n FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
			WHERE a.ended_at IS NULL GROUP BY a.officer_id, f.force)
		SELECT x.officer_id::text FROM (
			(SELECT officer_id, force, n FROM held ORDER BY n DESC, officer_id LIMIT 1)
			UNION ALL
			(SELECT h.officer_id, h.force, h.n FROM held h
			 WHERE h.force IS NOT DISTINCT FROM (SELECT force FROM held ORDER BY n DESC, officer_id LIMIT 1)
			 ORDER BY h.n DESC, h.officer_id OFFSET 1 LIMIT 1)) x`)
	if len(pair) != 2 {
		t.Fatalf("want two officers of one force with assignments, got %v", pair)
	}
	officer, away := pair[0], pair[1]
	if err := s.DB().Exec(`INSERT INTO officer_absences (id, officer_id, kind, starts_on, ends_on, cover_officer_id,
		created_at, updated_at) VALUES (gen_random_uuid(), ?, 'annual_leave', ?, ?, ?, now(), now())`,
		away, today.AddDays(-3).Time, today.AddDays(10).Time, officer).Error; err != nil {
		t.Fatal(err)
	}

	s.WaitAnalyses() // statistics gathered after the register's sweeps are not the caseload's
	// Record every statement the store sends, with its arguments.
	type statement struct {
		sql  string
		vars []any
	}
	var mu sync.Mutex
	var sent []statement
	recording := true
	if err := s.DB().Callback().Row().After("gorm:row").Register("test:record", func(db *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		if recording {
			sent = append(sent, statement{db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...)})
		}
	}); err != nil {
		t.Fatal(err)
	}

	whole, err := s.Caseload(ctx, officer, today, domain.Page{Limit: 500})
	mu.Lock()
	recording = false
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if whole.NextCursor != nil {
		t.Fatalf("caseload of %d orders does not fit one page of 500", whole.Summary.Orders)
	}

	var recount domain.CaseloadSummary
	if err := s.DB().Raw(`SELECT count(*) AS orders, count(*) FILTER (WHERE EXISTS (
			SELECT 1 FROM flags f WHERE f.order_id = o.id AND f.resolved_at IS NULL)) AS with_open_flags
		FROM orders o WHERE o.status IN ('pending', 'active') AND o.id IN (
			SELECT a.order_id FROM owner_assignments a WHERE a.ended_at IS NULL AND a.officer_id IN (?, ?))`,
		officer, away).Scan(&recount).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recount, whole.Summary); d != "" {
		t.Errorf("summary (-recount +caseload):\n%s", d)
	}
	flagged, covered, owned := 0, 0, 0
	for _, it := range whole.Items {
		if len(it.OpenFlags) > 0 {
			flagged++
		}
		for _, r := range it.Roles {
			if strings.HasPrefix(r, "cover:") {
				covered++
			} else {
				owned++
			}
		}
	}
	if got := (domain.CaseloadSummary{Orders: len(whole.Items), WithOpenFlags: flagged}); got != whole.Summary {
		t.Errorf("summary %+v, items counted %+v", whole.Summary, got)
	}
	if covered == 0 || owned == 0 || flagged == 0 || flagged == len(whole.Items) {
		t.Fatalf("%d roles covered, %d owned, %d of %d orders flagged: the test needs some of each",
			covered, owned, flagged, len(whole.Items))
	}

	// Walked a page at a time, across the groups of the first key, the
	// caseload is the same orders in the same order.
	var order []string
	for _, it := range whole.Items {
		order = append(order, it.OrderID)
	}
	for _, limit := range []int{1, 3, 10} {
		got := walk(t, limit, func(cursor string) ([]string, string) {
			r, err := s.Caseload(ctx, officer, today, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if r.Summary != whole.Summary {
				t.Errorf("summary %+v on a page of %d, %+v on one page", r.Summary, limit, whole.Summary)
			}
			var ids []string
			for _, it := range r.Items {
				ids = append(ids, it.OrderID)
			}
			next := ""
			if r.NextCursor != nil {
				next = *r.NextCursor
			}
			return ids, next
		})
		if d := cmp.Diff(order, got); d != "" {
			t.Errorf("caseload in pages of %d (-one page +walked):\n%s", limit, d)
		}
	}

	// Each item's schedule and flags are the view's and the open flags'.
	var sched []struct {
		OrderID       string
		NextReviewDue *time.Time
		NextCheckDue  *time.Time
		OpenFlags     string
	}
	ids := make([]string, len(whole.Items))
	for i, it := range whole.Items {
		ids[i] = it.OrderID
	}
	if err := s.DB().Raw(`SELECT sch.order_id::text AS order_id, sch.next_review_due, sch.next_check_due,
			coalesce((SELECT string_agg(f.kind, ',' ORDER BY f.kind) FROM flags f
			          WHERE f.order_id = sch.order_id AND f.resolved_at IS NULL), '') AS open_flags
		FROM order_schedule sch WHERE sch.order_id::text IN ? ORDER BY 1`, ids).Scan(&sched).Error; err != nil {
		t.Fatal(err)
	}
	day := func(d *time.Time) string {
		if d == nil {
			return "-"
		}
		return d.Format(time.DateOnly)
	}
	want := map[string]string{}
	for _, r := range sched {
		want[r.OrderID] = day(r.NextReviewDue) + " " + day(r.NextCheckDue) + " " + r.OpenFlags
	}
	got := map[string]string{}
	for _, it := range whole.Items {
		at := func(d *domain.Date) string {
			if d == nil {
				return "-"
			}
			return d.String()
		}
		got[it.OrderID] = at(it.NextReviewDue) + " " + at(it.NextCheckDue) + " " + strings.Join(it.OpenFlags, ",")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("review due, check due, open flags (-order_schedule +caseload):\n%s", d)
	}

	// The summary is counted from the set the page is ranked from (no
	// schedule), in the same statement: one statement reads the caseload's
	// orders, and its summary part reads nothing but that set.
	var reads []string
	for _, st := range sent {
		if strings.Contains(st.sql, "held AS MATERIALIZED") {
			reads = append(reads, st.sql)
		}
	}
	if len(reads) != 1 {
		t.Fatalf("%d statements read the caseload's orders, want 1", len(reads))
	}
	if !strings.Contains(reads[0], "count(*) FILTER (WHERE h.k1 < 0) AS flagged FROM held h) sm") {
		t.Errorf("the summary is not counted from the ranked set:\n%s", reads[0])
	}
}
