package api_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scpo/domain"
)

// bigCaseload makes an IOM officer of Gloucestershire who owns n orders
// (imported in one file), their reviews and checks spread so that some are
// overdue, some due soon and some later, and returns the officer's ID.
func bigCaseload(t *testing.T, e *env, n int) string {
	t.Helper()
	iom := e.officerIn(t, "gloucestershire", "Ira Owens", "iom_officer")
	email := s(e.do(t, "GET", "/api/v1/officers/"+iom, e.admin, "").Body, "email")
	day, _ := domain.ParseDate(today)
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = importRow(map[string]string{"iom_email": email, "iom_since": "2025-07-01",
			// Reviews due (90 days after) from 60 days ago to 60 ahead;
			// checks from 40 days ago to 80 ahead.
			"last_review_on": day.AddDays(-30 - i%120).String(),
			"next_check_due": day.AddDays(-40 + (i*7)%120).String()})
	}
	want(t, e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(rows...)), http.StatusOK)
	return iom
}

var (
	nextLink = regexp.MustCompile(`href="([^"]+)" rel="next"`)
	orderRef = regexp.MustCompile(`<a class="govuk-link" href="/orders/[0-9a-f-]+">([^<]+)</a>`)
)

// tableRefs are the court references listed in the table with id.
func tableRefs(t *testing.T, p page, id string) []string {
	t.Helper()
	return rowsIn(t, p, id, orderRef)
}

// walkPages follows a list's "Next" links from path, returning every
// reference its table (id) lists and each page read.
func walkPages(t *testing.T, b *browser, path, id string) ([]string, []page) {
	t.Helper()
	var refs []string
	var pages []page
	for range 100 {
		p := b.get(path)
		wantStatus(t, p, http.StatusOK)
		pages = append(pages, p)
		got := tableRefs(t, p, id)
		if len(got) > 25 {
			t.Fatalf("%s lists %d orders, more than a page of 25", path, len(got))
		}
		refs = append(refs, got...)
		m := nextLink.FindStringSubmatch(p.Body)
		if m == nil {
			return refs, pages
		}
		path = html.UnescapeString(m[1])
	}
	t.Fatalf("more than 100 pages from %s", path)
	return nil, nil
}

// An officer holding more than 500 orders reaches every one of them, on
// My work and on their caseload page, 25 at a time: each page says which
// it shows and links the next and the first. The pages read a page of
// 500 and cut it into twenty: the 21st page was the 20th again, and 1,443
// of the busiest officer's 1,943 orders could not be reached.
func TestPageCaseloadReachesEveryOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 530
	iom := bigCaseload(t, e, n)
	me := e.signedInAs(t, iom)
	chair, _ := e.signedIn(t, "tasking_chair")
	for _, c := range []struct {
		b           *browser
		path, table string
	}{
		{me, "/", "my-orders"},
		{chair, "/officers/" + iom + "/caseload", "officer-orders"},
	} {
		refs, pages := walkPages(t, c.b, c.path, c.table)
		seen := map[string]int{}
		for _, r := range refs {
			seen[r]++
		}
		if len(refs) != n || len(seen) != n {
			t.Errorf("%s: %d orders listed over %d pages, %d different; the officer owns %d", c.path, len(refs), len(pages),
				len(seen), n)
		}
		if len(pages) != (n+24)/25 {
			t.Errorf("%s: %d pages of 25 for %d orders", c.path, len(pages), n)
		}
		wantText(t, pages[0], "Showing orders 1 to 25 of 530")
		wantText(t, pages[1], "Showing orders 26 to 50 of 530", "First page")
		wantText(t, pages[len(pages)-1], fmt.Sprintf("Showing orders %d to 530 of 530", 25*(len(pages)-1)+1))
		if first := regexp.MustCompile(`href="([^"]+)"><span class="govuk-pagination__link-title">First page`).
			FindStringSubmatch(pages[len(pages)-1].Body); first == nil || html.UnescapeString(first[1]) != c.path &&
			!strings.HasPrefix(html.UnescapeString(first[1]), c.path+"?") || strings.Contains(first[1], "cursor") {
			t.Errorf("%s: the last page's link to the first page: %v", c.path, first)
		}
	}
	// A cursor made up or kept from an older release shows the first page.
	p := me.get("/?cursor=not-a-cursor&start=40")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Showing orders 1 to 25 of 530")

	// Each page view names on the trail only the orders it read: a page,
	// not the 500 the page cut its twenty-odd pages from.
	for _, en := range e.trail(t, iom) {
		if en["route"] != "/" {
			continue
		}
		orders := 0
		for _, rec := range en["records"].([]any) {
			if s(rec, "type") == "order" {
				orders++
			}
		}
		if orders > 25 {
			t.Errorf("a view of My work read %d orders", orders)
		}
	}
}

