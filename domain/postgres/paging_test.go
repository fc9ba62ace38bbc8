package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
	"scpo/domain/postgres"
)

// pagedRegister is a generated register, swept as of today, read with
// every force in scope.
func pagedRegister(t *testing.T) (*postgres.Store, context.Context) {
	t.Helper()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1200, today); err != nil {
		t.Fatal(err)
	}
	for _, job := range domain.JobNames {
		if _, err := s.RunJob(ctx, job, today, nil); err != nil {
			t.Fatalf("%s: %v", job, err)
		}
	}
	return s, domain.WithScope(ctx, domain.Scope{AllForces: true})
}

func sqlIDs(t *testing.T, s *postgres.Store, q string, args ...any) []string {
	t.Helper()
	var out []string
	if err := s.DB().Raw(q, args...).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// walk reads pages until one comes back without a cursor, failing on a
// page larger than limit or a walk that never ends.
func walk(t *testing.T, limit int, page func(cursor string) ([]string, string)) []string {
	t.Helper()
	var all []string
	cursor := ""
	for n := 0; ; n++ {
		if n > 1000 {
			t.Fatal("paging never ended")
		}
		ids, next := page(cursor)
		if len(ids) > limit {
			t.Fatalf("page %d has %d items, limit %d", n, len(ids), limit)
		}
		if next != "" && len(ids) < limit {
			t.Fatalf("page %d has %d items (limit %d) yet a next cursor", n, len(ids), limit)
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

func TestKeysetPagingWalksEveryItemOnceInOrder(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)

	t.Run("tasking sections", func(t *testing.T) {
		paged := 0
		for _, kind := range domain.TaskingSections {
			// The force with the most open flags of the kind.
			force := sqlIDs(t, s, `SELECT force FROM flags WHERE kind = ? AND resolved_at IS NULL
				GROUP BY force ORDER BY count(*) DESC, force LIMIT 1`, kind)
			if len(force) == 0 {
				continue
			}
			want := sqlIDs(t, s, `SELECT order_id::text FROM flags WHERE force = ? AND kind = ? AND resolved_at IS NULL
				ORDER BY agenda_rank(kind, details, raised_at), order_id`, force[0], kind)
			const limit = 3
			q := domain.TaskingQuery{Force: force[0], AsOf: today, Section: kind, Page: domain.Page{Limit: limit}}
			got := walk(t, limit, func(cursor string) ([]string, string) {
				q.Page.Cursor = cursor
				r, err := s.Tasking(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, it := range r.Sections[kind] {
					ids = append(ids, it.OrderID)
				}
				next := ""
				if c := r.NextCursors[kind]; c != nil {
					next = *c
				}
				if r.Summary[kind] != len(want) {
					t.Errorf("%s: summary %d, want %d", kind, r.Summary[kind], len(want))
				}
				return ids, next
			})
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s in %s, pages of %d (-want +got):\n%s", kind, force[0], limit, d)
			}
			if len(want) > limit {
				paged++
			}
		}
		if paged == 0 {
			t.Fatal("no section had more than one page; the walk tested nothing")
		}
	})

	t.Run("caseload", func(t *testing.T) {
		officer := sqlIDs(t, s, `SELECT a.officer_id::text FROM owner_assignments a JOIN orders o ON o.id = a.order_id
			WHERE a.ended_at IS NULL AND o.status IN ('pending', 'active')
			GROUP BY a.officer_id ORDER BY count(DISTINCT a.order_id) DESC, a.officer_id LIMIT 1`)[0]
		wantSet := sqlIDs(t, s, `SELECT DISTINCT a.order_id::text FROM owner_assignments a JOIN orders o ON o.id = a.order_id
			WHERE a.officer_id = ? AND a.ended_at IS NULL AND o.status IN ('pending', 'active') ORDER BY 1`, officer)
		whole, err := s.Caseload(ctx, officer, today, domain.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if whole.NextCursor != nil || whole.Summary.Orders != len(wantSet) {
			t.Fatalf("one page of 500: cursor %v, summary %d, want no cursor and %d", whole.NextCursor, whole.Summary.Orders, len(wantSet))
		}
		var want []string
		for _, it := range whole.Items {
			want = append(want, it.OrderID)
		}
		const limit = 4
		if len(want) <= limit {
			t.Fatalf("caseload of %d orders fits one page of %d", len(want), limit)
		}
		got := walk(t, limit, func(cursor string) ([]string, string) {
			r, err := s.Caseload(ctx, officer, today, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
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
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("caseload in pages of %d (-one page +walked):\n%s", limit, d)
		}
		sorted := append([]string(nil), got...)
		slices.Sort(sorted)
		if d := cmp.Diff(wantSet, sorted); d != "" {
			t.Errorf("caseload orders (-owned live orders +walked):\n%s", d)
		}
	})

	t.Run("pre-release", func(t *testing.T) {
		const within = 3650
		want := sqlIDs(t, s, `SELECT o.id::text FROM orders o JOIN subjects s ON s.id = o.subject_id
			WHERE s.custody_status = 'custody' AND s.release_date <= ?::date + ?::int AND o.status IN ('pending', 'active')
			ORDER BY s.release_date, o.id`, today.Time, within)
		const limit = 7
		if len(want) <= limit {
			t.Fatalf("%d pre-release orders fit one page of %d", len(want), limit)
		}
		got := walk(t, limit, func(cursor string) ([]string, string) {
			r, err := s.PreRelease(ctx, "", within, today, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if r.Summary.Orders != len(want) {
				t.Errorf("summary %d, want %d", r.Summary.Orders, len(want))
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
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("pre-release in pages of %d (-want +got):\n%s", limit, d)
		}
	})
}

func TestOrderListFilters(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)
	force := sqlIDs(t, s, `SELECT force FROM subjects GROUP BY force ORDER BY count(*) DESC, force LIMIT 1`)[0]
	officer := sqlIDs(t, s, `SELECT officer_id::text FROM owner_assignments WHERE ended_at IS NULL
		GROUP BY officer_id ORDER BY count(*) DESC, officer_id LIMIT 1`)[0]
	list := func(t *testing.T, f domain.OrderFilter) []string {
		t.Helper()
		const limit = 10
		return walk(t, limit, func(cursor string) ([]string, string) {
			// The API decodes the cursor it gave out before the store sees it.
			if cursor != "" {
				var ok bool
				if cursor, ok = domain.DecodeCursor(cursor); !ok {
					t.Fatalf("cursor %q does not decode", cursor)
				}
			}
			orders, next, err := s.ListOrders(ctx, f, domain.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range orders {
				if f.Force != "" && o.Force != f.Force {
					t.Errorf("order %s of %s listed under ?force=%s", o.ID, o.Force, f.Force)
				}
				ids = append(ids, o.ID)
			}
			return ids, next
		})
	}
	for _, c := range []struct {
		name   string
		filter domain.OrderFilter
		sql    string
		args   []any
	}{
		{"force", domain.OrderFilter{Force: force},
			`SELECT o.id::text FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE s.force = ? ORDER BY o.id`, []any{force}},
		{"force and prison", domain.OrderFilter{Force: force, CaseType: domain.CasePrison},
			`SELECT o.id::text FROM orders o JOIN subjects s ON s.id = o.subject_id
			 WHERE s.force = ? AND s.custody_status = 'custody' ORDER BY o.id`, []any{force}},
		{"owner", domain.OrderFilter{Owner: officer},
			`SELECT DISTINCT order_id::text FROM owner_assignments WHERE officer_id = ? AND ended_at IS NULL ORDER BY 1`, []any{officer}},
		{"flag", domain.OrderFilter{Flag: domain.FlagUnowned},
			`SELECT order_id::text FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL ORDER BY order_id`, nil},
		{"force and flag", domain.OrderFilter{Force: force, Flag: domain.FlagReviewOverdue},
			`SELECT f.order_id::text FROM flags f JOIN orders o ON o.id = f.order_id JOIN subjects s ON s.id = o.subject_id
			 WHERE f.kind = 'review_overdue' AND f.resolved_at IS NULL AND s.force = ? ORDER BY f.order_id`, []any{force}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := sqlIDs(t, s, c.sql, c.args...)
			if len(want) == 0 {
				t.Fatalf("the filter matches nothing in the generated register")
			}
			if d := cmp.Diff(want, list(t, c.filter)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}

	// A subject who moves force (as a transfer does) takes their orders to
	// the new force's list and out of the old one's.
	t.Run("after a move", func(t *testing.T) {
		moved := sqlIDs(t, s, `SELECT o.id::text FROM orders o JOIN subjects s ON s.id = o.subject_id
			WHERE s.force = ? ORDER BY o.id LIMIT 1`, force)[0]
		other := sqlIDs(t, s, `SELECT code FROM forces WHERE code <> ? ORDER BY code LIMIT 1`, force)[0]
		if err := s.DB().Exec(`UPDATE subjects SET force = ? WHERE id = (SELECT subject_id FROM orders WHERE id = ?)`,
			other, moved).Error; err != nil {
			t.Fatal(err)
		}
		if got := list(t, domain.OrderFilter{Force: force}); slices.Contains(got, moved) {
			t.Errorf("moved order %s still listed under %s", moved, force)
		}
		if got := list(t, domain.OrderFilter{Force: other}); !slices.Contains(got, moved) {
			t.Errorf("moved order %s not listed under %s", moved, other)
		}
	})
}
