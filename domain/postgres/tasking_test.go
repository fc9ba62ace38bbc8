package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"scpo/domain"
)

// The whole agenda reads every section's first page in one statement; each
// section must be exactly what ?section=KIND gives on its own (items,
// owners, day counts, cursor), whatever the page size.
func TestTaskingAllSectionsEqualsEachSection(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)
	// The forces with the most open flags, and one with none.
	forces := sqlIDs(t, s, `SELECT force FROM flags WHERE resolved_at IS NULL
		GROUP BY force ORDER BY count(*) DESC, force LIMIT 3`)
	forces = append(forces, sqlIDs(t, s, `SELECT code FROM forces f WHERE NOT EXISTS
		(SELECT 1 FROM flags WHERE force = f.code AND resolved_at IS NULL) ORDER BY code LIMIT 1`)...)
	cut, defaultCut := 0, 0
	for _, force := range forces {
		for _, limit := range []int{0, 1, 3, domain.TaskingPageMax, 500} {
			all, err := s.Tasking(ctx, domain.TaskingQuery{Force: force, AsOf: today, Page: domain.Page{Limit: limit}})
			if err != nil {
				t.Fatal(err)
			}
			want := min(limit, domain.TaskingPageMax)
			if limit == 0 {
				want = domain.TaskingPageDefault
			}
			if len(all.Sections) != len(domain.TaskingSections) || len(all.NextCursors) != len(domain.TaskingSections) {
				t.Fatalf("%s limit %d: %d sections and %d cursors, want %d", force, limit,
					len(all.Sections), len(all.NextCursors), len(domain.TaskingSections))
			}
			for _, kind := range domain.TaskingSections {
				one, err := s.Tasking(ctx, domain.TaskingQuery{Force: force, AsOf: today, Section: kind,
					Page: domain.Page{Limit: want}})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(one.Summary, all.Summary); d != "" {
					t.Errorf("%s limit %d: summary (-?section= +all sections):\n%s", force, limit, d)
				}
				if all.Sections[kind] == nil {
					t.Errorf("%s limit %d: section %s is null, want a list", force, limit, kind)
				}
				if d := cmp.Diff(one.Sections[kind], all.Sections[kind]); d != "" {
					t.Errorf("%s limit %d: section %s (-?section= +all sections):\n%s", force, limit, kind, d)
				}
				if d := cmp.Diff(one.NextCursors[kind], all.NextCursors[kind]); d != "" {
					t.Errorf("%s limit %d: cursor of %s (-?section= +all sections):\n%s", force, limit, kind, d)
				}
				if all.NextCursors[kind] != nil {
					cut++
					if limit == 0 {
						defaultCut++
					}
					if len(all.Sections[kind]) != want {
						t.Errorf("%s limit %d: %s has %d items and a cursor, want %d", force, limit, kind,
							len(all.Sections[kind]), want)
					}
				}
			}
		}
	}
	if cut == 0 || defaultCut == 0 {
		t.Fatalf("sections cut short: %d in all, %d at the default page; the cursors were not tested", cut, defaultCut)
	}
}

// An agenda worked out from the rules ("as of" a day) runs each section's
// rule once for its count and first page, and a download runs it once for
// the whole section (TaskingEach): both must give what paging the section
// gives, item for item, and the counts must be the number of items.
func TestTaskingFromRulesEachAndPagesAgree(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)
	forces := sqlIDs(t, s, `SELECT force FROM flags WHERE resolved_at IS NULL
		GROUP BY force ORDER BY count(*) DESC, force LIMIT 2`)
	seen := 0
	for _, force := range forces {
		for _, day := range []domain.Date{today, today.AddDays(40)} {
			q := domain.TaskingQuery{Force: force, AsOf: day, FromRules: true}
			all, err := s.Tasking(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range domain.TaskingSections {
				var paged []domain.TaskingItem
				cursor := ""
				for {
					items, next, err := s.TaskingPage(ctx, q, kind, cursor, 7)
					if err != nil {
						t.Fatal(err)
					}
					paged = append(paged, items...)
					if next == "" {
						break
					}
					cursor = next
				}
				var each []domain.TaskingItem
				batches := 0
				if err := s.TaskingEach(ctx, q, kind, 2, func(items []domain.TaskingItem) error {
					batches++
					each = append(each, items...)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(paged, each); d != "" {
					t.Errorf("%s as of %s, %s (-paged +each):\n%s", force, day, kind, d)
				}
				if all.Summary[kind] != len(paged) {
					t.Errorf("%s as of %s: %s counted %d, paged %d", force, day, kind, all.Summary[kind], len(paged))
				}
				first := paged[:min(len(paged), domain.TaskingPageDefault)]
				if d := cmp.Diff(first, all.Sections[kind], cmpopts.EquateEmpty()); d != "" {
					t.Errorf("%s as of %s: %s's first page (-paged +agenda):\n%s", force, day, kind, d)
				}
				if len(paged) > 7 {
					seen++
					if batches < 2 {
						t.Errorf("%s as of %s, %s: %d items in %d batch(es) of 7", force, day, kind, len(paged), batches)
					}
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no section was longer than a page: paging was not tested")
	}
}

// A download of an agenda "as of" a day reaches the pool only with short
// statements: it held a connection streaming the rule's rows while it
// asked the pool for another (each batch's owners, and the API's audit
// entry for the batch), so twenty downloads at once, the pool's size,
// waited on each other until their time ran out. With the pool cut to one
// connection, a section of several batches, each batch touching the
// database as the API's does, must still be read whole.
func TestTaskingEachFromRulesHoldsNoConnectionWhileAsking(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := domain.WithScope(context.Background(), domain.Scope{AllForces: true})
	if _, err := s.GenerateOrders(ctx, 300, today); err != nil {
		t.Fatal(err)
	}
	force := sqlIDs(t, s, `SELECT subject_force FROM orders GROUP BY subject_force ORDER BY count(*) DESC LIMIT 1`)[0]
	q := domain.TaskingQuery{Force: force, AsOf: today.AddDays(40), FromRules: true}
	// What the section holds, read with the pool as it is.
	counts, err := s.Tasking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	several := 0
	for _, kind := range domain.TaskingSections {
		n, batches := 0, 0
		err := s.TaskingEach(ctx, q, kind, 2, func(items []domain.TaskingItem) error {
			n, batches = n+len(items), batches+1
			// The API writes the batch's audit entry here.
			return s.DB().WithContext(ctx).Exec(`SELECT 1`).Error
		})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if n != counts.Summary[kind] {
			t.Errorf("%s: %d items handed on, %d counted", kind, n, counts.Summary[kind])
		}
		if batches > 1 {
			several++
		}
	}
	if several == 0 {
		t.Fatalf("no section was longer than a batch: %s %v", force, counts.Summary)
	}
}
