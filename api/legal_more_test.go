package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Interim orders, organisations as subjects, electronic monitoring ending
// and the conviction of a Crown Court order, through the API.

func interimBody(subjectID, madeOn string) obj {
	return with(orderBody(subjectID), obj{"court": "High Court (King's Bench Division)", "court_type": "high",
		"interim": true, "made_on": madeOn, "starts_on": madeOn, "duration_months": nil, "served_at_hearing": nil})
}

func TestInterimOrderUnservedOnDay8NotDay7(t *testing.T) {
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	interim := e.create(t, "/api/v1/orders", interimBody(sub, "2026-11-17"))
	id := s(interim, "id")
	if s(interim, "interim") != "true" || get(interim, "ends_on") != nil || s(interim, "status") != "active" {
		t.Fatalf("interim order: %v", interim)
	}
	// Day 7 (2026-11-24): notice may still be served.
	vwRun(t, e, "lifecycle-sweep", "2026-11-24")
	if f := llOpenFlags(t, e, id); len(f) != 0 {
		t.Errorf("flags on day 7: %v", f)
	}
	// Day 8: flagged, and not also as not_served.
	vwRun(t, e, "lifecycle-sweep", today)
	if f := llOpenFlags(t, e, id); !slices.Equal(f, []string{"interim_unserved"}) {
		t.Errorf("flags on day 8: %v", f)
	}
	// An interim order made a day later is on day 7 today.
	later := s(e.create(t, "/api/v1/orders", interimBody(s(e.subject(t, nil), "id"), "2026-11-18")), "id")
	vwRun(t, e, "lifecycle-sweep", today)
	if f := llOpenFlags(t, e, later); len(f) != 0 {
		t.Errorf("flags of an interim order on day 7: %v", f)
	}

	// Interim orders are made by the High Court pending an application there.
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(interimBody(sub, "2026-11-20"), obj{"court_type": "crown"}))),
		http.StatusUnprocessableEntity, "court_type")
	// A full order still needs its end.
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(interimBody(sub, "2026-11-20"), obj{"interim": false}))),
		http.StatusUnprocessableEntity, "ends_on")

	// The application is decided: the full order replaces the interim one.
	fullBody := with(orderBody(sub), obj{"court": "High Court (King's Bench Division)", "court_type": "high",
		"made_on": today, "starts_on": today, "interim_order_id": id})
	full := e.create(t, "/api/v1/orders", fullBody)
	if s(full, "interim_order_id") != id || s(full, "interim") != "false" {
		t.Errorf("full order: %v", full)
	}
	r := e.do(t, "GET", "/api/v1/orders/"+id, e.admin, "")
	if s(r.Body, "status") != "discharged" || s(r.Body, "ended_on") != today || s(r.Body, "replaced_by") != s(full, "id") ||
		len(vwStrings(get(r.Body, "open_flags"))) != 0 {
		t.Errorf("interim order after the full order: %s", r)
	}
	if kinds := llKinds(t, e, id); !slices.Equal(kinds, []string{"made", "in_force", "replaced"}) {
		t.Errorf("interim timeline: %v", kinds)
	}
	// Replaced once only; only an interim order can be replaced.
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(fullBody, obj{"reference": "HC-2"}))),
		http.StatusUnprocessableEntity, "interim_order_id")
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(fullBody, obj{"reference": "HC-3", "interim_order_id": s(full, "id")}))),
		http.StatusUnprocessableEntity, "interim_order_id")
	// Whether an order is interim does not change.
	wantFields(t, e.do(t, "PATCH", "/api/v1/orders/"+later, e.admin, js(obj{"interim": false, "duration_months": 12})),
		http.StatusUnprocessableEntity, "interim")
}

func TestOrganisationSubjectIsSweptLikeAnyOther(t *testing.T) {
	e := newEnv(t)
	org := obj{"kind": "body_corporate", "name": "Severn Haulage Ltd", "registration_number": "01234567",
		"registered_address": "Unit 4, Quay Street, Gloucester GL1 2AB", "force": "gloucestershire"}
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(with(org, obj{"date_of_birth": "1990-01-01", "pnc_id": "2012/0345678U",
		"registered_address": nil}))), http.StatusUnprocessableEntity, "date_of_birth", "pnc_id", "registered_address")
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(with(subjectBody(), obj{"name": "Dean Carter"}))),
		http.StatusUnprocessableEntity, "name")
	sub := e.create(t, "/api/v1/subjects", org)
	if s(sub, "kind") != "body_corporate" || get(sub, "date_of_birth") != nil || get(sub, "pnc_id") != nil ||
		s(sub, "name") != "Severn Haulage Ltd" || s(sub, "registration_number") != "01234567" {
		t.Fatalf("organisation: %v", sub)
	}
	// Two organisations hold no PNC ID and do not clash.
	e.create(t, "/api/v1/subjects", with(org, obj{"name": "Severn Haulage (Wales) Ltd", "registration_number": nil}))
	r := e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, js(obj{"registered_address": "1 New Street, Gloucester GL1 1AA"}))
	want(t, r, http.StatusOK)
	if s(r.Body, "registered_address") != "1 New Street, Gloucester GL1 1AA" || s(r.Body, "name") != "Severn Haulage Ltd" {
		t.Errorf("organisation patched: %s", r)
	}
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, js(obj{"kind": "individual"})),
		http.StatusUnprocessableEntity, "kind")

	// Its order is owned, flagged and reported like any other.
	ord := e.order(t, s(sub, "id"), nil)
	if s(ord, "subject_name") != "Severn Haulage Ltd" {
		t.Errorf("order's subject name: %q", s(ord, "subject_name"))
	}
	vwRun(t, e, "ownership-sweep", today)
	if !slices.Contains(llOpenFlags(t, e, s(ord, "id")), "unowned") {
		t.Errorf("an unowned order of an organisation is not flagged: %v", llOpenFlags(t, e, s(ord, "id")))
	}
	fl := e.do(t, "GET", "/api/v1/flags?kind=unowned&status=open", e.admin, "")
	want(t, fl, http.StatusOK)
	found := false
	for _, it := range items(fl) {
		if s(it, "order_id") == s(ord, "id") {
			found = s(it, "subject_name") == "Severn Haulage Ltd"
		}
	}
	if !found {
		t.Errorf("the flag does not name the organisation: %s", fl)
	}
}

