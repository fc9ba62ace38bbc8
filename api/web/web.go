// Package web serves the officers' interface: server-rendered pages in the
// GOV.UK Design System's style, beside the JSON API and under the same
// permission table, force scope and audit trail. A page names the API
// route whose permission it follows (Route.Perm); the API's Host enforces
// it, scopes the request and keeps its audit entry. Pages call the same
// store methods as the JSON handlers and hold no SQL.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/*.gohtml
var templateFS embed.FS

// Store is what the pages read and change: the same services as the API.
type Store interface {
	domain.Officers
	domain.Subjects
	domain.Orders
	domain.Sweeps
	domain.Policies
	domain.Reports
	domain.Meetings
	domain.OrderDecisionReader
	domain.Audit
	domain.WebSessions
	domain.OIDCSignIns
	domain.Transfers
	domain.Absences
	domain.WorkloadReports
	domain.Importer
	domain.LegalLife
	domain.CalendarFeeds
	domain.Notifications
	domain.Reassigner
}

// Host is what the JSON API lends the pages.
type Host interface {
	// Enter makes officer the request's actor: their force scope, the
	// request's audit entry (purpose and action those of the API route perm
	// names, for a page of that kind) and the permission table's verdict on
	// perm: domain.ErrForbidden when their roles are not allowed.
	Enter(c echo.Context, officer domain.Officer, perm string) error
	// Permitted reports whether officer's roles are allowed perm.
	Permitted(officer domain.Officer, perm string) bool
	// RecordAudit writes the request's entry if nothing has yet; a page
	// whose entry cannot be written is not shown.
	RecordAudit(c echo.Context) error
	// Disclose marks the request as a disclosure and writes its entry.
	Disclose(c echo.Context) error
	// Refused puts a refused page request on the trail.
	Refused(c echo.Context, status int) error
	// SignInBlocked and SignInFailed share the API's limit on failed
	// authentications per client address.
	SignInBlocked(c echo.Context) bool
	SignInFailed(c echo.Context)
	// SignInChecks reports whether a credential from a blocked address is
	// to be checked at all (one that authenticated from it lately);
	// SignInProved remembers one that did.
	SignInChecks(c echo.Context, credential string) bool
	SignInProved(c echo.Context, credential string)
	// TaskingCSV writes the agenda as the API's CSV.
	// It records the disclosure itself, per page of rows.
	TaskingCSV(c echo.Context, force string, asOf domain.Date) error
	// ExportSubject answers the API's subject export (JSON, or the
	// printable page with ?format=html), recording the disclosure itself.
	ExportSubject(c echo.Context) error
	// ImportTemplate writes the API's import template (CSV).
	ImportTemplate(c echo.Context) error
	// JobSchedules is each sweep's cron schedule, as configured.
	JobSchedules() map[string]string
	// Minutes writes a meeting's minutes (format csv or html) as the API
	// does, recording the download as a disclosure and a share.
	Minutes(c echo.Context, meetingID, format string) error
	// CalendarURL is a calendar feed's address for its secret, as the API
	// answers it.
	CalendarURL(c echo.Context, secret string) string
	// Unavailable reports whether err means the database is unreachable.
	Unavailable(err error) bool
	// Status is the HTTP status the API answers err with: a refusal from
	// the API's own handlers (ImportTemplate, Minutes, ...) is a page with
	// that status, not a failure.
	Status(err error) int
}

// Config wires the pages.
type Config struct {
	Store    Store
	Host     Host
	Clock    domain.Clock
	Location *time.Location
	Logger   *slog.Logger
	// IdleTimeout and AbsoluteTimeout end a session unused for, or older
	// than, so long; defaults 30 minutes and 12 hours.
	IdleTimeout, AbsoluteTimeout time.Duration
	// TrustForwardedProto: a proxy in front terminates TLS and says so with
	// X-Forwarded-Proto: https; cookies are then Secure.
	TrustForwardedProto bool
	// OIDC, when set, signs officers in through the force's identity
	// provider instead of with an access token.
	OIDC *OIDC
}

// Web serves the pages.
type Web struct {
	cfg   Config
	store Store
	host  Host
	log   *slog.Logger
	tmpl  map[string]*template.Template
	oidc  *oidcLogin // nil: sign in with an access token

	forcesMu sync.Mutex
	forces   map[string]string // force code → name
	regions  map[string]string // region code → name
}

