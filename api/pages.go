package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/api/web"
	"scpo/domain"
)

// The web interface (package web) runs under the API's own rules: a page
// names the API route whose permission it follows, and the Server below
// enforces that entry of the permission table, scopes the request and
// keeps its audit entry, as authenticate and authorise do for the API.

// pageHost lends the pages the API's permission table, scope and trail.
type pageHost struct{ s *Server }

var _ web.Host = pageHost{}

func (h pageHost) Enter(c echo.Context, officer domain.Officer, perm string) error {
	s := h.s
	method, route, ok := strings.Cut(perm, " ")
	if _, known := permissions[perm]; !ok || !known {
		// A page following no entry is refused rather than left open.
		return domain.ErrNotFound
	}
	scope, err := s.scopeOf(c.Request().Context(), officer)
	if err != nil {
		return err
	}
	c.Set(actorKey, officer)
	id := officer.ID
	trail := newTrail(c, &id)
	// The page's own route is on the trail; its purpose is that of the
	// API route it follows, and a page view is a consultation whatever
	// form it shows, a form post what the API route's method is.
	purpose := cleanPurpose(c.Request().Header.Get("X-Purpose"))
	if purpose == "" {
		purpose = defaultPurpose(route)
	}
	action := domain.ActionConsultation
	if c.Request().Method != http.MethodGet {
		action = actionOf(method, route)
	}
	e, _ := trail.Pending()
	e.Purpose, e.Action = purpose, action
	trail = domain.NewAuditTrail(e)
	c.Set(auditWriterKey, func(ctx context.Context) error { return s.store.WriteAudit(ctx) })
	ctx := domain.WithAudit(c.Request().Context(), trail)
	ctx = domain.WithScope(domain.WithActor(ctx, officer), scope)
	c.SetRequest(c.Request().WithContext(ctx))
	if !h.Permitted(officer, perm) {
		return domain.ErrForbidden
	}
	return nil
}

func (h pageHost) Permitted(officer domain.Officer, perm string) bool {
	roles, ok := permissions[perm]
	return ok && (len(roles) == 0 || slices.ContainsFunc(roles, officer.HasRole))
}

func (h pageHost) RecordAudit(c echo.Context) error { return recordAudit(c) }
func (h pageHost) Disclose(c echo.Context) error    { return disclose(c) }
func (h pageHost) Refused(c echo.Context, status int) error {
	if status == http.StatusTooManyRequests {
		return nil
	}
	return h.s.writeRefusal(c, status, nil)
}
func (h pageHost) SignInBlocked(c echo.Context) bool { return h.s.failures.blocked(c.RealIP()) }
func (h pageHost) SignInFailed(c echo.Context)       { h.s.failures.failed(c.RealIP()) }
func (h pageHost) SignInChecks(c echo.Context, credential string) bool {
	return h.s.failures.checks(c.RealIP(), credential)
}
func (h pageHost) SignInProved(c echo.Context, credential string) {
	h.s.failures.proved(c.RealIP(), credential)
}
func (h pageHost) TaskingCSV(c echo.Context, force string, asOf domain.Date) error {
	// Another day's agenda is worked out from the rules, as the API's is
	// when as_of is given.
	return h.s.taskingCSV(c, domain.TaskingQuery{Force: force, AsOf: asOf, FromRules: !asOf.Equal(h.s.today().Time)})
}
func (h pageHost) JobSchedules() map[string]string { return h.s.schedules }
func (h pageHost) CalendarURL(c echo.Context, secret string) string {
	return h.s.calendarURL(c, secret)
}
func (h pageHost) Unavailable(err error) bool { return h.s.store.Unavailable(err) || unavailable(err) }

func (h pageHost) Status(err error) int { return problemFor(err).Status }
func (h pageHost) Minutes(c echo.Context, meetingID, format string) error {
	return h.s.minutes(c, meetingID, format)
}
func (h pageHost) ExportSubject(c echo.Context) error  { return h.s.exportSubject(c) }
func (h pageHost) ImportTemplate(c echo.Context) error { return h.s.importTemplate(c) }
