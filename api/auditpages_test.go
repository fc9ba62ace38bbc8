package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// An entry of the trail can name thousands of records (reading a meeting's
// agenda names every order on it and its subject). The trail's pages name
// the first few of each entry's records, count the rest and link to the
// entry's own page, which names them all; and an auditor's look at the
// trail names on its own entry what the API's look names (the records its
// filters name) and the subjects it showed by name and PNC ID, not every
// record the entries name. (The page listed and looked up every record of
// every entry, megabytes and seconds for 50 entries, and each look named
// them all again, so the next look was larger; then it named none of the
// subjects it showed.)
func TestAuditPagesNameAFewRecordsOfEachEntry(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst = 1_000_000
		store = c.Store.(*postgres.Store)
	})
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 1200, day); err != nil {
		t.Fatal(err)
	}
	vwSweep(t, e, today)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	agenda := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id")+"?limit=500", e.admin, "")
	want(t, agenda, http.StatusOK)
	var refs []string
	for _, o := range get(agenda.Body, "orders").([]any) {
		refs = append(refs, s(o, "reference"))
	}
	if len(refs) < 8 {
		t.Fatalf("the agenda has %d orders", len(refs))
	}

	audID := acOfficer(t, e, "", "auditor")
	tok := e.token(t, audID)
	var opened map[string]any
	for _, en := range items(e.do(t, "GET", "/api/v1/audit?limit=500&officer="+e.adminID, tok, "")) {
		if s(en, "method") == "GET" && s(en, "route") == "/api/v1/meetings/:id" {
			opened = en.(map[string]any)
		}
	}
	if opened == nil || len(opened["records"].([]any)) < 2*len(refs) {
		t.Fatalf("the agenda's reading names too few records: %v", opened)
	}
	named := len(opened["records"].([]any))
	entry := "/audit/entries/" + s(opened, "id")

	b := e.signedInAs(t, audID)
	p := b.get("/audit?officer=" + e.adminID)
	wantStatus(t, p, http.StatusOK)
	var row string
	for _, r := range strings.Split(p.Body, `<tr class="govuk-table__row">`) {
		if strings.Contains(r, "GET /api/v1/meetings/:id</code>") {
			row = r
		}
	}
	shown := 0
	for _, ref := range refs {
		if strings.Contains(row, ">"+ref+"<") {
			shown++
		}
	}
	if shown == 0 || shown > 5 {
		t.Errorf("the agenda's row names %d of its %d orders; want the first few", shown, len(refs))
	}
	if !strings.Contains(row, fmt.Sprintf("%d records, the first 5", named)) || !strings.Contains(row, `href="`+entry+`"`) {
		t.Errorf("the agenda's row does not count its %d records and link to its page:\n%s", named, row)
	}
	// The page's own entry names the subjects it showed by name and PNC ID
	// (those among the first 5 records of each entry listed), and not the
	// others its entries name: the page showed names unrecorded, and an
	// entry naming every record would grow with every look.
	var shownSubjects []string
	unshown, seen := map[string]bool{}, map[string]bool{}
	for _, en := range items(e.do(t, "GET", "/api/v1/audit?limit=50&officer="+e.adminID, tok, "")) {
		for i, r := range en.(map[string]any)["records"].([]any) {
			if id := s(r, "id"); s(r, "type") == "subject" {
				if i >= 5 {
					unshown[id] = true
				} else if !seen[id] {
					seen[id] = true
					shownSubjects = append(shownSubjects, "subject "+id)
				}
			}
		}
	}
	for id := range seen {
		delete(unshown, id)
	}
	if len(shownSubjects) == 0 || len(unshown) == 0 {
		t.Fatalf("the page showed %d subjects and left %d unshown: not tested", len(shownSubjects), len(unshown))
	}
	var looked []string
	for _, en := range items(e.do(t, "GET", "/api/v1/audit?limit=10&officer="+audID, tok, "")) {
		if s(en, "route") == "/audit" && s(en, "query") == "officer="+e.adminID {
			for _, r := range en.(map[string]any)["records"].([]any) {
				looked = append(looked, s(r, "type")+" "+s(r, "id"))
			}
			break
		}
	}
	if strings.Join(looked, ",") != strings.Join(shownSubjects, ",") {
		t.Errorf("the page's entry names %v, want the subjects it showed, %v", looked, shownSubjects)
	}
	for _, l := range looked {
		if unshown[strings.TrimPrefix(l, "subject ")] {
			t.Errorf("the page's entry names %s, which it did not show", l)
		}
	}

	// The entry's own page names every record.
	if ep := b.get(entry); ep.Status != http.StatusOK {
		t.Errorf("the entry's page: %d", ep.Status)
	} else {
		wantText(t, ep, fmt.Sprintf("%d records", named), "GET /api/v1/meetings/:id")
		for _, ref := range refs {
			if !strings.Contains(ep.Body, ">"+ref+"<") {
				t.Errorf("the entry's page does not name %s", ref)
			}
		}
	}
	for _, c := range []struct {
		who    *browser
		path   string
		status int
	}{
		{b, "/audit/entries/0", http.StatusNotFound},
		{b, "/audit/entries/nope", http.StatusNotFound},
		// A force's auditor reads no entry of a national officer that
		// names only another force's records.
		{e.signedInAs(t, acOfficer(t, e, "avon-and-somerset", "auditor")), entry, http.StatusNotFound},
		{e.browser(t), entry, http.StatusSeeOther}, // signed out: to the sign-in page
	} {
		if got := c.who.get(c.path).Status; got != c.status {
			t.Errorf("%s: %d, want %d", c.path, got, c.status)
		}
	}

	// Looking is on the trail, naming what the API's look names and then
	// the subjects the page showed, at most the first 5 records of each of
	// its 50 entries (or the 100 records of an entry's page).
	ref := refs[0]
	ord := get(e.do(t, "GET", "/api/v1/orders?reference="+url.QueryEscape(ref), e.admin, "").Body, "items.0")
	wantStatus(t, b.get("/audit"), http.StatusOK)
	wantStatus(t, b.get("/audit?order="+url.QueryEscape(ref)), http.StatusOK)
	wantStatus(t, b.get("/subjects/"+s(ord, "subject_id")+"/access-log"), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/audit", tok, ""), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/audit?order="+s(ord, "id"), tok, ""), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/subjects/"+s(ord, "subject_id")+"/access-log", tok, ""), http.StatusOK)
	recordsOf := map[string][]string{}
	for _, en := range items(e.do(t, "GET", "/api/v1/audit?limit=500&officer="+audID, tok, "")) {
		if s(en, "status") != "<nil>" {
			continue // refused
		}
		var rs []string
		for _, r := range en.(map[string]any)["records"].([]any) {
			rs = append(rs, s(r, "type")+" "+s(r, "id"))
		}
		k := s(en, "route") + "?" + strings.TrimPrefix(s(en, "query"), "<nil>")
		if _, seen := recordsOf[k]; !seen {
			recordsOf[k] = rs // the latest
		}
	}
	for page, api := range map[string]string{
		"/audit?officer=" + e.adminID: "/api/v1/audit?officer=" + e.adminID,
		"/audit?":                     "/api/v1/audit?",
		"/audit?" + url.Values{"order": {ref}}.Encode(): "/api/v1/audit?order=" + s(ord, "id"),
		"/subjects/:id/access-log?":                     "/api/v1/subjects/:id/access-log?",
		"/audit/entries/:entry?":                        "/api/v1/audit?",
	} {
		got, ok := recordsOf[page]
		if !ok {
			t.Errorf("no entry for the page %s among %v", page, keysOf(recordsOf))
			continue
		}
		w := recordsOf[api]
		if len(got) < len(w) || strings.Join(got[:len(w)], ",") != strings.Join(w, ",") {
			t.Errorf("the page %s named %d records %v; the API's look %s names %v first", page, len(got), got[:min(len(got), 4)], api, w)
			continue
		}
		for _, r := range got[len(w):] {
			if !strings.HasPrefix(r, "subject ") {
				t.Errorf("the page %s named %s beyond the API's look and the subjects shown", page, r)
			}
		}
		if len(got)-len(w) > 5*50 {
			t.Errorf("the page %s named %d subjects, more than it shows", page, len(got)-len(w))
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The trail's from and to take a day, as the page does: from its first
// moment to its end in the service's zone, and still take RFC 3339
// timestamps. (A day was refused 422; the page took its days in UTC.)
func TestAuditFromAndToTakeADay(t *testing.T) {
	t.Parallel()
	// Fourteen hours ahead of UTC: the entries, made at 10:00 UTC on 25
	// November, are at midnight starting 26 November in the service's zone.
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst, c.Location = 1_000_000, time.FixedZone("UTC+14", 14*3600)
	})
	iomID := e.officer(t, "iom_officer")
	sub := e.subject(t, nil)
	want(t, e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), e.token(t, iomID), ""), http.StatusOK)
	audID := acOfficer(t, e, "", "auditor")
	tok := e.token(t, audID)
	for q, n := range map[string]int{
		"from=2026-11-26":                      1,
		"to=2026-11-26":                        1,
		"from=2026-11-26&to=2026-11-26":        1,
		"to=2026-11-25":                        0, // the 25th ended as the entry was made
		"from=2026-11-27":                      0,
		"from=2026-11-25&to=2026-11-25":        0,
		"from=2026-11-25T10:00:00Z":            1,
		"to=2026-11-25T10:00:00Z":              0,
		"from=2026-11-26T00:00:00%2B14:00":     1,
		"from=2026-11-25&to=2026-11-26T09:00Z": 0, // not RFC 3339: refused below
	} {
		r := e.do(t, "GET", "/api/v1/audit?action=consultation&officer="+iomID+"&subject="+s(sub, "id")+"&"+q, tok, "")
		if strings.Contains(q, "T09:00Z") {
			wantFields(t, r, http.StatusUnprocessableEntity, "to")
			continue
		}
		want(t, r, http.StatusOK)
		if got := len(items(r)); got != n {
			t.Errorf("%s: %d entries, want %d", q, got, n)
		}
	}
	wantFields(t, e.do(t, "GET", "/api/v1/audit?from=2026-13-01&to=yesterday", tok, ""), http.StatusUnprocessableEntity, "from", "to")

	// The page's days are the same days.
	b := e.signedInAs(t, audID)
	day := func(field string, d int) string {
		return fmt.Sprintf("&%s-day=%d&%s-month=11&%s-year=2026", field, d, field, field)
	}
	search := "/audit?action=consultation&subject=" + url.QueryEscape(s(sub, "pnc_id"))
	wantText(t, b.get(search+"&officer="+iomID+day("from", 26)+day("to", 26)), "GET /api/v1/subjects/:id</code>")
	wantText(t, b.get(search+day("from", 25)+day("to", 25)), "No entries.")
}