// forceName is a force's name ("Avon and Somerset Constabulary"), from
// the forces table (read once, and again when a code is not in it).
func (w *Web) forceName(code string) string {
	return w.nameOf(code, func() map[string]string { return w.forces })
}

// regionName is a region's name ("South West"), as forceName.
func (w *Web) regionName(code string) string {
	return w.nameOf(code, func() map[string]string { return w.regions })
}

func (w *Web) nameOf(code string, names func() map[string]string) string {
	if code == "" {
		return ""
	}
	w.forcesMu.Lock()
	defer w.forcesMu.Unlock()
	if n, ok := names()[code]; ok {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if forces, err := w.store.ListForces(ctx); err == nil {
		w.forces, w.regions = make(map[string]string, len(forces)), map[string]string{}
		for _, f := range forces {
			w.forces[f.Code], w.regions[f.Region] = f.Name, f.RegionName
		}
	}
	if n, ok := names()[code]; ok {
		return n
	}
	return code
}

// Route is one page: its method and path, and the API route (method and
// path, as in the API's permission table) whose permission it follows.
type Route struct {
	Method, Path, Perm string
	handler            func(*Web, *req) error
}

// Routes lists every signed-in page with the permission it follows.
func Routes() []Route {
	return []Route{
		{http.MethodGet, "/", "GET /api/v1/me", (*Web).home},
		{http.MethodPost, "/calendar-feed", "POST /api/v1/me/calendar", (*Web).createCalendarFeed},
		{http.MethodPost, "/calendar-feed/revoke", "DELETE /api/v1/me/calendar", (*Web).revokeCalendarFeed},
		{http.MethodPost, "/notifications", "PUT /api/v1/me/notifications", (*Web).setNotifications},
		{http.MethodGet, "/actions/:id", "POST /api/v1/actions/:id/done", (*Web).actionForm},
		{http.MethodPost, "/actions/:id/done", "POST /api/v1/actions/:id/done", closeAction(domain.ActionDone)},
		{http.MethodPost, "/actions/:id/cancel", "POST /api/v1/actions/:id/cancel", closeAction(domain.ActionCancelled)},
		{http.MethodGet, "/find", "GET /api/v1/subjects", (*Web).find},
		{http.MethodGet, "/orders/:id", "GET /api/v1/orders/:id", (*Web).order},
		{http.MethodGet, "/orders/:id/reviews", "GET /api/v1/orders/:id/reviews", (*Web).orderReviews},
		{http.MethodGet, "/orders/:id/events", "GET /api/v1/orders/:id/events", (*Web).orderEvents},
		{http.MethodGet, "/orders/:id/flags", "GET /api/v1/orders/:id", (*Web).orderFlags},
		{http.MethodGet, "/orders/:id/reviews/new", "POST /api/v1/orders/:id/reviews", (*Web).reviewForm},
		{http.MethodGet, "/orders/:id/checks/new", "POST /api/v1/orders/:id/checks", (*Web).checkScheduleForm},
		{http.MethodPost, "/orders/:id/checks", "POST /api/v1/orders/:id/checks", (*Web).scheduleCheck},
		{http.MethodGet, "/orders/:id/service/new", "POST /api/v1/orders/:id/service", legalForm("service")},
		{http.MethodPost, "/orders/:id/service", "POST /api/v1/orders/:id/service", recordLegal("service")},
		{http.MethodGet, "/orders/:id/variations/new", "POST /api/v1/orders/:id/variations", legalForm("variation")},
		{http.MethodPost, "/orders/:id/variations", "POST /api/v1/orders/:id/variations", recordLegal("variation")},
		{http.MethodGet, "/orders/:id/breaches/new", "POST /api/v1/orders/:id/breaches", legalForm("breach")},
		{http.MethodPost, "/orders/:id/breaches", "POST /api/v1/orders/:id/breaches", recordLegal("breach")},
		{http.MethodGet, "/orders/:id/discharge/new", "POST /api/v1/orders/:id/discharge", legalForm("discharge")},
		{http.MethodPost, "/orders/:id/discharge", "POST /api/v1/orders/:id/discharge", recordLegal("discharge")},
		{http.MethodGet, "/orders/:id/appeals/new", "POST /api/v1/orders/:id/appeals", legalForm("appeal")},
		{http.MethodPost, "/orders/:id/appeals", "POST /api/v1/orders/:id/appeals", recordLegal("appeal")},
		{http.MethodGet, "/orders/:id/appeals/:appeal_id/decision", "POST /api/v1/orders/:id/appeals/:appeal_id/decision", legalForm("appeal-decision")},
		{http.MethodPost, "/orders/:id/appeals/:appeal_id/decision", "POST /api/v1/orders/:id/appeals/:appeal_id/decision", recordLegal("appeal-decision")},
		{http.MethodGet, "/orders/:id/extensions/new", "POST /api/v1/orders/:id/extensions", legalForm("charge")},
		{http.MethodPost, "/orders/:id/extensions", "POST /api/v1/orders/:id/extensions", recordLegal("charge")},
		{http.MethodGet, "/orders/:id/extensions/:extension_id/outcome", "PATCH /api/v1/orders/:id/extensions/:extension_id", legalForm("charge-outcome")},
		{http.MethodPost, "/orders/:id/extensions/:extension_id/outcome", "PATCH /api/v1/orders/:id/extensions/:extension_id", recordLegal("charge-outcome")},
		{http.MethodGet, "/orders/:id/breaches/:breach_id/outcome", "PATCH /api/v1/orders/:id/breaches/:breach_id", legalForm("breach-outcome")},
		{http.MethodPost, "/orders/:id/breaches/:breach_id/outcome", "PATCH /api/v1/orders/:id/breaches/:breach_id", recordLegal("breach-outcome")},
		{http.MethodPost, "/orders/:id/reviews", "POST /api/v1/orders/:id/reviews", (*Web).recordReview},
		{http.MethodGet, "/orders/:id/checks/:check_id/no-breach", "POST /api/v1/orders/:id/checks/:check_id/no-breach", legalForm("no-breach")},
		{http.MethodPost, "/orders/:id/checks/:check_id/no-breach", "POST /api/v1/orders/:id/checks/:check_id/no-breach", recordLegal("no-breach")},
		{http.MethodGet, "/orders/:id/checks/:check_id/outcome", "PATCH /api/v1/orders/:id/checks/:check_id", (*Web).checkForm},
		{http.MethodPost, "/orders/:id/checks/:check_id/outcome", "PATCH /api/v1/orders/:id/checks/:check_id", (*Web).recordCheck},
		{http.MethodGet, "/orders/:id/owners/:role", "PUT /api/v1/orders/:id/owners/:role", (*Web).ownerForm},
		{http.MethodPost, "/orders/:id/owners/:role", "PUT /api/v1/orders/:id/owners/:role", (*Web).assignOwner},
		{http.MethodGet, "/subjects/:id", "GET /api/v1/subjects/:id", (*Web).subject},
		{http.MethodGet, "/subjects/:id/release", "PATCH /api/v1/subjects/:id", (*Web).releaseForm},
		{http.MethodPost, "/subjects/:id/release", "PATCH /api/v1/subjects/:id", (*Web).recordRelease},
		{http.MethodGet, "/subjects/:id/custody", "PATCH /api/v1/subjects/:id", (*Web).custodyForm},
		{http.MethodPost, "/subjects/:id/custody", "PATCH /api/v1/subjects/:id", (*Web).updateCustody},
		{http.MethodGet, "/tasking", "GET /api/v1/reports/tasking", (*Web).tasking},
		{http.MethodGet, "/tasking/agenda.csv", "GET /api/v1/reports/tasking", (*Web).taskingCSV},
		{http.MethodGet, "/pre-release", "GET /api/v1/reports/pre-release", (*Web).preRelease},
		{http.MethodGet, "/region", "GET /api/v1/reports/region", (*Web).region},
		{http.MethodGet, "/audit", "GET /api/v1/audit", (*Web).audit},
		{http.MethodGet, "/audit/entries/:entry", "GET /api/v1/audit", (*Web).auditEntry},
		{http.MethodGet, "/officers", "GET /api/v1/officers", (*Web).officers},
		{http.MethodGet, "/officers/new", "POST /api/v1/officers", (*Web).officerForm},
		{http.MethodPost, "/officers", "POST /api/v1/officers", (*Web).createOfficer},
		{http.MethodGet, "/officers/:id", "GET /api/v1/officers/:id", (*Web).officer},
		{http.MethodPost, "/officers/:id", "PATCH /api/v1/officers/:id", (*Web).saveOfficer},
		{http.MethodGet, "/officers/:id/caseload", "GET /api/v1/caseload", (*Web).officerCaseload},
		{http.MethodGet, "/officers/:id/reassign", "POST /api/v1/officers/:id/reassign", (*Web).reassignForm},
		{http.MethodPost, "/officers/:id/reassign", "POST /api/v1/officers/:id/reassign", (*Web).reassign},
		{http.MethodPost, "/officers/:id/tokens", "POST /api/v1/officers/:id/tokens", (*Web).issueToken},
		{http.MethodPost, "/officers/:id/tokens/:token_id/revoke", "DELETE /api/v1/officers/:id/tokens/:token_id", (*Web).revokeToken},
		{http.MethodGet, "/jobs", "GET /api/v1/jobs", (*Web).jobs},
		{http.MethodPost, "/jobs/run", "POST /api/v1/jobs/:name/runs", (*Web).runJob},
		{http.MethodPost, "/jobs/preview", "GET /api/v1/jobs/:name/preview", (*Web).previewJob},
		{http.MethodGet, "/subjects/:id/access-log", "GET /api/v1/subjects/:id/access-log", (*Web).accessLog},
		{http.MethodGet, "/meetings", "GET /api/v1/meetings", (*Web).meetingList},
		{http.MethodPost, "/meetings", "POST /api/v1/meetings", (*Web).startMeeting},
		{http.MethodGet, "/meetings/:id", "GET /api/v1/meetings/:id", (*Web).meeting},
		{http.MethodGet, "/meetings/:id/orders/:order_id/decision", "POST /api/v1/meetings/:id/decisions", (*Web).meetingDecisionForm},
		{http.MethodPost, "/meetings/:id/orders/:order_id/decision", "POST /api/v1/meetings/:id/decisions", (*Web).meetingDecide},
		{http.MethodPost, "/meetings/:id/decisions/:decision_id/withdraw", "POST /api/v1/meetings/:id/decisions/:decision_id/withdraw", (*Web).meetingWithdraw},
		{http.MethodPost, "/meetings/:id/attendance", "PUT /api/v1/meetings/:id/attendance", (*Web).meetingAttendance},
		{http.MethodPost, "/meetings/:id/sign-off", "POST /api/v1/meetings/:id/sign-off", (*Web).meetingSignOff},
		{http.MethodPost, "/regional-meetings", "POST /api/v1/regional-meetings", (*Web).startRegionalMeeting},
		{http.MethodGet, "/regional-meetings/:id/orders/:order_id/decision", "POST /api/v1/regional-meetings/:id/decisions", (*Web).regionalDecisionForm},
		{http.MethodPost, "/regional-meetings/:id/orders/:order_id/decision", "POST /api/v1/regional-meetings/:id/decisions", (*Web).regionalDecide},
		{http.MethodGet, "/meetings/:id/minutes", "GET /api/v1/meetings/:id", meetingMinutes("html")},
		{http.MethodGet, "/meetings/:id/minutes.csv", "GET /api/v1/meetings/:id", meetingMinutes("csv")},
		{http.MethodGet, "/subjects/:id/export", "GET /api/v1/subjects/:id/export", (*Web).exportSubject},
		{http.MethodGet, "/subjects/:id/transfer", "POST /api/v1/subjects/:id/transfers", (*Web).transferForm},
		{http.MethodPost, "/subjects/:id/transfer", "POST /api/v1/subjects/:id/transfers", (*Web).requestTransfer},
		{http.MethodGet, "/transfers", "GET /api/v1/transfers", (*Web).transfers},
		{http.MethodGet, "/transfers/:id", "GET /api/v1/transfers/:id", (*Web).transfer},
		{http.MethodPost, "/transfers/:id/accept", "POST /api/v1/transfers/:id/accept", decideTransfer(domain.TransferAccepted)},
		{http.MethodPost, "/transfers/:id/decline", "POST /api/v1/transfers/:id/decline", decideTransfer(domain.TransferDeclined)},
		{http.MethodPost, "/transfers/:id/withdraw", "POST /api/v1/transfers/:id/withdraw", decideTransfer(domain.TransferWithdrawn)},
		{http.MethodGet, "/officers/:id/absences/new", "POST /api/v1/officers/:id/absences", (*Web).absenceForm},
		{http.MethodPost, "/officers/:id/absences", "POST /api/v1/officers/:id/absences", (*Web).recordAbsence},
		{http.MethodGet, "/officers/:id/absences/:absence_id", "PATCH /api/v1/officers/:id/absences/:absence_id", (*Web).absenceForm},
		{http.MethodPost, "/officers/:id/absences/:absence_id", "PATCH /api/v1/officers/:id/absences/:absence_id", (*Web).changeAbsence},
		{http.MethodGet, "/workload", "GET /api/v1/reports/workload", (*Web).workload},
		{http.MethodGet, "/imports", "POST /api/v1/imports", (*Web).importForm},
		{http.MethodPost, "/imports", "POST /api/v1/imports", (*Web).importDryRun},
		{http.MethodPost, "/imports/commit", "POST /api/v1/imports", (*Web).importCommit},
		{http.MethodGet, "/imports/template.csv", "GET /api/v1/imports/template", (*Web).importTemplate},
		{http.MethodGet, "/forces/:code/policy", "GET /api/v1/forces/:code/policy", (*Web).policyForm},
		{http.MethodPost, "/forces/:code/policy", "PUT /api/v1/forces/:code/policy", (*Web).savePolicy},
	}
}

// New builds the pages.
func New(cfg Config) *Web {
	if cfg.Clock == nil {
		cfg.Clock = domain.SystemClock{}
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	w := &Web{cfg: cfg, store: cfg.Store, host: cfg.Host, log: cfg.Logger, oidc: newOIDCLogin(cfg.OIDC, cfg.Clock)}
	w.tmpl = parseTemplates(w.forceName, w.regionName, w.cfg.Location)
	return w
}

// Mount adds the pages, the sign-in pages and the static assets to e.
func (w *Web) Mount(e *echo.Echo) {
	static, _ := fs.Sub(staticFS, "static")
	assets := http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	serveStatic := func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=3600")
		assets.ServeHTTP(c.Response(), c.Request())
		return nil
	}
	e.GET("/static/*", serveStatic)
	// GOV.UK Frontend's stylesheet refers to its images under /assets/.
	e.GET("/assets/*", func(c echo.Context) error {
		c.Request().URL.Path = "/static/govuk" + c.Request().URL.Path
		return serveStatic(c)
	})
	e.GET("/favicon.ico", func(c echo.Context) error {
		c.Request().URL.Path = "/static/govuk/assets/images/favicon.ico"
		return serveStatic(c)
	})

	e.GET("/sign-in", w.public(w.signInForm))
	e.POST("/sign-in", w.public(w.signIn))
	e.GET("/sign-in/link/:token", w.public(w.linkForm))
	e.POST("/sign-in/link/:token", w.public(w.redeemLink))
	e.POST("/sign-out", w.public(w.signOut))
	e.GET("/sign-in/oidc", w.public(w.oidcStart))
	e.GET("/sign-in/oidc/callback", w.public(w.oidcCallback))

	for _, r := range Routes() {
		e.Add(r.Method, r.Path, w.page(r))
	}
}

// req is one signed-in page request.
type req struct {
	echo.Context
	me   domain.Officer
	sess domain.WebSession
}

func (r *req) ctx() context.Context { return r.Request().Context() }

// pageHeaders: the pages' own Content-Security-Policy (no inline script or
// style anywhere), and nothing kept in any cache.
func pageHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("Cache-Control", "no-store")
	// Same-origin requests carry their origin (the CSRF check reads it);
	// nothing goes to other sites. With no-referrer, browsers send
	// "Origin: null" even on our own forms.
	h.Set("Referrer-Policy", "same-origin")
}

