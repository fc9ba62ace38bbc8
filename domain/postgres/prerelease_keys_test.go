package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"scpo/domain"
	"scpo/domain/postgres"
)

// The pre-release report finds its orders by their copies of the subject's
// force and of its release date while in custody (migration 00210), kept
// by triggers. These tests hold the copies to the subject's own row
// through every change that moves a subject into or out of custody, gives
// it a new release date or moves it to another force, and hold the
// report, read through the copies, to a recount from the subjects.

// preReleaseCopiesAgree fails for every order whose copies disagree with
// its subject: subject_force is the subject's force, subject_release_date
// its release date while in custody and NULL otherwise.
func preReleaseCopiesAgree(t *testing.T, s *postgres.Store, stage string) {
	t.Helper()
	var bad []struct {
		ID, Copies, Subject string
	}
	if err := s.DB().Raw(`
		SELECT o.id, o.subject_force || ' ' || coalesce(o.subject_release_date::text, '-') AS copies,
		       s.force || ' ' || s.custody_status || ' ' || coalesce(s.release_date::text, '-') AS subject
		FROM orders o JOIN subjects s ON s.id = o.subject_id
		WHERE o.subject_force <> s.force
		   OR o.subject_release_date IS DISTINCT FROM
		      CASE WHEN s.custody_status = 'custody' THEN s.release_date END
		ORDER BY o.id LIMIT 5`).Scan(&bad).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: order %s copies %s, its subject %s", stage, b.ID, b.Copies, b.Subject)
	}
}

