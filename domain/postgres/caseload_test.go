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

	// Two of their orders not yet due within four weeks get a check due
	// soon and one due later, so the summary has some of each.
	if err := s.DB().Exec(`INSERT INTO checks (order_id, kind, due_on)
		SELECT x.order_id, 'home_visit', (ARRAY[?::date, ?::date])[x.n] FROM (
		    SELECT a.order_id, row_number() OVER (ORDER BY a.order_id) AS n FROM owner_assignments a
		    WHERE a.officer_id = ? AND a.ended_at IS NULL AND a.order_next_due > ?) x
		WHERE x.n <= 2`, today.AddDays(3).Time, today.AddDays(20).Time, officer,
		today.AddDays(domain.CaseloadDueLaterDays).Time).Error; err != nil {
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
	// The due dates recounted from order_schedule, the view the copies
	// on the assignments are kept from.
	if err := s.DB().Raw(`SELECT count(*) AS orders, count(*) FILTER (WHERE EXISTS (
			SELECT 1 FROM flags f WHERE f.order_id = o.id AND f.resolved_at IS NULL)) AS with_open_flags,
			count(*) FILTER (WHERE d.due < @today) AS overdue,
			count(*) FILTER (WHERE d.due BETWEEN @today AND @soon) AS due_soon,
			count(*) FILTER (WHERE d.due > @soon AND d.due <= @later) AS due_later
		FROM orders o
		JOIN LATERAL (SELECT LEAST(sch.next_review_due, sch.next_check_due) AS due
		              FROM order_schedule sch WHERE sch.order_id = o.id) d ON true
		WHERE o.status IN ('pending', 'active') AND o.id IN (
			SELECT a.order_id FROM owner_assignments a WHERE a.ended_at IS NULL AND a.officer_id IN (@officer, @away))`,
		map[string]any{"officer": officer, "away": away, "today": today.Time,
			"soon":  today.AddDays(domain.CaseloadDueSoonDays).Time,
			"later": today.AddDays(domain.CaseloadDueLaterDays).Time}).Scan(&recount).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recount, whole.Summary); d != "" {
		t.Errorf("summary (-recount +caseload):\n%s", d)
	}
	flagged, covered, owned := 0, 0, 0
	var counted domain.CaseloadSummary
	for _, it := range whole.Items {
		if len(it.OpenFlags) > 0 {
			flagged++
		}
		due := it.NextReviewDue
		if due == nil || it.NextCheckDue != nil && it.NextCheckDue.Before(due.Time) {
			due = it.NextCheckDue
		}
		if due != nil {
			switch n := today.DaysUntil(*due); {
			case n < 0:
				counted.Overdue++
			case n <= domain.CaseloadDueSoonDays:
				counted.DueSoon++
			case n <= domain.CaseloadDueLaterDays:
				counted.DueLater++
			}
		}
		for _, r := range it.Roles {
			if strings.HasPrefix(r, "cover:") {
				covered++
			} else {
				owned++
			}
		}
	}
	counted.Orders, counted.WithOpenFlags = len(whole.Items), flagged
	if counted != whole.Summary {
		t.Errorf("summary %+v, items counted %+v", whole.Summary, counted)
	}
	if covered == 0 || owned == 0 || flagged == 0 || flagged == len(whole.Items) {
		t.Fatalf("%d roles covered, %d owned, %d of %d orders flagged: the test needs some of each",
			covered, owned, flagged, len(whole.Items))
	}
	if counted.Overdue == 0 || counted.DueSoon == 0 || counted.DueLater == 0 {
		t.Fatalf("%+v: the test needs orders overdue, due soon and due later", counted)
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
	_, sm, _ := strings.Cut(reads[0], "FROM (SELECT count(*) AS orders")
	sm, _, _ = strings.Cut(sm, ") sm")
	if !strings.HasSuffix(strings.TrimSpace(sm), "FROM held h") || strings.Contains(sm, "JOIN") {
		t.Errorf("the summary is not counted from the ranked set alone:\n%s", reads[0])
	}
}