// page serves a signed-in page: the session, the officer's scope, audit
// entry and permission, then (for a form) the CSRF check, then the
// handler. Errors become pages here, never JSON problems.
func (w *Web) page(rt Route) echo.HandlerFunc {
	return func(c echo.Context) error {
		pageHeaders(c)
		sess, me, err := w.session(c)
		if err != nil {
			if errors.Is(err, domain.ErrUnauthenticated) {
				return w.toSignIn(c, "")
			}
			if errors.Is(err, errSessionExpired) {
				return w.toSignIn(c, "expired")
			}
			return w.fail(c, nil, err)
		}
		r := &req{Context: c, me: me, sess: sess}
		if err := w.host.Enter(c, me, rt.Perm); err != nil {
			return w.fail(c, r, err)
		}
		if c.Request().Method == http.MethodPost {
			limit := int64(1 << 20)
			if c.Path() == "/imports" { // the upload; its commit carries only an ID
				limit = maxImportForm
			}
			c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, limit)
			if err := c.Request().ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return w.fail(c, r, echo.NewHTTPError(http.StatusRequestEntityTooLarge))
				}
			}
			if err := w.checkCSRF(c, sess.CSRFToken); err != nil {
				return w.fail(c, r, err)
			}
		}
		if err := storableInput(c.Request()); err != nil {
			return w.fail(c, r, err)
		}
		if err := rt.handler(w, r); err != nil {
			return w.fail(c, r, err)
		}
		return nil
	}
}

