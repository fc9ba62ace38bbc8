package api_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// nonCanonical spells id in every way a UUID parser accepts but the
// service must not: each names no record.
func nonCanonical(id string) []string {
	return []string{"urn:uuid:" + id, "{" + id + "}", strings.ReplaceAll(id, "-", ""), "x" + id[1:], strings.ToUpper(id[:35]) + "g",
		" " + id, id + "\n"}
}

// Issue item 7: only canonical UUIDs reach SQL; every other spelling of an
// ID is 404 in a path and 422 in a query or body, never a 500; path text
// PostgreSQL cannot store is 404.
func TestNonCanonicalIDsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	sub := s(e.subject(t, nil), "id")
	order := s(e.order(t, sub, nil), "id")

	// Uppercase is the same ID, answered in lowercase.
	r := e.do(t, "GET", "/api/v1/orders/"+strings.ToUpper(order), e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "id") != order {
		t.Errorf("uppercase ID answered as %s, want %s", s(r.Body, "id"), order)
	}

	for _, bad := range nonCanonical(order) {
		for _, p := range []string{"/api/v1/orders/", "/api/v1/subjects/", "/api/v1/officers/", "/api/v1/meetings/"} {
			wantProblem(t, e.do(t, "GET", p+escapePath(bad), e.admin, ""), http.StatusNotFound)
		}
		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+escapePath(bad), e.admin, `{"review_interval_days":90}`),
			http.StatusNotFound)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+order+"/checks/"+escapePath(bad), e.admin,
			`{"completed_on":"2026-11-25","outcome":"compliant"}`), http.StatusNotFound)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/officers/"+officer+"/tokens/"+escapePath(bad), e.admin, ""), http.StatusNotFound)
		for _, q := range []string{"/api/v1/orders?subject_id=", "/api/v1/orders?owner=", "/api/v1/flags?order_id=",
			"/api/v1/caseload?officer_id=", "/api/v1/audit?subject="} {
			tok := e.admin
			if strings.HasPrefix(q, "/api/v1/audit") {
				tok = e.token(t, e.officer(t, "auditor"))
			}
			field := q[strings.Index(q, "?")+1 : len(q)-1]
			wantFields(t, e.do(t, "GET", q+escapeQuery(bad), tok, ""), http.StatusUnprocessableEntity, field)
		}
		cursor := base64.RawURLEncoding.EncodeToString([]byte(bad))
		wantFields(t, e.do(t, "GET", "/api/v1/orders?cursor="+cursor, e.admin, ""), http.StatusUnprocessableEntity, "cursor")
		wantFields(t, e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/iom", e.admin,
			js(obj{"officer_id": bad, "reason": "Allocation."})), http.StatusUnprocessableEntity, "officer_id")
		r := e.do(t, "POST", "/api/v1/orders", e.admin, js(with(orderBody(bad), nil)))
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusNotFound {
			t.Errorf("POST /orders with subject_id %q: %s, want 422 or 404", bad, r)
		}
		r = e.do(t, "POST", "/api/v1/officers/"+officer+"/reassign", e.admin, js(obj{"to_officer_id": bad, "reason": "Leave."}))
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusNotFound {
			t.Errorf("reassign to %q: %s, want 422 or 404", bad, r)
		}
	}
	for _, code := range []string{"%00", "%ff%fe", "dorset%00", "%c0%af"} {
		wantProblem(t, e.do(t, "GET", "/api/v1/forces/"+code, e.admin, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/forces/"+code+"/policy", e.admin, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "PUT", "/api/v1/forces/"+code+"/policy", e.admin, "{}"), http.StatusNotFound)
	}
}

func escapePath(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", " ", "%20", "\n", "%0A").Replace(s)
}

func escapeQuery(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", " ", "+", ":", "%3A", "\n", "%0A").Replace(s)
}
