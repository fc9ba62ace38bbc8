package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The legal life of an order through the API (the legal-life issue).

func llOpenFlags(t *testing.T, e *env, order string) []string {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
	want(t, r, http.StatusOK)
	return vwStrings(get(r.Body, "open_flags"))
}

func llKinds(t *testing.T, e *env, order string) []string {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+order+"/events", e.admin, "")
	want(t, r, http.StatusOK)
	var kinds []string
	for _, it := range items(r) {
		kinds = append(kinds, s(it, "kind"))
	}
	return kinds
}

func TestVariationThenBreachNamesTheOlderVersion(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), obj{"made_on": "2024-06-10", "starts_on": "2024-07-01", "duration_months": 60,
		"terms": []obj{{"category": "communications", "text": "One phone."}, {"category": "travel", "text": "No travel abroad."}}})
	id := s(ord, "id")
	path := "/api/v1/orders/" + id
	phone := s(ord, "terms.0.id")
	if phone == "<nil>" || phone == "" {
		t.Fatalf("a term has no id: %v", ord)
	}

	// A refused application changes nothing but is kept.
	r := e.do(t, "POST", path+"/variations", e.admin, js(obj{"applicant": "subject", "court": "Bristol Crown Court",
		"heard_on": "2026-01-10", "outcome": "refused"}))
	want(t, r, http.StatusCreated)
	if s(r.Body, "kind") != "variation_refused" {
		t.Errorf("refused variation: %s", r)
	}
	// Granted: the phone term changes from 2026-03-01, travel is removed.
	r = e.do(t, "POST", path+"/variations", e.admin, js(obj{"applicant": "applicant_authority", "court": "Bristol Crown Court",
		"heard_on": "2026-03-01", "outcome": "granted_in_part",
		"terms_changed": []obj{{"id": phone, "category": "communications", "text": "Two phones, both notified."}},
		"terms_removed": []string{s(ord, "terms.1.id")}}))
	want(t, r, http.StatusCreated)

	on := func(day string) []any {
		r := e.do(t, "GET", path+"/terms?on="+day, e.admin, "")
		want(t, r, http.StatusOK)
		return items(r)
	}
	if got := on("2026-02-15"); len(got) != 2 || s(got[0], "text") != "One phone." || s(got[0], "version") != "1" {
		t.Errorf("terms on 2026-02-15: %v", got)
	}
	if got := on("2026-03-01"); len(got) != 1 || s(got[0], "text") != "Two phones, both notified." || s(got[0], "version") != "2" {
		t.Errorf("terms on 2026-03-01: %v", got)
	}
	if got := on("2024-06-20"); len(got) != 0 {
		t.Errorf("terms before the order came into force: %v", got)
	}
	if r := e.do(t, "GET", path, e.admin, ""); len(get(r.Body, "terms").([]any)) != 1 {
		t.Errorf("current terms after the variation: %s", r)
	}
	wantFields(t, e.do(t, "GET", path+"/terms?on=2026-13-01", e.admin, ""), http.StatusUnprocessableEntity, "on")

	// A breach on a day between the two versions names the older one.
	b := e.do(t, "POST", path+"/breaches", e.admin, js(obj{"occurred_on": "2026-02-15", "term_ids": []string{phone},
		"description": "Second phone found at a home visit.", "action": "arrest"}))
	want(t, b, http.StatusCreated)
	if s(b.Body, "terms.0.text") != "One phone." || s(b.Body, "terms.0.version") != "1" || s(b.Body, "outcome") != "pending" {
		t.Errorf("breach: %s", b)
	}
	// The removed term was not in force on a later day.
	wantFields(t, e.do(t, "POST", path+"/breaches", e.admin, js(obj{"occurred_on": "2026-04-01",
		"term_ids": []string{s(ord, "terms.1.id")}, "description": "Went to Spain.", "action": "none"})),
		http.StatusUnprocessableEntity, "term_ids[0]")
	if !slices.Contains(llOpenFlags(t, e, id), "breach_open") {
		t.Errorf("an open breach case raised no breach_open flag: %v", llOpenFlags(t, e, id))
	}
	agenda := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire", e.admin, "")
	if got := vwSection(agenda.Body, "breach_open"); len(got) != 1 {
		t.Errorf("agenda's breach_open section: %v", got)
	}
	// Its outcome closes it.
	r = e.do(t, "PATCH", path+"/breaches/"+s(b.Body, "id"), e.admin, js(obj{"outcome": "convicted", "outcome_on": "2026-06-01",
		"sentence": "12 months' imprisonment"}))
	want(t, r, http.StatusOK)
	if slices.Contains(llOpenFlags(t, e, id), "breach_open") {
		t.Errorf("a decided breach case left breach_open open")
	}

	kinds := llKinds(t, e, id)
	if !slices.Equal(kinds, []string{"made", "served", "in_force", "variation_refused", "breach_recorded", "varied", "breach_outcome"}) {
		t.Errorf("timeline: %v", kinds)
	}
	r = e.do(t, "GET", path+"/events", e.admin, "")
	if s(r.Body, "items.3.recorded_by.id") != e.adminID || s(r.Body, "items.3.court") != "Bristol Crown Court" {
		t.Errorf("the refused variation's event: %s", r)
	}
	v := e.do(t, "GET", path+"/terms/versions", e.admin, "")
	if len(items(v)) != 3 {
		t.Errorf("versions kept: %s", v)
	}
}