// public serves a page that needs no session (signing in and out).
func (w *Web) public(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		pageHeaders(c)
		if err := h(c); err != nil {
			return w.fail(c, nil, err)
		}
		return nil
	}
}

// fail answers an error as a page, and puts refusals on the audit trail.
// An error after the answer has begun (a download cut off by the request's
// time limit or the database) goes back to the server's error handler,
// which aborts the response as the API's own downloads are aborted, so the
// client sees a broken transfer rather than a short file that looks whole.
func (w *Web) fail(c echo.Context, r *req, err error) error {
	if c.Response().Committed {
		return err
	}
	status, title, body := http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later."
	var he *echo.HTTPError
	switch {
	case errors.Is(err, domain.ErrNotFound):
		status, title, body = http.StatusNotFound, "Page not found", "There is no such page, or it is not one you can see."
	case errors.Is(err, domain.ErrForbidden):
		status, title, body = http.StatusForbidden, "You cannot do this", "Your roles do not allow this page or action."
		var why *refusal
		if errors.As(err, &why) {
			body = why.why
		}
	case errors.Is(err, errCSRF):
		status, title, body = http.StatusForbidden, "The form could not be sent",
			"The form had expired or came from another site. Go back, reload the page and try again."
	case errors.As(err, &he) && he.Code < 500:
		status, title, body = he.Code, http.StatusText(he.Code), "The request could not be served."
	case errors.Is(err, errUnstorable):
		status, title, body = http.StatusBadRequest, "The text could not be stored",
			"Something you sent has a character the register cannot store (a NUL, or a broken character). Remove it and try again."
	case w.host.Unavailable(err):
		status, body = http.StatusServiceUnavailable, "The register cannot reach its database. Try again in a minute."
		c.Response().Header().Set("Retry-After", "30")
	case w.host.Status(err) < 500:
		st := w.host.Status(err)
		status, title, body = st, http.StatusText(st), "The request could not be served."
	default:
		w.log.ErrorContext(c.Request().Context(), "page failed", "route", c.Path(), "error", err)
	}
	if status < 500 && r != nil {
		if err := w.host.Refused(c, status); err != nil {
			w.log.ErrorContext(c.Request().Context(), "refusal not audited", "error", err)
		}
	}
	p := &page{Title: title, Message: body}
	if r != nil {
		p.Me, p.CSRF = &r.me, r.sess.CSRFToken
	}
	return w.renderStatus(c, status, "error", p)
}

