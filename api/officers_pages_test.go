package api_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// The officers page lists 50 officers a page, by name across the pages,
// saying which it shows and linking the next and the first; every officer
// in the reader's view is on one page. It listed them all on one page:
// 264 officers and 120 KB here, thousands nationally.
func TestPageOfficersComeAPageAtATime(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	day, _ := domain.ParseDate(today)
	// The generator's officers: six in each of the 43 forces.
	if _, err := store.GenerateOrders(context.Background(), 1, day); err != nil {
		t.Fatal(err)
	}
	var all []string
	r := e.do(t, "GET", "/api/v1/officers?limit=500", e.admin, "")
	want(t, r, http.StatusOK)
	for _, it := range items(r) {
		all = append(all, s(it, "id"))
	}
	admin := e.signedInAs(t, acOfficer(t, e, "", "admin"))
	all = append(all, "") // the national administrator just made
	if len(all) <= 250 {
		t.Fatalf("%d officers; the test needs more than five pages", len(all))
	}
	row := regexp.MustCompile(`<a class="govuk-link" href="/officers/([0-9a-f-]+)">([^<]+)</a>`)
	var ids, names []string
	path, pages := "/officers", 0
	for path != "" && pages < 20 {
		p := admin.get(path)
		wantStatus(t, p, http.StatusOK)
		pages++
		if len(p.Body) > 60_000 {
			t.Errorf("page %d of officers is %d bytes", pages, len(p.Body))
		}
		_, table, _ := strings.Cut(p.Body, `id="officers"`)
		table, _, _ = strings.Cut(table, "</table>")
		got := row.FindAllStringSubmatch(table, -1)
		if len(got) > 50 {
			t.Errorf("page %d lists %d officers", pages, len(got))
		}
		for _, m := range got {
			ids, names = append(ids, m[1]), append(names, html.UnescapeString(m[2]))
		}
		if pages == 2 {
			wantText(t, p, "Showing officers 51 to 100", "First page", `href="/officers"`)
		}
		path = ""
		if m := nextLink.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != len(all) || len(seen) != len(all) {
		t.Errorf("%d officers listed over %d pages, %d different; there are %d", len(ids), pages, len(seen), len(all))
	}
	if pages != (len(all)+49)/50 {
		t.Errorf("%d pages for %d officers", pages, len(all))
	}
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Errorf("the officers are not listed by name across the pages")
	}
	// A force's administrator pages through their force's alone.
	glos := admin.get("/officers?force=gloucestershire")
	wantStatus(t, glos, http.StatusOK)
	if _, table, _ := strings.Cut(glos.Body, `id="officers"`); strings.Contains(table, "Avon and Somerset") {
		t.Errorf("Gloucestershire's officers list another force's")
	}
	// A cursor made up or kept from an older release: the first page.
	p := admin.get("/officers?cursor=not-a-cursor&start=51")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Showing officers 1 to 50")
}
