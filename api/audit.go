package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"scpo/domain"
)

const auditWriterKey = "audit-writer"

// startAudit opens the request's audit entry: who, what action, from which
// address and why. The purpose is the client's X-Purpose header, or the
// route's default.
func (s *Server) startAudit(c echo.Context, officer domain.Officer) context.Context {
	id := officer.ID
	ctx := domain.WithAudit(c.Request().Context(), newTrail(c, &id))
	c.Set(auditWriterKey, func(ctx context.Context) error { return s.store.WriteAudit(ctx) })
	return ctx
}

// newTrail starts the entry for this request, by officerID (nil when the
// caller is not known).
func newTrail(c echo.Context, officerID *string) *domain.AuditTrail {
	method, route := c.Request().Method, c.Path()
	purpose := cleanPurpose(c.Request().Header.Get("X-Purpose"))
	if purpose == "" {
		purpose = defaultPurpose(route)
	}
	return domain.NewAuditTrail(domain.AuditEntry{OfficerID: officerID, Action: actionOf(method, route), Method: method,
		Route: route, ClientIP: c.RealIP(), Purpose: purpose, RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		Query: auditQuery(c)})
}

// auditQuery is the request's query string as the trail keeps it: every
// parameter (search terms included), sorted by name, percent-encoded, at
// most 2,000 bytes.
func auditQuery(c echo.Context) string {
	q := c.QueryParams().Encode()
	if len(q) > 2000 {
		q = q[:2000]
	}
	return q
}

// paramRecords are the record types path parameters name, by route prefix
// and parameter.
func paramRecords(route string) map[string]string {
	r := strings.TrimPrefix(strings.TrimPrefix(route, "/api/v1"), "/") // API routes and pages alike
	out := map[string]string{"check_id": "check", "token_id": "token", "absence_id": "absence"}
	switch {
	case strings.HasPrefix(r, "subjects/"):
		out["id"] = "subject"
	case strings.HasPrefix(r, "orders/"):
		out["id"] = "order"
	case strings.HasPrefix(r, "officers/"):
		out["id"] = "officer"
	case strings.HasPrefix(r, "meetings/"):
		out["id"] = "meeting"
	case strings.HasPrefix(r, "transfers/"):
		out["id"] = "transfer"
	}
	return out
}

// auditRefusal puts a refused request on the trail: who (when known),
// what they attempted, on which records (those named in the path, and any
// the store had noted before refusing) and the status they were sent. The
// refusal is written on its own, since no change happened to carry it.
// A 429 is not written: it is what keeps a flood of guesses from the
// trail.
func (s *Server) auditRefusal(c echo.Context, status int, err error) error {
	if status < 400 || status >= 500 || status == http.StatusTooManyRequests || s.store == nil {
		return nil
	}
	if !strings.HasPrefix(c.Request().URL.Path, "/api/v1/") || c.Path() == "/api/v1/openapi.json" {
		return nil
	}
	return s.writeRefusal(c, status, err)
}

// writeRefusal writes the refused request's entry (see auditRefusal).
func (s *Server) writeRefusal(c echo.Context, status int, err error) error {
	ctx := c.Request().Context()
	if domain.IsKeyInUse(err) {
		// Its entry is written without the key, which another request
		// holds (a keyed request's entry otherwise claims it).
		ctx = domain.WithIdempotency(ctx, nil)
	}
	trail := domain.AuditFrom(ctx)
	if trail == nil {
		trail = newTrail(c, nil)
		ctx = domain.WithAudit(ctx, trail)
	}
	if _, pending := trail.Pending(); !pending {
		return nil // already on the trail with a change that was made
	}
	types := paramRecords(c.Path())
	for i, name := range c.ParamNames() {
		if typ, ok := types[name]; ok && i < len(c.ParamValues()) {
			if id, ok := domain.CanonicalID(c.ParamValues()[i]); ok {
				trail.Note(typ, id)
			}
		}
	}
	trail.Refuse(status)
	// The handler's context has ended (its timeout is cancelled when it
	// returns); the refusal is written all the same, within its own limit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.store.WriteAudit(ctx)
}

// recordAudit writes the request's entry if no transaction has yet, before
// any answer is sent: a read that cannot be recorded is not answered.
func recordAudit(c echo.Context) error {
	write, ok := c.Get(auditWriterKey).(func(context.Context) error)
	if !ok {
		return nil
	}
	ctx := c.Request().Context()
	if _, pending := domain.AuditFrom(ctx).Pending(); !pending {
		return nil
	}
	return write(ctx)
}

// actionOf names a route's action in the terms of DPA 2018 s.62.
func actionOf(method, route string) string {
	switch {
	case method == http.MethodGet:
		return domain.ActionConsultation
	case method == http.MethodPost && !isAlteringPost(route):
		return domain.ActionCollection
	case method == http.MethodDelete && !strings.Contains(route, "/owners/") && !strings.Contains(route, "/tokens/"):
		return domain.ActionErasure
	}
	return domain.ActionAlteration
}