// preReleaseMatchesSubjects holds the report to a recount from the
// subjects (the one fact) as of asOf, within days: for every force, for
// all forces at once and for a scope of two forces asking for none; the
// count and every page walked limit orders at a time, in order.
func preReleaseMatchesSubjects(t *testing.T, s *postgres.Store, stage string, asOf domain.Date, within, limit int) {
	t.Helper()
	until := asOf.AddDays(within).Time
	recount := func(forces []string) []string {
		q := `SELECT o.id FROM orders o JOIN subjects s ON s.id = o.subject_id
			WHERE s.custody_status = 'custody' AND s.release_date <= ? AND o.status IN ('pending', 'active')`
		args := []any{until}
		if forces != nil {
			q += ` AND s.force IN ?`
			args = append(args, forces)
		}
		return sqlIDs(t, s, q+` ORDER BY s.release_date, o.id`, args...)
	}
	report := func(ctx context.Context, force string) ([]string, int) {
		var ids []string
		total := -1
		all := walk(t, limit, func(cursor string) ([]string, string) {
			r, err := s.PreRelease(ctx, force, within, asOf, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			if total >= 0 && r.Summary.Orders != total {
				t.Errorf("%s: force %q: the count moved from %d to %d between pages", stage, force, total, r.Summary.Orders)
			}
			total = r.Summary.Orders
			page := make([]string, len(r.Items))
			for i, it := range r.Items {
				page[i] = it.OrderID
				if it.ReleaseDate == nil || it.ReleaseDate.After(until) || it.Subject.Custody != domain.CustodyCustody {
					t.Errorf("%s: order %s on the report with subject %s released %v", stage, it.OrderID,
						it.Subject.Custody, it.ReleaseDate)
				}
			}
			if r.NextCursor == nil {
				return page, ""
			}
			return page, *r.NextCursor
		})
		ids = append(ids, all...)
		return ids, total
	}
	everyone := domain.WithScope(context.Background(), domain.Scope{AllForces: true})
	var forces []string
	if err := s.DB().Raw(`SELECT code FROM forces ORDER BY code`).Scan(&forces).Error; err != nil {
		t.Fatal(err)
	}
	check := func(what string, ctx context.Context, force string, want []string) {
		t.Helper()
		got, total := report(ctx, force)
		if want == nil {
			want = []string{}
		}
		if got == nil {
			got = []string{}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: %s: orders (-recount +report):\n%s", stage, what, d)
		}
		if total != len(want) {
			t.Errorf("%s: %s: count %d, recount %d", stage, what, total, len(want))
		}
	}
	check("all forces", everyone, "", recount(nil))
	for _, f := range forces {
		if want := recount([]string{f}); len(want) > 0 {
			check(f, everyone, f, want)
		}
	}
	region := []string{"dorset", "gloucestershire"}
	scoped := domain.WithScope(context.Background(), domain.Scope{ReadForces: region, WriteForces: region})
	check("scope dorset+gloucestershire", scoped, "", recount(region))
}

// preReleasePNC is a valid PNC ID of 2019 for serial, the year no
// generated subject has.
func preReleasePNC(serial int) string {
	return fmt.Sprintf("2019/%07d%c", serial, domain.PNCCheckLetter(19, serial))
}

// wantCopies fails unless order's copies are force and released (nil: none).
func wantCopies(t *testing.T, s *postgres.Store, stage, orderID, force string, released *domain.Date) {
	t.Helper()
	var got []struct {
		SubjectForce       string
		SubjectReleaseDate *time.Time
	}
	if err := s.DB().Raw(`SELECT subject_force, subject_release_date FROM orders WHERE id = ?`, orderID).
		Scan(&got).Error; err != nil || len(got) != 1 {
		t.Fatalf("%s: order %s: %v", stage, orderID, err)
	}
	want := "<nil>"
	if released != nil {
		want = released.String()
	}
	gotDate := "<nil>"
	if d := got[0].SubjectReleaseDate; d != nil {
		gotDate = domain.AsDate(*d).String()
	}
	if got[0].SubjectForce != force || gotDate != want {
		t.Errorf("%s: order %s copies %s %s, want %s %s", stage, orderID, got[0].SubjectForce, gotDate, force, want)
	}
}

// TestPreReleaseKeysFollowTheSubject takes subjects through every change
// the store makes to a subject's custody, release date or force: a new
// release date, a release (which starts an on-release order), a recall, a
// date taken away, a move of force by PATCH and by an accepted transfer;
// and orders created for a subject in custody and in the community, ended,
// and written to directly. After each the copies agree with the subjects,
// and the report with a recount from them.
func TestPreReleaseKeysFollowTheSubject(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	held := mustSubject(t, s, preReleasePNC(101), true) // gloucestershire, custody, released 2027-03-01
	free := mustSubject(t, s, preReleasePNC(102), false)
	undated := mustSubject(t, s, preReleasePNC(103), true)
	if _, err := s.UpdateSubject(ctx, undated.ID, nil, func(sub *domain.Subject) error {
		sub.Custody.ReleaseDate, sub.Custody.ReleaseDateType = nil, nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	onRel := mustOrder(t, s, onRelease(held.ID, 24))
	onDay := mustOrder(t, s, onDate(held.ID, today.AddDays(-30), 24))
	freeOrder := mustOrder(t, s, onDate(free.ID, today.AddDays(-30), 24))
	undatedOrder := mustOrder(t, s, onRelease(undated.ID, 24))
	// Some of every force, in custody and out, for the report to sort
	// among; the test's own subjects are among them.
	if _, err := s.GenerateOrders(ctx, 300, today); err != nil {
		t.Fatal(err)
	}
	stage := func(name string) {
		t.Helper()
		preReleaseCopiesAgree(t, s, name)
		preReleaseMatchesSubjects(t, s, name, today, 365, 7)
	}
	stage("created")
	wantCopies(t, s, "created", onRel.ID, "gloucestershire", date(2027, 3, 1))
	wantCopies(t, s, "created", onDay.ID, "gloucestershire", date(2027, 3, 1))
	wantCopies(t, s, "created", freeOrder.ID, "gloucestershire", nil)
	wantCopies(t, s, "created", undatedOrder.ID, "gloucestershire", nil)

	update := func(name, id string, change func(*domain.Subject)) {
		t.Helper()
		if _, err := s.UpdateSubject(ctx, id, nil, func(sub *domain.Subject) error { change(sub); return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		stage(name)
	}
	update("new release date", held.ID, func(sub *domain.Subject) {
		sub.Custody.ReleaseDate, sub.Custody.ReleaseDateType = date(2027, 1, 15), ptr("HDCED")
	})
	wantCopies(t, s, "new release date", onRel.ID, "gloucestershire", date(2027, 1, 15))

	update("moved by PATCH", held.ID, func(sub *domain.Subject) { sub.Force = "dorset" })
	wantCopies(t, s, "moved by PATCH", onDay.ID, "dorset", date(2027, 1, 15))

	tr, err := s.RequestTransfer(ctx, domain.TransferRequest{SubjectID: held.ID, ToForce: "wiltshire",
		Reason: "Moved to Swindon on licence."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideTransfer(ctx, tr.ID, domain.TransferAccepted, nil); err != nil {
		t.Fatal(err)
	}
	stage("transferred")
	wantCopies(t, s, "transferred", onRel.ID, "wiltshire", date(2027, 1, 15))

	update("released", held.ID, func(sub *domain.Subject) {
		sub.Custody = domain.Custody{Status: domain.CustodyCommunity, ReleasedOn: ptr(today.AddDays(-1))}
	})
	wantCopies(t, s, "released", onRel.ID, "wiltshire", nil)
	wantCopies(t, s, "released", onDay.ID, "wiltshire", nil)
	if o, err := s.GetOrder(ctx, onRel.ID); err != nil || o.Status != "active" {
		t.Fatalf("released: the on-release order is %q (%v), want it started", o.Status, err)
	}

	update("recalled", held.ID, func(sub *domain.Subject) {
		sub.Custody = domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Erlestoke"),
			ReleaseDate: date(2027, 8, 1), ReleaseDateType: ptr("CRD")}
	})
	wantCopies(t, s, "recalled", onRel.ID, "wiltshire", date(2027, 8, 1))

	update("community subject recalled", free.ID, func(sub *domain.Subject) {
		sub.Custody = domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Bristol"),
			ReleaseDate: date(2026, 12, 1), ReleaseDateType: ptr("ARD")}
	})
	wantCopies(t, s, "community subject recalled", freeOrder.ID, "gloucestershire", date(2026, 12, 1))

	update("date given", undated.ID, func(sub *domain.Subject) {
		sub.Custody.ReleaseDate, sub.Custody.ReleaseDateType = date(2026, 11, 1), ptr("CRD")
	})
	wantCopies(t, s, "date given", undatedOrder.ID, "gloucestershire", date(2026, 11, 1))
	update("date taken away", undated.ID, func(sub *domain.Subject) {
		sub.Custody.ReleaseDate, sub.Custody.ReleaseDateType = nil, nil
	})
	wantCopies(t, s, "date taken away", undatedOrder.ID, "gloucestershire", nil)

	// An order made while its subject is in custody takes the copy on insert.
	later := mustOrder(t, s, onRelease(free.ID, 12))
	stage("order for a subject in custody")
	wantCopies(t, s, "order for a subject in custody", later.ID, "gloucestershire", date(2026, 12, 1))

	// An ended order keeps its copies but leaves the report.
	dischargeOrder(t, s, freeOrder.ID, today)
	stage("order ended")

	// Generated subjects moved wholesale: in, out, and to new dates.
	var custody, community []string
	s.DB().Raw(`SELECT id FROM subjects WHERE custody_status = 'custody' AND pnc_id NOT LIKE '2019/%' ORDER BY id LIMIT 10`).Scan(&custody)
	s.DB().Raw(`SELECT id FROM subjects WHERE custody_status = 'community' AND kind = 'individual' ORDER BY id LIMIT 10`).Scan(&community)
	if len(custody) < 10 || len(community) < 10 {
		t.Fatalf("%d subjects in custody, %d in the community: the test needs ten of each", len(custody), len(community))
	}
	for i, id := range custody {
		switch i % 3 {
		case 0:
			update("generated released", id, func(sub *domain.Subject) {
				sub.Custody = domain.Custody{Status: domain.CustodyCommunity}
			})
		case 1:
			update("generated redated", id, func(sub *domain.Subject) {
				sub.Custody.ReleaseDate, sub.Custody.ReleaseDateType = ptr(today.AddDays(-20+i)), ptr("CRD")
			})
		default:
			update("generated moved", id, func(sub *domain.Subject) { sub.Force = "dorset" })
		}
	}
	for i, id := range community[:5] {
		update("generated recalled", id, func(sub *domain.Subject) {
			sub.Custody = domain.Custody{Status: domain.CustodyCustody, ReleaseDate: ptr(today.AddDays(10 * i)),
				ReleaseDateType: ptr("CRD")}
		})
	}

	// The copies are the triggers' alone: a write of them is put right.
	if err := s.DB().Exec(`UPDATE orders SET subject_force = 'kent', subject_release_date = DATE '2000-01-01'
		WHERE id IN (?, ?)`, onRel.ID, freeOrder.ID).Error; err != nil {
		t.Fatal(err)
	}
	stage("copies written directly")
	wantCopies(t, s, "copies written directly", onRel.ID, "wiltshire", date(2027, 8, 1))
}

// An import writes subjects in custody and their orders in one batch;
// each order takes its subject's copies.
func TestPreReleaseKeysOfImportedOrders(t *testing.T) {
	t.Parallel()
	s := importStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, domain.ImportRequest{Force: "wiltshire", Sheet: domain.ReadImportFile(importSheet(20)),
		Commit: true}); err != nil {
		t.Fatal(err)
	}
	var n int64
	s.DB().Raw(`SELECT count(*) FROM orders WHERE subject_release_date = DATE '2027-06-01' AND subject_force = 'wiltshire'`).Scan(&n)
	if n != 4 {
		t.Errorf("%d imported orders carry the release date 2027-06-01, want the 4 of subjects in custody", n)
	}
	preReleaseCopiesAgree(t, s, "imported")
	preReleaseMatchesSubjects(t, s, "imported", today, 365, 3)
}

// capturedStatement is one statement a store ran, as sent: SQL with $n
// placeholders and its arguments.
type capturedStatement struct {
	SQL  string
	Vars []any
}

// captureStatements records every query the store runs through gorm while
// fn runs.
func captureStatements(t *testing.T, s *postgres.Store, fn func()) []capturedStatement {
	t.Helper()
	var (
		mu   sync.Mutex
		on   bool
		seen []capturedStatement
	)
	if err := s.DB().Callback().Row().After("gorm:row").Register("test:capture", func(db *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			seen = append(seen, capturedStatement{db.Statement.SQL.String(), slices.Clone(db.Statement.Vars)})
		}
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	on = true
	mu.Unlock()
	fn()
	mu.Lock()
	on = false
	mu.Unlock()
	return seen
}

// sqlLiteral writes v as an SQL literal, for EXECUTE (which takes no
// bound parameters).
func sqlLiteral(t *testing.T, v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02") + "'"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	t.Fatalf("no literal for %T", v)
	return ""
}

// statementPlans explains st as planned for its arguments (a custom plan)
// and as a prepared statement's generic plan, on one connection.
func statementPlans(t *testing.T, s *postgres.Store, st capturedStatement) map[string]string {
	t.Helper()
	lits := make([]string, len(st.Vars))
	for i, v := range st.Vars {
		lits[i] = sqlLiteral(t, v)
	}
	out := map[string]string{}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		var plan []string
		err := s.DB().Transaction(func(tx *gorm.DB) error {
			stmts := []string{"SET LOCAL plan_cache_mode = " + mode, "PREPARE pre_release_plan AS " + st.SQL}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			q := "EXPLAIN (COSTS OFF) EXECUTE pre_release_plan"
			if len(lits) > 0 {
				q += "(" + strings.Join(lits, ", ") + ")"
			}
			if err := tx.Raw(q).Scan(&plan).Error; err != nil {
				return err
			}
			return tx.Exec("DEALLOCATE pre_release_plan").Error
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, st.SQL)
		}
		out[mode] = strings.Join(plan, "\n")
	}
	return out
}

// TestPreReleaseReadsTheIndexes holds the report's statements to their
// plans, custom and generic: the count reads the orders' copies alone,
// index-only (no subject is visited to count), and a page takes its keys
// in order from the index (no sort of every matching order), for one
// force, for every force, and for a scope of forces asking for none.
func TestPreReleaseReadsTheIndexes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 20000, today); err != nil {
		t.Fatal(err)
	}
	// The statistics and visibility map autovacuum would leave, now.
	//
	// The test's cluster commits asynchronously (synchronous_commit=off).
	// A vacuum marks a page all-visible only once its tuples carry their
	// inserter's committed hint, and PostgreSQL sets that hint only once
	// the WAL is flushed up to the commit LSN it keeps for the inserter's
	// group of 32 transaction ids: the latest asynchronous commit of any
	// of them. VACUUM (ANALYZE) orders, subjects commits the analysis of
	// orders asynchronously just before it vacuums subjects, so when that
	// analysis fell in the generator's group the LSN was not yet flushed
	// and not a page of subjects was marked, run after run, until later
	// commits had left the group. Here the analysis commits synchronously,
	// which flushes the WAL past every earlier commit and moves no group's
	// LSN, and the vacuum, which commits no transaction id, comes after.
	sqlDB, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	visible, err := func() (int, error) {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		for _, q := range []string{"SET synchronous_commit = on", "ANALYZE orders, subjects",
			"VACUUM orders, subjects", "RESET synchronous_commit"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return 0, fmt.Errorf("%s: %w", q, err)
			}
		}
		var visible int
		err = conn.QueryRowContext(ctx, `SELECT min(relallvisible) FROM pg_class
			WHERE relname IN ('orders', 'subjects') AND relkind = 'r'`).Scan(&visible)
		return visible, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	if visible == 0 {
		// Another asynchronous commit in the generator's group during the
		// vacuum (an autovacuum's analysis) would still do it.
		t.Fatal("vacuum marks no page of orders or subjects all-visible")
	}
	everyone := domain.WithScope(ctx, domain.Scope{AllForces: true})
	region := []string{"dorset", "gloucestershire", "wiltshire"}
	scoped := domain.WithScope(ctx, domain.Scope{ReadForces: region, WriteForces: region})
	cases := []struct {
		name  string
		ctx   context.Context
		force string
		index string // the index every statement reads; "" either
	}{
		{"one force", everyone, "dorset", "orders_pre_release_force"},
		{"every force", everyone, "", "orders_pre_release"},
		{"a scope's forces", scoped, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var first domain.PreReleaseReport
			stmts := captureStatements(t, s, func() {
				var err error
				first, err = s.PreRelease(c.ctx, c.force, 180, today, domain.Page{Limit: 5})
				if err == nil && first.NextCursor != nil {
					_, err = s.PreRelease(c.ctx, c.force, 180, today, domain.Page{Limit: 5, Cursor: *first.NextCursor})
				}
				if err != nil {
					t.Fatal(err)
				}
			})
			if first.NextCursor == nil || first.Summary.Orders < 20 {
				t.Fatalf("%d orders on the report (cursor %v): the test needs several pages", first.Summary.Orders, first.NextCursor)
			}
			var counts, pages int
			for _, st := range stmts {
				if strings.Contains(st.SQL, "s.release_date IS NULL") {
					// Those in custody with no date: through their own index.
					for mode, plan := range statementPlans(t, s, st) {
						if !strings.Contains(plan, "subjects_custody_no_release_date") || seqScan.MatchString(plan) {
							t.Errorf("%s (%s): the subjects with no release date not read by their index alone:\n%s", c.name, mode, plan)
						}
					}
					continue
				}
				isCount := strings.Contains(st.SQL, "count(*)")
				isPage := strings.Contains(st.SQL, "subject_release_date AS rank_on")
				if !isCount && !isPage {
					continue
				}
				if isCount {
					counts++
				} else {
					pages++
				}
				for mode, plan := range statementPlans(t, s, st) {
					fail := func(why string) { t.Errorf("%s (%s): %s:\n%s\n%s", c.name, mode, why, plan, st.SQL) }
					for _, m := range seqScan.FindAllStringSubmatch(plan, -1) {
						// force_policies holds a row per force at most: one
						// page, which a plan rightly reads whole once it is
						// analysed (generating orders analyses it).
						if m[1] != "force_policies" {
							fail("scans all of " + m[1])
						}
					}
					if !strings.Contains(plan, "Index Only Scan using orders_pre_release") {
						fail("does not read the keys from a pre-release index alone")
					}
					if c.index != "" && !strings.Contains(plan, "Index Only Scan using "+c.index+" on orders") {
						fail("does not read " + c.index)
					}
					if isCount && strings.Contains(plan, "subjects") {
						fail("visits subjects to count")
					}
					if isPage && c.index != "" && strings.Contains(plan, "Sort") {
						fail("sorts the matching orders instead of reading them in order")
					}
				}
			}
			if counts != 2 || pages != 2 {
				t.Fatalf("captured %d counts and %d pages of %d statements, want 2 of each", counts, pages, len(stmts))
			}
		})
	}
}

// The copies are what the report reads: were one wrong, a subject
// released would still be listed. This says so directly, writing a wrong
// copy past the trigger (as a bug in it would leave one) and seeing the
// report follow the copy; then the trigger, re-enabled, puts it right.
func TestPreReleaseReadsTheCopies(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := domain.WithScope(context.Background(), domain.Scope{AllForces: true})
	sub := mustSubject(t, s, preReleasePNC(104), true)
	o := mustOrder(t, s, onRelease(sub.ID, 24))
	listed := func() []string {
		r, err := s.PreRelease(ctx, "gloucestershire", 3650, today, domain.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, it := range r.Items {
			ids = append(ids, it.OrderID)
		}
		if r.Summary.Orders != len(ids) {
			t.Errorf("count %d, %d listed", r.Summary.Orders, len(ids))
		}
		return ids
	}
	if got := listed(); !slices.Equal(got, []string{o.ID}) {
		t.Fatalf("listed %v, want the order %s", got, o.ID)
	}
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		for _, q := range []string{
			"ALTER TABLE orders DISABLE TRIGGER orders_subject_copies",
			"UPDATE orders SET subject_release_date = NULL WHERE id = '" + o.ID + "'",
			"ALTER TABLE orders ENABLE TRIGGER orders_subject_copies",
		} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(); len(got) != 0 {
		t.Errorf("with the copy gone the report listed %v: it does not read the copy", got)
	}
	if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
		x.Custody.ReleaseDate = date(2027, 2, 1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := listed(); !slices.Equal(got, []string{o.ID}) {
		t.Errorf("after a new release date listed %v, want the order %s", got, o.ID)
	}
	preReleaseCopiesAgree(t, s, "after a new release date")
}
