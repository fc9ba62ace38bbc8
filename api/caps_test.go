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
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
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
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	whole := e.do(t, "GET", path+sep+"limit=500", token, "")
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
		r := e.do(t, "GET", path+sep+"limit=2&cursor="+url.QueryEscape(cursor), token, "")
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
	wantFields(t, e.do(t, "GET", path+sep+"limit=0", token, ""), http.StatusUnprocessableEntity, "limit")
	wantFields(t, e.do(t, "GET", path+sep+"limit=ten&cursor=nope", token, ""), http.StatusUnprocessableEntity, "limit", "cursor")
	forged := domain.EncodeKeyCursor("2026-02-30", "019a0000-0000-7000-8000-000000000000")
	wantFields(t, e.do(t, "GET", path+sep+"cursor="+forged, token, ""), http.StatusUnprocessableEntity, "cursor")
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

// The officers page chooses a force from those the reader can see, and
// says how many officers the list holds; another force is not found.
func TestPageOfficersOfOneForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 53
	for i := range n {
		e.officerIn(t, "gloucestershire", fmt.Sprintf("Glen Gloster %02d", i), "iom_officer")
	}
	dorsetID := e.officerIn(t, "dorset", "Dot Dorset", "iom_officer")
	national := e.signedInAs(t, acOfficer(t, e, "", "admin"))
	p := national.get("/officers")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `id="officers-filter"`, `<option value="dorset">Dorset Police</option>`,
		`<option value="gloucestershire">Gloucestershire Constabulary</option>`)
	p = national.get("/officers?force=gloucestershire")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, fmt.Sprintf("Showing officers 1 to 50 of %d (Gloucestershire Constabulary)", n),
		`<option value="gloucestershire" selected>`)
	if _, table, _ := strings.Cut(p.Body, `id="officers"`); strings.Contains(table, dorsetID) {
		t.Errorf("Gloucestershire's officers list Dorset's")
	}
	next := navNext(t, p, "officers")
	if !strings.Contains(next, "force=gloucestershire") {
		t.Fatalf("the next page of Gloucestershire's officers: %q", next)
	}
	last := national.get(next)
	wantText(t, last, fmt.Sprintf("Showing officers 51 to %d of %d", n, n), "Glen Gloster 52", "First page")
	if f := navFirst(t, last, "officers"); f != "/officers?force=gloucestershire" {
		t.Errorf("the first page's link: %q", f)
	}
	p = national.get("/officers?force=dorset")
	wantText(t, p, "1 officer (Dorset Police), by name", "Dot Dorset")

	// A force's administrator sees their force alone: no choice of force,
	// and another force's list is not found.
	glos := e.signedInAs(t, acOfficer(t, e, "gloucestershire", "admin"))
	p = glos.get("/officers")
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.Body, `id="officers-filter"`) {
		t.Errorf("a force's administrator is offered a choice of force")
	}
	wantStatus(t, glos.get("/officers?force=dorset"), http.StatusNotFound)
	wantStatus(t, glos.get("/officers?force=nowhere"), http.StatusNotFound)
}

