package api_test

import (
	"net/http"
	"testing"
)

// Issue item 6: a POST with an Idempotency-Key can be retried safely: the
// repeat gets the stored answer and changes nothing; the same key with a
// different body is 422; keys belong to one officer.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	order := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	path := "/api/v1/orders/" + order + "/reviews"
	body := js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})
	first := e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "review-1")
	want(t, first, http.StatusCreated)
	again := e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "review-1")
	want(t, again, http.StatusCreated)
	if s(again.Body, "id") != s(first.Body, "id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("repeat answered %s, want the first answer replayed (%s)", again, first)
	}
	r := e.do(t, "GET", path, e.admin, "")
	want(t, r, http.StatusOK)
	if n := len(items(r)); n != 1 {
		t.Errorf("%d reviews after a repeated POST, want 1", n)
	}
	wantFields(t, e.do(t, "POST", path, e.admin, js(obj{"reviewed_on": today, "kind": "routine", "outcome": "concerns"}),
		"Idempotency-Key", "review-1"), http.StatusUnprocessableEntity, "Idempotency-Key")
	// Another officer's key of the same name is theirs.
	other := e.token(t, e.officer(t, "iom_officer"))
	want(t, e.do(t, "POST", path, other, body, "Idempotency-Key", "review-1"), http.StatusCreated)
	// Without a key, every POST is a new one.
	want(t, e.do(t, "POST", path, e.admin, body), http.StatusCreated)
	r = e.do(t, "GET", path, e.admin, "")
	if n := len(items(r)); n != 3 {
		t.Errorf("%d reviews, want 3", n)
	}
	wantFields(t, e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "naïve"), http.StatusUnprocessableEntity, "Idempotency-Key")
}
