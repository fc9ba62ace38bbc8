// Package api serves the register over HTTP with echo: routes, request and
// response types, authentication, the permission table and the one mapping
// from errors to RFC 9457 problems.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"scpo/api/web"
	"scpo/domain"
)

// Store is everything the API needs from storage.
type Store interface {
	domain.Officers
	domain.Subjects
	domain.Orders
	domain.LegalLife
	domain.Sweeps
	domain.Policies
	domain.Reports
	domain.Meetings
	domain.OrderDecisionReader
	domain.Reassigner
	domain.Transfers
	domain.Absences
	domain.WorkloadReports
	domain.Audit
	domain.Importer
	domain.SubjectExporter
	domain.WebSessions
	domain.Notifications
	domain.OIDCSignIns
	domain.CalendarFeeds
	IdempotentAnswer(ctx context.Context, officerID, key string) (*domain.IdempotentAnswer, error)
	SaveIdempotentAnswer(ctx context.Context, r *domain.IdempotentRequest, a domain.IdempotentAnswer) error
	RegionForces(ctx context.Context, force string) ([]string, error)
	Ready(ctx context.Context) error
	// Unavailable reports whether err means the database could not be
	// reached (answered 503 with Retry-After).
	Unavailable(err error) bool
}

// Config wires the server.
type Config struct {
	Store    Store
	Clock    domain.Clock
	Location *time.Location
	Logger   *slog.Logger
	// Schedules shows each job's cron spec in GET /jobs.
	Schedules map[string]string
	// FailedAuthBurst is how many failed authentications one client address
	// may make at once before waiting (one more every 6 s); default 10.
	FailedAuthBurst int
	// JWTVerifier, when set, also accepts bearer JWTs it verifies (issuer,
	// audience, expiry, signature), mapped to the active officer with the
	// token's email; nil turns JWT login off.
	JWTVerifier *oidc.IDTokenVerifier
	// OIDCSignIn, when set, signs officers in to the web interface through
	// the identity provider (authorization code with PKCE) instead of with
	// an access token.
	OIDCSignIn *web.OIDC
	// Health, when set, reports a process that cannot recover (its private
	// database cluster dead beyond restarting): GET /healthz is then 503.
	Health func() error
	// SessionIdle and SessionAbsolute end a web session unused for, or
	// older than, so long (defaults 30 minutes and 12 hours).
	SessionIdle, SessionAbsolute time.Duration
	// TrustForwardedProto: a proxy in front terminates TLS and says so
	// with X-Forwarded-Proto; the web interface's cookies are then Secure.
	TrustForwardedProto bool
	// ManualRunWait is how long POST /jobs/{name}/runs waits for the run
	// before answering 202 with the run's URL (the run goes on); default
	// 10 s, negative: answer 202 at once.
	ManualRunWait time.Duration
	// Metrics, served at GET /metrics; made from the store when nil.
	Metrics *Metrics
	// PublicURL is the address officers reach the service at (links in
	// calendar feeds); the request's own when empty.
	PublicURL string
	// MinutesPage is how many agenda orders the minutes are read and
	// disclosed at a time; default domain.MeetingPageMax.
	MinutesPage int
}

// Server holds the handlers' dependencies.
type Server struct {
	store Store
	clock domain.Clock
	loc   *time.Location
	log   *slog.Logger

	schedules   map[string]string
	failures    *failureLimiter
	jwt         *oidc.IDTokenVerifier
	health      func() error
	runWait     time.Duration
	pages       *web.Web
	publicURL   string
	minutesPage int
}