// A form's list of officers (an owner, an officer to act, a cover, a
// colleague to take a leaver's orders, the officers present) offers the
// first 500 by name and, when there are more, says so and takes part of a
// name to narrow it (a GET field, carried on when the form is posted).
// The lists read 500 officers in the order they were added and offered
// them as all: the 501st could never be chosen. The audit trail's officer
// filter, a list of every officer for a national auditor, is a text field.
func TestPagePickersSayWhenTheyAreCutShort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 503
	var first string
	for i := range n {
		id := e.officerIn(t, "gloucestershire", fmt.Sprintf("Pat Picker %03d", i), "iom_officer")
		if i == 0 {
			first = id
		}
	}
	zed := e.officerIn(t, "gloucestershire", "Zed Zebedee", "iom_officer") // last by name
	chairID := acOfficer(t, e, "gloucestershire", "tasking_chair")
	chair := e.signedInAs(t, chairID)
	sub := s(e.subject(t, nil), "id")
	order := s(e.order(t, sub, obj{"reference": "PICK-1"}), "id")
	offered := func(p page, id string) bool { return strings.Contains(p.Body, `value="`+id+`"`) }

	for _, c := range []struct {
		name, path, note string
	}{
		{"owner", "/orders/" + order + "/owners/iom", fmt.Sprintf("Showing 500 of %d officers who hold this role", n+1)},
		{"reassign", "/officers/" + first + "/reassign", fmt.Sprintf("Showing 499 of %d colleagues who may take them", n)},
		{"cover", "/officers/" + first + "/absences/new", fmt.Sprintf("Showing 499 of %d officers who may cover", n)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := chair.get(c.path)
			wantStatus(t, p, http.StatusOK)
			wantText(t, p, c.note, "type part of a name above to narrow the list", `id="officer-filter"`, `name="who"`)
			if offered(p, zed) {
				t.Errorf("Zed, 502nd by name, is offered among the first 500")
			}
			p = chair.get(c.path + "?who=zebedee")
			wantStatus(t, p, http.StatusOK)
			wantText(t, p, `whose name or e-mail address holds “zebedee”`, `name="who" value="zebedee"`, `id="officer-filter-all"`)
			if !offered(p, zed) || offered(p, first) || strings.Contains(p.Body, "Showing 500") {
				t.Errorf("narrowed to zebedee, the list offers Zed %v, Pat Picker 000 %v", offered(p, zed), offered(p, first))
			}
		})
	}
	// Posted from the narrowed list, the form keeps it: Zed is allocated.
	p := chair.get("/orders/" + order + "/owners/iom?who=zebedee")
	wantText(t, p, `<input type="hidden" name="who" value="zebedee">`)
	r := chair.post("/orders/"+order+"/owners/iom", url.Values{"csrf_token": {csrfOf(t, p)}, "version": {versionOf(t, p)},
		"officer_id": {zed}, "reason": {"Allocated."}, "who": {"zebedee"}})
	wantStatus(t, r, http.StatusSeeOther)
	if got := s(e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "").Body, "owners.iom.id"); got != zed {
		t.Errorf("the IOM officer is %s, want Zed (%s)", got, zed)
	}

	// A meeting: who was there, and the decision page's owners and actors.
	order = s(e.order(t, sub, obj{"reference": "PICK-2"}), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", e.token(t, chairID), js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	meeting := s(m.Body, "id")
	p = chair.get("/meetings/" + meeting)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, fmt.Sprintf("Showing 500 of %d officers who may attend", n+2), `id="officer-filter"`)
	if offered(p, zed) {
		t.Errorf("the meeting's page offers Zed among the first 500 present")
	}
	p = chair.get("/meetings/" + meeting + "?who=Zebedee")
	if !offered(p, zed) || offered(p, first) {
		t.Errorf("narrowed to Zebedee, the meeting's page does not offer Zed alone")
	}
	dpath := "/meetings/" + meeting + "/orders/" + order + "/decision"
	p = chair.get(dpath)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, fmt.Sprintf("Showing 500 of %d officers who hold the role of IOM officer", n+1),
		fmt.Sprintf("Showing 500 of %d officers who may act", n+2))
	p = chair.get(dpath + "?who=zebedee")
	if strings.Count(p.Body, `value="`+zed+`"`) != 2 || offered(p, first) {
		t.Errorf("narrowed to zebedee, the decision page offers Zed %d times (as owner and to act)", strings.Count(p.Body, `value="`+zed+`"`))
	}

	// The regional meeting's decision page: the escalated order's officers
	// who may act.
	items := m.Body["agenda"].([]any)
	var item string
	for _, it := range items {
		if s(it, "order_id") == order {
			item = s(it, "id")
		}
	}
	want(t, e.do(t, "POST", "/api/v1/meetings/"+meeting+"/decisions", e.token(t, chairID),
		js(obj{"item_id": item, "decision": "escalate", "notes": "Nobody takes it."})), http.StatusCreated)
	lead := acOfficer(t, e, "gloucestershire", "regional")
	rm := e.do(t, "POST", "/api/v1/regional-meetings", e.token(t, lead), js(obj{"region": "south-west", "held_on": today}))
	want(t, rm, http.StatusCreated)
	rpath := "/regional-meetings/" + s(rm.Body, "id") + "/orders/" + order + "/decision"
	leadB := e.signedInAs(t, lead)
	p = leadB.get(rpath)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, fmt.Sprintf("Showing 500 of %d officers who may act", n+2))
	if offered(p, zed) {
		t.Errorf("the regional decision page offers Zed among the first 500")
	}
	if p = leadB.get(rpath + "?who=zebedee"); !offered(p, zed) {
		t.Errorf("narrowed to zebedee, the regional decision page does not offer Zed")
	}

	// The audit trail's officer filter: part of a name, an e-mail address.
	aud := e.signedInAs(t, acOfficer(t, e, "", "auditor"))
	p = aud.get("/audit?officer=" + url.QueryEscape("pat picker"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, fmt.Sprintf("matches %d officers", n), fmt.Sprintf("The first 20 of %d officers who match", n), `href="#officer"`)
	if strings.Contains(p.Body, "<select class=\"govuk-select\" id=\"officer\"") {
		t.Errorf("the audit trail's officer filter is still a list")
	}
	p = aud.get("/audit?officer=zebedee")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `value="zebedee"`)
	email := s(e.do(t, "GET", "/api/v1/officers/"+zed, e.admin, "").Body, "email")
	wantStatus(t, aud.get("/audit?officer="+url.QueryEscape(email)), http.StatusOK)
	wantStatus(t, aud.get("/audit?officer=nobody-at-all"), http.StatusUnprocessableEntity)
	// A force's auditor finds no other force's officer.
	dorsetAud := e.signedInAs(t, acOfficer(t, e, "dorset", "auditor"))
	wantText(t, dorsetAud.get("/audit?officer=zebedee"), "matches no officer you can see")
}