func TestNonCompliantCheckAsksForABreachDecision(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	path := "/api/v1/orders/" + s(ord, "id")
	check := func() string {
		r := e.do(t, "POST", path+"/checks", e.admin, js(obj{"kind": "device", "due_on": "2026-11-20"}))
		want(t, r, http.StatusCreated)
		id := s(r.Body, "id")
		want(t, e.do(t, "PATCH", path+"/checks/"+id, e.admin, js(obj{"completed_on": "2026-11-21", "outcome": "non_compliant"})), http.StatusOK)
		return id
	}
	first := check()
	if !slices.Contains(llOpenFlags(t, e, s(ord, "id")), "breach_decision_due") {
		t.Fatalf("no breach_decision_due after a non-compliant check: %v", llOpenFlags(t, e, s(ord, "id")))
	}
	wantFields(t, e.do(t, "POST", path+"/checks/"+first+"/no-breach", e.admin, `{"reason": " "}`), http.StatusUnprocessableEntity, "reason")
	want(t, e.do(t, "POST", path+"/checks/"+first+"/no-breach", e.admin, `{"reason": "Phone belonged to his partner."}`), http.StatusCreated)
	if slices.Contains(llOpenFlags(t, e, s(ord, "id")), "breach_decision_due") {
		t.Errorf("a no-breach decision left breach_decision_due open")
	}
	wantProblem(t, e.do(t, "POST", path+"/checks/"+first+"/no-breach", e.admin, `{"reason": "again"}`), http.StatusConflict)

	// A breach case found by the check answers it too.
	second := check()
	term := s(ord, "terms.0.id")
	want(t, e.do(t, "POST", path+"/breaches", e.admin, js(obj{"occurred_on": "2026-11-21", "term_ids": []string{term},
		"found_by_check": second, "description": "Two phones.", "action": "warning", "outcome": "no_further_action",
		"outcome_on": "2026-11-22"})), http.StatusCreated)
	if got := llOpenFlags(t, e, s(ord, "id")); slices.Contains(got, "breach_decision_due") || slices.Contains(got, "breach_open") {
		t.Errorf("flags after a closed breach case found by the check: %v", got)
	}
}