// My work counts the officer's whole caseload from the caseload's
// summary, as the caseload page does, and lists only the worst of its
// open flags. It counted the 500 orders it had read ("500 orders in all,
// 494 overdue" for an officer with 1,943) and listed every flag on them,
// 990 in one block.
func TestPageMyWorkCountsTheWholeCaseload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 530
	iom := bigCaseload(t, e, n)
	// The whole caseload through the API, a page of 500 at a time, counted
	// here from its items.
	day, _ := domain.ParseDate(today)
	var orders, overdue, soon, later, flagged int
	cursor := ""
	for {
		r := e.do(t, "GET", "/api/v1/caseload?limit=500&officer_id="+iom+"&cursor="+url.QueryEscape(cursor), e.admin, "")
		want(t, r, http.StatusOK)
		for _, it := range items(r) {
			orders++
			if fl, _ := get(it, "open_flags").([]any); len(fl) > 0 {
				flagged++
			}
			var due *domain.Date
			for _, f := range []string{"next_review_due", "next_check_due"} {
				if d, err := domain.ParseDate(s(it, f)); err == nil && (due == nil || d.Before(due.Time)) {
					due = &d
				}
			}
			if due == nil {
				continue
			}
			switch n := day.DaysUntil(*due); {
			case n < 0:
				overdue++
			case n <= 7:
				soon++
			case n <= 28:
				later++
			}
		}
		if cursor = s(r.Body, "next_cursor"); cursor == "<nil>" {
			break
		}
	}
	if orders != n || overdue <= 25 || soon == 0 || later == 0 || flagged <= 25 {
		t.Fatalf("the caseload: %d orders, %d overdue, %d due soon, %d later, %d flagged; the test needs %d, and more "+
			"than a page overdue and flagged", orders, overdue, soon, later, flagged, n)
	}
	b := e.signedInAs(t, iom)
	home := b.get("/")
	wantStatus(t, home, http.StatusOK)
	wantText(t, home,
		fmt.Sprintf(`id="count-overdue">%d</span> orders overdue`, overdue),
		fmt.Sprintf(`id="count-due-soon">%d</span> orders next due within 7 days`, soon),
		fmt.Sprintf(`id="count-due-later">%d</span> orders next due in 8 to 28 days`, later),
		`id="count-all">530</span> orders in all`,
		fmt.Sprintf("%d of your orders have a flag open.", flagged),
		`The first 20 flags, on the orders most overdue, are below`, `href="#my-orders"`)
	_, list, _ := strings.Cut(home.Body, `id="flags"`)
	list, _, _ = strings.Cut(list, "</ul>")
	if n := strings.Count(list, "<li>"); n != 20 {
		t.Errorf("My work lists %d open flags, want the first 20", n)
	}
	// A later page of the list counts the same, and sends to the first
	// for the flags.
	next := nextLink.FindStringSubmatch(home.Body)
	if next == nil {
		t.Fatalf("My work links no next page")
	}
	second := b.get(html.UnescapeString(next[1]))
	wantStatus(t, second, http.StatusOK)
	wantText(t, second, fmt.Sprintf(`id="count-overdue">%d</span>`, overdue), `id="count-all">530</span>`,
		fmt.Sprintf(`%d of your orders have a flag open: <a class="govuk-link" href="/">My orders</a> shows`, flagged))
	if strings.Contains(second.Body, `id="flags"`) {
		t.Errorf("a later page lists flags")
	}
	// The API's summary says the same.
	sum := e.do(t, "GET", "/api/v1/caseload?limit=1&officer_id="+iom, e.admin, "")
	want(t, sum, http.StatusOK)
	if got, want := fmt.Sprint(get(sum.Body, "summary")), fmt.Sprint(map[string]any{"orders": float64(n),
		"with_open_flags": float64(flagged), "overdue": float64(overdue), "due_soon": float64(soon),
		"due_later": float64(later)}); got != want {
		t.Errorf("the API's summary %s, counted %s", got, want)
	}
}
