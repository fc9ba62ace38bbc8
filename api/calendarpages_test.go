package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var feedAddress = regexp.MustCompile(`id="calendar-url" type="text" readonly spellcheck="false" value="(http[^"]+/calendar/([^"/]+)\.ics)"`)

// My work makes an officer's calendar feed, shows its address once on
// the answer (never in a URL), and revokes it; both are on the audit
// trail, and a revoked address answers 404.
func TestPageCalendarFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, me := e.signedIn(t, "iom_officer")
	home := b.get("/")
	wantStatus(t, home, http.StatusOK)
	wantText(t, home, "Calendar feed", "Make a calendar feed")
	if strings.Contains(home.Body, "Revoke the calendar feed") {
		t.Errorf("revoke offered with no feed")
	}
	tok := csrfOf(t, home)
	wantStatus(t, b.post("/calendar-feed", url.Values{}), http.StatusForbidden)

	p := b.post("/calendar-feed", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusCreated)
	m := feedAddress.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no feed address on the answer:\n%s", p.Body)
	}
	if p.Header.Get("Location") != "" || !strings.Contains(p.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("answer headers %v", p.Header)
	}
	path := strings.TrimPrefix(m[1], m[1][:strings.Index(m[1], "/calendar/")])
	want(t, e.do(t, "GET", path, "", ""), http.StatusOK)

	home = b.get("/")
	wantText(t, home, "You have a calendar feed", "Revoke the calendar feed", "Make a new calendar feed")
	if strings.Contains(home.Body, m[2]) {
		t.Errorf("My work shows the feed's secret again")
	}
	p = b.post("/calendar-feed/revoke", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/?done=calendar-revoked" {
		t.Errorf("revoke redirects to %q", loc)
	}
	wantText(t, b.get("/?done=calendar-revoked"), "Calendar feed revoked", "Make a calendar feed")
	if r := e.do(t, "GET", path, "", ""); r.Status != http.StatusNotFound {
		t.Errorf("revoked feed answers %d", r.Status)
	}

	trail := e.trail(t, me)
	made, revoked := false, false
	for _, en := range trail {
		st, _ := en["status"].(float64)
		switch {
		case en["route"] == "/calendar-feed" && st == 0:
			made = true
		case en["route"] == "/calendar-feed/revoke" && st == 0:
			revoked = true
		}
		if strings.Contains(js(en), m[2]) {
			t.Errorf("the audit trail holds the feed's secret: %v", en)
		}
	}
	if !made || !revoked {
		t.Errorf("audit trail lacks the feed's making (%v) or revoking (%v)", made, revoked)
	}
}
