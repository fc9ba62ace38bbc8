package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// lvExpiring builds a Devon and Cornwall register with two active orders
// ending within the default 180-day warning window, owned so that nothing
// else is flagged, and runs the lifecycle sweep.
func lvExpiring(t *testing.T, e *env) (chair string, orders []string) {
	t.Helper()
	n := emails.Add(1)
	mk := func(name string, roles ...string) string {
		o := e.create(t, "/api/v1/officers", obj{"name": name,
			"email": fmt.Sprintf("%s.%d@devon-and-cornwall.police.uk", strings.ToLower(strings.ReplaceAll(name, " ", ".")), n),
			"force": "devon-and-cornwall", "roles": roles})
		return s(o, "id")
	}
	lro := mk("Lee Row", "lro")
	chairID := mk("Cass Chair", "tasking_chair")
	for i, ref := range []string{"DC-101", "DC-102"} {
		sub := e.subject(t, obj{"force": "devon-and-cornwall", "first_names": "Sam", "last_name": []string{"Ash", "Birch"}[i]})
		// In force since 2022-03-01 for five years: ends 2027-03-01, 96 days away.
		o := e.order(t, s(sub, "id"), obj{"reference": ref, "made_on": "2022-01-10", "starts_on": "2022-03-01",
			"duration_months": 60})
		id := s(o, "id")
		want(t, e.do(t, "PUT", "/api/v1/orders/"+id+"/owners/lro", e.admin,
			js(obj{"officer_id": lro, "reason": "LRO"})), http.StatusOK)
		want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/reviews", e.admin,
			js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})), http.StatusCreated)
		orders = append(orders, id)
	}
	vwRun(t, e, "lifecycle-sweep", today)
	return e.token(t, chairID), orders
}

// Item 7: expiring orders are a section of the tasking report, its CSV and
// a meeting's frozen agenda.
func TestTaskingAgendaHasExpiringOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chair, orders := lvExpiring(t, e)

	fr := e.do(t, "GET", "/api/v1/flags?status=open&force=devon-and-cornwall&kind=expiring", e.admin, "")
	want(t, fr, http.StatusOK)
	if len(items(fr)) != 2 {
		t.Fatalf("open expiring flags %s, want 2", fr)
	}

	path := "/api/v1/reports/tasking?force=devon-and-cornwall&as_of=" + today
	r := e.do(t, "GET", path, e.admin, "")
	want(t, r, http.StatusOK)
	list, _ := get(r.Body, "sections.expiring").([]any)
	var got []string
	for _, it := range list {
		got = append(got, s(it, "reference")+" "+s(it, "days_to_end")+" "+s(it, "subject.name"))
	}
	if w := []string{"DC-101 96 Sam Ash", "DC-102 96 Sam Birch"}; !slices.Equal(got, w) {
		t.Errorf("expiring section %q, want %q", got, w)
	}

	r = e.do(t, "GET", path, e.admin, "", "Accept", "text/csv")
	want(t, r, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	var expiring []string
	for _, row := range rows[1:] {
		if row[0] == "expiring" {
			expiring = append(expiring, row[2]+" "+row[len(row)-1])
		}
	}
	if w := []string{"DC-101 96", "DC-102 96"}; !slices.Equal(expiring, w) {
		t.Errorf("CSV expiring rows %q, want %q", expiring, w)
	}

	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "devon-and-cornwall", "held_on": today}))
	want(t, m, http.StatusCreated)
	agenda, _ := m.Body["agenda"].([]any)
	var kinds, ords []string
	for _, it := range agenda {
		kinds = append(kinds, s(it, "kind"))
		ords = append(ords, s(it, "order_id"))
	}
	slices.Sort(ords)
	w := slices.Clone(orders)
	slices.Sort(w)
	if !slices.Equal(kinds, []string{"expiring", "expiring"}) || !slices.Equal(ords, w) {
		t.Errorf("frozen agenda kinds %q orders %q, want the two expiring orders %q", kinds, ords, w)
	}
}

