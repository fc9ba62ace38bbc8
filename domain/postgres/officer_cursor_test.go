package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// The officers by name (the officers page) are paged by a cursor of the
// last one's name and ID: a name holding U+001F, the cursor's separator,
// made the next page's cursor refused, and the officers after it could
// not be reached.
func TestOfficersByNamePagePastASeparatorInAName(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for i, name := range []string{"Ann\x1fLee", "Ann\x1fLee\x1f", "Ann\x1e", "Ann", "Bob Lee", "\x1fZed"} {
		if _, err := s.CreateOfficer(ctx, domain.Officer{Name: name, Email: fmt.Sprintf("o%d@glos.police.uk", i),
			Force: ptr("gloucestershire"), Roles: []string{domain.RoleIOMOfficer}, Active: true}); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
	f := domain.OfficerFilter{ByName: true}
	whole, _, err := s.ListOfficers(ctx, f, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	cursor := ""
	for range len(whole) + 1 {
		items, next, err := s.ListOfficers(ctx, f, domain.Page{Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatalf("after %q: %v", paged, err)
		}
		for _, o := range items {
			paged = append(paged, o.Name)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	var want []string
	for _, o := range whole {
		want = append(want, o.Name)
	}
	if d := cmp.Diff(want, paged); d != "" {
		t.Errorf("by name, a page of one at a time (-whole +paged):\n%s", d)
	}
}
