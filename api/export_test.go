package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A subject access request: everything held, as JSON and as a printable
// page, each recorded as a disclosure; an officer who is not an admin or
// auditor is refused, and a subject out of view is not found.
func TestSubjectExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, obj{"last_name": "Exported", "custody": inCustody("2027-01-10")})
	id := s(sub, "id")
	o := e.order(t, id, obj{"commencement": "on_release", "starts_on": nil})
	iom := e.officer(t, "iom_officer")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(o, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated at tasking."})), http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/orders/"+s(o, "id")+"/reviews", e.admin,
		js(obj{"reviewed_on": "2026-11-20", "kind": "pre_release", "outcome": "concerns", "notes": "Contact with <b>associates</b>."})),
		http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/orders/"+s(o, "id")+"/checks", e.admin,
		js(obj{"kind": "device", "due_on": "2026-12-01"})), http.StatusCreated)
	other := e.subject(t, obj{"last_name": "NotExported"})
	e.order(t, s(other, "id"), nil)

	r := e.do(t, "GET", "/api/v1/subjects/"+id+"/export", e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "subject.id") != id || s(r.Body, "custody_history.0.establishment") != "HMP Bristol" ||
		len(get(r.Body, "orders").([]any)) != 1 || s(r.Body, "orders.0.order.id") != s(o, "id") ||
		s(r.Body, "orders.0.owner_history.0.officer.id") != iom || s(r.Body, "orders.0.reviews.0.outcome") != "concerns" ||
		s(r.Body, "orders.0.checks.0.kind") != "device" {
		t.Errorf("export: %s", r)
	}
	if strings.Contains(string(r.Raw), "NotExported") {
		t.Errorf("the export carries another subject: %s", r)
	}

	page := e.do(t, "GET", "/api/v1/subjects/"+id+"/export", e.admin, "", "Accept", "text/html")
	want(t, page, http.StatusOK)
	body := string(page.Raw)
	if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Exported") ||
		!strings.Contains(body, "&lt;b&gt;associates&lt;/b&gt;") || strings.Contains(body, "<script") ||
		!strings.Contains(page.Header.Get("Content-Security-Policy"), "style-src 'sha256-") {
		t.Errorf("printable page: %s %s", page.Header, body)
	}
	if q := e.do(t, "GET", "/api/v1/subjects/"+id+"/export?format=html", e.admin, ""); !strings.HasPrefix(q.Header.Get("Content-Type"), "text/html") {
		t.Errorf("format=html: %s", q.Header)
	}

	auditor := e.token(t, acOfficer(t, e, "", "auditor"))
	want(t, e.do(t, "GET", "/api/v1/subjects/"+id+"/export", auditor, ""), http.StatusOK)
	trail := e.do(t, "GET", "/api/v1/audit?subject="+id+"&action=disclosure", auditor, "")
	if len(items(trail)) != 4 || s(items(trail)[0], "route") != "/api/v1/subjects/:id/export" ||
		s(items(trail)[0], "purpose") != "subject access request (DPA 2018 s.45)" ||
		!strings.Contains(s(items(trail)[0], "records"), s(o, "id")) {
		t.Errorf("disclosures on the trail: %s", trail)
	}

	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+id+"/export", e.token(t, iom), ""), http.StatusForbidden)
	kentAdmin := e.token(t, acOfficer(t, e, "kent", "admin"))
	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+id+"/export", kentAdmin, ""), http.StatusNotFound)
}

// A subject access export carries the legal history too: every version of
// the terms, the order's timeline (a variation refused, naming a third
// party's application), the charges that extended it and its breaches.
// It carried only owners, reviews, checks, flags and decisions.
func TestSubjectExportCarriesTheLegalHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), obj{"made_on": "2025-01-10", "starts_on": "2025-01-10"})
	path := "/api/v1/orders/" + s(o, "id")
	term := s(o, "terms.0.id")
	want(t, e.do(t, "POST", path+"/variations", e.admin, js(obj{"applicant": "third_party", "applicant_name": "Mrs X",
		"court": "Bristol Crown Court", "heard_on": "2026-01-10", "outcome": "refused"})), http.StatusCreated)
	want(t, e.do(t, "POST", path+"/variations", e.admin, js(obj{"applicant": "applicant_authority", "court": "Bristol Crown Court",
		"heard_on": "2026-03-01", "outcome": "granted",
		"terms_changed": []obj{{"id": term, "category": "communications", "text": "Two phones, both notified."}}})), http.StatusCreated)
	want(t, e.do(t, "POST", path+"/breaches", e.admin, js(obj{"occurred_on": "2026-11-01", "term_ids": []string{term},
		"description": "Went to Spain with a third phone.", "action": "arrest", "outcome": "pending"})), http.StatusCreated)
	want(t, e.do(t, "POST", path+"/extensions", e.admin, js(obj{"charge_kind": "breach", "charged_on": "2026-11-02",
		"offence": "Breach of SCPO (s.25)", "court": "Bristol Magistrates' Court"})), http.StatusCreated)

	r := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id")+"/export", e.admin, "")
	want(t, r, http.StatusOK)
	x := get(r.Body, "orders.0").(map[string]any)
	if n := len(get(x, "term_versions").([]any)); n != 2 {
		t.Errorf("%d term versions, want the original and the varied one: %v", n, get(x, "term_versions"))
	}
	kinds := map[string]bool{}
	for _, ev := range get(x, "events").([]any) {
		kinds[s(ev, "kind")] = true
	}
	for _, k := range []string{"made", "variation_refused", "varied", "breach_recorded", "charged"} {
		if !kinds[k] {
			t.Errorf("the exported timeline lacks %s: %v", k, kinds)
		}
	}
	if s(x, "breaches.0.description") != "Went to Spain with a third phone." || s(x, "extensions.0.offence") != "Breach of SCPO (s.25)" {
		t.Errorf("breaches %v, extensions %v", get(x, "breaches"), get(x, "extensions"))
	}
	page := string(e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id")+"/export?format=html", e.admin, "").Raw)
	for _, want := range []string{"Went to Spain with a third phone.", "Mrs X", "Two phones, both notified.", "Breach of SCPO (s.25)",
		// In words, for the data subject: the force by name, events and
		// their details, dates as people write them.
		"Gloucestershire Constabulary", "Breach recorded", "November 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("the printable export lacks %q", want)
		}
	}
	for _, code := range []string{">gloucestershire<", ">breach_recorded<", `{&#34;`, `[]`} {
		if i := strings.Index(page, code); i >= 0 {
			t.Errorf("the printable export shows %q: …%s…", code, page[max(0, i-120):min(len(page), i+120)])
		}
	}
}

// The printable export says whether each meeting decision stands: a
// withdrawn one printed as if it stood.
func TestSubjectExportSaysWhichDecisionsStand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	e.order(t, s(sub, "id"), nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	d := e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", e.admin,
		js(obj{"item_id": s(m.Body, "agenda.0.id"), "decision": "escalate", "notes": "Regional help."}))
	want(t, d, http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions/"+s(d.Body, "id")+"/withdraw", e.admin,
		js(obj{"reason": "Recorded against the wrong order."})), http.StatusOK)
	page := string(e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id")+"/export?format=html", e.admin, "").Raw)
	if !strings.Contains(page, "withdrawn: Recorded against the wrong order.") {
		t.Errorf("the printable export does not say the decision was withdrawn")
	}
}