// Item 8: a meeting's date and its decisions' officers and dates are
// checked; every offending field is named and nothing is recorded.
func TestMeetingDecisionsRefuseImpossibleValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chair, orders := lvExpiring(t, e)
	for _, held := range []string{"1999-11-25", "2025-11-24", "2027-02-24", "2030-01-01"} {
		wantFields(t, e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "devon-and-cornwall", "held_on": held})),
			http.StatusUnprocessableEntity, "held_on")
	}
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "devon-and-cornwall", "held_on": "2026-11-20"}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	item := s(m.Body, "agenda.0.id")

	officer := func(force string, roles ...string) string {
		n := emails.Add(1)
		body := obj{"name": "Officer", "email": fmt.Sprintf("lv%d@example.police.uk", n), "roles": roles}
		if force != "" {
			body["force"] = force
		}
		return s(e.create(t, "/api/v1/officers", body), "id")
	}
	dorsetLRO := officer("dorset", "lro")
	auditor := officer("", "auditor")
	regional := officer("devon-and-cornwall", "regional")
	gone := officer("devon-and-cornwall", "lro")
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+gone, e.admin, js(obj{"active": false})), http.StatusOK)
	good := officer("devon-and-cornwall", "orders_officer")

	decide := func(body obj) resp {
		return e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", chair, js(body))
	}
	for name, who := range map[string]string{"another force": dorsetLRO, "auditor": auditor, "regional": regional,
		"deactivated": gone, "no such officer": "0190f5e4-0000-7000-8000-000000000000"} {
		t.Run(name, func(t *testing.T) {
			wantFields(t, decide(obj{"item_id": item, "decision": "escalate", "action_by": who, "due_by": "2026-12-01", "notes": "Help."}),
				http.StatusUnprocessableEntity, "action_by")
		})
	}
	// Every field at once, and a check that would have been scheduled is not.
	wantFields(t, decide(obj{"item_id": item, "decision": "schedule_check", "check_kind": "home_visit",
		"check_due_on": "2026-11-19", "action_by": auditor, "due_by": "2026-11-19"}),
		http.StatusUnprocessableEntity, "action_by", "check_due_on", "due_by")
	wantFields(t, decide(obj{"item_id": "0190f5e4-0000-7000-8000-000000000000", "decision": "escalate",
		"action_by": auditor}), http.StatusUnprocessableEntity, "action_by", "item_id", "notes")
	for _, o := range orders {
		r := e.do(t, "GET", "/api/v1/orders/"+o+"/checks", e.admin, "")
		want(t, r, http.StatusOK)
		if len(items(r)) != 0 {
			t.Errorf("a refused decision scheduled a check: %s", r)
		}
	}
	r := e.do(t, "GET", "/api/v1/meetings/"+mid, chair, "")
	want(t, r, http.StatusOK)
	if d, _ := get(r.Body, "agenda.0.decisions").([]any); len(d) != 0 {
		t.Fatalf("refused decisions were recorded: %v", d)
	}
	// The meeting's own day is fine, and so is an officer of the force who works its orders.
	r = decide(obj{"item_id": item, "decision": "escalate", "action_by": good, "due_by": "2026-11-20", "notes": "Help."})
	want(t, r, http.StatusCreated)
	if s(r.Body, "action_by.id") != good {
		t.Errorf("decision %s", r)
	}
}