// A subject's page lists their orders 25 a page, saying which of how many
// it shows: it listed the first 500 as all.
func TestPageSubjectsOrdersComeAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	const n = 31
	var refs []string
	for i := range n {
		ref := fmt.Sprintf("SUBJ-%02d", i)
		e.order(t, sub, obj{"reference": ref})
		refs = append(refs, ref)
	}
	b, me := e.signedIn(t, "iom_officer")
	pages := pageWalk(t, b, "/subjects/"+sub, "orders", 5)
	var seen []string
	for _, p := range pages {
		seen = append(seen, tableRefs(t, p, "subject-orders")...)
	}
	if !slices.Equal(seen, refs) {
		t.Errorf("the subject's orders, page by page:\n %v\nwant\n %v", seen, refs)
	}
	if len(pages) != 2 {
		t.Fatalf("%d pages of orders, want 2 of 25", len(pages))
	}
	wantText(t, pages[0], fmt.Sprintf("Showing orders 1 to 25 of %d", n))
	wantText(t, pages[1], fmt.Sprintf("Showing orders 26 to %d of %d", n, n), "First page")
	if f := navFirst(t, pages[1], "orders"); f != "/subjects/"+sub+"#subject-orders" {
		t.Errorf("the first page's link: %q", f)
	}
	wantText(t, b.get("/subjects/"+sub+"?cursor=nope&start=26"), fmt.Sprintf("Showing orders 1 to 25 of %d", n))
	wantStatus(t, e.signedInAs(t, acOfficer(t, e, "dorset", "iom_officer")).get("/subjects/"+sub), http.StatusNotFound)
	// Each view names on the trail the orders it shows, no more.
	for _, en := range e.trail(t, me) {
		if en["route"] != "/subjects/:id" {
			continue
		}
		orders := 0
		for _, rec := range en["records"].([]any) {
			if s(rec, "type") == "order" {
				orders++
			}
		}
		if orders == 0 || orders > 25 {
			t.Errorf("a view of the subject's page names %d orders", orders)
		}
	}
}

