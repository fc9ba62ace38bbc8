package api_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/domain"
)

// No list is cut short: each page or answer that read "the first 500"
// (or 100) and showed them as if they were all now comes a page at a time,
// says how many there are and links the next page and the first.

// apiPages follows a list of the API two at a time from path, as a client
// follows next_cursor, and returns the key of every item, checking that
// the default page is 50 with a next_cursor when there are more, and that
// a bad limit or cursor is refused naming it.
func apiPages(t *testing.T, e *env, token, path, key string, atLeast int) []string {
	t.Helper()
	keys := func(r resp) []string {
		var out []string
		for _, it := range items(r) {
			out = append(out, s(it, key))
		}
		return out
	}
	whole := e.do(t, "GET", path+"?limit=500", token, "")
	want(t, whole, http.StatusOK)
	all := keys(whole)
	if len(all) < atLeast || s(whole.Body, "next_cursor") != "<nil>" {
		t.Fatalf("%s?limit=500: %d items (want at least %d), next_cursor %s", path, len(all), atLeast, s(whole.Body, "next_cursor"))
	}
	first := e.do(t, "GET", path, token, "")
	want(t, first, http.StatusOK)
	if len(items(first)) != 50 || s(first.Body, "next_cursor") == "<nil>" {
		t.Errorf("%s: the default page holds %d items, next_cursor %s; want 50 of %d and a cursor", path,
			len(items(first)), s(first.Body, "next_cursor"), len(all))
	}
	var paged []string
	cursor := ""
	for n := 0; ; n++ {
		if n > len(all) {
			t.Fatalf("%s: paging never ends", path)
		}
		r := e.do(t, "GET", path+"?limit=2&cursor="+url.QueryEscape(cursor), token, "")
		want(t, r, http.StatusOK)
		if len(items(r)) > 2 {
			t.Fatalf("%s?limit=2 answered %d items", path, len(items(r)))
		}
		paged = append(paged, keys(r)...)
		if cursor = s(r.Body, "next_cursor"); cursor == "<nil>" {
			break
		}
	}
	if !slices.Equal(paged, all) {
		t.Errorf("%s two at a time:\n %v\nthe whole list:\n %v", path, paged, all)
	}
	wantFields(t, e.do(t, "GET", path+"?limit=0", token, ""), http.StatusUnprocessableEntity, "limit")
	wantFields(t, e.do(t, "GET", path+"?limit=ten&cursor=nope", token, ""), http.StatusUnprocessableEntity, "limit", "cursor")
	forged := domain.EncodeKeyCursor("2026-02-30", "019a0000-0000-7000-8000-000000000000")
	wantFields(t, e.do(t, "GET", path+"?cursor="+forged, token, ""), http.StatusUnprocessableEntity, "cursor")
	return all
}