// Item 14: names and references beside IDs on flags, agenda items and
// orders; look-ups by court reference, prison number and email.
func TestNamesAndLookups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chair, orders := lvExpiring(t, e)

	r := e.do(t, "GET", "/api/v1/flags?status=open&force=devon-and-cornwall", e.admin, "")
	want(t, r, http.StatusOK)
	var got []string
	for _, f := range items(r) {
		got = append(got, s(f, "reference")+" "+s(f, "subject_name"))
	}
	slices.Sort(got)
	if w := []string{"DC-101 Sam Ash", "DC-102 Sam Birch"}; !slices.Equal(got, w) {
		t.Errorf("flags carry %q, want %q", got, w)
	}
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "devon-and-cornwall", "held_on": today}))
	want(t, m, http.StatusCreated)
	got = nil
	for _, it := range m.Body["agenda"].([]any) {
		got = append(got, s(it, "reference")+" "+s(it, "subject_name"))
	}
	slices.Sort(got)
	if w := []string{"DC-101 Sam Ash", "DC-102 Sam Birch"}; !slices.Equal(got, w) {
		t.Errorf("agenda items carry %q, want %q", got, w)
	}
	r = e.do(t, "GET", "/api/v1/orders/"+orders[0], e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "subject_name") != "Sam Ash" {
		t.Errorf("order subject_name %q", s(r.Body, "subject_name"))
	}

	// Court reference, any case.
	r = e.do(t, "GET", "/api/v1/orders?reference=dc-102", e.admin, "")
	want(t, r, http.StatusOK)
	if got := ids(r); !slices.Equal(got, []string{orders[1]}) || s(items(r)[0], "subject_name") != "Sam Birch" {
		t.Errorf("orders?reference=dc-102 gave %s", r)
	}
	r = e.do(t, "GET", "/api/v1/orders?reference=DC-10", e.admin, "")
	want(t, r, http.StatusOK)
	if len(items(r)) != 0 {
		t.Errorf("a partial reference matched: %s", r)
	}
	wantFields(t, e.do(t, "GET", "/api/v1/orders?reference="+strings.Repeat("x", 51), e.admin, ""),
		http.StatusUnprocessableEntity, "reference")

	// Prison number, normalised as on create.
	sub := e.subject(t, obj{"prison_number": "A1234BC"})
	e.subject(t, obj{"prison_number": "B1234BC"})
	r = e.do(t, "GET", "/api/v1/subjects?prison_number=%20a1234bc", e.admin, "")
	want(t, r, http.StatusOK)
	if got := ids(r); !slices.Equal(got, []string{s(sub, "id")}) {
		t.Errorf("subjects?prison_number=a1234bc gave %s", r)
	}
	wantFields(t, e.do(t, "GET", "/api/v1/subjects?prison_number=12345", e.admin, ""),
		http.StatusUnprocessableEntity, "prison_number")

	// Caseload by email, any case; officer_id still works; not both.
	var lroID, lroEmail string
	ol := e.do(t, "GET", "/api/v1/officers?limit=500", e.admin, "")
	for _, o := range items(ol) {
		if s(o, "name") == "Lee Row" {
			lroID, lroEmail = s(o, "id"), s(o, "email")
		}
	}
	caseload := func(q string) []string {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/caseload?"+q, e.admin, "")
		want(t, r, http.StatusOK)
		var out []string
		for _, it := range items(r) {
			out = append(out, s(it, "order_id"))
		}
		slices.Sort(out)
		return out
	}
	w := slices.Sorted(slices.Values(orders))
	if got := caseload("officer=" + strings.ToUpper(lroEmail)); !slices.Equal(got, w) {
		t.Errorf("caseload by email %q, want %q", got, w)
	}
	if got := caseload("officer_id=" + lroID); !slices.Equal(got, w) {
		t.Errorf("caseload by id %q, want %q", got, w)
	}
	wantFields(t, e.do(t, "GET", "/api/v1/caseload?officer=not-an-email", e.admin, ""),
		http.StatusUnprocessableEntity, "officer")
	wantFields(t, e.do(t, "GET", "/api/v1/caseload?officer="+lroEmail+"&officer_id="+lroID, e.admin, ""),
		http.StatusUnprocessableEntity, "officer")
	wantProblem(t, e.do(t, "GET", "/api/v1/caseload?officer=nobody@example.police.uk", e.admin, ""), http.StatusNotFound)
}

// lvOrder is a Gloucestershire order active since 2026-11-01 with an IOM owner.
func lvOrder(t *testing.T, e *env) string {
	t.Helper()
	sub := e.subject(t, nil)
	o := s(e.order(t, s(sub, "id"), nil), "id")
	iom := e.officer(t, "iom_officer")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+o+"/owners/iom", e.admin, js(obj{"officer_id": iom, "reason": "IOM"})),
		http.StatusOK)
	return o
}

func lvOpenFlags(t *testing.T, e *env, order string) []string {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
	want(t, r, http.StatusOK)
	return vwStrings(r.Body["open_flags"])
}

