package api_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"scpo/api"
	"scpo/domain"
)

// The tests' identity provider: a local key, no network.
const (
	oidcIssuer   = "https://idp.test.invalid/realms/scpo"
	oidcAudience = "scpo-api"
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return k
}

// oidcVerifier trusts pub for oidcIssuer and oidcAudience, at the tests'
// fixed time.
func oidcVerifier(pub crypto.PublicKey) *oidc.IDTokenVerifier {
	return oidc.NewVerifier(oidcIssuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{pub}},
		&oidc.Config{ClientID: oidcAudience, Now: func() time.Time { return now }})
}

// newOIDCEnv is newEnv with JWT login configured by verifier (nil: off)
// and the given failed-authentication burst.
func newOIDCEnv(t *testing.T, verifier *oidc.IDTokenVerifier, burst int) *env {
	t.Helper()
	return newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst, c.JWTVerifier = burst, verifier })
}

// idClaims are a valid ID token's claims for email.
func idClaims(email string) map[string]any {
	return map[string]any{"iss": oidcIssuer, "aud": oidcAudience, "sub": "user-" + email, "email": email,
		"email_verified": true, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
}

// signJWT signs claims with key as a compact JWS.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

// unsignedJWT is a token with alg none and an empty signature.
func unsignedJWT(claims map[string]any) string {
	enc := func(v any) string { return base64.RawURLEncoding.EncodeToString([]byte(js(v))) }
	return enc(obj{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + "."
}

// jwtOfficer creates an active officer with roles and returns its id and
// email.
func (e *env) jwtOfficer(t *testing.T, roles ...string) (id, email string) {
	t.Helper()
	email = fmt.Sprintf("jwt.officer%d@gloucestershire.police.uk", emails.Add(1))
	o := e.create(t, "/api/v1/officers", obj{"name": "JWT Officer", "email": email,
		"force": "gloucestershire", "roles": roles})
	return s(o, "id"), email
}

func TestOIDCLogin(t *testing.T) {
	key := rsaKey(t)
	e := newOIDCEnv(t, oidcVerifier(&key.PublicKey), 1_000_000)
	id, email := e.jwtOfficer(t, domain.RoleIOMOfficer)
	valid := signJWT(t, jose.RS256, key, idClaims(email))

	t.Run("valid token", func(t *testing.T) {
		if len(valid) <= 512 {
			t.Fatalf("test token is %d bytes; it should exceed the opaque tokens' limit", len(valid))
		}
		r := e.do(t, "GET", "/api/v1/me", valid, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "id") != id || s(r.Body, "email") != email {
			t.Errorf("GET /me = %s, want officer %s", r, id)
		}
	})

	t.Run("email matched case-insensitively", func(t *testing.T) {
		tok := signJWT(t, jose.RS256, key, idClaims(strings.ToUpper(email)))
		r := e.do(t, "GET", "/api/v1/me", tok, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "id") != id {
			t.Errorf("GET /me = %s, want officer %s", r, id)
		}
	})

	t.Run("email_verified absent or true", func(t *testing.T) {
		for _, v := range []any{nil, true, "true"} {
			tok := signJWT(t, jose.RS256, key, with(idClaims(email), obj{"email_verified": v}))
			want(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusOK)
		}
	})

	t.Run("scope and audit as for opaque tokens", func(t *testing.T) {
		other := e.subject(t, obj{"force": "wiltshire"})
		wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+s(other, "id"), valid, ""), http.StatusNotFound)
		r := e.do(t, "POST", "/api/v1/subjects", valid, js(subjectBody()))
		want(t, r, http.StatusCreated)
		subject := s(r.Body, "id")

		auditorID, _ := e.jwtOfficer(t, domain.RoleAuditor)
		a := e.do(t, "GET", "/api/v1/audit?subject="+subject, e.token(t, auditorID), "")
		want(t, a, http.StatusOK)
		found := false
		for _, it := range items(a) {
			if s(it, "officer_id") == id && s(it, "method") == "POST" {
				found = true
			}
		}
		if !found {
			t.Errorf("no audit entry by %s for creating the subject: %s", id, a)
		}
	})

	t.Run("opaque tokens still work", func(t *testing.T) {
		want(t, e.do(t, "GET", "/api/v1/me", e.admin, ""), http.StatusOK)
		r := e.do(t, "GET", "/api/v1/me", e.token(t, id), "")
		want(t, r, http.StatusOK)
		if s(r.Body, "id") != id {
			t.Errorf("GET /me = %s, want officer %s", r, id)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/me", "scpo_not-a-token", ""), http.StatusUnauthorized)
	})

	otherKey := rsaKey(t)
	unknown := fmt.Sprintf("nobody%d@gloucestershire.police.uk", emails.Add(1))
	goneID, gone := e.jwtOfficer(t, domain.RoleIOMOfficer)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+goneID, e.admin, `{"active":false}`), http.StatusOK)
	long := strings.Repeat("A", 9000)

	refused := []struct {
		name  string
		token string
	}{
		{"wrong audience", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"aud": "another-client"}))},
		{"wrong issuer", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"iss": "https://evil.test.invalid"}))},
		{"expired", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"exp": now.Add(-time.Second).Unix()}))},
		{"not yet valid", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"nbf": now.Add(time.Hour).Unix()}))},
		{"signed by another key", signJWT(t, jose.RS256, otherKey, idClaims(email))},
		{"HMAC signed", signJWT(t, jose.HS256, []byte("a-shared-secret-of-32-bytes-long"), idClaims(email))},
		{"unknown email", signJWT(t, jose.RS256, key, idClaims(unknown))},
		{"deactivated officer", signJWT(t, jose.RS256, key, idClaims(gone))},
		{"email_verified false", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"email_verified": false}))},
		{"email_verified \"false\"", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"email_verified": "false"}))},
		{"no email", signJWT(t, jose.RS256, key, with(idClaims(email), obj{"email": nil}))},
		{"alg none", unsignedJWT(idClaims(email))},
		{"garbage", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl"},
		{"tampered payload", func() string {
			p := strings.Split(valid, ".")
			forged := signJWT(t, jose.RS256, otherKey, with(idClaims(email), obj{"sub": "x"}))
			return p[0] + "." + strings.Split(forged, ".")[1] + "." + p[2]
		}()},
		{"too long", "eyJhbGciOiJSUzI1NiJ9." + long + "." + long},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, e.do(t, "GET", "/api/v1/me", c.token, ""), http.StatusUnauthorized)
		})
	}
}

