package api_test

import (
	"net/http"
	"testing"
)

// Unasked, the pre-release board looks as far ahead as the force's own
// window (its policy's pre_release_days, by which its flags are raised),
// not a fixed 180 days; across forces the default, and the page says
// which window it shows.
func TestPreReleaseDefaultsToTheForcesWindow(t *testing.T) {
	e := newEnv(t)
	soon := e.subject(t, obj{"custody": inCustody("2027-03-05")})  // in 100 days
	later := e.subject(t, obj{"custody": inCustody("2027-04-24")}) // in 150 days
	e.order(t, s(soon, "id"), nil)
	e.order(t, s(later, "id"), nil)
	want(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin, js(obj{"pre_release_days": 120})), http.StatusOK)

	for _, tc := range []struct {
		query, within string
		orders        int
	}{
		{"force=gloucestershire", "120", 1},
		{"", "180", 2},
		{"force=gloucestershire&within_days=365", "365", 2},
		{"force=dorset", "180", 0},
	} {
		r := e.do(t, "GET", "/api/v1/reports/pre-release?"+tc.query, e.admin, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "within_days") != tc.within || len(items(r)) != tc.orders {
			t.Errorf("%q: within %s days, %d orders; want %s and %d", tc.query, s(r.Body, "within_days"), len(items(r)), tc.within, tc.orders)
		}
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/pre-release?force=nowhere", e.admin, ""), http.StatusNotFound)

	b, _ := e.signedIn(t, "prison_liaison")
	p := b.get("/pre-release")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "1 order with release due within 120 days",
		"120 days is Gloucestershire Constabulary's pre-release window", `name="within_days" type="text" inputmode="numeric" value=""`)
	p = b.get("/pre-release?within_days=200")
	wantText(t, p, "2 orders with release due within 200 days", "200 days, as you asked")

	national := e.browser(t)
	national.signIn(e.admin)
	p = national.get("/pre-release")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "2 orders with release due within 180 days", "180 days is the default pre-release window")
}
