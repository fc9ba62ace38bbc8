package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// Cookie names. The session cookie holds a random ID; the table holds its
// hash. The sign-in cookie carries the sign-in form's CSRF token before
// there is a session (double submit).
const (
	sessionCookie = "scpo_session"
	signInCookie  = "scpo_signin"
)

var (
	errCSRF           = errors.New("csrf token missing or wrong, or cross-site form")
	errSessionExpired = errors.New("session expired")
)

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashOf(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// secure reports whether the browser reached us over TLS.
func (w *Web) secure(c echo.Context) bool {
	return c.IsTLS() || w.cfg.TrustForwardedProto && strings.EqualFold(c.Request().Header.Get("X-Forwarded-Proto"), "https")
}

func (w *Web) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: w.secure(c),
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// session finds the request's session and its (active) officer, ending it
// when it has been idle or alive too long.
func (w *Web) session(c echo.Context) (domain.WebSession, domain.Officer, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return domain.WebSession{}, domain.Officer{}, domain.ErrUnauthenticated
	}
	ctx := c.Request().Context()
	s, me, err := w.store.WebSession(ctx, hashOf(ck.Value))
	if err != nil {
		return s, me, err
	}
	now := w.cfg.Clock.Now()
	if now.Sub(s.LastSeenAt) > w.cfg.IdleTimeout || now.Sub(s.CreatedAt) > w.cfg.AbsoluteTimeout {
		if err := w.store.EndWebSession(ctx, s.IDHash); err != nil {
			return s, me, err
		}
		w.setCookie(c, sessionCookie, "", -1)
		return s, me, errSessionExpired
	}
	if err := w.store.TouchWebSession(ctx, s.IDHash, now); err != nil {
		return s, me, err
	}
	return s, me, nil
}

// toSignIn sends the browser to sign in, and back here afterwards.
func (w *Web) toSignIn(c echo.Context, why string) error {
	q := url.Values{}
	if c.Request().Method == http.MethodGet {
		q.Set("next", c.Request().URL.RequestURI())
	}
	if why != "" {
		q.Set("why", why)
	}
	return c.Redirect(http.StatusSeeOther, "/sign-in?"+q.Encode())
}

// checkCSRF refuses a form without the session's token, or sent from
// another site.
func (w *Web) checkCSRF(c echo.Context, want string) error {
	h := c.Request().Header
	if site := h.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCSRF
	}
	if origin := h.Get("Origin"); origin != "" {
		scheme := "http"
		if w.secure(c) {
			scheme = "https"
		}
		if origin != scheme+"://"+c.Request().Host {
			return errCSRF
		}
	}
	got := c.FormValue("csrf_token")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// startSession signs officer in: a new session (never one the browser
// brought), its cookie, and off to next.
func (w *Web) startSession(c echo.Context, officer domain.Officer, next string) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		_ = w.store.EndWebSession(c.Request().Context(), hashOf(ck.Value))
	}
	id, now := randomToken(), w.cfg.Clock.Now()
	err := w.store.CreateWebSession(c.Request().Context(), domain.WebSession{IDHash: hashOf(id), OfficerID: officer.ID,
		CSRFToken: randomToken(), CreatedAt: now, LastSeenAt: now})
	if err != nil {
		return err
	}
	w.setCookie(c, sessionCookie, id, 0)
	w.setCookie(c, signInCookie, "", -1)
	w.log.InfoContext(c.Request().Context(), "signed in", "officer_id", officer.ID)
	return c.Redirect(http.StatusSeeOther, localPath(next))
}

