package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The order page's forms for discharge, appeal, a charge that extends the
// order, ending an interim order, and a breach's outcome.

// eventOf is the order's event of kind, as GET /orders/{id}/events answers
// it; nil when there is none.
func eventOf(t *testing.T, e *env, orderID, kind string) map[string]any {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+orderID+"/events", e.admin, "")
	want(t, r, http.StatusOK)
	var found map[string]any
	for _, it := range items(r) {
		if ev := it.(map[string]any); ev["kind"] == kind {
			found = ev
		}
	}
	return found
}

func dateOf(name, day, month, year string) url.Values {
	return url.Values{name + "-day": {day}, name + "-month": {month}, name + "-year": {year}}
}

func formOf(csrf string, parts ...url.Values) url.Values {
	out := url.Values{"csrf_token": {csrf}}
	for _, p := range parts {
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}

func TestPageDischargeEndsTheOrder(t *testing.T) {
	e := newEnv(t)
	oid := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	other := s(e.order(t, s(e.subject(t, obj{"force": "avon-and-somerset"}), "id"), nil), "id")
	b, me := e.signedIn(t, "orders_officer")
	wantText(t, b.get("/orders/"+oid), `href="/orders/`+oid+`/discharge/new"`, "Record a discharge")
	wantStatus(t, b.get("/orders/"+other+"/discharge/new"), http.StatusNotFound)

	form := b.get("/orders/" + oid + "/discharge/new")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `value="Bristol Crown Court"`)
	vals := formOf(csrfOf(t, form), dateOf("on", "24", "11", "2026"), url.Values{"court": {"Bristol Crown Court (sitting at Taunton)"}})
	p := b.post("/orders/"+oid+"/discharge", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#reason"`, "sitting at Taunton")
	if eventOf(t, e, oid, "discharged") != nil {
		t.Fatalf("a refused form recorded a discharge")
	}
	vals.Set("reason", "The subject's circumstances have changed.")
	p = b.post("/orders/"+oid+"/discharge", vals)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Discharge recorded", "Discharged")
	ev := eventOf(t, e, oid, "discharged")
	if ev == nil || s(ev, "on") != "2026-11-24" || s(ev, "court") != "Bristol Crown Court (sitting at Taunton)" {
		t.Errorf("the discharge event: %v", ev)
	}
	if r := e.do(t, "GET", "/api/v1/orders/"+oid, e.admin, ""); s(r.Body, "status") != "discharged" {
		t.Errorf("order after discharge: %s", r)
	}
	if !hasEntry(e.trail(t, me), "/orders/:id/discharge", "collection", 0, oid) {
		t.Errorf("no audit entry for the discharge")
	}
}

func TestPageAppealLodgedThenDecided(t *testing.T) {
	e := newEnv(t)
	oid := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	b, me := e.signedIn(t, "orders_officer")

	form := b.get("/orders/" + oid + "/appeals/new")
	wantStatus(t, form, http.StatusOK)
	vals := formOf(csrfOf(t, form), dateOf("lodged_on", "21", "11", "2026"),
		url.Values{"court": {"Court of Appeal (Criminal Division)"}, "grounds": {"The terms are wider than necessary."}})
	p := b.post("/orders/"+oid+"/appeals", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#appellant"`, "wider than necessary")
	vals.Set("appellant", "subject")
	p = b.post("/orders/"+oid+"/appeals", vals)
	wantStatus(t, p, http.StatusSeeOther)
	lodged := eventOf(t, e, oid, "appeal_lodged")
	if lodged == nil || s(lodged, "on") != "2026-11-21" {
		t.Fatalf("the appeal lodged: %v", lodged)
	}
	page := b.get(p.Header.Get("Location"))
	decision := "/orders/" + oid + "/appeals/" + s(lodged, "id") + "/decision"
	wantText(t, page, "Appeal recorded", `href="`+decision+`"`, "Appeal pending")
	if strings.Contains(page.Body, `id="appeal-link"`) {
		t.Errorf("a second appeal is offered while one is pending")
	}
	wantStatus(t, b.get("/orders/"+oid+"/appeals/"+s(eventOf(t, e, oid, "made"), "id")+"/decision"), http.StatusNotFound)

	form = b.get(decision)
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `value="Court of Appeal (Criminal Division)"`)
	vals = formOf(csrfOf(t, form), dateOf("decided_on", "25", "11", "2026"), url.Values{"court": {"Court of Appeal (Criminal Division)"}})
	p = b.post(decision, vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#outcome"`)
	vals.Set("outcome", "dismissed")
	p = b.post(decision, vals)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Appeal decision recorded")
	if ev := eventOf(t, e, oid, "appeal_decided"); ev == nil || s(ev, "on") != "2026-11-25" {
		t.Errorf("the appeal decided: %v", ev)
	}
	entries := e.trail(t, me)
	if !hasEntry(entries, "/orders/:id/appeals", "collection", 0, oid) ||
		!hasEntry(entries, "/orders/:id/appeals/:appeal_id/decision", "collection", 0, oid) {
		t.Errorf("the trail lacks the appeal or its decision: %v", entries)
	}
}

func TestPageChargeExtendsTheOrderThenItsOutcome(t *testing.T) {
	e := newEnv(t)
	oid := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	b, me := e.signedIn(t, "orders_officer")

	form := b.get("/orders/" + oid + "/extensions/new")
	wantStatus(t, form, http.StatusOK)
	vals := formOf(csrfOf(t, form), dateOf("charged_on", "18", "11", "2026"),
		url.Values{"charge_kind": {"serious_offence"}, "court": {"Bristol Magistrates' Court"}})
	p := b.post("/orders/"+oid+"/extensions", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#offence"`, "Bristol Magistrates")
	vals.Set("offence", "Conspiracy to supply class A drugs")
	p = b.post("/orders/"+oid+"/extensions", vals)
	wantStatus(t, p, http.StatusSeeOther)
	charged := eventOf(t, e, oid, "charged")
	if charged == nil || s(charged, "on") != "2026-11-18" {
		t.Fatalf("the charge: %v", charged)
	}
	xs := items(e.do(t, "GET", "/api/v1/orders/"+oid+"/extensions", e.admin, ""))
	if len(xs) != 1 {
		t.Fatalf("extensions: %v", xs)
	}
	outcome := "/orders/" + oid + "/extensions/" + s(xs[0], "id") + "/outcome"
	wantText(t, b.get(p.Header.Get("Location")), "Charge recorded", `href="`+outcome+`"`,
		"1 November 2029, and on until the charge that extends it (s.22E) is dealt with")

	form = b.get(outcome)
	wantStatus(t, form, http.StatusOK)
	vals = formOf(csrfOf(t, form), dateOf("outcome_on", "24", "11", "2026"), url.Values{"version": {versionOf(t, form)}})
	p = b.post(outcome, vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#outcome"`)
	stale := formOf(vals.Get("csrf_token"), vals, url.Values{"outcome": {"convicted"}, "version": {"99"}})
	p = b.post(outcome, stale)
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "You changed this charge") // its recording is its latest change
	vals.Set("outcome", "convicted")
	p = b.post(outcome, vals)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Charge outcome recorded", "Record the end the court settled")
	if ev := eventOf(t, e, oid, "charge_decided"); ev == nil || s(ev, "on") != "2026-11-24" {
		t.Errorf("the charge decided: %v", ev)
	}
	entries := e.trail(t, me)
	if !hasEntry(entries, "/orders/:id/extensions", "collection", 0, oid) ||
		!hasEntry(entries, "/orders/:id/extensions/:extension_id/outcome", "alteration", 0, oid) {
		t.Errorf("the trail lacks the charge or its outcome: %v", entries)
	}
}

func TestPageInterimOrderEndedWhenTheApplicationIsRefused(t *testing.T) {
	e := newEnv(t)
	oid := s(e.create(t, "/api/v1/orders", interimBody(s(e.subject(t, nil), "id"), "2026-11-17")), "id")
	b, _ := e.signedIn(t, "orders_officer")
	wantText(t, b.get("/orders/"+oid), "End the interim order (application refused or withdrawn)")

	form := b.get("/orders/" + oid + "/discharge/new")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "The main application was refused")
	vals := formOf(csrfOf(t, form), dateOf("on", "16", "11", "2026"), url.Values{"court": {"High Court (King's Bench Division)"},
		"reason": {"The main application was refused"}})
	p := b.post("/orders/"+oid+"/discharge", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity) // before the order was made
	wantText(t, p, "There is a problem", `href="#on"`)
	vals.Set("on-day", "23")
	p = b.post("/orders/"+oid+"/discharge", vals)
	wantStatus(t, p, http.StatusSeeOther)
	if ev := eventOf(t, e, oid, "discharged"); ev == nil || s(ev, "on") != "2026-11-23" {
		t.Errorf("the interim order's end: %v", ev)
	}
	if r := e.do(t, "GET", "/api/v1/orders/"+oid, e.admin, ""); s(r.Body, "status") != "discharged" {
		t.Errorf("interim order after refusal: %s", r)
	}
}

func TestPageBreachOutcome(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	oid := s(ord, "id")
	br := e.do(t, "POST", "/api/v1/orders/"+oid+"/breaches", e.admin, js(obj{"occurred_on": "2026-11-20",
		"term_ids": []string{s(ord, "terms.0.id")}, "description": "Found with three phones.", "action": "arrest"}))
	want(t, br, http.StatusCreated)
	b, me := e.signedIn(t, "iom_officer")
	outcome := "/orders/" + oid + "/breaches/" + s(br.Body, "id") + "/outcome"
	wantText(t, b.get("/orders/"+oid), `href="`+outcome+`"`, "Breach open")

	form := b.get(outcome)
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "Found with three phones.")
	vals := formOf(csrfOf(t, form), dateOf("outcome_on", "24", "11", "2026"),
		url.Values{"action": {"charge"}, "sentence": {"12 weeks' imprisonment"}, "version": {versionOf(t, form)}})
	p := b.post(outcome, vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#outcome"`, "12 weeks")
	vals.Set("outcome", "convicted")
	p = b.post(outcome, vals)
	wantStatus(t, p, http.StatusSeeOther)
	after := b.get(p.Header.Get("Location"))
	wantText(t, after, "Breach outcome recorded")
	if strings.Contains(after.Body, `href="`+outcome+`"`) {
		t.Errorf("the decided breach is still offered for an outcome")
	}
	ev := eventOf(t, e, oid, "breach_outcome")
	if ev == nil || s(ev, "on") != "2026-11-24" || s(ev, "details.outcome") != "convicted" {
		t.Errorf("the breach outcome: %v", ev)
	}
	if !hasEntry(e.trail(t, me), "/orders/:id/breaches/:breach_id/outcome", "alteration", 0, oid) {
		t.Errorf("no audit entry for the breach outcome")
	}
}

// The order page says the end an order now runs to after a charge settled
// past its own end (it said the original end).
func TestPageOrderShowsTheEndAChargeExtendedItTo(t *testing.T) {
	e := newEnv(t)
	oid := s(e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2021-12-01", "starts_on": "2021-12-01", "duration_months": 60}), "id")
	x := e.do(t, "POST", "/api/v1/orders/"+oid+"/extensions", e.admin, js(obj{"charge_kind": "breach", "charged_on": "2026-11-20",
		"offence": "Breach of SCPO (s.25)", "court": "Bristol Magistrates' Court"}))
	want(t, x, http.StatusCreated)
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+oid+"/extensions/"+s(x.Body, "id"), e.admin,
		js(obj{"outcome": "convicted", "outcome_on": "2026-11-24", "settled_ends_on": "2027-06-01"})), http.StatusOK)
	b, _ := e.signedIn(t, "iom_officer")
	wantText(t, b.get("/orders/"+oid), "1 December 2021 to 1 June 2027, extended from 1 December 2026 by a charge (s.22E)")
}
