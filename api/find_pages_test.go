package api_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// subjectLinks are the subjects the Find page's table lists, by ID.
func subjectLinks(t *testing.T, p page) []string {
	t.Helper()
	_, table, ok := strings.Cut(p.Body, `id="subjects"`)
	if !ok {
		return nil
	}
	table, _, _ = strings.Cut(table, "</table>")
	var out []string
	for _, part := range strings.Split(table, `href="/subjects/`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// A name that matches more subjects than a page holds says so and links
// the next page, which lists the rest (it showed 50 of 952 "Jones" with no
// way on); and the page speaks of court references only when the search
// was for one (every search said "No orders match that court reference").
func TestPageFindPagesAndSaysWhatItSearched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 60
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = importRow(map[string]string{"last_name": "Quenby"})
	}
	want(t, e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(rows...)), http.StatusOK)
	b, _ := e.signedIn(t, "iom_officer")
	const noOrders = "No orders match that court reference"

	// A name, a PNC ID, a prison number: nothing said of court references.
	row := rows[7]
	for _, q := range []string{"quenby", "lee quenby", row["pnc_id"], "A9876ZZ"} {
		p := b.get("/find?q=" + url.QueryEscape(q))
		wantStatus(t, p, http.StatusOK)
		if strings.Contains(p.Body, noOrders) || strings.Contains(p.Body, `id="orders"`) {
			t.Errorf("a search for %q speaks of orders:\n%s", q, p.Body)
		}
	}
	// A court reference: its order, or that none has it.
	p := b.get("/find?q=" + url.QueryEscape(strings.ToLower(row["reference"])))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `id="orders"`, ">"+row["reference"]+"</a>")
	if strings.Contains(p.Body, noOrders) {
		t.Errorf("a reference that matches says none does")
	}
	p = b.get("/find?q=T20999999")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, noOrders)

	first := b.get("/find?q=quenby")
	wantStatus(t, first, http.StatusOK)
	wantText(t, first, "Showing subjects 1 to 50", "More subjects match than are shown")
	m := nextLink.FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatalf("no link to the next page of subjects:\n%s", first.Body)
	}
	second := b.get(html.UnescapeString(m[1]))
	wantStatus(t, second, http.StatusOK)
	wantText(t, second, "Showing subjects 51 to 60", `href="/find?q=quenby"`, "First page")
	if nextLink.MatchString(second.Body) || strings.Contains(second.Body, "More subjects match") {
		t.Errorf("the last page of subjects links another, or says more match")
	}
	seen := map[string]bool{}
	for _, id := range append(subjectLinks(t, first), subjectLinks(t, second)...) {
		seen[id] = true
	}
	if len(subjectLinks(t, first)) != 50 || len(seen) != n {
		t.Errorf("%d subjects on the first page, %d different over both; %d match", len(subjectLinks(t, first)), len(seen), n)
	}

	// A cursor made up or kept from an older release: the first page.
	p = b.get("/find?q=quenby&cursor=not-a-cursor&start=51")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Showing subjects 1 to 50")
}
