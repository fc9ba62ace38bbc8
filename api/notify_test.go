package api_test

import (
	"net/http"
	"testing"
)

// An officer sets their own mail preference; another officer's is untouched.
func TestMyNotifications(t *testing.T) {
	e := newEnv(t)
	a := e.token(t, e.officer(t, "iom_officer"))
	b := e.token(t, e.officer(t, "lro"))
	r := e.do(t, "GET", "/api/v1/me/notifications", a, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "mode") != "digest" {
		t.Fatalf("default preference %s", r)
	}
	want(t, e.do(t, "PUT", "/api/v1/me/notifications", a, js(obj{"mode": "immediate"})), http.StatusOK)
	if r := e.do(t, "GET", "/api/v1/me/notifications", a, ""); s(r.Body, "mode") != "immediate" {
		t.Fatalf("after PUT: %s", r)
	}
	if r := e.do(t, "GET", "/api/v1/me/notifications", b, ""); s(r.Body, "mode") != "digest" {
		t.Fatalf("another officer's preference changed: %s", r)
	}
	for _, c := range []struct {
		body   string
		status int
	}{
		{js(obj{"mode": "hourly"}), http.StatusUnprocessableEntity},
		{js(obj{}), http.StatusUnprocessableEntity},
		{js(obj{"mode": 3}), http.StatusUnprocessableEntity},
		{js(obj{"mode": "off", "officer_id": "x"}), http.StatusBadRequest},
	} {
		if r := e.do(t, "PUT", "/api/v1/me/notifications", a, c.body); r.Status != c.status {
			t.Errorf("PUT %s: %s, want %d", c.body, r, c.status)
		}
	}
	if r := e.do(t, "GET", "/api/v1/me/notifications", a, ""); s(r.Body, "mode") != "immediate" {
		t.Fatalf("a refused PUT changed the preference: %s", r)
	}
}