func TestServiceAndNotServed(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"served_at_hearing": nil}) // in force since 2026-11-01
	id := s(ord, "id")
	vwRun(t, e, "lifecycle-sweep", today)
	if !slices.Contains(llOpenFlags(t, e, id), "not_served") {
		t.Fatalf("an order in force with no service is not flagged: %v", llOpenFlags(t, e, id))
	}
	wantFields(t, e.do(t, "POST", "/api/v1/orders/"+id+"/service", e.admin, js(obj{"method": "recorded_delivery", "served_on": "2026-11-02"})),
		http.StatusUnprocessableEntity, "address")
	r := e.do(t, "POST", "/api/v1/orders/"+id+"/service", e.admin, js(obj{"method": "in_person", "served_on": "2026-11-02"}))
	want(t, r, http.StatusCreated)
	if s(r.Body, "kind") != "served" || s(r.Body, "details.method") != "in_person" {
		t.Errorf("service: %s", r)
	}
	if slices.Contains(llOpenFlags(t, e, id), "not_served") {
		t.Errorf("service left not_served open")
	}
}

func TestOrderChargedOnDay1820OutlivesItsFiveYears(t *testing.T) {
	e := newEnv(t)
	// In force from 2021-11-01 for five years: ends 2026-11-01.
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2021-10-20", "starts_on": "2021-11-01", "duration_months": 60})
	id := s(ord, "id")
	path := "/api/v1/orders/" + id
	x := e.do(t, "POST", path+"/extensions", e.admin, js(obj{"charge_kind": "serious_offence", "charged_on": "2026-10-26",
		"offence": "Conspiracy to supply class A drugs", "court": "Bristol Magistrates' Court"}))
	want(t, x, http.StatusCreated)
	vwRun(t, e, "lifecycle-sweep", today) // 24 days past the five years
	r := e.do(t, "GET", path, e.admin, "")
	if s(r.Body, "status") != "active" || s(r.Body, "extension_pending") != "true" {
		t.Fatalf("charged order after its end date: %s", r)
	}
	if got := e.do(t, "GET", path+"/terms?on="+today, e.admin, ""); len(items(got)) != 1 {
		t.Errorf("terms in force past five years while charged: %s", got)
	}
	// The outcome is recorded today: the order runs to it, and the court
	// is yet to settle its end.
	want(t, e.do(t, "PATCH", path+"/extensions/"+s(x.Body, "id"), e.admin, js(obj{"outcome": "convicted", "outcome_on": today})),
		http.StatusOK)
	if !slices.Contains(llOpenFlags(t, e, id), "extension_to_settle") {
		t.Errorf("no extension_to_settle after the outcome: %v", llOpenFlags(t, e, id))
	}
	vwRun(t, e, "lifecycle-sweep", today)
	r = e.do(t, "GET", path, e.admin, "")
	if s(r.Body, "status") != "active" || s(r.Body, "extended_to") != today {
		t.Errorf("on the day of the outcome: %s", r)
	}
	// The court settles its end: that day. The flag goes; as of any later
	// day the order is not live (it was, for ever, while extended_to was
	// taken to keep it so).
	want(t, e.do(t, "PATCH", path+"/extensions/"+s(x.Body, "id"), e.admin, js(obj{"settled_ends_on": today})), http.StatusOK)
	if f := llOpenFlags(t, e, id); !slices.Equal(f, []string{"expiring"}) {
		t.Errorf("flags once the end is settled (today): %v, want expiring alone", f)
	}
	later := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of=2027-06-01", e.admin, "")
	want(t, later, http.StatusOK)
	if strings.Contains(later.String(), id) {
		t.Errorf("the order is on the agenda as of 2027-06-01, after its settled end: %s", later)
	}
	kinds := llKinds(t, e, id)
	if !slices.Equal(kinds, []string{"made", "served", "in_force", "charged", "charge_decided", "charge_decided"}) {
		t.Errorf("timeline: %v", kinds)
	}
	// An extension is the only way past five years.
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(with(orderBody(s(e.subject(t, nil), "id")),
		obj{"starts_on": "2021-11-01", "made_on": "2021-10-20", "duration_months": nil, "ends_on": "2026-11-02"}))),
		http.StatusUnprocessableEntity, "ends_on")
}