// signInCSRF is the sign-in form's token, from its cookie or new.
func (w *Web) signInCSRF(c echo.Context) string {
	if ck, err := c.Cookie(signInCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	t := randomToken()
	w.setCookie(c, signInCookie, t, 3600)
	return t
}

func (w *Web) checkSignInCSRF(c echo.Context) error {
	ck, err := c.Cookie(signInCookie)
	if err != nil {
		return errCSRF
	}
	return w.checkCSRF(c, ck.Value)
}

type signInData struct {
	Next, Why string
	OIDC      bool   // sign in through the force's identity provider
	Token     string // a link's token
	Name      string // a link's officer, once known
}

func (w *Web) signInForm(c echo.Context) error {
	return w.render(c, "sign-in", &page{Title: "Sign in", CSRF: w.signInCSRF(c),
		Data: signInData{Next: localPath(c.QueryParam("next")), Why: c.QueryParam("why"), OIDC: w.oidc != nil}})
}

func (w *Web) signIn(c echo.Context) error {
	if w.oidc != nil {
		// With an identity provider, officers sign in through it only.
		return domain.ErrNotFound
	}
	if err := w.checkSignInCSRF(c); err != nil {
		return err
	}
	next := localPath(c.FormValue("next"))
	token := strings.TrimSpace(c.FormValue("token"))
	again := func(msg string) error {
		return w.renderStatus(c, http.StatusUnprocessableEntity, "sign-in", &page{Title: "Sign in", CSRF: w.signInCSRF(c),
			Errors: []fieldError{{Field: "token", Message: msg}}, Data: signInData{Next: next}})
	}
	if token == "" {
		return again("Enter your access token")
	}
	// As the API's: a blocked address still gets in with a token that
	// authenticated from it lately (officers behind one station's address
	// share its count); any other is refused as "too many", unchecked.
	if !w.host.SignInChecks(c, token) {
		return again("Too many failed attempts from this address. Wait a minute and try again")
	}
	var officer domain.Officer
	err := domain.ErrUnauthenticated
	if len(token) <= 512 {
		officer, err = w.store.Authenticate(c.Request().Context(), token)
	}
	if errors.Is(err, domain.ErrUnauthenticated) {
		if w.host.SignInBlocked(c) {
			return again("Too many failed attempts from this address. Wait a minute and try again")
		}
		w.host.SignInFailed(c)
		return again("The access token is not valid. Check it, or ask an administrator for a new one")
	}
	if err != nil {
		return err
	}
	w.host.SignInProved(c, token)
	return w.startSession(c, officer, next)
}

// linkForm shows a one-time sign-in link's button: following a link signs
// nobody in (a link previewer or prefetch must not use it up); the button
// does.
func (w *Web) linkForm(c echo.Context) error {
	return w.render(c, "sign-in-link", &page{Title: "Sign in", CSRF: w.signInCSRF(c),
		Data: signInData{Token: c.Param("token")}})
}

func (w *Web) redeemLink(c echo.Context) error {
	if err := w.checkSignInCSRF(c); err != nil {
		return err
	}
	officer, err := w.store.RedeemSignInLink(c.Request().Context(), hashOf(c.Param("token")))
	if errors.Is(err, domain.ErrUnauthenticated) {
		if w.host.SignInBlocked(c) {
			return echo.NewHTTPError(http.StatusTooManyRequests)
		}
		w.host.SignInFailed(c)
		return w.renderStatus(c, http.StatusGone, "error", &page{Title: "This sign-in link cannot be used",
			Message: "Each link works once and for a limited time. Restart the service for new demo links, or sign in with an access token."})
	}
	if err != nil {
		return err
	}
	return w.startSession(c, officer, "/")
}

func (w *Web) signOut(c echo.Context) error {
	ck, err := c.Cookie(sessionCookie)
	if err == nil && ck.Value != "" {
		s, _, err := w.store.WebSession(c.Request().Context(), hashOf(ck.Value))
		if err == nil {
			if err := w.checkCSRF(c, s.CSRFToken); err != nil {
				return err
			}
			if err := w.store.EndWebSession(c.Request().Context(), s.IDHash); err != nil {
				return err
			}
		}
	}
	w.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/sign-in?why=signed-out")
}

// IssueSignInLink makes a one-time sign-in link's path for an officer,
// valid for ttl.
func IssueSignInLink(ctx context.Context, store domain.WebSessions, officerID string, now time.Time, ttl time.Duration) (string, error) {
	t := randomToken()
	if err := store.CreateSignInLink(ctx, officerID, hashOf(t), now.Add(ttl)); err != nil {
		return "", err
	}
	return "/sign-in/link/" + t, nil
}

// keepFlash keeps what the page a form redirects to says it did, with the
// session: never in the redirect's query, which anyone can write.
func (w *Web) keepFlash(r *req, flash any) error {
	b, err := json.Marshal(flash)
	if err != nil {
		return err
	}
	return w.store.SetWebSessionFlash(r.ctx(), r.sess.IDHash, b)
}

// takeFlash reads the session's kept flash into flash, once: false when
// none was kept.
func (w *Web) takeFlash(r *req, flash any) (bool, error) {
	b, err := w.store.TakeWebSessionFlash(r.ctx(), r.sess.IDHash)
	if err != nil || b == nil {
		return false, err
	}
	return true, json.Unmarshal(b, flash)
}
