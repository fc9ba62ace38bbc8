package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// A name search reads a window of subjects in order and, when too few of
// them match, every match through the trigram index (searchSubjects).
// Whichever way a page is answered, walking the pages gives every match
// the caller may see once, in order: for a name nearly everyone has, one
// a handful share and one nobody has, seen from every force, one force
// (by scope or asked for) and two, with a window that rarely fills a page
// and one that holds the whole register.
func TestSubjectSearchWalksEveryMatchOnceEitherWay(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 400, today); err != nil {
		t.Fatal(err)
	}
	all := sqlIDs(t, s, `SELECT DISTINCT force FROM subjects ORDER BY 1`)
	two := sqlIDs(t, s, `SELECT force FROM subjects GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2`)
	few := sqlIDs(t, s, `SELECT last_name FROM subjects GROUP BY 1 ORDER BY count(*), 1 LIMIT 1`)[0]
	if len(two) < 2 {
		t.Fatal("the generated register has fewer than two forces")
	}
	type view struct {
		ctx    context.Context
		filter string
		forces []string
	}
	views := map[string]view{
		"every force":            {domain.WithScope(ctx, domain.Scope{AllForces: true}), "", all},
		"one force seen":         {domain.WithScope(ctx, domain.Scope{ReadForces: two[:1]}), "", two[:1]},
		"one force asked for":    {domain.WithScope(ctx, domain.Scope{AllForces: true}), two[1], two[1:]},
		"two forces seen":        {domain.WithScope(ctx, domain.Scope{ReadForces: two}), "", two},
		"one of two seen, asked": {domain.WithScope(ctx, domain.Scope{ReadForces: two}), two[1], two[1:]},
		"another force asked":    {domain.WithScope(ctx, domain.Scope{ReadForces: two[:1]}), two[1], nil},
	}
	const limit = 3
	for _, window := range []int{5, 100000} {
		s.SetSubjectSearchWindow(window)
		for name, v := range views {
			for _, q := range []string{"E", few, strings.ToUpper(few[:3]) + "%", "zzqx"} {
				want := sqlIDs(t, s, `SELECT id::text FROM subjects
					WHERE search_text LIKE '%' || search_fold(?) || '%' AND force IN ? ORDER BY id`,
					strings.ReplaceAll(q, "%", `\%`), append([]string{""}, v.forces...))
				got := walk(t, limit, func(cursor string) ([]string, string) {
					if cursor != "" {
						var ok bool
						if cursor, ok = domain.DecodeCursor(cursor); !ok {
							t.Fatalf("bad cursor %q", cursor)
						}
					}
					items, next, err := s.ListSubjects(v.ctx, domain.SubjectFilter{Q: q, Force: v.filter},
						domain.Page{Limit: limit, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, it := range items {
						ids = append(ids, it.ID)
					}
					// Whichever way it was found, a subject reads whole.
					if len(items) > 0 {
						one, err := s.GetSubject(ctx, items[0].ID)
						if err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(one, items[0]); diff != "" {
							t.Errorf("window %d, %s, %q: a subject found reads otherwise (-alone +found):\n%s", window, name, q, diff)
						}
					}
					return ids, next
				})
				if !slices.Equal(got, want) {
					t.Errorf("window %d, %s, %q: walked %d subjects, want %d:\n got %v\nwant %v",
						window, name, q, len(got), len(want), got, want)
				}
			}
		}
	}
}
