package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

const actorKey = "actor"

// authenticate finds the officer behind the bearer token (one of the
// service's own, or an OIDC JWT when that is configured; see oidc.go); a
// missing, unknown, revoked, expired or unverifiable token, or a
// deactivated officer, is 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ip := c.RealIP()
		// A blocked address still gets in with a token that authenticated
		// from it lately (failureLimiter); any other is refused with 429,
		// unchecked and not counted again.
		fail := func() error {
			if s.failures.blocked(ip) {
				return errTooManyFailures
			}
			s.failures.failed(ip)
			return domain.ErrUnauthenticated
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > s.maxTokenLen(token) {
			if h != "" {
				return fail()
			}
			return domain.ErrUnauthenticated
		}
		if !s.failures.checks(ip, token) {
			return errTooManyFailures
		}
		officer, err := s.officerFor(c.Request().Context(), token)
		if errors.Is(err, domain.ErrUnauthenticated) {
			return fail()
		}
		if err != nil {
			return err
		}
		s.failures.proved(ip, token)
		scope, err := s.scopeOf(c.Request().Context(), officer)
		if err != nil {
			return err
		}
		c.Set(actorKey, officer)
		ctx := s.startAudit(c, officer)
		ctx = domain.WithScope(domain.WithActor(ctx, officer), scope)
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// scopeOf is the forces an officer may read and change.
func (s *Server) scopeOf(ctx context.Context, officer domain.Officer) (domain.Scope, error) {
	if officer.Force == nil && officer.HasRole(domain.RoleAdmin) {
		return domain.Scope{AllForces: true}, nil
	}
	var region []string
	if officer.Force != nil && officer.HasRole(domain.RoleRegional) {
		var err error
		if region, err = s.store.RegionForces(ctx, *officer.Force); err != nil {
			return domain.Scope{}, err
		}
	}
	return domain.ScopeFor(officer, region), nil
}

func actor(c echo.Context) domain.Officer {
	o, _ := c.Get(actorKey).(domain.Officer)
	return o
}

// authorise enforces the permission table: the route's entry names the
// roles allowed; an entry with no roles admits any active officer.
func (s *Server) authorise(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		roles, ok := permissions[c.Request().Method+" "+c.Path()]
		if !ok {
			// A route without an entry is refused rather than left open.
			return echo.ErrNotFound
		}
		if len(roles) == 0 {
			return next(c)
		}
		me := actor(c)
		if slices.ContainsFunc(roles, me.HasRole) {
			return next(c)
		}
		return domain.ErrForbidden
	}
}

// errTooManyFailures: an address that keeps failing to authenticate waits.
var errTooManyFailures = echo.NewHTTPError(http.StatusTooManyRequests)
