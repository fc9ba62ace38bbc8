package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"scpo/domain/postgres"
)

// Issue item 9: deactivation revokes an officer's tokens, so reactivating
// them revives none.
func TestDeactivationRevokesTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	want(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+officer, e.admin, `{"active": false}`), http.StatusOK)
	wantProblem(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+officer, e.admin, `{"active": true}`), http.StatusOK)
	wantProblem(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
	r := e.do(t, "GET", "/api/v1/officers/"+officer+"/tokens", e.admin, "")
	want(t, r, http.StatusOK)
	for _, it := range items(r) {
		if s(it, "revoked_at") == "<nil>" {
			t.Errorf("token %s of a deactivated officer is not revoked", s(it, "id"))
		}
	}
	fresh := e.token(t, officer)
	want(t, e.do(t, "GET", "/api/v1/me", fresh, ""), http.StatusOK)
}

// A bootstrap token revoked through the API stays revoked across restarts
// (EnsureBootstrapAdmin runs at each start); a new value works.
func TestRevokedBootstrapTokenStaysRevoked(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 1_000_000)
	ctx := context.Background()
	second := a.token(t, a.adminID) // an API-issued token to act with afterwards
	r := a.do(t, "GET", "/api/v1/officers/"+a.adminID+"/tokens", a.admin, "")
	want(t, r, http.StatusOK)
	for _, it := range items(r) {
		want(t, a.do(t, "DELETE", "/api/v1/officers/"+a.adminID+"/tokens/"+s(it, "id"), second, ""), http.StatusNoContent)
		break // the first is the bootstrap token
	}
	wantProblem(t, a.do(t, "GET", "/api/v1/me", a.admin, ""), http.StatusUnauthorized)
	if _, err := a.store.EnsureBootstrapAdmin(ctx, adminToken); !errors.Is(err, postgres.ErrBootstrapTokenRevoked) {
		t.Errorf("restart with the revoked value: %v, want ErrBootstrapTokenRevoked", err)
	}
	wantProblem(t, a.do(t, "GET", "/api/v1/me", a.admin, ""), http.StatusUnauthorized)

	const next = "a-new-bootstrap-token-0123456789"
	if _, err := a.store.EnsureBootstrapAdmin(ctx, next); err != nil {
		t.Fatalf("restart with a new value: %v", err)
	}
	want(t, a.do(t, "GET", "/api/v1/me", next, ""), http.StatusOK)
	wantProblem(t, a.do(t, "GET", "/api/v1/me", a.admin, ""), http.StatusUnauthorized)
}
