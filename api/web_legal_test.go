package api_test

import (
	"net/http"
	"net/url"
	"scpo/domain"
	"slices"
	"strings"
	"testing"
)

// The order page's legal history: the events, the terms in force on a day,
// and the forms for service, a variation and a breach.

func TestPageOrdersOfficerRecordsAVariationThenABreach(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), obj{"made_on": "2026-10-20", "conviction": obj{"offences": []string{"Money laundering"},
		"convicted_on": "2026-10-01", "court": "Bristol Crown Court"}})
	oid := s(ord, "id")
	termID := s(ord, "terms.0.id")
	other := e.order(t, s(e.subject(t, obj{"force": "avon-and-somerset"}), "id"), nil)
	b, me := e.signedIn(t, "orders_officer")

	page := b.get("/orders/" + oid)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page, "Legal history", "Made on conviction for", "Money laundering", "Record a variation", "Record a breach",
		"Terms binding the subject on 25 November 2026", "Not to possess more than one mobile phone.")
	wantStatus(t, b.get("/orders/"+s(other, "id")+"/variations/new"), http.StatusNotFound)

	// A variation with no term chosen: the summary links to the choice.
	form := b.get("/orders/" + oid + "/variations/new")
	wantStatus(t, form, http.StatusOK)
	csrf := csrfOf(t, form)
	vary := url.Values{"csrf_token": {csrf}, "applicant": {"subject"}, "court": {"Bristol Crown Court"},
		"heard_on-day": {"20"}, "heard_on-month": {"11"}, "heard_on-year": {"2026"}, "outcome": {"granted_in_part"},
		"text": {"Not to possess more than two mobile phones, one for work."}}
	p := b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#term_id"`, "one for work")
	vary.Set("term_id", termID)
	p = b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusSeeOther)
	after := b.get(p.Header.Get("Location"))
	wantText(t, after, "Variation recorded", "Varied", "20 November 2026", "one for work")
	// The terms on an earlier day are the wording then.
	before := b.get("/orders/" + oid + "?on-day=10&on-month=11&on-year=2026")
	wantText(t, before, "Terms binding the subject on 10 November 2026", "Not to possess more than one mobile phone.")
	if on := before.Body[strings.Index(before.Body, `id="terms-on"`):strings.Index(before.Body, `id="events"`)]; strings.Contains(on, "one for work") ||
		!strings.Contains(on, "Not to possess more than one mobile phone.") {
		t.Errorf("the terms on 10 November show the varied wording")
	}
	// A day that does not exist is kept under its error, with no terms:
	// it showed today's under "Terms binding the subject on" today.
	bad := b.get("/orders/" + oid + "?on-day=31&on-month=2&on-year=2026")
	wantText(t, bad, `href="#on"`, `name="on-day" type="text" inputmode="numeric" value="31"`)
	if strings.Contains(bad.Body, "Terms binding the subject on") {
		t.Errorf("a day that does not exist shows another day's terms")
	}

	// A breach on 22 November names the varied term.
	form = b.get("/orders/" + oid + "/breaches/new")
	wantStatus(t, form, http.StatusOK)
	breach := url.Values{"csrf_token": {csrfOf(t, form)}, "occurred_on-day": {"22"}, "occurred_on-month": {"11"},
		"occurred_on-year": {"2026"}, "description": {"Found with three phones at a home visit."}, "action": {"arrest"},
		"outcome": {"pending"}}
	p = b.post("/orders/"+oid+"/breaches", breach)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#term_ids"`, "Found with three phones")
	// The term ticked stays ticked when another field sends the form back.
	breach["term_ids"] = []string{termID}
	breach.Set("action", "")
	p = b.post("/orders/"+oid+"/breaches", breach)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#action"`, `value="`+termID+`" checked>`,
		"Choose the action taken (none, warning, arrest, charge or summons)")
	breach.Set("action", "arrest")
	p = b.post("/orders/"+oid+"/breaches", breach)
	wantStatus(t, p, http.StatusSeeOther)
	// The order's page says what the breach was, which term, and how it stands.
	wantText(t, b.get(p.Header.Get("Location")), "Breach recorded", "Breach recorded", "Breach open",
		"Found with three phones at a home visit.", "Arrest; <strong class=\"govuk-tag govuk-tag--red\">Outcome pending</strong>",
		"(version 2)")
	r := e.do(t, "GET", "/api/v1/orders/"+oid+"/breaches", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "terms.0.version") != "2" {
		t.Errorf("the breach does not name the varied version: %s", r)
	}

	// Service: recorded delivery needs the address.
	form = b.get("/orders/" + oid + "/service/new")
	p = b.post("/orders/"+oid+"/service", url.Values{"csrf_token": {csrfOf(t, form)}, "method": {"recorded_delivery"},
		"served_on-day": {"21"}, "served_on-month": {"11"}, "served_on-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#address"`)

	entries := e.trail(t, me)
	if !hasEntry(entries, "/orders/:id/variations", "collection", 0, oid) || !hasEntry(entries, "/orders/:id/breaches", "collection", 0, oid) {
		t.Errorf("the trail lacks the variation or the breach: %v", entries)
	}
}

// A term renewed by a variation gets its new end on the form: varied with
// its old dates (ended before the hearing) it could never bind, and the
// form, which had no date, made such versions silently.
func TestPageVariationRenewsATermsEnd(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"terms": []obj{{"category": "travel", "text": "To stay in Gloucestershire.",
		"starts_on": "2026-11-01", "ends_on": "2026-11-10"}}})
	oid, termID := s(ord, "id"), s(ord, "terms.0.id")
	b, _ := e.signedIn(t, "orders_officer")
	wantText(t, b.get("/orders/"+oid), `href="/orders/`+oid+`/variations/new?term_id=`+termID+`"`)
	form := b.get("/orders/" + oid + "/variations/new?term_id=" + termID)
	wantStatus(t, form, http.StatusOK)
	// Opened from the term: chosen, its wording ready to edit.
	wantText(t, form, "The term is in force until (optional)", `value="`+termID+`" checked`,
		`name="text" rows="3">To stay in Gloucestershire.</textarea>`)
	vary := url.Values{"csrf_token": {csrfOf(t, form)}, "applicant": {"applicant_authority"}, "court": {"Bristol Crown Court"},
		"heard_on-day": {"20"}, "heard_on-month": {"11"}, "heard_on-year": {"2026"}, "outcome": {"granted"},
		"term_id": {termID}, "text": {"To stay in Gloucestershire, renewed."}}
	p := b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#term_ends_on"`, "would never bind")
	vary.Set("term_ends_on-day", "20")
	vary.Set("term_ends_on-month", "5")
	vary.Set("term_ends_on-year", "2027")
	wantStatus(t, b.post("/orders/"+oid+"/variations", vary), http.StatusSeeOther)
	r := e.do(t, "GET", "/api/v1/orders/"+oid+"/terms?on=2026-12-01", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "text") != "To stay in Gloucestershire, renewed." || s(its[0], "ends_on") != "2027-05-20" {
		t.Errorf("the renewed term on 1 December: %s", r)
	}
}