// isAlteringPost: a POST that changes records already held (a run, a
// reassignment, an answer to a transfer, a cancellation) rather than
// collecting new ones.
func isAlteringPost(route string) bool {
	for _, suffix := range []string{"/runs", "/reassign", "/accept", "/decline", "/withdraw", "/cancel", "/done", "/sign-off", "/corrections"} {
		if strings.HasSuffix(route, suffix) {
			return true
		}
	}
	return false
}

// defaultPurpose is why a route is used when the client does not say.
func defaultPurpose(route string) string {
	r := strings.TrimPrefix(route, "/api/v1/")
	switch {
	case strings.HasSuffix(r, "/export"):
		return "subject access request (DPA 2018 s.45)"
	case strings.HasPrefix(r, "imports"):
		return "bringing a force's records into the register"
	case strings.HasPrefix(r, "audit"), strings.HasSuffix(r, "access-log"):
		return "audit of lawful processing (DPA 2018 s.62)"
	case strings.HasPrefix(r, "reports"), strings.HasPrefix(r, "meetings"), strings.HasPrefix(r, "flags"), strings.HasPrefix(r, "actions"),
		strings.HasSuffix(r, "reassign"):
		return "tasking and oversight of order management"
	case strings.HasPrefix(r, "subjects"), strings.HasPrefix(r, "orders"), strings.HasPrefix(r, "caseload"):
		return "management of serious crime prevention orders"
	}
	return "administration of the service"
}

// cleanPurpose keeps a client's stated purpose printable and short.
func cleanPurpose(p string) string {
	p = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(p))
	// At most 200 bytes, cut between characters so it stays valid UTF-8.
	p = strings.ToValidUTF8(p, "")
	n := 0
	for i, r := range p {
		if i+utf8.RuneLen(r) > 200 {
			break
		}
		n = i + utf8.RuneLen(r)
	}
	return p[:n]
}

// failureLimiter slows down guessing of tokens: each client (an IPv4
// address, or an IPv6 /64, the block one subscriber usually holds) gets a
// small budget of failed authentications, refilled over time.
//
// Memory stays bounded without forgetting anyone still blocked: a client
// whose budget has refilled is the same as one never seen, so such entries
// are dropped first; when the table is still full of clients with spent
// budgets, new clients share one overflow budget rather than push out an
// entry (a spray of addresses slows only itself).
//
// A blocked client is not simply refused: officers behind one station's
// address share its budget, and one colleague's typos would lock them all
// out. But nor is every credential it sends checked, or a blocked client
// could guess at full speed and read the answer (429 or 200). While
// blocked, a credential that cannot be guessed (a service token or feed
// secret of 32 random bytes, a signed JWT: unguessable) is still checked;
// any other (the operator's bootstrap token, typed by hand) only if it
// authenticated from this client in the last 12 hours (proven), and
// otherwise refused unchecked.
type failureLimiter struct {
	mu       sync.Mutex
	burst    int
	every    time.Duration
	max      int
	clients  map[string]*rate.Limiter
	overflow *rate.Limiter
	proven   map[[32]byte]time.Time // sha256(client, credential) -> until
	// jwt: JWT login is on, so a JWT-shaped credential is checked as a
	// JWT only (its signature), never as one of the service's tokens.
	jwt bool
	now func() time.Time
}

// provenFor is how long a credential that authenticated from a client
// gets in from it while it is blocked; provenMax bounds the table.
const (
	provenFor = 12 * time.Hour
	provenMax = 50000
)

const failureTableSize = 10000

func newFailureLimiter(burst int, jwt bool) *failureLimiter {
	if burst <= 0 {
		burst = 10
	}
	f := &failureLimiter{burst: burst, every: 6 * time.Second, max: failureTableSize,
		clients: map[string]*rate.Limiter{}, proven: map[[32]byte]time.Time{}, jwt: jwt, now: time.Now}
	f.overflow = rate.NewLimiter(rate.Every(f.every), burst)
	return f
}

// clientKey is the address a budget belongs to: IPv4 as is, IPv6 by /64.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// limiter returns the client's budget; create says whether to make one for
// a client not yet in the table (a lookup alone never adds an entry).
func (f *failureLimiter) limiter(ip string, create bool) *rate.Limiter {
	key := clientKey(ip)
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, ok := f.clients[key]; ok {
		return l
	}
	if !create {
		return nil
	}
	if len(f.clients) >= f.max {
		now := f.now()
		for k, l := range f.clients {
			if l.TokensAt(now) >= float64(f.burst) {
				delete(f.clients, k) // refilled: nothing to remember
			}
		}
		if len(f.clients) >= f.max {
			return f.overflow
		}
	}
	l := rate.NewLimiter(rate.Every(f.every), f.burst)
	f.clients[key] = l
	return l
}

