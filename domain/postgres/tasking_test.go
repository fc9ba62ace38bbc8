package postgres_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

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
