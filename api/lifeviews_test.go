package api_test

import (
	"encoding/csv"
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
			"email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "." + strings.Repeat("x", int(n%3)+1) +
				"@devon-and-cornwall.police.uk", "force": "devon-and-cornwall", "roles": roles})
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
