package api_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
)

// browser is a cookie-keeping client that does not follow redirects, so a
// test sees each post/redirect/get step.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) send(method, path string, form url.Values, headers ...string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	p := page{Status: res.StatusCode, Header: res.Header, Body: string(raw)}
	if p.Status >= 500 {
		b.t.Errorf("%s %s: %d\n%s", method, path, p.Status, p.Body)
	}
	return p
}

func (b *browser) get(path string) page { b.t.Helper(); return b.send("GET", path, nil) }

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.send("POST", path, form)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", p.Body)
	}
	return m[1]
}

// signIn signs the browser in with an access token.
func (b *browser) signIn(token string) {
	b.t.Helper()
	form := b.get("/sign-in")
	p := b.post("/sign-in", url.Values{"csrf_token": {csrfOf(b.t, form)}, "token": {token}, "next": {"/"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		b.t.Fatalf("sign in: %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
}

func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d\n%s", p.Status, status, p.Body)
	}
}

func wantText(t *testing.T, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q\n%s", s, p.Body)
		}
	}
}

// officerToken makes an officer with roles and signs a browser in as them.
func (e *env) signedIn(t *testing.T, roles ...string) (*browser, string) {
	id := e.officer(t, roles...)
	b := e.browser(t)
	b.signIn(e.token(t, id))
	return b, id
}

func TestPageSignInRefusesAWrongToken(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	form := b.get("/sign-in")
	p := b.post("/sign-in", url.Values{"csrf_token": {csrfOf(t, form)}, "token": {"not-a-token"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#token"`, "The access token is not valid")
	// And a page needs a session: off to sign in, and back afterwards.
	p = b.get("/orders/" + "00000000-0000-0000-0000-000000000000")
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.Header.Get("Location"), "/sign-in?next=%2Forders%2F") {
		t.Errorf("redirect to %q", p.Header.Get("Location"))
	}
}

func TestPageScopeAndAuditTrail(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil)
	other := e.subject(t, obj{"force": "avon-and-somerset"})
	otherOrd := e.order(t, s(other, "id"), nil)
	b, me := e.signedIn(t, "iom_officer")

	p := b.get("/orders/" + s(ord, "id"))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, s(ord, "reference"), "Dean Carter", "1 November 2026")
	if strings.Contains(p.Body, s(ord, "id")+"<") {
		t.Errorf("the order page shows a raw UUID as text")
	}
	// Another force's order is not there at all.
	wantStatus(t, b.get("/orders/"+s(otherOrd, "id")), http.StatusNotFound)
	wantStatus(t, b.get("/subjects/"+s(other, "id")), http.StatusNotFound)

	// A national auditor, who sees other forces' record IDs on the trail.
	auditor := e.token(t, s(e.create(t, "/api/v1/officers", obj{"name": "Graham Ellis",
		"email": "graham.ellis@hmicfrs.gov.uk", "roles": []string{"auditor"}}), "id"))
	audit := e.do(t, "GET", "/api/v1/audit?officer="+me, auditor, "")
	want(t, audit, http.StatusOK)
	var viewed, refused bool
	for _, it := range audit.Body["items"].([]any) {
		en := it.(map[string]any)
		recs := js(en["records"])
		switch {
		case en["route"] == "/orders/:id" && en["action"] == "consultation" && en["status"] == nil &&
			strings.Contains(recs, s(ord, "id")):
			viewed = true
			if en["purpose"] != "management of serious crime prevention orders" {
				t.Errorf("purpose %v", en["purpose"])
			}
		case en["route"] == "/orders/:id" && en["status"] == float64(404) && strings.Contains(recs, s(otherOrd, "id")):
			refused = true
		}
	}
	if !viewed || !refused {
		t.Errorf("audit trail lacks the page view (%v) or the refused view (%v): %s", viewed, refused, audit)
	}
}

