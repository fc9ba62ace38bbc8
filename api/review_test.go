package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// Regressions found in review.

// Moving a pending order's start into the past makes it active; the
// re-derived status is not mistaken for an attempt to end the order.
func TestPatchOrderStartIntoThePast(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), obj{"made_on": "2026-10-01", "starts_on": "2026-12-10"})
	if s(o, "status") != "pending" {
		t.Fatalf("order status %s, want pending", s(o, "status"))
	}
	r := e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin, `{"starts_on": "2026-11-20"}`)
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "active" || s(r.Body, "starts_on") != "2026-11-20" {
		t.Errorf("after moving the start: %s", r)
	}
}

// Text PostgreSQL cannot store is refused as bad input, never a 5xx.
func TestUnstorableText(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(js(subjectBody()), `"Dean"`, `"De\u0000an"`, 1)
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, body), http.StatusUnprocessableEntity, "first_names")
	// Bytes that are not UTF-8 would be stored as U+FFFD: refused by field,
	// however deep, and nothing is changed.
	sub := e.subject(t, nil)
	bad := "{\"aliases\": [\"ok\", \"a\xff\xfeb\"], \"last_name\": \"Ok\\u0000\"}"
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, bad), http.StatusUnprocessableEntity,
		"aliases[1]", "last_name")
	if got := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), e.admin, ""); s(got.Body, "version") != s(sub, "version") {
		t.Errorf("a refused change changed the subject: %s", got)
	}
	// Half a UTF-16 pair would be stored as U+FFFD too; a U+FFFD sent as
	// such is text like any other.
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"aliases": ["ab\udc00cd"], "last_name": "x\ud800"}`),
		http.StatusUnprocessableEntity, "aliases[0]", "last_name")
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"aliases": ["pair \ud83d\ude00", "sent \ufffd", "sent �"]}`),
		http.StatusOK)
	// An escaped backslash before u0000 is text, not a NUL.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"aliases": ["back\\u0000slash"]}`), http.StatusOK)
	wantFields(t, e.do(t, "GET", "/api/v1/subjects?q=%ff", e.admin, ""), http.StatusUnprocessableEntity, "q")
	wantFields(t, e.do(t, "GET", "/api/v1/orders?force=%00", e.admin, ""), http.StatusUnprocessableEntity, "force")
}

// Open flags follow their subject to a new force: the old force stops
// seeing them and the new one sees them.
func TestFlagsFollowTheirSubject(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, `{"as_of": "2026-11-25"}`), http.StatusOK)
	glos := e.token(t, e.officer(t, "iom_officer"))
	if got := items(e.do(t, "GET", "/api/v1/flags?order_id="+s(o, "id"), glos, "")); len(got) != 1 {
		t.Fatalf("Gloucestershire sees %d flags on its own order, want 1", len(got))
	}
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"force": "dorset"}`), http.StatusOK)
	if got := items(e.do(t, "GET", "/api/v1/flags?order_id="+s(o, "id"), glos, "")); len(got) != 0 {
		t.Errorf("Gloucestershire still sees the moved subject's flags: %v", got)
	}
	got := items(e.do(t, "GET", "/api/v1/flags?status=open&force=dorset", e.admin, ""))
	if len(got) != 1 || s(got[0], "order_id") != s(o, "id") {
		t.Errorf("Dorset's open flags %v, want the moved order's", got)
	}
}

// Work on a subject's orders shows in the subject's access log.
func TestOrderWorkReachesTheAccessLog(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), nil)
	id := s(o, "id")
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"court": "Gloucester Crown Court"}`), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/orders/"+id+"/reviews", e.admin, ""), http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/reviews", e.admin,
		`{"reviewed_on": "2026-11-20", "kind": "routine", "outcome": "satisfactory"}`), http.StatusCreated)
	auditor := e.token(t, s(e.create(t, "/api/v1/officers", obj{"name": "Ann Auditor",
		"email": "ann.auditor@hmicfrs.gov.uk", "roles": []string{"auditor"}}), "id"))
	log := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id")+"/access-log?limit=500", auditor, "")
	want(t, log, http.StatusOK)
	seen := map[string]bool{}
	for _, it := range items(log) {
		seen[s(it, "method")+" "+s(it, "route")] = true
	}
	for _, route := range []string{"PATCH /api/v1/orders/:id", "GET /api/v1/orders/:id/reviews",
		"POST /api/v1/orders/:id/reviews"} {
		if !seen[route] {
			t.Errorf("access log lacks %s: %v", route, seen)
		}
	}
}

// A new bootstrap token works even if the bootstrap admin was deactivated,
// and replaces the old bootstrap token.
func TestBootstrapTokenRotation(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(t), domain.FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, err := s.EnsureBootstrapAdmin(ctx, "first-bootstrap-token-0001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOfficer(ctx, first.ID, nil, func(o *domain.Officer) error { o.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureBootstrapAdmin(ctx, "second-bootstrap-token-0002"); err != nil {
		t.Fatal(err)
	}
	o, err := s.Authenticate(ctx, "second-bootstrap-token-0002")
	if err != nil || !o.Active || !o.HasRole(domain.RoleAdmin) {
		t.Errorf("new bootstrap token: %+v, %v; want an active admin", o, err)
	}
	if _, err := s.Authenticate(ctx, "first-bootstrap-token-0001"); err == nil {
		t.Error("the replaced bootstrap token still works")
	}
}