func TestEMEndingWithinThePolicysWindow(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	id := s(ord, "id")
	want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/variations", e.admin, js(obj{"applicant": "applicant_authority",
		"court": "Bristol Crown Court", "heard_on": "2026-11-20", "outcome": "granted",
		"terms_added": []obj{{"category": "electronic_monitoring", "text": "Wear a GPS tag.", "starts_on": "2026-11-20",
			"ends_on": "2026-12-10", "monitoring": obj{"responsible_person": "EMS (HMPPS)", "duties": "Charge the tag daily."}}}})),
		http.StatusCreated)
	// 15 days left, within the default 42.
	vwRun(t, e, "lifecycle-sweep", today)
	if !slices.Contains(llOpenFlags(t, e, id), "em_ending") {
		t.Fatalf("no em_ending 15 days before the end: %v", llOpenFlags(t, e, id))
	}
	fl := e.do(t, "GET", "/api/v1/flags?kind=em_ending&status=open&order_id="+id, e.admin, "")
	if its := items(fl); len(its) != 1 || s(its[0], "details.days_left") != "15" || s(its[0], "details.responsible_person") != "EMS (HMPPS)" {
		t.Errorf("em_ending flag: %s", fl)
	}
	// A force that warns a week ahead: not yet.
	want(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin, js(obj{"em_warning_days": 7})), http.StatusOK)
	vwRun(t, e, "lifecycle-sweep", today)
	if slices.Contains(llOpenFlags(t, e, id), "em_ending") {
		t.Errorf("em_ending open outside a 7-day window")
	}
	wantFields(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin, js(obj{"em_warning_days": 400})),
		http.StatusUnprocessableEntity, "em_warning_days")
}

func TestConvictionOfACrownCourtOrder(t *testing.T) {
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	conv := obj{"offences": []string{"Conspiracy to supply a controlled drug of class A"}, "convicted_on": "2026-09-14",
		"court": "Bristol Crown Court"}
	ord := e.order(t, sub, obj{"conviction": conv})
	if s(ord, "conviction.offences.0") != "Conspiracy to supply a controlled drug of class A" || s(ord, "conviction.convicted_on") != "2026-09-14" {
		t.Errorf("conviction: %v", ord)
	}
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(orderBody(sub), obj{"conviction": with(conv, obj{"convicted_on": "2026-10-21", "offences": []string{}})}))),
		http.StatusUnprocessableEntity, "conviction.convicted_on", "conviction.offences")
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(orderBody(sub), obj{"court_type": "high", "conviction": conv}))),
		http.StatusUnprocessableEntity, "conviction")
	// A patch keeps it unless it is given.
	r := e.do(t, "PATCH", "/api/v1/orders/"+s(ord, "id"), e.admin, js(obj{"review_interval_days": 60}))
	want(t, r, http.StatusOK)
	if s(r.Body, "conviction.court") != "Bristol Crown Court" {
		t.Errorf("conviction after a patch: %s", r)
	}
}

// The officers who managed an interim order go on managing the full order
// that replaces it: it is not left unowned the day it is made.
func TestFullOrderKeepsTheInterimOrdersOwners(t *testing.T) {
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	interim := s(e.create(t, "/api/v1/orders", interimBody(sub, "2026-11-17")), "id")
	iom, lro := e.officer(t, "iom_officer"), e.officer(t, "lro")
	for role, officer := range map[string]string{"iom": iom, "lro": lro} {
		want(t, e.do(t, "PUT", "/api/v1/orders/"+interim+"/owners/"+role, e.admin,
			js(obj{"officer_id": officer, "reason": "Allocated at tasking."})), http.StatusOK)
	}
	full := e.create(t, "/api/v1/orders", with(orderBody(sub), obj{"court": "High Court (King's Bench Division)",
		"court_type": "high", "made_on": today, "starts_on": today, "interim_order_id": interim}))
	if s(full, "owners.iom.id") != iom || s(full, "owners.lro.id") != lro || get(full, "owners.orders_officer") != nil {
		t.Errorf("the full order's owners: %v", get(full, "owners"))
	}
	r := e.do(t, "GET", "/api/v1/orders/"+s(full, "id")+"/owners/history", e.admin, "")
	want(t, r, http.StatusOK)
	if its := items(r); len(its) != 2 || !strings.Contains(s(its[0], "reason"), "carried over from interim order") {
		t.Errorf("the full order's owner history: %s", r)
	}
	// The interim order keeps its owners as they were when it ended.
	r = e.do(t, "GET", "/api/v1/orders/"+interim, e.admin, "")
	if s(r.Body, "owners.iom.id") != iom {
		t.Errorf("the interim order's owners: %s", r)
	}
}