// Item 14: a non_compliant check or breach_suspected review raises a
// compliance_concern flag at once; a later compliant check or satisfactory
// review resolves it; it is a tasking section.
func TestComplianceConcern(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := lvOrder(t, e)
	check := func(due, done, outcome string) string {
		t.Helper()
		c := e.create(t, "/api/v1/orders/"+o+"/checks", obj{"kind": "home_visit", "due_on": due})
		want(t, e.do(t, "PATCH", "/api/v1/orders/"+o+"/checks/"+s(c, "id"), e.admin,
			js(obj{"completed_on": done, "outcome": outcome})), http.StatusOK)
		return s(c, "id")
	}
	review := func(on, outcome string) {
		t.Helper()
		e.create(t, "/api/v1/orders/"+o+"/reviews", obj{"reviewed_on": on, "kind": "routine", "outcome": outcome})
	}
	if got := lvOpenFlags(t, e, o); slices.Contains(got, "compliance_concern") {
		t.Fatalf("open flags %q before any outcome", got)
	}
	check("2026-11-10", "2026-11-10", "non_compliant")
	if got := lvOpenFlags(t, e, o); !slices.Contains(got, "compliance_concern") {
		t.Fatalf("a non_compliant check left open flags %q", got)
	}
	r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire", e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "sections.compliance_concern.0.order_id") != o || s(r.Body, "sections.compliance_concern.0.open_since") == "<nil>" {
		t.Errorf("tasking compliance_concern section %v", get(r.Body, "sections.compliance_concern"))
	}
	// no_access says nothing either way; an earlier-dated compliant check does not clear a later concern.
	check("2026-11-12", "2026-11-12", "no_access")
	check("2026-11-05", "2026-11-05", "compliant")
	if got := lvOpenFlags(t, e, o); !slices.Contains(got, "compliance_concern") {
		t.Fatalf("open flags %q: the concern should stand", got)
	}
	review("2026-11-20", "satisfactory")
	if got := lvOpenFlags(t, e, o); slices.Contains(got, "compliance_concern") {
		t.Fatalf("a later satisfactory review left %q", got)
	}
	review("2026-11-21", "breach_suspected")
	if got := lvOpenFlags(t, e, o); !slices.Contains(got, "compliance_concern") {
		t.Fatalf("a breach_suspected review left open flags %q", got)
	}
	check("2026-11-22", "2026-11-22", "compliant")
	if got := lvOpenFlags(t, e, o); slices.Contains(got, "compliance_concern") {
		t.Fatalf("a later compliant check left %q", got)
	}
	fr := e.do(t, "GET", "/api/v1/flags?kind=compliance_concern&order_id="+o, e.admin, "")
	want(t, fr, http.StatusOK)
	if len(items(fr)) != 2 || s(items(fr)[0], "resolved_at") == "<nil>" || s(items(fr)[1], "resolved_at") == "<nil>" {
		t.Errorf("compliance_concern history %s, want two resolved flags", fr)
	}
}

// Item 14: a completed check can be corrected (kept as a correction), a
// scheduled one cancelled; a cancelled check is not overdue and its
// check_overdue flag is resolved when no other overdue check remains.
func TestCorrectAndCancelChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := lvOrder(t, e)
	officer := e.officer(t, "orders_officer")
	tok := e.token(t, officer)
	newCheck := func(due string) map[string]any {
		return e.create(t, "/api/v1/orders/"+o+"/checks", obj{"kind": "device", "due_on": due})
	}
	path := func(c map[string]any) string { return "/api/v1/orders/" + o + "/checks/" + s(c, "id") }

	c := newCheck("2026-11-10")
	r := e.do(t, "PATCH", path(c), tok, js(obj{"completed_on": "2026-11-10", "outcome": "non_compliant", "notes": "Two phones."}))
	want(t, r, http.StatusOK)
	v1 := r.Header.Get("ETag")
	if !slices.Contains(lvOpenFlags(t, e, o), "compliance_concern") {
		t.Fatal("no compliance concern")
	}
	// A reason is required; a wrong outcome and date are named too; nothing changes.
	wantFields(t, e.do(t, "PATCH", path(c), tok, js(obj{"outcome": "maybe", "completed_on": "2027-01-01"})),
		http.StatusUnprocessableEntity, "completed_on", "outcome", "reason")
	wantFields(t, e.do(t, "PATCH", path(c), tok, js(obj{"outcome": "cancelled", "reason": "x"})),
		http.StatusUnprocessableEntity, "outcome")
	wantProblem(t, e.do(t, "PATCH", path(c), tok, js(obj{"outcome": "compliant", "reason": "Misread."}),
		"If-Match", `"999"`), http.StatusPreconditionFailed)
	r = e.do(t, "PATCH", path(c), tok, js(obj{"outcome": "compliant", "reason": "The second phone was the notified one."}),
		"If-Match", v1)
	want(t, r, http.StatusOK)
	if s(r.Body, "outcome") != "compliant" || s(r.Body, "completed_on") != "2026-11-10" || s(r.Body, "notes") != "Two phones." ||
		s(r.Body, "corrections.0.previous_outcome") != "non_compliant" || s(r.Body, "corrections.0.corrected_by.id") != officer ||
		s(r.Body, "corrections.0.reason") != "The second phone was the notified one." ||
		s(r.Body, "corrections.0.corrected_at") == "<nil>" || s(r.Body, "completed_by.id") != officer {
		t.Errorf("corrected check %s", r)
	}
	if got := lvOpenFlags(t, e, o); slices.Contains(got, "compliance_concern") {
		t.Errorf("the correction left open flags %q", got)
	}
	// A reason is not taken when completing.
	c2 := newCheck("2026-11-11")
	wantFields(t, e.do(t, "PATCH", path(c2), tok, js(obj{"completed_on": "2026-11-11", "outcome": "compliant", "reason": "x"})),
		http.StatusUnprocessableEntity, "reason")

	// Two overdue checks: cancelling one keeps the flag, cancelling both resolves it.
	c3 := newCheck("2026-11-15")
	vwRun(t, e, "review-sweep", today)
	if !slices.Contains(lvOpenFlags(t, e, o), "check_overdue") {
		t.Fatal("no check_overdue flag")
	}
	wantFields(t, e.do(t, "POST", path(c2)+"/cancel", tok, "{}"), http.StatusUnprocessableEntity, "reason")
	wantProblem(t, e.do(t, "POST", path(c)+"/cancel", tok, js(obj{"reason": "x"})), http.StatusConflict)
	r = e.do(t, "POST", path(c2)+"/cancel", tok, js(obj{"reason": "Device check superseded."}))
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "cancelled" || s(r.Body, "cancel_reason") != "Device check superseded." ||
		s(r.Body, "cancelled_by.id") != officer || s(r.Body, "completed_on") != today {
		t.Errorf("cancelled check %s", r)
	}
	if !slices.Contains(lvOpenFlags(t, e, o), "check_overdue") {
		t.Error("check_overdue resolved while another overdue check remains")
	}
	want(t, e.do(t, "POST", path(c3)+"/cancel", tok, js(obj{"reason": "Subject abroad with permission."})), http.StatusOK)
	if got := lvOpenFlags(t, e, o); slices.Contains(got, "check_overdue") {
		t.Errorf("cancelling the last overdue check left %q", got)
	}
	wantProblem(t, e.do(t, "POST", path(c3)+"/cancel", tok, js(obj{"reason": "again"})), http.StatusConflict)
	wantProblem(t, e.do(t, "PATCH", path(c3), tok, js(obj{"completed_on": today, "outcome": "compliant"})), http.StatusConflict)
	// The next sweep agrees, and the order has no check due.
	vwRun(t, e, "review-sweep", today)
	r = e.do(t, "GET", "/api/v1/orders/"+o, e.admin, "")
	if slices.Contains(vwStrings(r.Body["open_flags"]), "check_overdue") || s(r.Body, "next_check_due") != "<nil>" {
		t.Errorf("after the sweep: %s", r)
	}
}