// An order flagged for years: its page shows the open flags and the
// latest ten to change, says how many there are and links to a page of
// them all, 50 a page. It read and listed the first 500.
func TestPageOrderFlagsShowTheLatestAndLinkToTheRest(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), obj{"made_on": "2022-06-10", "starts_on": "2022-07-01", "duration_months": 60})
	id := s(ord, "id")
	// 60 flags raised and resolved a fortnight apart from August 2022, and
	// one open since then (older than the latest ten to change).
	const n = 61
	ins := `INSERT INTO flags (kind, order_id, subject_id, force, case_type, raised_at, resolved_at)
		VALUES (?, ?, ?, 'gloucestershire', 'community', ?, ?)`
	base := time.Date(2022, 8, 1, 9, 0, 0, 0, time.UTC)
	for i := range n - 1 {
		raised := base.AddDate(0, 0, 14*i)
		if err := store.DB().Exec(ins, "review_overdue", id, s(sub, "id"), raised, raised.AddDate(0, 0, 7+i%5)).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := store.DB().Exec(ins, "expiring", id, s(sub, "id"), base.AddDate(0, 0, 3), nil).Error; err != nil {
		t.Fatal(err)
	}
	b, me := e.signedIn(t, "iom_officer")
	p := b.get("/orders/" + id)
	wantStatus(t, p, http.StatusOK)
	_, flags, _ := strings.Cut(p.Body, `<ul class="govuk-list" id="flags">`)
	flags, _, _ = strings.Cut(flags, "</ul>")
	if got := strings.Count(flags, "<li>"); got != 11 {
		t.Errorf("the order page lists %d flags, want the latest 10 and the open one:\n%s", got, flags)
	}
	if !strings.Contains(flags, "Open") || !strings.Contains(flags, "raised 4 November 2024") ||
		strings.Contains(flags, "raised 1 August 2022") {
		t.Errorf("the order page's flags are not the open one and the latest:\n%s", flags)
	}
	wantText(t, p, fmt.Sprintf("The open flags and the latest to change: 11 of %d flags", n), fmt.Sprintf("See all %d flags", n), `href="/orders/`+id+`/flags"`)

	pages := pageWalk(t, b, "/orders/"+id+"/flags", "flags", 5)
	rows := 0
	for _, p := range pages {
		rows += len(rowsIn(t, p, "order-flags", regexp.MustCompile(`(<tr class="govuk-table__row">\s*<td)`)))
	}
	if len(pages) != 2 || rows != n {
		t.Errorf("%d flags over %d pages, want %d over 2", rows, len(pages), n)
	}
	wantText(t, pages[0], fmt.Sprintf("Showing flags 1 to 50 of %d", n))
	wantText(t, pages[len(pages)-1], fmt.Sprintf("Showing flags 51 to %d of %d", n, n), "1 August 2022", "First page")
	dorset := e.signedInAs(t, acOfficer(t, e, "dorset", "iom_officer"))
	wantStatus(t, dorset.get("/orders/"+id+"/flags"), http.StatusNotFound)
	if !hasEntry(e.trail(t, me), "/orders/:id/flags", "consultation", 0, id) {
		t.Errorf("the flags' page is not on the trail as a consultation of the order")
	}
}