// navNext is the "Next" link of the pagination whose label ends with of
// ("Pages of tokens"), unescaped; "" when there is none.
func navNext(t *testing.T, p page, of string) string {
	t.Helper()
	_, nav, ok := strings.Cut(p.Body, `aria-label="Pages of `+of+`"`)
	if !ok {
		return ""
	}
	nav, _, _ = strings.Cut(nav, "</nav>")
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(nav)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// navFirst is the "First page" link of that pagination, or "".
func navFirst(t *testing.T, p page, of string) string {
	t.Helper()
	_, nav, ok := strings.Cut(p.Body, `aria-label="Pages of `+of+`"`)
	if !ok {
		return ""
	}
	nav, _, _ = strings.Cut(nav, "</nav>")
	m := regexp.MustCompile(`href="([^"]+)"><span class="govuk-pagination__link-title">First page`).FindStringSubmatch(nav)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// pageWalk follows the "Next" links of the pagination labelled of from
// path, returning each page read (at most max pages).
func pageWalk(t *testing.T, b *browser, path, of string, max int) []page {
	t.Helper()
	var pages []page
	for range max {
		p := b.get(path)
		wantStatus(t, p, http.StatusOK)
		pages = append(pages, p)
		if path = navNext(t, p, of); path == "" {
			return pages
		}
	}
	t.Fatalf("more than %d pages of %s", max, of)
	return nil
}

// rowsIn is what re finds (its first group) in the table with id.
func rowsIn(t *testing.T, p page, id string, re *regexp.Regexp) []string {
	t.Helper()
	_, table, ok := strings.Cut(p.Body, `id="`+id+`"`)
	if !ok {
		t.Fatalf("no table %s:\n%s", id, p.Body)
	}
	table, _, _ = strings.Cut(table, "</table>")
	var out []string
	for _, m := range re.FindAllStringSubmatch(table, -1) {
		out = append(out, m[1])
	}
	return out
}

// An officer's tokens and absences come a page at a time, through the API
// (limit and cursor, as every list) and on the officer's page (25 of each,
// paged on their own). Both answered every row: next_cursor null whatever
// limit asked for, and the page listed them all.
func TestOfficerTokensAndAbsencesComeAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officerIn(t, "gloucestershire", "Tess Tokens", "iom_officer")
	const n = 56
	for range n {
		e.token(t, officer)
	}
	start, _ := domain.ParseDate(today)
	for i := range n {
		day := start.AddDays(-360 + 3*i).String()
		want(t, e.do(t, "POST", "/api/v1/officers/"+officer+"/absences", e.admin,
			js(obj{"kind": "other", "starts_on": day, "ends_on": day, "notes": fmt.Sprintf("Away %02d.", i)})), http.StatusCreated)
	}
	tokens := apiPages(t, e, e.admin, "/api/v1/officers/"+officer+"/tokens", "id", n)
	absences := apiPages(t, e, e.admin, "/api/v1/officers/"+officer+"/absences", "id", n)
	if len(tokens) != n || len(absences) != n {
		t.Fatalf("%d tokens and %d absences, want %d of each", len(tokens), len(absences), n)
	}
	// Another force's officer's lists are not found.
	dorset := e.token(t, acOfficer(t, e, "dorset", "admin"))
	wantProblem(t, e.do(t, "GET", "/api/v1/officers/"+officer+"/tokens", dorset, ""), http.StatusNotFound)
	wantProblem(t, e.do(t, "GET", "/api/v1/officers/"+officer+"/absences", dorset, ""), http.StatusNotFound)

	// The officer's page: 25 of each, each paged on its own, every one
	// reachable once, in the API's order.
	admin := e.signedInAs(t, acOfficer(t, e, "gloucestershire", "admin"))
	tokenRow := regexp.MustCompile(`action="/officers/[0-9a-f-]+/tokens/([0-9a-f-]+)/revoke"`)
	absenceRow := regexp.MustCompile(`href="/officers/[0-9a-f-]+/absences/([0-9a-f-]+)"`)
	for _, c := range []struct {
		list, table string
		row         *regexp.Regexp
		want        []string
	}{
		{"tokens", "tokens", tokenRow, tokens},
		{"absences", "absences", absenceRow, absences},
	} {
		pages := pageWalk(t, admin, "/officers/"+officer, c.list, 10)
		var seen []string
		for _, p := range pages {
			seen = append(seen, rowsIn(t, p, c.table, c.row)...)
		}
		if !slices.Equal(seen, c.want) {
			t.Errorf("the officer page's %s, page by page:\n %v\nwant\n %v", c.list, seen, c.want)
		}
		if len(pages) != 3 {
			t.Errorf("%d pages of %s, want 3 of 25", len(pages), c.list)
		}
		wantText(t, pages[0], fmt.Sprintf("Showing %s 1 to 25 of %d", c.list, n))
		wantText(t, pages[1], fmt.Sprintf("Showing %s 26 to 50 of %d", c.list, n))
		last := pages[len(pages)-1]
		wantText(t, last, fmt.Sprintf("Showing %s 51 to %d of %d", c.list, n, n))
		if first := navFirst(t, last, c.list); first == "" || strings.Contains(first, c.list+"_cursor") {
			t.Errorf("the last page of %s links the first as %q", c.list, first)
		}
	}
	// Paging one list keeps the other's place.
	p := admin.get("/officers/" + officer)
	next := navNext(t, admin.get(navNext(t, p, "tokens")), "absences")
	if !strings.Contains(next, "tokens_cursor=") || !strings.Contains(next, "absences_cursor=") {
		t.Errorf("the absences' next page from the tokens' second: %s", next)
	}
	p = admin.get(next)
	wantText(t, p, fmt.Sprintf("Showing tokens 26 to 50 of %d", n), fmt.Sprintf("Showing absences 26 to 50 of %d", n))
	// A cursor made up shows the list from its start.
	wantText(t, admin.get("/officers/"+officer+"?tokens_cursor=nope&tokens_start=30"), fmt.Sprintf("Showing tokens 1 to 25 of %d", n))
	// Another force's administrator does not find the officer.
	wantStatus(t, e.signedInAs(t, acOfficer(t, e, "dorset", "admin")).get("/officers/"+officer), http.StatusNotFound)
}
