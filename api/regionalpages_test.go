package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The regional lead holds the region's meeting in the pages: starts it
// from /meetings (a date error first), sees the escalations from the
// force meetings, records an action for an officer of the escalated
// order's force (naming another force's officer first: the error
// summary, values kept); a force's chair cannot see the meeting; the
// decision is on the audit trail.
func TestPageRegionalLeadHoldsTheRegionalMeeting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := s(e.subject(t, obj{"force": "gloucestershire"}), "id")
	order := s(e.order(t, sub, obj{"reference": "RP-GLOS"}), "id")
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	dorsetIOM := acOfficer(t, e, "dorset", "iom_officer")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	fm := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, fm, http.StatusCreated)
	var item string
	for _, it := range fm.Body["agenda"].([]any) {
		if s(it, "order_id") == order {
			item = s(it, "id")
		}
	}
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(fm.Body, "id")+"/decisions", chair,
		js(obj{"item_id": item, "decision": "escalate", "notes": "No owner after two cycles."})), http.StatusCreated)

	leadID := acOfficer(t, e, "gloucestershire", "regional")
	b := e.browser(t)
	b.signIn(e.token(t, leadID))
	list := b.get("/meetings")
	wantStatus(t, list, http.StatusOK)
	wantText(t, list, "Start a regional meeting", `name="region" value="south-west"`)
	tok := csrfOf(t, list)
	p := b.post("/regional-meetings", url.Values{"csrf_token": {tok}, "region": {"south-west"},
		"regional_held_on-day": {"24"}, "regional_held_on-month": {"11"}, "regional_held_on-year": {"2025"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#regional_held_on"`, "Date of the regional meeting must not be more than 365 days ago",
		`name="regional_held_on-year" type="text" inputmode="numeric" value="2025"`)
	p = b.post("/regional-meetings", url.Values{"csrf_token": {tok}, "region": {"south-west"},
		"regional_held_on-day": {"25"}, "regional_held_on-month": {"11"}, "regional_held_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	mpath, _, _ := strings.Cut(p.Header.Get("Location"), "?")
	meeting := strings.TrimPrefix(mpath, "/meetings/")

	m := b.get(p.Header.Get("Location"))
	wantStatus(t, m, http.StatusOK)
	wantText(t, m, "South West regional meeting, 25 November 2026", "RP-GLOS", "Escalated",
		"by Gloucestershire Constabulary's tasking meeting on 25 November 2026", "No owner after two cycles.")
	// The lead keeps its minutes: who was there, then the sign-off.
	wantText(t, m, "Record who was there", "Sign the minutes", `<option value="`+leadID+`"`)
	// The order's card links to its decision page, which offers the
	// officers of the escalated order's force who may act (the cards
	// offer none).
	if strings.Contains(m.Body, `value="`+iom+`"`) {
		t.Errorf("the regional meeting's page offers officers to act on its cards")
	}
	dlink := regexp.MustCompile(`href="(/regional-meetings/` + meeting + `/orders/` + order + `/decision)" role="button"`).
		FindStringSubmatch(m.Body)
	if dlink == nil {
		t.Fatalf("RP-GLOS's card has no link to record a decision")
	}
	dpath := dlink[1]
	dp := b.get(dpath)
	wantStatus(t, dp, http.StatusOK)
	wantText(t, dp, "Record a decision on RP-GLOS", "by Gloucestershire Constabulary's tasking meeting on 25 November 2026",
		"Officer to act (Gloucestershire Constabulary)", `action="`+dpath+`"`)
	if strings.Contains(dp.Body, "Allocate an owner") {
		t.Errorf("the regional meeting offers a force meeting's decisions")
	}
	if !strings.Contains(dp.Body, `value="`+iom+`"`) || strings.Contains(dp.Body, `value="`+dorsetIOM+`"`) {
		t.Errorf("the officers offered to act are not Gloucestershire's alone")
	}
	tok = csrfOf(t, m)

	// Another force's officer: the store refuses, the summary says why.
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "decision": {"action"}, "action_by": {dorsetIOM},
		"notes": {"Allocate an IOM owner."}, "due_by-day": {"9"}, "due_by-month": {"12"}, "due_by-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#action_by"`, `id="action_by-error"`,
		"The officer does not belong to the force concerned", "Allocate an IOM owner.</textarea>")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "decision": {"action"}, "action_by": {iom},
		"notes": {"Allocate an IOM owner."}, "due_by-day": {"9"}, "due_by-month": {"12"}, "due_by-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, mpath+"?") || !strings.HasSuffix(loc, "#order-"+order) {
		t.Errorf("after the decision, back to %q, want the order's place on the meeting's page", loc)
	}
	m = b.get(p.Header.Get("Location"))
	wantText(t, m, "Decision recorded for RP-GLOS", "to act by 9 December 2026", "/withdraw")
	// Withdrawing with no reason: the summary's link lands on that
	// decision's box, with the error beside it.
	did := regexp.MustCompile(`/decisions/([0-9a-f-]{36})/withdraw`).FindStringSubmatch(m.Body)[1]
	p = b.post("/meetings/"+meeting+"/decisions/"+did+"/withdraw", url.Values{"csrf_token": {tok}, "reason": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#withdraw-`+did+`"`, `id="withdraw-`+did+`-error"`, `id="withdraw-`+did+`"`)
	p = b.post("/meetings/"+meeting+"/attendance", url.Values{"csrf_token": {tok}, "chair_id": {leadID},
		"others": {"Sam Shaw, Regional Organised Crime Unit"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = b.post("/meetings/"+meeting+"/sign-off", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(mpath), "Signed", "Sam Shaw (Regional Organised Crime Unit)")
	// Signed: a decision is an amendment, and says why.
	wantText(t, b.get(dpath), "Reason for the amendment", "recorded as an amendment")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "decision": {"note"}, "notes": {"Late news."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#reason"`, `id="reason-error"`, "Late news.</textarea>")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "decision": {"note"}, "notes": {"Late news."},
		"reason": {"Heard after the meeting."}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Amendment</strong> Heard after the meeting.")
	// And finds it again among the meetings.
	wantText(t, b.get("/meetings"), `id="regional-meetings"`, `href="/meetings/`+meeting+`"`)
	r := e.do(t, "GET", "/api/v1/meetings/"+meeting, e.admin, "")
	want(t, r, http.StatusOK)
	if ds := get(r.Body, "orders.0.decisions"); ds == nil || s(ds.([]any)[0], "action_by.id") != iom {
		t.Errorf("the regional decision as stored: %v", ds)
	}
	trail := e.trail(t, leadID)
	if !hasEntry(trail, "/regional-meetings/:id/orders/:order_id/decision", "alteration", 0, meeting) &&
		!hasEntry(trail, "/regional-meetings/:id/orders/:order_id/decision", "collection", 0, meeting) {
		t.Errorf("no audit entry for the regional decision")
	}

	// A force's chair does not see the region side by side; nor decide there.
	cb := e.browser(t)
	cb.signIn(chair)
	wantStatus(t, cb.get(mpath), http.StatusNotFound)
	cl := cb.get("/meetings")
	if strings.Contains(cl.Body, "Start a regional meeting") {
		t.Errorf("a force chair is offered a regional meeting")
	}
	wantStatus(t, cb.get(dpath), http.StatusForbidden)
	wantStatus(t, cb.post(dpath, url.Values{"csrf_token": {csrfOf(t, cl)}, "decision": {"note"}, "notes": {"x"}}),
		http.StatusForbidden)
}

// An escalation whose subject moved within the region since says which
// force escalated it, and offers the officers of the force it is with now.
func TestPageRegionalEscalationOfAMovedSubject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := s(e.subject(t, obj{"force": "gloucestershire"}), "id")
	order := s(e.order(t, sub, obj{"reference": "RP-MOVED"}), "id")
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	dorsetIOM := acOfficer(t, e, "dorset", "iom_officer")
	e.decideOnUnowned(t, chair, "gloucestershire", order, obj{"decision": "escalate", "notes": "Moving to Dorset."})
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "dorset"})), http.StatusOK)
	lead := e.token(t, acOfficer(t, e, "gloucestershire", "regional"))
	r := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today}))
	want(t, r, http.StatusCreated)
	b := e.browser(t)
	b.signIn(lead)
	m := b.get("/meetings/" + s(r.Body, "id"))
	wantText(t, m, "RP-MOVED", "Agenda (1 order)</h2>", "by Gloucestershire Constabulary's tasking meeting")
	wantText(t, b.get("/regional-meetings/"+s(r.Body, "id")+"/orders/"+order+"/decision"), "Officer to act (Dorset Police)",
		`value="`+dorsetIOM+`"`, "by Gloucestershire Constabulary's tasking meeting")
	// Its minutes name the region: they said "Sensitive tasking meeting: ,".
	// ... and who escalated each order, when and why (they said only
	// "Escalated").
	why := "Escalated by Gloucestershire Constabulary&#39;s tasking meeting of 25 November 2026 (No owner): Moving to Dorset."
	wantText(t, b.get("/meetings/"+s(r.Body, "id")+"/minutes"), "Regional meeting: South West, 25 November 2026", why)
	csvP := b.get("/meetings/" + s(r.Body, "id") + "/minutes.csv")
	if !strings.Contains(csvP.Body, "\nagenda,South West,2026-11-25,") ||
		!strings.Contains(csvP.Body, strings.ReplaceAll(why, "&#39;", "'")) {
		t.Errorf("the regional minutes' CSV rows lack the region or the escalation:\n%s", csvP.Body)
	}
}