// Item 14: the minutes and the region report as CSV, each a disclosure.
func TestMinutesAndRegionCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chair, _ := lvExpiring(t, e)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "devon-and-cornwall", "held_on": today}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	want(t, e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", chair, js(obj{"item_id": s(m.Body, "agenda.0.id"),
		"decision": "no_action", "notes": "=HYPERLINK(\"x\")"})), http.StatusCreated)

	readCSV := func(path string) [][]string {
		t.Helper()
		r := e.do(t, "GET", path, chair, "", "Accept", "text/csv")
		want(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("%s: Content-Disposition %q", path, cd)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", path, err, r.Raw)
		}
		return rows
	}
	rows := readCSV("/api/v1/meetings/" + mid)
	// One row per decision, and one per agenda order without one; names
	// and references, no IDs.
	if len(rows) != 3 || rows[0][5] != "reference" || rows[0][11] != "decision" {
		t.Fatalf("minutes %q", rows)
	}
	first := s(m.Body, "agenda.0.reference")
	// In words, as the printable minutes.
	if rows[1][0] != "decision" || rows[1][1] != "Devon and Cornwall Police" || rows[1][8] != "Order ending soon" ||
		rows[1][5] != first || rows[1][6] == "" || rows[1][11] != "No action" ||
		rows[1][20] != `'=HYPERLINK("x")` || rows[2][0] != "agenda" || rows[2][11] != "" {
		t.Errorf("minutes rows %q", rows[1:])
	}
	rows = readCSV("/api/v1/reports/region?region=south-west&as_of=" + today)
	var dc []string
	for _, row := range rows {
		if len(row) > 2 && row[2] == "devon-and-cornwall" {
			dc = row
		}
	}
	if len(rows) != 2 || dc == nil || dc[4] != "2" || dc[7] != "2" { // the chair sees their own force only
		t.Errorf("region CSV %q", rows)
	}
	col := slices.Index(rows[0], "open_expiring")
	if col < 0 || dc[col] != "2" {
		t.Errorf("region CSV header %q, devon row %q", rows[0], dc)
	}
	// Each export is a disclosure in the audit trail.
	aud := e.create(t, "/api/v1/officers", obj{"name": "Aud", "email": "aud.lv@example.police.uk", "roles": []string{"auditor"}})
	ar := e.do(t, "GET", "/api/v1/audit?action=disclosure&limit=500", e.token(t, s(aud, "id")), "")
	want(t, ar, http.StatusOK)
	var paths []string
	for _, it := range items(ar) {
		paths = append(paths, s(it, "route"))
	}
	if !slices.Contains(paths, "/api/v1/meetings/:id") || !slices.Contains(paths, "/api/v1/reports/region") {
		t.Errorf("disclosures %q, want the minutes and the region report", paths)
	}
}

