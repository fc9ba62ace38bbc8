package api_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// A section of the agenda longer than a page says on each of its pages
// which of its items it shows, links the next and the section's first
// page, and together the pages list every item once. Every later page said
// "Showing 100 more of 300 … after those on the agenda's first page", the
// third as the second.
func TestPageAgendaSectionSaysWhichItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 300
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = importRow(nil) // no owner: each is on the agenda as unowned
	}
	want(t, e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(rows...)), http.StatusOK)
	chair, _ := e.signedIn(t, "tasking_chair")
	more := regexp.MustCompile(`<a class="govuk-link" href="([^"]+)">Next No owner items</a>`)
	first := regexp.MustCompile(`<a class="govuk-link" href="([^"]+)">First No owner items</a>`)

	agenda := chair.get("/tasking")
	wantStatus(t, agenda, http.StatusOK)
	wantText(t, agenda, "No owner (300)", "Showing items 1 to 25 of 300, the worst first.")
	refs := tableRefs(t, agenda, "agenda-unowned")
	path := ""
	if m := more.FindStringSubmatch(agenda.Body); m != nil {
		path = html.UnescapeString(m[1])
	}
	for _, want := range []string{"26 to 125", "126 to 225", "226 to 300"} {
		if path == "" {
			t.Fatalf("no link to items %s", want)
		}
		p := chair.get(path)
		wantStatus(t, p, http.StatusOK)
		wantText(t, p, "Showing items "+want+" of 300, the worst first.")
		if strings.Contains(p.Body, "more of") {
			t.Errorf("items %s: the page says it shows items after the agenda's first page", want)
		}
		back := first.FindStringSubmatch(p.Body)
		if back == nil || html.UnescapeString(back[1]) != "/tasking?force=gloucestershire&section=unowned" {
			t.Errorf("items %s: the link back to the section's first page is %v", want, back)
		}
		wantText(t, p, `href="/tasking?force=gloucestershire"`) // the whole agenda
		refs = append(refs, tableRefs(t, p, "agenda-unowned")...)
		path = ""
		if m := more.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if path != "" {
		t.Errorf("the last page links another: %s", path)
	}
	seen := map[string]bool{}
	for _, r := range refs {
		seen[r] = true
	}
	if len(refs) != n || len(seen) != n {
		t.Errorf("%d items listed over the pages, %d different; the section has %d", len(refs), len(seen), n)
	}
	// The section's own first page.
	p := chair.get("/tasking?force=gloucestershire&section=unowned")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Showing items 1 to 100 of 300, the worst first.")
	if first.MatchString(p.Body) {
		t.Errorf("the section's first page links itself as the first")
	}
}
