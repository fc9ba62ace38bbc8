package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Paths outside the API that no page has answer the GOV.UK error page;
// the API's own unknown paths stay JSON problems.
func TestUnknownPagesAnswerThePage(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "iom_officer")
	for _, path := range []string{"/no-such-page", "/orders/not/a/page", "/meetingz"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusNotFound)
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q, want the HTML page", path, ct)
		}
		wantText(t, p, "Page not found", "govuk-template", `href="/static/`)
		if p.Header.Get("Content-Security-Policy") == "" || p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: page headers missing: %v", path, p.Header)
		}
	}
	// Signed out, too.
	wantText(t, e.browser(t).get("/no-such-page"), "Page not found")
	// A method a page lacks is a page too, not JSON.
	p := b.send("DELETE", "/find", nil)
	wantStatus(t, p, http.StatusMethodNotAllowed)
	if strings.Contains(p.Header.Get("Content-Type"), "json") {
		t.Errorf("DELETE /find answered %s", p.Header.Get("Content-Type"))
	}

	r := e.do(t, "GET", "/api/v1/no-such-route", e.admin, "")
	wantProblem(t, r, http.StatusNotFound)
	r = e.do(t, "GET", "/api/v1", e.admin, "")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("GET /api/v1 = %d %s, want a 404 problem", r.Status, r.Header.Get("Content-Type"))
	}
}

// A page the officer's roles do not allow is the GOV.UK 403 page.
func TestForbiddenPageIsThePage(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "iom_officer")
	p := b.get("/officers/new")
	wantStatus(t, p, http.StatusForbidden)
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want the HTML page", ct)
	}
	wantText(t, p, "You cannot do this", "govuk-template")
}

// Text PostgreSQL cannot store (a NUL, invalid UTF-8) in a page's query or
// form is refused with a page saying so, before it reaches SQL, and a
// refusal from the API's own handlers keeps its status: neither is a 500.
func TestPagesRefuseUnstorableInput(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id")
	b, _ := e.signedIn(t, "admin")
	for _, path := range []string{"/find?q=%00", "/find?q=%C3%28", "/audit?order=%ff"} {
		p := b.get(path)
		if p.Status != http.StatusBadRequest && p.Status != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 400: %s", path, p.Status, p.Body)
		}
	}
	p := b.get("/find?q=%00")
	wantStatus(t, p, http.StatusBadRequest)
	wantText(t, p, "The text could not be stored")
	form := b.get("/subjects/" + sid + "/transfer")
	wantStatus(t, form, http.StatusOK)
	p = b.post("/subjects/"+sid+"/transfer", url.Values{"csrf_token": {csrfOf(t, form)}, "to_force": {"dorset\x00"}, "reason": {"x"}})
	wantStatus(t, p, http.StatusBadRequest)
	if r := e.do(t, "GET", "/api/v1/transfers?subject_id="+sid, e.admin, ""); r.Status != http.StatusOK || len(items(r)) != 0 {
		t.Errorf("a refused transfer was recorded: %s", r)
	}
	// The API's handler refuses an unknown parameter: a 400 page.
	wantStatus(t, b.get("/imports/template.csv?v=1"), http.StatusBadRequest)
}