func TestMonitoringRequirementAtMostTwelveMonths(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	em := func(ends string) obj {
		return obj{"applicant": "applicant_authority", "court": "Bristol Crown Court", "heard_on": today, "outcome": "granted",
			"terms_added": []obj{{"category": "electronic_monitoring", "text": "Wear a GPS tag.", "starts_on": "2026-11-25",
				"ends_on": ends, "monitoring": obj{"responsible_person": "EMS (HMPPS)", "duties": "Charge the tag daily."}}}}
	}
	wantFields(t, e.do(t, "POST", "/api/v1/orders/"+s(ord, "id")+"/variations", e.admin, js(em("2027-12-25"))),
		http.StatusUnprocessableEntity, "terms_added[0].ends_on")
	want(t, e.do(t, "POST", "/api/v1/orders/"+s(ord, "id")+"/variations", e.admin, js(em("2027-11-25"))), http.StatusCreated)
	r := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, "")
	if s(r.Body, "terms.1.monitoring.responsible_person") != "EMS (HMPPS)" {
		t.Errorf("monitoring requirement: %s", r)
	}
}

func TestDischargeAppealAndThePatchForms(t *testing.T) {
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	path := "/api/v1/orders/" + s(ord, "id")
	// PATCH terms is recorded as an amendment with its versions.
	want(t, e.do(t, "PATCH", path, e.admin, js(obj{"terms": []obj{{"category": "communications", "text": "Not to possess more than one mobile phone."},
		{"category": "travel", "text": "No travel abroad."}}})), http.StatusOK)
	if v := e.do(t, "GET", path+"/terms/versions", e.admin, ""); len(items(v)) != 2 {
		t.Errorf("versions after a PATCH adding a term: %s", v)
	}
	a := e.do(t, "POST", path+"/appeals", e.admin, js(obj{"court": "Court of Appeal", "lodged_on": "2026-11-10", "appellant": "subject"}))
	want(t, a, http.StatusCreated)
	if r := e.do(t, "GET", path, e.admin, ""); s(r.Body, "appeal_pending") != "true" {
		t.Errorf("appeal pending not shown: %s", r)
	}
	wantProblem(t, e.do(t, "POST", path+"/appeals", e.admin, js(obj{"court": "CA", "lodged_on": "2026-11-11", "appellant": "subject"})), http.StatusConflict)
	want(t, e.do(t, "POST", path+"/appeals/"+s(a.Body, "id")+"/decision", e.admin,
		js(obj{"court": "Court of Appeal", "decided_on": "2026-11-20", "outcome": "dismissed"})), http.StatusCreated)
	wantFields(t, e.do(t, "POST", path+"/discharge", e.admin, js(obj{"on": "2026-11-24"})), http.StatusUnprocessableEntity, "court", "reason")
	want(t, e.do(t, "POST", path+"/discharge", e.admin, js(obj{"court": "Bristol Crown Court", "on": "2026-11-24",
		"reason": "Discharged on the subject's application (s.18)."})), http.StatusCreated)
	r := e.do(t, "GET", path, e.admin, "")
	if s(r.Body, "status") != "discharged" || s(r.Body, "ended_on") != "2026-11-24" || s(r.Body, "appeal_pending") != "false" {
		t.Errorf("discharged: %s", r)
	}
	wantProblem(t, e.do(t, "POST", path+"/discharge", e.admin, js(obj{"court": "c", "on": "2026-11-24", "reason": "again"})), http.StatusConflict)
	kinds := llKinds(t, e, s(ord, "id"))
	if !slices.Equal(kinds, []string{"made", "served", "in_force", "appeal_lodged", "appeal_decided", "discharged", "terms_amended"}) {
		t.Errorf("timeline: %v", kinds)
	}
	// The old PATCH form of ending an order is recorded as the event too.
	other := e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+s(other, "id"), e.admin, js(obj{"status": "quashed", "ended_on": today,
		"end_reason": "Quashed on appeal."})), http.StatusOK)
	if kinds := llKinds(t, e, s(other, "id")); !slices.Equal(kinds, []string{"made", "served", "in_force", "quashed"}) {
		t.Errorf("timeline after a PATCH quashing: %v", kinds)
	}
}