// An electronic monitoring requirement renewed at a hearing runs up to 12
// months from the renewal (s.5B): the form takes the term's new start as
// well as its new end. Without the start, the renewal is measured from the
// first imposition and refused, naming the field to fill.
func TestPageVariationRenewsMonitoringFromTheHearing(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"terms": []obj{{"category": "electronic_monitoring",
		"text": "To wear an electronic tag.", "starts_on": "2026-11-01", "ends_on": "2026-12-10",
		"monitoring": obj{"responsible_person": "EMS (HMPPS)", "duties": "Charge the tag daily."}}}})
	oid, termID := s(ord, "id"), s(ord, "terms.0.id")
	b, _ := e.signedIn(t, "orders_officer")
	form := b.get("/orders/" + oid + "/variations/new")
	wantText(t, form, "The term is in force from (optional)")
	vary := url.Values{"csrf_token": {csrfOf(t, form)}, "applicant": {"applicant_authority"}, "court": {"Bristol Crown Court"},
		"heard_on-day": {"20"}, "heard_on-month": {"11"}, "heard_on-year": {"2026"}, "outcome": {"granted"},
		"term_id": {termID}, "text": {"To wear an electronic tag, renewed."},
		"term_ends_on-day": {"20"}, "term_ends_on-month": {"11"}, "term_ends_on-year": {"2027"}}
	p := b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#term_ends_on"`, "at most 12 months")
	vary.Set("term_starts_on-day", "31")
	vary.Set("term_starts_on-month", "11")
	vary.Set("term_starts_on-year", "2026")
	p = b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#term_starts_on"`)
	vary.Set("term_starts_on-day", "20")
	wantStatus(t, b.post("/orders/"+oid+"/variations", vary), http.StatusSeeOther)
	r := e.do(t, "GET", "/api/v1/orders/"+oid+"/terms?on=2026-11-21", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "starts_on") != "2026-11-20" || s(its[0], "ends_on") != "2027-11-20" ||
		s(its[0], "monitoring.responsible_person") != "EMS (HMPPS)" {
		t.Errorf("the renewed requirement on 21 November: %s", r)
	}
}

