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
			wantFields(t, decide(obj{"item_id": item, "decision": "escalate", "action_by": who, "due_by": "2026-12-01"}),
				http.StatusUnprocessableEntity, "action_by")
		})
	}
	// Every field at once, and a check that would have been scheduled is not.
	wantFields(t, decide(obj{"item_id": item, "decision": "schedule_check", "check_kind": "home_visit",
		"check_due_on": "2026-11-19", "action_by": auditor, "due_by": "2026-11-19"}),
		http.StatusUnprocessableEntity, "action_by", "check_due_on", "due_by")
	wantFields(t, decide(obj{"item_id": "0190f5e4-0000-7000-8000-000000000000", "decision": "escalate",
		"action_by": auditor}), http.StatusUnprocessableEntity, "action_by", "item_id")
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
	r = decide(obj{"item_id": item, "decision": "escalate", "action_by": good, "due_by": "2026-11-20"})
	want(t, r, http.StatusCreated)
	if s(r.Body, "action_by.id") != good {
		t.Errorf("decision %s", r)
	}
}