// The court settles a charged order's end after the lifecycle sweep has
// expired it at the charge's outcome: the settled end is recorded, and a
// later end revives the order. It was refused (409, the order ended), so
// an order the court kept in force stood expired. Until it is recorded,
// extension_to_settle stays open and on the force's agenda: the sweep that
// expired the order took it away the day after the outcome.
func TestSettledEndRevivesAnOrderExpiredAtItsOutcome(t *testing.T) {
	e := newEnv(t)
	path, x := chargedOrder(t, e, "2026-11-20")
	vwRun(t, e, "lifecycle-sweep", today)
	if r := e.do(t, "GET", path, e.admin, ""); s(r.Body, "status") != "expired" {
		t.Fatalf("after its outcome's day: %s", r)
	}
	id := strings.TrimPrefix(path, "/api/v1/orders/")
	if f := llOpenFlags(t, e, id); !slices.Equal(f, []string{"extension_to_settle"}) {
		t.Errorf("an order expired at its charge's outcome, its end not settled: flags %v, want extension_to_settle", f)
	}
	agenda := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&section=extension_to_settle", e.admin, "")
	want(t, agenda, http.StatusOK)
	if !strings.Contains(agenda.String(), id) {
		t.Errorf("the order whose end is to settle is not on the agenda: %s", agenda)
	}
	// Another sweep, days later, leaves it open.
	vwRun(t, e, "lifecycle-sweep", today)
	if f := llOpenFlags(t, e, id); !slices.Equal(f, []string{"extension_to_settle"}) {
		t.Errorf("after a second lifecycle run: flags %v", f)
	}
	want(t, e.do(t, "PATCH", path+"/extensions/"+x, e.admin, js(obj{"settled_ends_on": "2027-05-20"})), http.StatusOK)
	r := e.do(t, "GET", path, e.admin, "")
	if s(r.Body, "status") != "active" || s(r.Body, "extended_to") != "2027-05-20" {
		t.Errorf("with its end settled later: %s", r)
	}
	if f := llOpenFlags(t, e, id); slices.Contains(f, "extension_to_settle") {
		t.Errorf("the end is settled, the flag still open: %v", f)
	}
	// The expiry stays in the order's history, and the revival follows it
	// (the expiry was read from the status, which the revival changed).
	if kinds := llKinds(t, e, id); !slices.Contains(kinds, "expired") || !slices.Contains(kinds, "revived") ||
		slices.Index(kinds, "expired") > slices.Index(kinds, "revived") {
		t.Errorf("the revived order's history: %v", kinds)
	}
	// The expiry on its day: the day after the outcome the order ran to.
	for _, ev := range items(e.do(t, "GET", path+"/events", e.admin, "")) {
		if s(ev, "kind") == "expired" && (s(ev, "on") != "2026-11-21" || s(ev, "details.ends_on") != "2026-11-20") {
			t.Errorf("the expiry event: %v", ev)
		}
	}
	// Settled once: no more.
	wantProblem(t, e.do(t, "PATCH", path+"/extensions/"+x, e.admin, js(obj{"settled_ends_on": "2027-06-20"})),
		http.StatusConflict)
}

// chargedOrder is an order that reached its five years on 2026-11-01 while
// charged (s.22E), the charge's outcome recorded on outcomeOn: the order's
// API path and the extension's id.
func chargedOrder(t *testing.T, e *env, outcomeOn string) (path, extension string) {
	t.Helper()
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2021-10-20", "starts_on": "2021-11-01", "duration_months": 60})
	path = "/api/v1/orders/" + s(ord, "id")
	x := e.do(t, "POST", path+"/extensions", e.admin, js(obj{"charge_kind": "serious_offence", "charged_on": "2026-10-26",
		"offence": "Conspiracy to supply class A drugs", "court": "Bristol Magistrates' Court"}))
	want(t, x, http.StatusCreated)
	want(t, e.do(t, "PATCH", path+"/extensions/"+s(x.Body, "id"), e.admin, js(obj{"outcome": "convicted", "outcome_on": outcomeOn})),
		http.StatusOK)
	return path, s(x.Body, "id")
}