// refusal is a refusal that says who may, where "your roles do not allow"
// would mislead: a force's administrator holds the role a sweep's run
// needs, and is refused for their force, not their roles.
type refusal struct {
	error
	why string
}

func (r *refusal) Unwrap() error { return r.error }

// refuse is domain.ErrForbidden with the page's reason.
func refuse(why string) error { return &refusal{domain.ErrForbidden, why} }

// errUnstorable: a query or form value PostgreSQL cannot store as text.
var errUnstorable = errors.New("a value has a NUL or is not UTF-8")

// storableInput refuses a request whose query or form values hold a NUL or
// are not valid UTF-8, before any reaches SQL (the API refuses the same in
// its JSON bodies and parameters).
func storableInput(r *http.Request) error {
	bad := func(vs map[string][]string) bool {
		for _, l := range vs {
			for _, v := range l {
				if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
					return true
				}
			}
		}
		return false
	}
	if bad(r.URL.Query()) || bad(r.PostForm) || (r.MultipartForm != nil && bad(r.MultipartForm.Value)) {
		return errUnstorable
	}
	return nil
}

func (w *Web) today() domain.Date { return domain.DateOf(w.cfg.Clock.Now(), w.cfg.Location) }

// localPath keeps a redirect on this site: a path, never a scheme or host.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// ErrorPage answers a request the router could not serve, outside the
// API (an unknown path, a method a page lacks), as a GOV.UK page rather
// than the API's JSON problem: "Page not found" for a 404, "You cannot do
// this" for a 403.
func (w *Web) ErrorPage(c echo.Context, err error) error {
	pageHeaders(c)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			err = domain.ErrNotFound
		case http.StatusForbidden:
			err = domain.ErrForbidden
		}
	}
	return w.fail(c, nil, err)
}

// IsPagePath reports whether path belongs to the pages rather than the
// API or the probes.
func IsPagePath(path string) bool {
	return path != "/api/v1" && !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz"
}