// A force's transfers (waiting for its answer, asked of others, settled)
// and its meetings (and its region's) come newest first, 25 a page, each
// list saying which of how many it shows. They read the first 500 in the
// order made and showed them as all.
func TestPageTransfersAndMeetingsComeAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const settled, waiting = 28, 27
	// Settled: one subject asked of Dorset and withdrawn, again and again.
	sub := s(e.subject(t, obj{"last_name": "Mover"}), "id")
	var past []string
	for i := range settled {
		r := e.do(t, "POST", "/api/v1/subjects/"+sub+"/transfers", e.admin, js(obj{"to_force": "dorset", "reason": fmt.Sprintf("Ask %d.", i)}))
		want(t, r, http.StatusCreated)
		want(t, e.do(t, "POST", "/api/v1/transfers/"+s(r.Body, "id")+"/withdraw", e.admin, js(obj{"reason": "Not yet."})), http.StatusOK)
		past = append([]string{s(r.Body, "id")}, past...) // newest first
	}
	// Waiting for Gloucestershire's answer: Dorset's subjects.
	var incoming []string
	for i := range waiting {
		d := s(e.subject(t, obj{"force": "dorset", "last_name": fmt.Sprintf("Incomer%02d", i)}), "id")
		r := e.do(t, "POST", "/api/v1/subjects/"+d+"/transfers", e.admin, js(obj{"to_force": "gloucestershire", "reason": "Moved."}))
		want(t, r, http.StatusCreated)
		incoming = append([]string{s(r.Body, "id")}, incoming...)
	}
	chairID := acOfficer(t, e, "gloucestershire", "tasking_chair", "regional")
	chair := e.signedInAs(t, chairID)
	row := regexp.MustCompile(`<a class="govuk-link" href="/transfers/([0-9a-f-]+)">`)
	for _, c := range []struct {
		list, of string
		want     []string
	}{
		{"past", "settled transfers", past},
		{"incoming", "incoming transfers", incoming},
	} {
		pages := pageWalk(t, chair, "/transfers?force=gloucestershire", c.of, 5)
		var seen []string
		for _, p := range pages {
			seen = append(seen, rowsIn(t, p, "transfers-"+c.list, row)...)
		}
		if !slices.Equal(seen, c.want) {
			t.Errorf("the %s, page by page:\n %v\nwant, newest first\n %v", c.of, seen, c.want)
		}
		if len(pages) != 2 {
			t.Fatalf("%d pages of %s, want 2", len(pages), c.of)
		}
		wantText(t, pages[0], fmt.Sprintf("Showing %s 1 to 25 of %d", c.of, len(c.want)))
		wantText(t, pages[1], fmt.Sprintf("Showing %s 26 to %d of %d", c.of, len(c.want), len(c.want)))
		if f := navFirst(t, pages[1], c.of); f != "/transfers?force=gloucestershire#transfers-"+c.list {
			t.Errorf("the %s' first page: %q", c.of, f)
		}
	}
	p := chair.get("/transfers?force=gloucestershire")
	wantText(t, p, fmt.Sprintf("Settled (%d)", settled), fmt.Sprintf("answer (%d)", waiting), "Asked of other forces (0)")
	wantStatus(t, chair.get("/transfers?force=kent"), http.StatusNotFound)

	// Meetings, the latest held first; the region's too, paged on their own.
	tok := e.token(t, chairID)
	day, _ := domain.ParseDate(today)
	const meetings = 27
	var held []string
	for i := range meetings {
		on := day.AddDays(-7 * i)
		want(t, e.do(t, "POST", "/api/v1/meetings", tok, js(obj{"force": "gloucestershire", "held_on": on.String()})), http.StatusCreated)
		want(t, e.do(t, "POST", "/api/v1/regional-meetings", tok, js(obj{"region": "south-west", "held_on": on.String()})), http.StatusCreated)
		held = append(held, on.String())
	}
	mrow := regexp.MustCompile(`<a class="govuk-link" href="/meetings/([0-9a-f-]+)">`)
	for _, c := range []struct{ table, of string }{{"meetings", "meetings"}, {"regional-meetings", "regional meetings"}} {
		pages := pageWalk(t, chair, "/meetings?force=gloucestershire", c.of, 5)
		var seen []string
		for _, p := range pages {
			for _, id := range rowsIn(t, p, c.table, mrow) {
				m := e.do(t, "GET", "/api/v1/meetings/"+id+"?limit=1", tok, "")
				seen = append(seen, s(m.Body, "held_on"))
			}
		}
		if !slices.Equal(seen, held) {
			t.Errorf("the %s, page by page, held on\n %v\nwant the latest first\n %v", c.of, seen, held)
		}
		if len(pages) != 2 {
			t.Fatalf("%d pages of %s, want 2", len(pages), c.of)
		}
		wantText(t, pages[0], fmt.Sprintf("Showing %s 1 to 25 of %d", c.of, meetings))
		wantText(t, pages[1], fmt.Sprintf("Showing %s 26 to %d of %d", c.of, meetings, meetings))
	}
	// Paging the force's meetings keeps the region's place.
	p = chair.get("/meetings?force=gloucestershire")
	next := navNext(t, chair.get(navNext(t, p, "regional meetings")), "meetings")
	p = chair.get(next)
	wantText(t, p, fmt.Sprintf("Showing regional meetings 26 to %d", meetings), fmt.Sprintf("Showing meetings 26 to %d", meetings))
	wantStatus(t, chair.get("/meetings?force=kent"), http.StatusNotFound)
}