// New builds the echo server with every route and middleware.
func New(cfg Config) *echo.Echo {
	if cfg.Clock == nil {
		cfg.Clock = domain.SystemClock{}
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: cfg.Store, clock: cfg.Clock, loc: cfg.Location, log: cfg.Logger, schedules: cfg.Schedules,
		failures: newFailureLimiter(cfg.FailedAuthBurst, cfg.JWTVerifier != nil), jwt: cfg.JWTVerifier, health: cfg.Health,
		runWait: cfg.ManualRunWait, publicURL: strings.TrimRight(cfg.PublicURL, "/"), minutesPage: cfg.MinutesPage}
	if s.runWait == 0 {
		s.runWait = 10 * time.Second
	}
	if s.minutesPage <= 0 {
		s.minutesPage = domain.MeetingPageMax
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler(cfg.Logger)
	// Client addresses come from the connection, never from headers a
	// client can forge; a proxy in front would set its own extractor.
	e.IPExtractor = echo.ExtractIPDirect()
	// The request ID goes into the audit trail, so the service makes it:
	// one sent by the client is dropped.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Request().Header.Del(echo.HeaderXRequestID)
			return next(c)
		}
	})
	if cfg.Metrics == nil {
		if src, ok := cfg.Store.(MetricsSource); ok {
			cfg.Metrics = NewMetrics(src)
		}
	}
	e.Use(middleware.RequestID())
	if cfg.Metrics != nil {
		e.Use(cfg.Metrics.middleware())
	}
	e.Use(requestLogger(cfg.Logger))
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		HSTSMaxAge: 31536000, ContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
		ReferrerPolicy: "no-referrer",
	}))
	// A request has 30 s; an import's commit, one transaction of up to
	// 10,000 rows, has longer (about 6 s for 10,000 on a 2-core machine,
	// more with fsync and every owner given).
	isImport := func(c echo.Context) bool {
		p := c.Request().URL.Path
		return c.Request().Method == http.MethodPost && (p == "/api/v1/imports" || p == "/imports/commit")
	}
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: 30 * time.Second, Skipper: isImport}))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !isImport(c) {
				return next(c)
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Minute)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			// The server's write timeout (a minute) would cut the answer.
			_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(3*time.Minute + 30*time.Second))
			return next(c)
		}
	})
	e.Use(noStore)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if cfg.Metrics != nil {
		// No token: request counts, flag counts by force and pool use, no
		// personal data. Keep it to the internal network.
		e.GET("/metrics", cfg.Metrics.handler())
	}
	e.GET("/api/v1/openapi.json", s.openapi)
	// A calendar program sends no token: the feed's secret is the credential.
	e.GET(calendarPath, s.calendarFeed)

	v1 := e.Group("/api/v1", s.authenticate, s.authorise, canonicalParams, s.idempotency)
	for _, r := range routes(s) {
		v1.Add(r.method, strings.TrimPrefix(r.path, "/api/v1"), r.handler)
	}

	// The officers' web interface, under the same permission table, scope
	// and audit trail (see pages.go).
	s.pages = web.New(web.Config{Store: cfg.Store, Host: pageHost{s}, Clock: cfg.Clock, Location: cfg.Location, Logger: cfg.Logger,
		IdleTimeout: cfg.SessionIdle, AbsoluteTimeout: cfg.SessionAbsolute, TrustForwardedProto: cfg.TrustForwardedProto, OIDC: cfg.OIDCSignIn})
	s.pages.Mount(e)
	return e
}

// noStore keeps intelligence records out of shared caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogRoutePath: true, LogRequestID: true, LogLatency: true, LogRemoteIP: true,
		// Errors are answered (by the error handler) before the line is
		// written, so it carries the status actually sent.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// The route pattern, not the URI: query strings can hold names
			// and PNC IDs, which must not reach the logs.
			log.Info("request", "request_id", v.RequestID, "method", v.Method, "route", v.RoutePath,
				"status", v.Status, "latency_ms", v.Latency.Milliseconds(), "remote_ip", v.RemoteIP)
			return nil
		},
	})
}

// healthz: is the process worth keeping? Not when something it depends on
// is beyond its own recovery; a database that is merely down (or being
// restarted) is /readyz's business.
func (s *Server) healthz(c echo.Context) error {
	if s.health != nil {
		if err := s.health(); err != nil {
			s.log.Error("unhealthy", "error", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unhealthy",
				"detail": "a dependency the process manages cannot be recovered; restart the process"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable",
			"detail": "the database is unreachable or its schema is not up to date"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// checkForce names an unknown force alongside the request's other
// problems, rather than leaving it to the database to find later.
func (s *Server) checkForce(ctx context.Context, v *domain.ValidationError, force *string) {
	if force == nil || *force == "" {
		return
	}
	if _, err := s.store.GetForce(ctx, *force); err != nil {
		v.Add("force", "is not a known force code")
	}
}

func (s *Server) today() domain.Date { return domain.DateOf(s.clock.Now(), s.loc) }

// ctxOf is the request's context with the acting officer attached.
func ctxOf(c echo.Context) context.Context { return c.Request().Context() }

// etag writes a resource's version as its entity tag.
func etag(c echo.Context, version int) {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}

// ifMatch reads the If-Match header: nil when absent or "*"; a value that
// names no version can match nothing, so it is -1 and the update is 412.
func ifMatch(c echo.Context) *int {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil
	}
	h = strings.TrimPrefix(h, "W/")
	h = strings.Trim(h, `"`)
	v, err := strconv.Atoi(h)
	if err != nil {
		v = -1
	}
	return &v
}

// list is the body of every list response.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	l := list[T]{Items: items}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

func respond(c echo.Context, status int, v any) error {
	if err := recordAudit(c); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	return writeJSON(c.Response(), v)
}

// ctxWithoutCancel is the request's context for work done after the
// handler's own context has ended (its timeout is cancelled on return).
func ctxWithoutCancel(c echo.Context) context.Context {
	return context.WithoutCancel(c.Request().Context())
}