// A non-compliant check asks for a breach decision, and the pages make
// it: the check's row offers to record the breach found at it (the form
// names the check, so the flag closes) or to record why it was no breach.
// The breach form had no way to name the check, so a breach recorded on
// the page left "breach decision due" open for good.
func TestPageBreachDecisionFromTheCheck(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	oid, termID := s(ord, "id"), s(ord, "terms.0.id")
	path := "/api/v1/orders/" + oid
	check := func() string {
		r := e.do(t, "POST", path+"/checks", e.admin, js(obj{"kind": "device", "due_on": "2026-11-20"}))
		want(t, r, http.StatusCreated)
		want(t, e.do(t, "PATCH", path+"/checks/"+s(r.Body, "id"), e.admin,
			js(obj{"completed_on": "2026-11-21", "outcome": "non_compliant", "notes": "Second phone found."})), http.StatusOK)
		return s(r.Body, "id")
	}
	first := check()
	b, _ := e.signedIn(t, "iom_officer")
	page := b.get("/orders/" + oid)
	wantText(t, page, "Breach decision due", "/orders/"+oid+"/breaches/new?found_by_check="+first,
		"/orders/"+oid+"/checks/"+first+"/no-breach")

	form := b.get("/orders/" + oid + "/breaches/new?found_by_check=" + first)
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "Found at the", "21 November 2026", `name="found_by_check" value="`+first+`"`)
	breach := url.Values{"csrf_token": {csrfOf(t, form)}, "found_by_check": {first}, "occurred_on-day": {"21"},
		"occurred_on-month": {"11"}, "occurred_on-year": {"2026"}, "description": {"A second phone at a home visit."},
		"action": {"warning"}, "outcome": {"pending"}}
	p := b.post("/orders/"+oid+"/breaches", breach)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `name="found_by_check" value="`+first+`"`) // kept when the form comes back
	breach["term_ids"] = []string{termID}
	wantStatus(t, b.post("/orders/"+oid+"/breaches", breach), http.StatusSeeOther)
	if f := llOpenFlags(t, e, oid); slices.Contains(f, "breach_decision_due") {
		t.Errorf("a breach recorded from the check left breach_decision_due open: %v", f)
	}
	wantText(t, b.get("/orders/"+oid), "Breach recorded")

	second := check()
	nb := b.get("/orders/" + oid + "/checks/" + second + "/no-breach")
	wantStatus(t, nb, http.StatusOK)
	p = b.post("/orders/"+oid+"/checks/"+second+"/no-breach", url.Values{"csrf_token": {csrfOf(t, nb)}, "reason": {" "}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#reason"`)
	wantStatus(t, b.post("/orders/"+oid+"/checks/"+second+"/no-breach",
		url.Values{"csrf_token": {csrfOf(t, nb)}, "reason": {"The phone was his partner's."}}), http.StatusSeeOther)
	if f := llOpenFlags(t, e, oid); slices.Contains(f, "breach_decision_due") {
		t.Errorf("no breach recorded on the page left breach_decision_due open: %v", f)
	}
	wantText(t, b.get("/orders/"+oid), "No breach: The phone was his partner&#39;s.")
	// A check that is not this order's, or was compliant, has no such form.
	wantStatus(t, b.get("/orders/"+oid+"/checks/"+s(ord, "id")+"/no-breach"), http.StatusNotFound)
	wantStatus(t, b.get("/orders/"+oid+"/breaches/new?found_by_check=nonsense"), http.StatusNotFound)
}

// A discharged order's page and export say when and why it ended: they
// said it was in force to its old end, and showed neither.
func TestPageEndedOrderSaysWhenItEnded(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	oid := s(ord, "id")
	want(t, e.do(t, "POST", "/api/v1/orders/"+oid+"/discharge", e.admin, js(obj{"court": "Bristol Crown Court",
		"on": "2026-11-24", "reason": "Discharged on the subject's application (s.18)."})), http.StatusCreated)
	b, _ := e.signedIn(t, "iom_officer")
	p := b.get("/orders/" + oid)
	wantStatus(t, p, http.StatusOK)
	inForce := p.Body[strings.Index(p.Body, `id="order-in-force"`):]
	inForce = inForce[:strings.Index(inForce, "</dd>")]
	if !strings.Contains(inForce, "1 November 2026 to 24 November 2026 (Discharged; it was to run to 1 November 2029)") ||
		!strings.Contains(inForce, "it was to run to") {
		t.Errorf("in force: %s", inForce)
	}
	wantText(t, p, `id="order-ended">24 November 2026: Discharged on the subject&#39;s application (s.18).`)
	// The timeline reads the order's legal life with the rest.
	tl := p.Body[strings.Index(p.Body, `id="timeline"`):]
	if !strings.Contains(tl, "Discharged (Bristol Crown Court)") {
		t.Errorf("the timeline lacks the discharge: %s", tl[:min(len(tl), 2000)])
	}
	x := e.do(t, "GET", "/api/v1/subjects/"+s(ord, "subject_id")+"/export?format=html", e.admin, "")
	want(t, x, http.StatusOK)
	if !strings.Contains(x.String(), "1 November 2026 to 24 November 2026 (Discharged; it was to run to") {
		t.Errorf("the export's in force line: %s", x)
	}
}

// The variation page offers every kind of term the contract has, records
// when the application was made, and can record a term the court removed.
func TestPageVariationRemovesATermAndOffersEveryKind(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"terms": []obj{
		{"category": "communications", "text": "Not to possess more than one mobile phone."},
		{"category": "travel", "text": "To stay in Gloucestershire."}}})
	oid, travel := s(ord, "id"), s(ord, "terms.1.id")
	b, _ := e.signedIn(t, "orders_officer")
	form := b.get("/orders/" + oid + "/variations/new")
	for _, c := range domain.TermCategories {
		wantText(t, form, `<option value="`+c+`"`)
	}
	vary := url.Values{"csrf_token": {csrfOf(t, form)}, "applicant": {"subject"}, "court": {"Bristol Crown Court"},
		"applied_on-day": {"2"}, "applied_on-month": {"11"}, "applied_on-year": {"2026"},
		"heard_on-day": {"20"}, "heard_on-month": {"11"}, "heard_on-year": {"2026"}, "outcome": {"granted"},
		"term_id": {"new"}, "remove": {"yes"}}
	p := b.post("/orders/"+oid+"/variations", vary)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#remove"`)
	vary.Set("term_id", travel)
	wantStatus(t, b.post("/orders/"+oid+"/variations", vary), http.StatusSeeOther)
	r := e.do(t, "GET", "/api/v1/orders/"+oid, e.admin, "")
	if its := get(r.Body, "terms").([]any); len(its) != 1 || s(its[0], "category") != "communications" {
		t.Errorf("the order's terms after the travel term was removed: %v", get(r.Body, "terms"))
	}
	ev := e.do(t, "GET", "/api/v1/orders/"+oid+"/events", e.admin, "")
	if !strings.Contains(ev.String(), `"applied_on":"2026-11-02"`) {
		t.Errorf("the variation's application date: %s", ev)
	}
}

