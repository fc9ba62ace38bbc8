package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/api"
)

// calFeed creates the officer's calendar feed and returns its path.
func calFeed(t *testing.T, e *env, token string) string {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/me/calendar", token, "")
	want(t, r, http.StatusCreated)
	u, err := url.Parse(s(r.Body, "url"))
	if err != nil || !strings.HasPrefix(u.Path, "/calendar/") || !strings.HasSuffix(u.Path, ".ics") {
		t.Fatalf("feed url %q is not /calendar/{secret}.ics", s(r.Body, "url"))
	}
	return u.Path
}

var calUIDs = regexp.MustCompile(`(?m)^UID:(\S+)\r$`)

// calEvent returns the VEVENT whose UID is uid, or "".
func calEvent(ics, uid string) string {
	for _, ev := range strings.Split(ics, "BEGIN:VEVENT\r\n")[1:] {
		if strings.Contains(ev, "UID:"+uid+"\r\n") {
			return ev
		}
	}
	return ""
}

func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iom := e.officer(t, "iom_officer")
	tok := e.token(t, iom)
	subject := e.subject(t, obj{"first_names": "Wendell", "last_name": "Pryce-Calendar"})
	pncID, dob := s(subject, "pnc_id"), s(subject, "date_of_birth")
	owned := e.order(t, s(subject, "id"), obj{"reference": "CAL-OWNED-1"})
	ownedID := s(owned, "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ownedID+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocation."})), http.StatusOK)
	check := e.create(t, "/api/v1/orders/"+ownedID+"/checks", obj{"kind": "home_visit", "due_on": "2026-12-10"})
	// An order nobody owns, brought to a meeting that gives the officer an
	// action on it.
	unowned := s(e.order(t, s(subject, "id"), obj{"reference": "CAL-UNOWNED-2"}), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.create(t, "/api/v1/meetings", obj{"force": "gloucestershire", "held_on": today})
	item := ""
	agenda, _ := m["agenda"].([]any)
	for _, it := range agenda {
		if s(it, "order_id") == unowned {
			item = s(it, "id")
		}
	}
	if item == "" {
		t.Fatalf("no agenda item for the unowned order: %v", m)
	}
	action := e.create(t, "/api/v1/meetings/"+s(m, "id")+"/decisions", obj{"item_id": item, "decision": "action",
		"action_by": iom, "due_by": "2026-12-01", "notes": "Speak to Wendell Pryce-Calendar's probation officer."})

	path := calFeed(t, e, tok)
	r := e.do(t, "GET", path, "", "")
	want(t, r, http.StatusOK)
	ics := string(r.Raw)

	t.Run("content", func(t *testing.T) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Errorf("Content-Type %q, want text/calendar", ct)
		}
		if !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
			t.Errorf("not a VCALENDAR:\n%s", ics)
		}
		for uid, day := range map[string]string{
			"check-" + s(check, "id") + "@scpo":   "20261210",
			"action-" + s(action, "id") + "@scpo": "20261201",
		} {
			ev := calEvent(ics, uid)
			if ev == "" {
				t.Errorf("no event %s in\n%s", uid, ics)
				continue
			}
			if !strings.Contains(ev, "\r\nDTSTART;VALUE=DATE:"+day+"\r\n") {
				t.Errorf("event %s does not start on the all-day date %s:\n%s", uid, day, ev)
			}
		}
		review := calEvent(ics, "review-"+ownedID+"@scpo")
		if !regexp.MustCompile(`\r\nDTSTART;VALUE=DATE:\d{8}\r\n`).MatchString(review) ||
			!strings.Contains(review, "SUMMARY:SCPO review due: CAL-OWNED-1\r\n") ||
			!strings.Contains(review, "URL:"+e.srv.URL+"/orders/"+ownedID+"\r\n") {
			t.Errorf("the owned order's review is missing or wrong:\n%s", ics)
		}
		if n := strings.Count(ics, "BEGIN:VEVENT"); n != 3 {
			t.Errorf("%d events, want 3 (review, check, action):\n%s", n, ics)
		}
	})

	t.Run("UIDs are stable", func(t *testing.T) {
		again := e.do(t, "GET", path, "", "")
		want(t, again, http.StatusOK)
		first, second := calUIDs.FindAllStringSubmatch(ics, -1), calUIDs.FindAllStringSubmatch(string(again.Raw), -1)
		if len(first) != 3 || !slices.EqualFunc(first, second, func(a, b []string) bool { return a[1] == b[1] }) {
			t.Errorf("UIDs changed between fetches: %v then %v", first, second)
		}
	})

	t.Run("no personal data", func(t *testing.T) {
		for _, v := range []string{"Wendell", "Pryce", pncID, dob, strings.ReplaceAll(dob, "-", ""), "probation"} {
			if v != "" && strings.Contains(ics, v) {
				t.Errorf("the feed carries %q:\n%s", v, ics)
			}
		}
	})

	t.Run("each fetch is a disclosure by the officer", func(t *testing.T) {
		auditor := e.token(t, e.officer(t, "auditor"))
		entries := auEntries(t, e, auditor, url.Values{"officer": {iom}, "action": {"disclosure"}})
		n := 0
		for _, en := range entries {
			if s(en, "route") == "/calendar/:file" {
				n++
				if !auHasRecord(en, "order", ownedID) || !auHasRecord(en, "order", unowned) {
					t.Errorf("the disclosure does not name the orders it carried: %v", en)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d calendar disclosures by the officer, want 2 (two fetches): %v", n, entries)
		}
	})

	t.Run("revocation", func(t *testing.T) {
		newer := calFeed(t, e, tok)
		if newer == path {
			t.Fatal("a new feed kept the old secret")
		}
		if got := e.do(t, "GET", path, "", "").Status; got != http.StatusNotFound {
			t.Errorf("the replaced feed answers %d, want 404", got)
		}
		want(t, e.do(t, "GET", newer, "", ""), http.StatusOK)
		want(t, e.do(t, "DELETE", "/api/v1/me/calendar", tok, ""), http.StatusNoContent)
		if got := e.do(t, "GET", newer, "", "").Status; got != http.StatusNotFound {
			t.Errorf("the revoked feed answers %d, want 404", got)
		}
		if got := e.do(t, "GET", "/calendar/not-a-secret.ics", "", "").Status; got != http.StatusNotFound {
			t.Errorf("an unknown secret answers %d, want 404", got)
		}
	})

	t.Run("deactivation", func(t *testing.T) {
		feed := calFeed(t, e, tok)
		want(t, e.do(t, "GET", feed, "", ""), http.StatusOK)
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, e.admin, js(obj{"active": false})), http.StatusOK)
		if got := e.do(t, "GET", feed, "", "").Status; got != http.StatusNotFound {
			t.Errorf("a deactivated officer's feed answers %d, want 404", got)
		}
		// Reactivated, the old secret stays dead.
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, e.admin, js(obj{"active": true})), http.StatusOK)
		if got := e.do(t, "GET", feed, "", "").Status; got != http.StatusNotFound {
			t.Errorf("after reactivation the old feed answers %d, want 404", got)
		}
	})
}