// blocked reports whether the address has used up its failures.
func (f *failureLimiter) blocked(ip string) bool {
	l := f.limiter(ip, false)
	if l == nil {
		f.mu.Lock()
		full := len(f.clients) >= f.max
		f.mu.Unlock()
		if !full {
			return false
		}
		l = f.overflow
	}
	return l.TokensAt(f.now()) < 1
}

// failed spends one failure.
func (f *failureLimiter) failed(ip string) { f.limiter(ip, true).AllowN(f.now(), 1) }

// unguessable reports whether a credential has the shape of one made of
// 32 random bytes (a service token, a calendar feed's secret): trying
// such shapes at any speed finds nothing. (So does a JWT, when JWT login
// is on: checks.)
func unguessable(credential string) bool {
	for _, prefix := range []string{"scpo_", "scpocal_"} {
		if rest, ok := strings.CutPrefix(credential, prefix); ok && len(rest) == 43 {
			if _, err := base64.RawURLEncoding.DecodeString(rest); err == nil {
				return true
			}
		}
	}
	return false
}

func provenKey(ip, credential string) [32]byte {
	return sha256.Sum256([]byte(clientKey(ip) + "\x00" + credential))
}

// checks reports whether a credential from the client is to be checked at
// all: always, unless the client is blocked and the credential could be
// guessed and has not authenticated from it lately.
func (f *failureLimiter) checks(ip, credential string) bool {
	if !f.blocked(ip) || unguessable(credential) || f.jwt && isJWT(credential) {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	until, ok := f.proven[provenKey(ip, credential)]
	return ok && f.now().Before(until)
}

// proved remembers that the credential authenticated from the client.
func (f *failureLimiter) proved(ip, credential string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if len(f.proven) >= provenMax {
		for k, until := range f.proven {
			if !now.Before(until) {
				delete(f.proven, k)
			}
		}
		if len(f.proven) >= provenMax {
			return // full of live entries: this one is not remembered
		}
	}
	f.proven[provenKey(ip, credential)] = now.Add(provenFor)
}

// listTokens answers a page of an officer's tokens, as issued.
func (s *Server) listTokens(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.TokenInfo, string, error) {
		return s.store.ListTokens(ctxOf(c), c.Param("id"), p)
	})
}

func (s *Server) revokeToken(c echo.Context) error {
	// Another force's officer is out of view: 404, as for a missing one.
	if _, err := s.store.GetOfficer(ctxOf(c), c.Param("id")); err != nil {
		return err
	}
	if err := s.store.RevokeToken(ctxOf(c), c.Param("id"), c.Param("token_id")); err != nil {
		return err
	}
	if err := recordAudit(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listAudit(c echo.Context) error {
	q := newQuery(c, "officer", "subject", "order", "action", "from", "to")
	f := domain.AuditFilter{OfficerID: q.id("officer"), SubjectID: q.id("subject"), OrderID: q.id("order"),
		Action: q.oneOf("action", domain.AuditActions), From: q.instant("from", s.loc, false), To: q.instant("to", s.loc, true)}
	p := auditPage(q)
	if err := q.err(); err != nil {
		return err
	}
	// A filter naming a record out of the auditor's view is 404, whether
	// or not it exists.
	if f.SubjectID != "" {
		if _, err := s.store.GetSubject(ctxOf(c), f.SubjectID); err != nil {
			return err
		}
	}
	if f.OrderID != "" {
		if _, err := s.store.GetOrder(ctxOf(c), f.OrderID); err != nil {
			return err
		}
	}
	if f.OfficerID != "" {
		if _, err := s.store.GetOfficer(ctxOf(c), f.OfficerID); err != nil {
			return err
		}
	}
	out, next, err := s.store.ListAudit(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(out, next))
}

// auditPage reads limit and cursor for the audit trail, whose cursor is an
// entry number rather than a record id.
func auditPage(q *query) domain.Page {
	p := domain.Page{Limit: 50}
	if l := q.intIn("limit", 1, 1_000_000); l != nil {
		p.Limit = min(*l, 500)
	}
	if cur := q.str("cursor"); cur != "" {
		if _, err := strconv.ParseInt(cur, 10, 64); err != nil {
			q.errs.Add("cursor", "is not a cursor this service gave out")
		}
		p.Cursor = cur
	}
	return p
}

// accessLog answers who consulted a subject's records, and why.
func (s *Server) accessLog(c echo.Context) error {
	q := newQuery(c)
	p := auditPage(q)
	if err := q.err(); err != nil {
		return err
	}
	sub, err := s.store.GetSubject(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out, next, err := s.store.ListAudit(ctxOf(c), domain.AuditFilter{SubjectID: sub.ID}, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(out, next))
}
