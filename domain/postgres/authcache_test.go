package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// A process answers tokens from its cache only while it hears of every
// change to officers and their tokens: a revocation, a new role or a
// deactivation made elsewhere (another replica, psql) is in force here as
// soon as it is heard of; with the notifying trigger off the old answer
// stands (which shows the cache is what answers); and a process that lost
// its listening connection looks every token up until it listens again.
func TestTokenCacheForgetsEveryChangeToOfficers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, service := pgtest.URLs(t)
	a, err := postgres.Open(ctx, service, domain.SystemClock{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// Pinged every 100 ms when quiet, so the test sees several pings.
	a.SetTokenCachePing(100 * time.Millisecond)
	elsewhere, err := postgres.Open(ctx, owner, domain.SystemClock{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { elsewhere.Close() })
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := elsewhere.DB().Exec(sql, args...).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	const bootstrap = "scpo_token_cache_test_bootstrap_0123456789"
	admin, err := a.EnsureBootstrapAdmin(ctx, bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	national := domain.WithScope(ctx, domain.Scope{AllForces: true})
	issue := func() string {
		t.Helper()
		tok, err := a.IssueToken(national, admin.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 5 s: %s", what)
			}
		}
	}
	refused := func(token string) bool {
		_, err := a.Authenticate(ctx, token)
		if err != nil && !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatal(err)
		}
		return errors.Is(err, domain.ErrUnauthenticated)
	}

	token := issue()
	if refused(token) {
		t.Fatal("a new token is refused")
	}
	eventually("the cache listens for changes", a.TokenCacheListening)
	if refused(token) {
		t.Fatal("the token is refused")
	}
	// Quiet for several pings: still listening, the connection kept.
	time.Sleep(600 * time.Millisecond)
	if !a.TokenCacheListening() {
		t.Fatal("the cache stopped listening while nothing changed (a ping failed)")
	}

	// With the trigger off, a revocation is not heard of: the cached answer
	// stands. Any statement on the table with it on (even one changing no
	// row) is heard of, and the revocation is then in force.
	exec(`ALTER TABLE officer_tokens DISABLE TRIGGER officer_tokens_auth_changed`)
	exec(`UPDATE officer_tokens SET revoked_at = now() WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, token)
	if refused(token) {
		t.Fatal("a revocation nobody was told of was seen: the token was looked up, not answered from the cache")
	}
	exec(`ALTER TABLE officer_tokens ENABLE TRIGGER officer_tokens_auth_changed`)
	exec(`UPDATE officer_tokens SET revoked_at = revoked_at WHERE false`)
	eventually("the revoked token is refused", func() bool { return refused(token) })

	// A role given elsewhere is in force here.
	token = issue()
	if refused(token) {
		t.Fatal("a new token is refused")
	}
	exec(`UPDATE officers SET roles = roles || '{auditor}' WHERE id = ?`, admin.ID)
	eventually("the new role is seen", func() bool {
		o, err := a.Authenticate(ctx, token)
		return err == nil && slices.Contains(o.Roles, domain.RoleAuditor)
	})

	// A deactivation elsewhere refuses the officer's tokens.
	exec(`UPDATE officers SET active = false WHERE id = ?`, admin.ID)
	eventually("the deactivated officer's token is refused", func() bool { return refused(token) })
	exec(`UPDATE officers SET active = true WHERE id = ?`, admin.ID)

	// The listening connection lost: every token is looked up (a change
	// nobody was told of is seen at once) until the cache listens again.
	token = issue()
	if refused(token) {
		t.Fatal("a new token is refused")
	}
	eventually("the cache listens again", a.TokenCacheListening)
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'scpo token cache'`)
	eventually("the cache stops answering when its connection is lost",
		func() bool { return !a.TokenCacheListening() })
	exec(`ALTER TABLE officer_tokens DISABLE TRIGGER officer_tokens_auth_changed`)
	exec(`UPDATE officer_tokens SET revoked_at = now() WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, token)
	exec(`ALTER TABLE officer_tokens ENABLE TRIGGER officer_tokens_auth_changed`)
	if !refused(token) {
		t.Error("with no listening connection, a revoked token was answered from the cache")
	}
	eventually("the cache listens after its connection came back", a.TokenCacheListening)
}