func TestOIDCFailuresAreRateLimited(t *testing.T) {
	key := rsaKey(t)
	e := newOIDCEnv(t, oidcVerifier(&key.PublicKey), 3)
	_, email := e.jwtOfficer(t, domain.RoleIOMOfficer)
	bad := signJWT(t, jose.RS256, rsaKey(t), idClaims(email))
	for range 3 {
		wantProblem(t, e.do(t, "GET", "/api/v1/me", bad, ""), http.StatusUnauthorized)
	}
	r := e.do(t, "GET", "/api/v1/me", bad, "")
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("after the burst of failed JWTs: %s, want 429", r)
	}
}

func TestOIDCOffJWTIsAnUnknownToken(t *testing.T) {
	key := rsaKey(t)
	e := newOIDCEnv(t, nil, 1_000_000)
	_, email := e.jwtOfficer(t, domain.RoleIOMOfficer)
	tok := signJWT(t, jose.RS256, key, idClaims(email))
	wantProblem(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
	// A short one reaches the store as an opaque token would.
	short := signJWT(t, jose.HS256, []byte("a-shared-secret-of-32-bytes-long"), obj{"email": email})
	if len(short) > 512 {
		t.Fatalf("short token is %d bytes", len(short))
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/me", short, ""), http.StatusUnauthorized)
	want(t, e.do(t, "GET", "/api/v1/me", e.admin, ""), http.StatusOK)
}