// Once an address is blocked (officers behind one station's address, a
// calendar service fetching many officers' feeds), a credential that
// cannot be guessed still gets through: a web sign-in with a service
// token, a feed, as a bearer token does. They were refused with the
// failures.
func TestBlockedAddressStillTakesValidSignInsAndFeeds(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 3 })
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	feed := e.do(t, "POST", "/api/v1/me/calendar", tok, "")
	want(t, feed, http.StatusCreated)
	u, err := url.Parse(s(feed.Body, "url"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.do(t, "POST", "/api/v1/me/calendar", e.token(t, e.officer(t, "iom_officer")), "")
	want(t, other, http.StatusCreated)
	ou, err := url.Parse(s(other.Body, "url"))
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	if p := b.get(u.Path); p.Status != http.StatusOK {
		t.Fatalf("the feed before the block: %d", p.Status)
	}
	for range 4 {
		b.get("/calendar/scpocal_stale.ics")
	}
	if p := b.get("/calendar/scpocal_stale.ics"); p.Status != http.StatusTooManyRequests {
		t.Fatalf("a stale feed from the blocked address: %d, want 429", p.Status)
	}
	if p := b.get(u.Path); p.Status != http.StatusOK || !strings.Contains(p.Body, "BEGIN:VCALENDAR") {
		t.Errorf("a feed fetched before from the blocked address: %d %s", p.Status, p.Body)
	}
	// A feed's secret is 32 random bytes: checked, never guessed.
	if p := b.get(ou.Path); p.Status != http.StatusOK {
		t.Errorf("another officer's feed from the blocked address: %d, want 200", p.Status)
	}
	form := b.get("/sign-in")
	bad := b.post("/sign-in", url.Values{"csrf_token": {csrfOf(t, form)}, "token": {"scpo_guess"}, "next": {"/"}})
	wantText(t, bad, "Too many failed attempts from this address")
	b.signIn(tok)
}

// A feed fetched is a disclosure about the subjects of the orders it
// carries: it is in each subject's access log (it named the orders only,
// so an auditor asking who saw a subject's records never saw it).
func TestCalendarFeedIsInTheSubjectsAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": officer, "reason": "Allocated."})),
		http.StatusOK)
	path := calFeed(t, e, tok)
	if p := e.browser(t).get(path); p.Status != http.StatusOK {
		t.Fatalf("the feed: %d", p.Status)
	}
	auditor := e.token(t, acOfficer(t, e, "", "auditor"))
	log := e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log?limit=500", auditor, "")
	want(t, log, http.StatusOK)
	found := false
	for _, it := range items(log) {
		if strings.HasPrefix(s(it, "route"), "/calendar/") {
			found = s(it, "action") == "disclosure" && s(it, "officer_id") == officer
		}
	}
	if !found {
		t.Errorf("the subject's access log lacks the feed's disclosure: %s", log)
	}
}