func TestPageRecordsACheckOutcome(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil)
	oid := s(ord, "id")
	chk := e.create(t, "/api/v1/orders/"+oid+"/checks", obj{"kind": "home_visit", "due_on": "2026-11-20", "notes": "Bring the phone list."})
	b, _ := e.signedIn(t, "iom_officer")

	order := b.get("/orders/" + oid)
	wantText(t, order, "Overdue", "Record outcome", "Bring the phone list.") // a pending check's notes too
	path := "/orders/" + oid + "/checks/" + s(chk, "id") + "/outcome"
	form := b.get(path)
	wantStatus(t, form, http.StatusOK)
	csrf := csrfOf(t, form)

	// No outcome: the error summary links to the field, values are kept.
	p := b.post(path, url.Values{"csrf_token": {csrf}, "version": {"1"}, "completed_on-day": {"24"},
		"completed_on-month": {"11"}, "completed_on-year": {"2026"}, "notes": {"Nobody in"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#outcome"`, "Nobody in", `value="24"`)

	// A stale version is refused with the current values.
	p = b.post(path, url.Values{"csrf_token": {csrf}, "version": {"0"}, "completed_on-day": {"24"},
		"completed_on-month": {"11"}, "completed_on-year": {"2026"}, "outcome": {"compliant"}})
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "Another officer changed this check")

	p = b.post(path, url.Values{"csrf_token": {csrf}, "version": {"1"}, "completed_on-day": {"24"},
		"completed_on-month": {"11"}, "completed_on-year": {"2026"}, "outcome": {"compliant"},
		"notes": {"Visited at 7pm; lives alone."}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.Header.Get("Location") != "/orders/"+oid+"?done=check" {
		t.Errorf("redirected to %q", p.Header.Get("Location"))
	}
	// What the officer wrote is on the order's page.
	done := b.get(p.Header.Get("Location"))
	wantText(t, done, "Check outcome recorded", "Compliant on 24 November 2026",
		"Visited at 7pm; lives alone.", "sort=-due")
	// Sorting the checks does not say "recorded" again.
	if strings.Contains(done.Body, "done=check&amp;sort") || strings.Contains(done.Body, "sort=-due&amp;done") {
		t.Errorf("the sort link carries the success banner")
	}
}

func TestPageRecordsAReview(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	oid := s(e.order(t, s(sub, "id"), nil), "id")
	b, me := e.signedIn(t, "iom_officer")
	form := b.get("/orders/" + oid + "/reviews/new")
	wantStatus(t, form, http.StatusOK)
	p := b.post("/orders/"+oid+"/reviews", url.Values{"csrf_token": {csrfOf(t, form)}, "reviewed_on-day": {"31"},
		"reviewed_on-month": {"2"}, "reviewed_on-year": {"2026"}, "kind": {"routine"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#reviewed_on"`, "must be a real date", `href="#outcome"`)
	// The refused attempt is on the trail, naming the order, as the API's are.
	if trail := e.trail(t, me); !hasEntry(trail, "/orders/:id/reviews", "collection", 422, oid) {
		t.Errorf("the refused review form is not on the trail: %v", trail)
	}
	p = b.post("/orders/"+oid+"/reviews", url.Values{"csrf_token": {csrfOf(t, form)}, "reviewed_on-day": {"24"},
		"reviewed_on-month": {"11"}, "reviewed_on-year": {"2026"}, "kind": {"routine"}, "outcome": {"satisfactory"},
		"notes": {"Engaging well; new job at the docks."}})
	wantStatus(t, p, http.StatusSeeOther)
	page := b.get(p.Header.Get("Location"))
	wantText(t, page, "Review recorded", "24 November 2026", "Engaging well; new job at the docks.",
		"</span>: Routine review: satisfactory</li>")
	// Once in the timeline, not again as a bare "Review".
	if strings.Contains(page.Body, "</span>: Review</li>") {
		t.Errorf("the timeline lists the review twice")
	}
}

func TestPageChairAllocatesAnOwnerFromTheAgenda(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	iom := e.officer(t, "iom_officer")
	chair, _ := e.signedIn(t, "tasking_chair")

	agenda := chair.get("/tasking")
	wantStatus(t, agenda, http.StatusOK)
	wantText(t, agenda, "No owner (1)", s(ord, "reference"), "Allocate an owner")
	// An officer on leave is shown as away, with what each holds.
	away := e.officer(t, "iom_officer")
	want(t, e.do(t, "POST", "/api/v1/officers/"+away+"/absences", e.admin,
		js(obj{"kind": "long_term", "starts_on": today, "ends_on": "2026-12-31"})), http.StatusCreated)
	form := chair.get("/orders/" + s(ord, "id") + "/owners/iom?from=tasking")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `value="`+away+`">Officer`, ": holds 0; away until 31 December 2026</option>", `value="`+iom+`">Officer`)
	p := chair.post("/orders/"+s(ord, "id")+"/owners/iom", url.Values{"csrf_token": {csrfOf(t, form)},
		"version": {regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(form.Body)[1]},
		"from":    {"tasking"}, "officer_id": {iom}, "reason": {"allocated at tasking meeting"}})
	wantStatus(t, p, http.StatusSeeOther)
	after := chair.get(p.Header.Get("Location"))
	wantText(t, after, "Owner allocated for "+s(ord, "reference"))
	if strings.Contains(after.Body, "No owner (") {
		t.Errorf("the order is still on the agenda as unowned")
	}

	// A regional lead sees the agenda with no way to change it; an IOM
	// officer cannot open the allocation form.
	csv := chair.get("/tasking/agenda.csv")
	wantStatus(t, csv, http.StatusOK)
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("agenda download is %q", csv.Header.Get("Content-Type"))
	}
	b, _ := e.signedIn(t, "iom_officer")
	wantStatus(t, b.get("/orders/"+s(ord, "id")+"/owners/lro"), http.StatusForbidden)
}

func TestPageFormsNeedTheSessionsCSRFToken(t *testing.T) {
	e := newEnv(t)
	oid := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	b, _ := e.signedIn(t, "iom_officer")
	good := url.Values{"reviewed_on-day": {"24"}, "reviewed_on-month": {"11"}, "reviewed_on-year": {"2026"},
		"kind": {"routine"}, "outcome": {"satisfactory"}}
	wantStatus(t, b.post("/orders/"+oid+"/reviews", good), http.StatusForbidden)
	good.Set("csrf_token", "wrong")
	wantStatus(t, b.post("/orders/"+oid+"/reviews", good), http.StatusForbidden)
	good.Set("csrf_token", csrfOf(t, b.get("/orders/"+oid+"/reviews/new")))
	wantStatus(t, b.send("POST", "/orders/"+oid+"/reviews", good, "Origin", "https://evil.example"), http.StatusForbidden)
	wantStatus(t, b.send("POST", "/orders/"+oid+"/reviews", good, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	reviews := e.do(t, "GET", "/api/v1/orders/"+oid+"/reviews", e.admin, "")
	if n := len(reviews.Body["items"].([]any)); n != 0 {
		t.Fatalf("%d reviews recorded by refused forms", n)
	}
	wantStatus(t, b.post("/orders/"+oid+"/reviews", good), http.StatusSeeOther)
}

func TestPageHeadersAndCookieFlags(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	p := b.get("/sign-in")
	csp := p.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'self'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", p.Header.Get("Cache-Control"))
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " style=") {
		t.Errorf("inline script or style in the page")
	}
	signIn := b.post("/sign-in", url.Values{"csrf_token": {csrfOf(t, p)}, "token": {e.admin}})
	ck := signIn.Header.Values("Set-Cookie")
	var session string
	for _, c := range ck {
		if strings.HasPrefix(c, "scpo_session=") && !strings.Contains(c, "Max-Age=0") {
			session = c
		}
	}
	if !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=Lax") || strings.Contains(session, "Secure") {
		t.Errorf("session cookie over plain HTTP: %q", session)
	}

	// Behind a proxy that terminates TLS and says so, cookies are Secure.
	e2 := newEnvWith(t, func(c *api.Config) { c.TrustForwardedProto = true })
	b2 := e2.browser(t)
	p = b2.send("GET", "/sign-in", nil, "X-Forwarded-Proto", "https")
	if c := p.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("cookie behind a TLS proxy: %q", c)
	}
	// Assets are served from the binary.
	css := b.get("/static/govuk/govuk-frontend.min.css")
	wantStatus(t, css, http.StatusOK)
	if !strings.Contains(css.Body, ".govuk-button") {
		t.Errorf("GOV.UK Frontend stylesheet not served")
	}
}

// clock is a test clock that can be moved on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestPageSessionsEnd(t *testing.T) {
	clk := &clock{t: now}
	e := newEnvWith(t, func(c *api.Config) { c.Clock = clk; c.FailedAuthBurst = 1_000_000 })
	id := e.officer(t, "iom_officer")
	tok := e.token(t, id)

	t.Run("idle timeout", func(t *testing.T) {
		b := e.browser(t)
		b.signIn(tok)
		clk.add(29 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusOK)
		clk.add(29 * time.Minute) // idle 29 minutes again: still fine
		wantStatus(t, b.get("/"), http.StatusOK)
		clk.add(31 * time.Minute)
		p := b.get("/")
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.Contains(p.Header.Get("Location"), "why=expired") {
			t.Errorf("redirect %q", p.Header.Get("Location"))
		}
		wantStatus(t, b.get("/"), http.StatusSeeOther) // and it stays ended
	})
	t.Run("absolute timeout", func(t *testing.T) {
		b := e.browser(t)
		b.signIn(tok)
		lasted := 0
		for range 40 {
			clk.add(20 * time.Minute)
			if b.get("/").Status != http.StatusOK {
				break
			}
			lasted++
		}
		if lasted != 36 { // 12 hours in steps of 20 minutes, never idle
			t.Errorf("session lasted %d steps of 20 minutes, want 36", lasted)
		}
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
	t.Run("sign out", func(t *testing.T) {
		b := e.browser(t)
		b.signIn(tok)
		home := b.get("/")
		stolen := b.c.Jar.Cookies(mustURL(t, e.srv.URL))
		p := b.post("/sign-out", url.Values{"csrf_token": {csrfOf(t, home)}})
		wantStatus(t, p, http.StatusSeeOther)
		wantStatus(t, b.get("/"), http.StatusSeeOther)
		// The old cookie, replayed, is dead server-side.
		b2 := e.browser(t)
		b2.c.Jar.SetCookies(mustURL(t, e.srv.URL), stolen)
		wantStatus(t, b2.get("/"), http.StatusSeeOther)
	})
	t.Run("deactivation", func(t *testing.T) {
		b := e.browser(t)
		b.signIn(tok)
		wantStatus(t, b.get("/"), http.StatusOK)
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+id, e.admin, `{"active": false}`), http.StatusOK)
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var _ domain.Clock = (*clock)(nil)

// A chair preparing next week's meeting asks for the agenda as of its day:
// the page works it out from the rules for that day, says so, and its CSV
// and section links keep the day; a day that does not exist is an error
// with no agenda under it. The page ignored the day and showed today's.
func TestPageAgendaAsOfAnotherDay(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil) // unowned, no sweep run yet
	chair, _ := e.signedIn(t, "tasking_chair")
	now := chair.get("/tasking")
	wantStatus(t, now, http.StatusOK)
	if strings.Contains(now.Body, s(ord, "reference")) {
		t.Fatalf("today's agenda (open flags, no sweep yet) lists the order")
	}
	ahead := chair.get("/tasking?force=gloucestershire&as_of-day=2&as_of-month=12&as_of-year=2026")
	wantStatus(t, ahead, http.StatusOK)
	wantText(t, ahead, "As of 2 December 2026, worked out from the register", "No owner (1)", s(ord, "reference"),
		`/tasking/agenda.csv?force=gloucestershire&amp;as_of=2026-12-02`, `name="as_of-day" type="text" inputmode="numeric" value="2"`)
	// Owners are today's, and allocating is today's business: said, and
	// no link on another day's agenda; its order is the worst first only.
	wantText(t, ahead, "Owners now")
	if strings.Contains(ahead.Body, "/owners/iom?from=tasking") || strings.Contains(ahead.Body, "sort=-due") {
		t.Errorf("another day's agenda offers to allocate, or to sort")
	}
	csv := chair.get("/tasking/agenda.csv?force=gloucestershire&as_of=2026-12-02")
	wantStatus(t, csv, http.StatusOK)
	if !strings.Contains(csv.Body, s(ord, "reference")) {
		t.Errorf("the CSV as of 2 December lacks the order: %s", csv.Body)
	}
	bad := chair.get("/tasking?force=gloucestershire&as_of-day=31&as_of-month=2&as_of-year=2027")
	wantStatus(t, bad, http.StatusOK)
	wantText(t, bad, "No agenda is shown until the day is one that exists", `value="31"`)
	if strings.Contains(bad.Body, s(ord, "reference")) {
		t.Errorf("an agenda is shown under a day that does not exist")
	}
}

// With a policy requiring an IOM officer and an LRO, an order with its IOM
// but no LRO is on the agenda as missing the LRO, and its link allocates
// the LRO (it went to the IOM's form, replacing the IOM in place).
func TestPageAgendaAllocatesTheMissingRole(t *testing.T) {
	e := newEnv(t)
	want(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin, js(obj{"required_roles": []string{"iom", "lro"}})),
		http.StatusOK)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": e.officer(t, "iom_officer"), "reason": "Allocated."})), http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	chair, _ := e.signedIn(t, "tasking_chair")
	agenda := chair.get("/tasking")
	wantText(t, agenda, s(ord, "reference"), "Missing: Lead responsible officer",
		`href="/orders/`+s(ord, "id")+`/owners/lro?from=tasking">Allocate the Lead responsible officer`)
	if strings.Contains(agenda.Body, `href="/orders/`+s(ord, "id")+`/owners/iom?from=tasking"`) {
		t.Errorf("the agenda offers to replace the IOM owner of an order missing its LRO")
	}
}

// An agenda as of an earlier day gives no "open since" later than that day
// (flags raised today were not open then).
func TestAgendaAsOfAnEarlierDayOpenSince(t *testing.T) {
	e := newEnv(t)
	e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of=2026-11-24", e.admin, "")
	want(t, r, http.StatusOK)
	its, _ := get(r.Body, "sections.unowned").([]any)
	if len(its) == 0 {
		t.Fatalf("no unowned item as of 24 November: %s", r)
	}
	for _, it := range its {
		if s(it, "open_since") != "<nil>" {
			t.Errorf("as of 24 November, an item open since %s", s(it, "open_since"))
		}
	}
}