// My work lists the open actions meetings gave the officer 25 a page, the
// earliest due first (overdue, then due soon),
// saying which of how many it shows, paged apart from the caseload. It
// read the first 100 and showed them as all.
func TestPageMyWorkActionsComeAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iom := e.officerIn(t, "gloucestershire", "Ada Actor", "iom_officer")
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	order := s(e.order(t, s(e.subject(t, nil), "id"), obj{"reference": "ACT-1"}), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	day, _ := domain.ParseDate(today)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": day.AddDays(-60).String()}))
	want(t, m, http.StatusCreated)
	var item string
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == order {
			item = s(it, "id")
		}
	}
	const n = 58
	type action struct{ due, id string }
	var made []action
	for i := range n {
		due := day.AddDays(-50 + (i*13)%90).String() // some overdue, some not yet due
		body := obj{"item_id": item, "decision": "action", "action_by": iom, "notes": fmt.Sprintf("Action %02d.", i), "due_by": due}
		r := e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", chair, js(body))
		want(t, r, http.StatusCreated)
		made = append(made, action{due, s(r.Body, "id")})
	}
	slices.SortFunc(made, func(a, b action) int {
		if c := strings.Compare(a.due, b.due); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	var wantIDs []string
	for _, a := range made {
		wantIDs = append(wantIDs, a.id)
	}
	me := e.signedInAs(t, iom)
	pages := pageWalk(t, me, "/", "your actions", 5)
	row := regexp.MustCompile(`href="/actions/([0-9a-f-]+)"`)
	var seen []string
	for _, p := range pages {
		seen = append(seen, rowsIn(t, p, "my-actions", row)...)
	}
	if !slices.Equal(seen, wantIDs) {
		t.Errorf("My work's actions, page by page:\n %v\nwant the earliest due first\n %v", seen, wantIDs)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages of actions, want 3 of 25", len(pages))
	}
	wantText(t, pages[0], fmt.Sprintf("Showing actions 1 to 25 of %d", n), "Overdue")
	wantText(t, pages[2], fmt.Sprintf("Showing actions 51 to %d of %d", n, n), "First page")
	if f := navFirst(t, pages[2], "your actions"); f != "/#my-actions" {
		t.Errorf("the actions' first page: %q", f)
	}
	wantText(t, me.get("/?actions_cursor=nope"), fmt.Sprintf("Showing actions 1 to 25 of %d", n))
	// Through the API, as given, every one once.
	if got := apiPages(t, e, e.token(t, iom), "/api/v1/actions?assignee=me&status=open", "id", n); len(got) != n {
		t.Errorf("the API lists %d of the officer's %d actions", len(got), n)
	}
}

// The agenda carries the first 100 transfers to answer: when more wait it
// says how many, and links to the force's list of them. It said "(100)".
func TestPageAgendaSaysHowManyTransfersWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 103
	for i := range n {
		d := s(e.subject(t, obj{"force": "dorset", "last_name": fmt.Sprintf("Incomer%03d", i)}), "id")
		want(t, e.do(t, "POST", "/api/v1/subjects/"+d+"/transfers", e.admin, js(obj{"to_force": "gloucestershire", "reason": "Moved."})),
			http.StatusCreated)
	}
	chair := e.signedInAs(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	p := chair.get("/tasking?force=gloucestershire")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, fmt.Sprintf("Transfers to answer (%d)", n), fmt.Sprintf("The first 100 asked of %d", n),
		`href="/transfers?force=gloucestershire#transfers-incoming"`)
	p = chair.get("/transfers?force=gloucestershire")
	wantText(t, p, fmt.Sprintf("Showing incoming transfers 1 to 25 of %d", n))
}