// A charge's page, once its outcome is in, asks only for the settled end,
// and keeps that heading when it comes back with an error.
func TestPageSettledEndKeepsItsHeading(t *testing.T) {
	e := newEnv(t)
	path, x := chargedOrder(t, e, today)
	b, _ := e.signedIn(t, "orders_officer")
	page := strings.TrimPrefix(path, "/api/v1") + "/extensions/" + x + "/outcome"
	form := b.get(page)
	wantText(t, form, "<h1 class=\"govuk-heading-l\">Record the end the court settled</h1>")
	p := b.post(page, url.Values{"csrf_token": {csrfOf(t, form)}, "outcome": {"convicted"}, "version": {"2"},
		"settled_ends_on-day": {"31"}, "settled_ends_on-month": {"2"}, "settled_ends_on-year": {"2027"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "<h1 class=\"govuk-heading-l\">Record the end the court settled</h1>")
}

// An order expired at its charge's outcome, its end not yet settled, says
// so on its page and on the force's agenda, with the way to record it.
func TestPageEndToSettleOutlivesTheExpiry(t *testing.T) {
	e := newEnv(t)
	path, x := chargedOrder(t, e, "2026-11-20")
	vwRun(t, e, "lifecycle-sweep", today)
	b, _ := e.signedIn(t, "orders_officer")
	order := strings.TrimPrefix(path, "/api/v1")
	p := b.get(order)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, domain.FlagName(domain.FlagExtensionToSettle), order+"/extensions/"+x+"/outcome")
	chair, _ := e.signedIn(t, "tasking_chair")
	agenda := chair.get("/tasking?force=gloucestershire")
	wantStatus(t, agenda, http.StatusOK)
	wantText(t, agenda, domain.FlagName(domain.FlagExtensionToSettle), order)
}

// A charge whose end is settled says so on its page, with no form (it
// said the end was still to record and offered a form that was refused).
func TestPageSettledChargeShowsItsEnd(t *testing.T) {
	e := newEnv(t)
	path, x := chargedOrder(t, e, today)
	want(t, e.do(t, "PATCH", path+"/extensions/"+x, e.admin, js(obj{"settled_ends_on": "2027-01-31"})), http.StatusOK)
	b, _ := e.signedIn(t, "orders_officer")
	p := b.get(strings.TrimPrefix(path, "/api/v1") + "/extensions/" + x + "/outcome")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "the court settled the order's end: 31 January 2027")
	if strings.Contains(p.Body, `id="record-charge-outcome"`) || strings.Contains(p.Body, "still to record") {
		t.Errorf("a settled charge's page still offers the form")
	}
}