// An officer covering an absent colleague has the covered orders' dates in
// their feed, as their caseload lists them (covering); they were left out.
func TestCalendarFeedHasTheOrdersCovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	away, cover := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"reference": "CAL-COVERED-1"})
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": away, "reason": "Allocation."})), http.StatusOK)
	e.create(t, "/api/v1/orders/"+s(ord, "id")+"/checks", obj{"kind": "home_visit", "due_on": "2026-12-10"})
	path := calFeed(t, e, e.token(t, cover))
	if ics := e.do(t, "GET", path, "", ""); strings.Contains(string(ics.Raw), "CAL-COVERED-1") {
		t.Fatalf("the feed has the order before any cover: %s", ics.Raw)
	}
	want(t, e.do(t, "POST", "/api/v1/officers/"+away+"/absences", e.admin, js(obj{"kind": "annual_leave", "starts_on": today,
		"ends_on": "2026-12-20", "cover_officer_id": cover})), http.StatusCreated)
	if ics := e.do(t, "GET", path, "", ""); !strings.Contains(string(ics.Raw), "CAL-COVERED-1") {
		t.Errorf("the covering officer's feed lacks the covered order: %s", ics.Raw)
	}
	// The cover moved to another force keeps no view of the order.
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+cover, e.admin, js(obj{"force": "dorset"})), http.StatusOK)
	if ics := e.do(t, "GET", path, "", ""); strings.Contains(string(ics.Raw), "CAL-COVERED-1") {
		t.Errorf("a cover moved to Dorset still has the Gloucestershire order in their feed: %s", ics.Raw)
	}
}
