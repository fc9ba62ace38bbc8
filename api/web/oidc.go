package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"scpo/domain"
)

// OIDC configures signing in through a force's identity provider (Entra
// ID, Keycloak…): the authorization-code flow with PKCE, the officer found
// by the ID token's verified email, as the API does for bearer JWTs.
type OIDC struct {
	Provider *oidc.Provider
	// ClientID and ClientSecret are the service's registration with the
	// provider (no secret: a public client, PKCE alone).
	ClientID, ClientSecret string
	// RedirectURL is where the provider sends the browser back:
	// https://<this service>/sign-in/oidc/callback.
	RedirectURL string
	// Client makes the token request; nil: a client with a 15 s timeout.
	Client *http.Client
}

// oidcCookie carries a sign-in's state in the browser between leaving for
// the provider and coming back, binding the callback to the browser that
// started it; the rest is kept server-side (domain.OIDCSignIn).
const (
	oidcCookie     = "scpo_oidc"
	oidcCookiePath = "/sign-in/oidc"
	oidcSignInTTL  = 10 * time.Minute
)

type oidcLogin struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

func newOIDCLogin(cfg *OIDC, clock domain.Clock) *oidcLogin {
	if cfg == nil {
		return nil
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &oidcLogin{
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: cfg.Provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: cfg.Provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: clock.Now}),
		client:   client,
	}
}

// IDClaims are the claims that map an ID token to an officer.
type IDClaims struct {
	Email string `json:"email"`
	// EmailVerified is a boolean in the standard; some providers send the
	// string "true". Absent is accepted (Entra ID does not send it),
	// anything but true is not.
	EmailVerified json.RawMessage `json:"email_verified"`
	Nonce         string          `json:"nonce"`
}

// VerifiedEmail is the token's email when it is there and not unverified,
// else "" and why not.
func (c IDClaims) VerifiedEmail() (email, refusal string) {
	if strings.TrimSpace(c.Email) == "" {
		return "", "no email claim"
	}
	if c.EmailVerified != nil {
		var b bool
		var str string
		if !(json.Unmarshal(c.EmailVerified, &b) == nil && b ||
			json.Unmarshal(c.EmailVerified, &str) == nil && strings.EqualFold(str, "true")) {
			return "", "email not verified"
		}
	}
	return c.Email, ""
}

// oidcStart sends the browser to the identity provider with a new state,
// nonce and PKCE challenge, kept server-side.
func (w *Web) oidcStart(c echo.Context) error {
	if w.oidc == nil {
		return domain.ErrNotFound
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	err := w.store.StartOIDCSignIn(c.Request().Context(), domain.OIDCSignIn{StateHash: hashOf(state), Nonce: nonce,
		CodeVerifier: verifier, Next: localPath(c.QueryParam("next")), ExpiresAt: w.cfg.Clock.Now().Add(oidcSignInTTL)})
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: state, Path: oidcCookiePath, HttpOnly: true, Secure: w.secure(c),
		SameSite: http.SameSiteLaxMode, MaxAge: int(oidcSignInTTL / time.Second)})
	return c.Redirect(http.StatusSeeOther, w.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// oidcCallback finishes a sign-in: the state must be the one this browser
// was given (and is used up), the code is exchanged with the PKCE
// verifier, the ID token verified (signature, issuer, audience, expiry,
// nonce), and its verified email must be an active officer's. Then the
// same server-side session as a token sign-in.
func (w *Web) oidcCallback(c echo.Context) error {
	if w.oidc == nil {
		return domain.ErrNotFound
	}
	ctx := c.Request().Context()
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: "", Path: oidcCookiePath, HttpOnly: true, Secure: w.secure(c),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	// As a token sign-in: a blocked address still gets in with a
	// sign-in the provider completed (officers behind one station's
	// address share its count); only a failure is refused as "too many",
	// and not counted again.
	refuse := func(status int, reason, title, message string) error {
		w.log.InfoContext(ctx, "OpenID Connect sign-in refused", "reason", reason)
		if w.host.SignInBlocked(c) {
			return w.renderStatus(c, http.StatusTooManyRequests, "sign-in-refused", &page{Title: "You cannot sign in at the moment",
				Message: "There have been too many failed attempts from this address. Wait a minute and try again."})
		}
		w.host.SignInFailed(c)
		return w.renderStatus(c, status, "sign-in-refused", &page{Title: title, Message: message})
	}
	const startAgain = "The sign-in could not be completed. It may have taken too long, or been started in another window. Start again."
	if c.QueryParam("error") != "" {
		return refuse(http.StatusUnauthorized, "provider error", "Sign-in was not completed",
			"Your organisation's sign-in service did not sign you in. Start again, or ask your administrator for help.")
	}
	state := c.QueryParam("state")
	ck, err := c.Cookie(oidcCookie)
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		return refuse(http.StatusBadRequest, "state does not match this browser's", "Sign-in was not completed", startAgain)
	}
	login, err := w.store.TakeOIDCSignIn(ctx, hashOf(state), w.cfg.Clock.Now())
	if errors.Is(err, domain.ErrUnauthenticated) {
		return refuse(http.StatusBadRequest, "unknown, used or expired state", "Sign-in was not completed", startAgain)
	}
	if err != nil {
		return err
	}
	code := c.QueryParam("code")
	if code == "" || len(code) > 4096 {
		return refuse(http.StatusBadRequest, "no code", "Sign-in was not completed", startAgain)
	}
	exCtx := context.WithValue(ctx, oauth2.HTTPClient, w.oidc.client)
	tok, err := w.oidc.oauth.Exchange(exCtx, code, oauth2.VerifierOption(login.CodeVerifier))
	if err != nil {
		return refuse(http.StatusBadRequest, "code exchange failed", "Sign-in was not completed", startAgain)
	}
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := w.oidc.verifier.Verify(oidc.ClientContext(ctx, w.oidc.client), raw)
	if err != nil {
		return refuse(http.StatusBadRequest, "ID token not verified", "Sign-in was not completed", startAgain)
	}
	var claims IDClaims
	if err := idToken.Claims(&claims); err != nil ||
		subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(login.Nonce)) != 1 {
		return refuse(http.StatusBadRequest, "nonce does not match", "Sign-in was not completed", startAgain)
	}
	email, why := claims.VerifiedEmail()
	if why != "" {
		return refuse(http.StatusForbidden, why, "You cannot sign in to the register",
			"Your organisation's account has no verified email address, so it cannot be matched to an officer of the register. Ask your administrator.")
	}
	officer, err := w.store.OfficerByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		return refuse(http.StatusForbidden, "no officer", "You cannot sign in to the register",
			"No officer of the register has the email address of the account you signed in with ("+email+"). Ask your force's administrator to add you.")
	}
	if err != nil {
		return err
	}
	if !officer.Active {
		return refuse(http.StatusForbidden, "officer deactivated", "You cannot sign in to the register",
			"Your access to the register has been withdrawn (your officer record is deactivated). Ask your force's administrator if this is wrong.")
	}
	return w.startSession(c, officer, login.Next)
}
