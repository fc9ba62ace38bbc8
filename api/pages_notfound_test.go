package api_test

import (
	"net/http"
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
