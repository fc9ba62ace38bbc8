package api_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"scpo/api"
	"scpo/api/web"
	"scpo/domain"
)

// testIdP is an OpenID Connect provider on loopback: discovery, JWKS, an
// authorization endpoint that signs in whoever the test says, and a token
// endpoint that checks the PKCE verifier, uses each code once and signs ID
// tokens with a local key.
type testIdP struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	email    string
	verified any
	codes    map[string]idpCode
}

type idpCode struct{ nonce, challenge, redirect string }

const (
	idpClientID     = "scpo-web"
	idpClientSecret = "test-client-secret"
	idpRedirect     = "http://scpo.test.invalid/sign-in/oidc/callback"
)

func newTestIdP(t *testing.T) *testIdP {
	p := &testIdP{t: t, key: rsaKey(t), codes: map[string]idpCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != idpClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")[:8] + "-" + base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
		p.mu.Lock()
		p.codes[code] = idpCode{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		c, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code")) // a code works once
		email, verified := p.email, p.verified
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != idpClientID || secret != idpClientSecret || !found || r.PostForm.Get("grant_type") != "authorization_code" ||
			r.PostForm.Get("redirect_uri") != c.redirect || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims := map[string]any{"iss": p.srv.URL, "aud": idpClientID, "sub": "sub-" + email, "email": email,
			"nonce": c.nonce, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
		if verified != nil {
			claims["email_verified"] = verified
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
			"id_token": signJWT(p.t, jose.RS256, jose.JSONWebKey{Key: p.key, KeyID: "k1"}, claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// as makes the provider sign in email next, with email_verified as given
// (nil: absent).
func (p *testIdP) as(email string, verified any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.email, p.verified = email, verified
}

func (p *testIdP) config(t *testing.T) *web.OIDC {
	provider, err := oidc.NewProvider(context.Background(), p.srv.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &web.OIDC{Provider: provider, ClientID: idpClientID, ClientSecret: idpClientSecret, RedirectURL: idpRedirect}
}

// oidcSignIn takes a browser to the provider and back: the callback's
// path and query, ready to be sent to the service.
func (b *browser) toProvider(next string) string {
	b.t.Helper()
	p := b.get("/sign-in/oidc?next=" + url.QueryEscape(next))
	wantStatus(b.t, p, http.StatusSeeOther)
	res, err := b.c.Get(p.Header.Get("Location"))
	if err != nil {
		b.t.Fatalf("authorize: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("authorize: %d", res.StatusCode)
	}
	back, _ := url.Parse(res.Header.Get("Location"))
	if got := back.Scheme + "://" + back.Host + back.Path; got != idpRedirect {
		b.t.Fatalf("provider sent the browser to %q", got)
	}
	return back.Path + "?" + back.RawQuery
}

func TestOIDCSignIn(t *testing.T) {
	idp := newTestIdP(t)
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst, c.OIDCSignIn = 1_000_000, idp.config(t) })
	id, email := e.jwtOfficer(t, domain.RoleIOMOfficer)
	signedIn := func(t *testing.T, b *browser) bool {
		t.Helper()
		return b.get("/").Status == http.StatusOK
	}

	t.Run("the sign-in page offers the provider, not a token", func(t *testing.T) {
		b := e.browser(t)
		p := b.get("/sign-in")
		wantText(t, p, `href="/sign-in/oidc?next=%2f"`, "Sign in with your force account")
		if strings.Contains(p.Body, `name="token"`) {
			t.Error("token form shown with OpenID Connect on")
		}
		wantStatus(t, b.post("/sign-in", url.Values{"token": {e.token(t, id)}}), http.StatusNotFound)
		if signedIn(t, b) {
			t.Error("signed in with a token while OpenID Connect is on")
		}
	})

	t.Run("code with PKCE signs the officer in", func(t *testing.T) {
		idp.as(strings.ToUpper(email), true)
		b := e.browser(t)
		start := b.get("/sign-in/oidc?next=%2Ffind")
		wantStatus(t, start, http.StatusSeeOther)
		auth, _ := url.Parse(start.Header.Get("Location"))
		if !strings.HasPrefix(start.Header.Get("Location"), idp.srv.URL+"/authorize?") || auth.Query().Get("code_challenge_method") != "S256" {
			t.Fatalf("sent to %q", start.Header.Get("Location"))
		}
		callback := b.toProvider("/find")
		p := b.get(callback)
		wantStatus(t, p, http.StatusSeeOther)
		if p.Header.Get("Location") != "/find" {
			t.Errorf("after sign-in, sent to %q, want /find", p.Header.Get("Location"))
		}
		home := b.get("/")
		wantStatus(t, home, http.StatusOK)
		wantText(t, home, "JWT Officer")

		// The same callback again: the state is used up (and the code too).
		again := e.browser(t)
		wantStatus(t, again.get(callback), http.StatusBadRequest)
		if signedIn(t, again) {
			t.Error("a replayed callback signed a browser in")
		}
	})

	t.Run("wrong state", func(t *testing.T) {
		idp.as(email, true)
		b := e.browser(t)
		callback := b.toProvider("/")
		u, _ := url.Parse(callback)
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		p := b.get(u.Path + "?" + q.Encode())
		wantStatus(t, p, http.StatusBadRequest)
		wantText(t, p, "Sign-in was not completed")
		if signedIn(t, b) {
			t.Error("signed in with a wrong state")
		}
		// Another browser's callback does not sign this one in either.
		other := e.browser(t)
		wantStatus(t, other.get(b.toProvider("/")), http.StatusBadRequest)
		if signedIn(t, other) {
			t.Error("signed in with another browser's state")
		}
	})

	t.Run("replayed code", func(t *testing.T) {
		idp.as(email, true)
		b := e.browser(t)
		first := b.toProvider("/")
		wantStatus(t, b.get(first), http.StatusSeeOther)
		// A new sign-in (fresh state, this browser's) with the old code.
		b2 := e.browser(t)
		fresh, _ := url.Parse(b2.toProvider("/"))
		old, _ := url.Parse(first)
		q := fresh.Query()
		q.Set("code", old.Query().Get("code"))
		p := b2.get(fresh.Path + "?" + q.Encode())
		wantStatus(t, p, http.StatusBadRequest)
		if signedIn(t, b2) {
			t.Error("signed in with a replayed code")
		}
	})

	refusals := []struct {
		name, email string
		verified    any
		want        string
	}{
		{"unverified email", email, false, "no verified email"},
		{"unverified email as a string", email, "false", "no verified email"},
		{"unknown officer", "nobody@gloucestershire.police.uk", true, "No officer of the register has the email"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			idp.as(tc.email, tc.verified)
			b := e.browser(t)
			p := b.get(b.toProvider("/"))
			wantStatus(t, p, http.StatusForbidden)
			wantText(t, p, "You cannot sign in to the register", tc.want, `href="/sign-in"`)
			if signedIn(t, b) {
				t.Error("signed in")
			}
		})
	}

	t.Run("deactivated officer", func(t *testing.T) {
		goneID, gone := e.jwtOfficer(t, domain.RoleLRO)
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+goneID, e.admin, `{"active": false}`), http.StatusOK)
		idp.as(gone, nil)
		b := e.browser(t)
		p := b.get(b.toProvider("/"))
		wantStatus(t, p, http.StatusForbidden)
		wantText(t, p, "deactivated")
		if signedIn(t, b) {
			t.Error("a deactivated officer signed in")
		}
	})
}

func TestOIDCSignInOffWithoutIssuer(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	wantStatus(t, b.get("/sign-in/oidc"), http.StatusNotFound)
	wantText(t, b.get("/sign-in"), `name="token"`)
}

// A blocked address still signs in through its provider (officers behind
// one station's address share its count); only failures are refused.
func TestOIDCSignInFromABlockedAddress(t *testing.T) {
	idp := newTestIdP(t)
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst, c.OIDCSignIn = 3, idp.config(t) })
	_, email := e.jwtOfficer(t, domain.RoleIOMOfficer)
	idp.as("nobody@gloucestershire.police.uk", true)
	b := e.browser(t)
	status := 0
	for range 6 {
		status = b.get(b.toProvider("/")).Status
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("after six refused sign-ins: %d, want 429", status)
	}
	idp.as(email, true)
	p := b.get(b.toProvider("/"))
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, b.get("/"), http.StatusOK)
	idp.as("nobody@gloucestershire.police.uk", true)
	wantStatus(t, e.browser(t).get(b.toProvider("/")), http.StatusTooManyRequests)
}