// A check scheduled at a meeting with an officer to act is that officer's
// action, due on the check's day, and it closes when the check is recorded
// (done) or cancelled (cancelled). It had no due date and stayed open on
// My work for good after the check was done.
func TestScheduledCheckActionFollowsTheCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	m, d := e.decideOnUnowned(t, chair, "gloucestershire", ord, obj{"decision": "schedule_check", "check_kind": "home_visit",
		"check_due_on": "2026-12-03", "action_by": iom})
	if s(d.Body, "due_by") != "2026-12-03" {
		t.Errorf("the action to carry out the check is due %s, want the check's day 2026-12-03", s(d.Body, "due_by"))
	}
	// A check day before the meeting is the check's error alone (the empty
	// due date was blamed too).
	for _, it := range m["agenda"].([]any) {
		if s(it, "order_id") == ord {
			r := e.do(t, "POST", "/api/v1/meetings/"+s(m, "id")+"/decisions", chair, js(obj{"item_id": s(it, "id"),
				"decision": "schedule_check", "check_kind": "device", "check_due_on": "2026-11-01", "action_by": iom}))
			wantFields(t, r, http.StatusUnprocessableEntity, "check_due_on")
		}
	}
	var second string
	for _, it := range m["agenda"].([]any) {
		if s(it, "order_id") == ord {
			r := e.do(t, "POST", "/api/v1/meetings/"+s(m, "id")+"/decisions", chair, js(obj{"item_id": s(it, "id"),
				"decision": "schedule_check", "check_kind": "device", "check_due_on": "2026-12-10", "action_by": iom,
				"due_by": "2026-12-08"}))
			want(t, r, http.StatusCreated)
			second = s(r.Body, "id")
			if s(r.Body, "due_by") != "2026-12-08" {
				t.Errorf("a due date given is kept: %s", r)
			}
		}
	}
	action := func(id string) resp {
		t.Helper()
		for _, st := range []string{"open", "done", "cancelled"} {
			r := e.do(t, "GET", "/api/v1/actions?assignee="+iom+"&status="+st, e.admin, "")
			want(t, r, http.StatusOK)
			for _, a := range items(r) {
				if s(a, "id") == id {
					return resp{Status: r.Status, Body: a.(map[string]any)}
				}
			}
		}
		t.Fatalf("no action %s", id)
		return resp{}
	}
	if a := action(s(d.Body, "id")); s(a.Body, "status") != "open" {
		t.Fatalf("before the check: %s", a)
	}
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+ord+"/checks/"+s(d.Body, "check_id"), e.admin,
		js(obj{"completed_on": "2026-11-25", "outcome": "non_compliant", "notes": "Two phones."})), http.StatusOK)
	if a := action(s(d.Body, "id")); s(a.Body, "status") != "done" || s(a.Body, "status_on") != "2026-11-25" ||
		!strings.Contains(s(a.Body, "status_note"), "the check was recorded: Not compliant") {
		t.Errorf("after the check was recorded: %s", a)
	}
	var checkID string
	for _, c := range items(e.do(t, "GET", "/api/v1/orders/"+ord+"/checks", e.admin, "")) {
		if s(c, "kind") == "device" {
			checkID = s(c, "id")
		}
	}
	want(t, e.do(t, "POST", "/api/v1/orders/"+ord+"/checks/"+checkID+"/cancel", e.admin,
		js(obj{"reason": "Superseded by the home visit."})), http.StatusOK)
	if a := action(second); s(a.Body, "status") != "cancelled" ||
		!strings.Contains(s(a.Body, "status_note"), "the check was cancelled: Superseded by the home visit.") {
		t.Errorf("after the check was cancelled: %s", a)
	}
}
