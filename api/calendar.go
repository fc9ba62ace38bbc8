package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// calendarPath is where a feed is served; its one parameter is the
// secret followed by ".ics".
const calendarPath = "/calendar/:file"

// CalendarFeedInfo answers POST /me/calendar: the feed's address, holding
// its secret, shown this once.
type CalendarFeedInfo struct {
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
}

// createMyCalendar makes (or replaces) the caller's own calendar feed.
func (s *Server) createMyCalendar(c echo.Context) error {
	secret, err := s.store.CreateCalendarFeed(ctxOf(c), actor(c).ID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, CalendarFeedInfo{URL: s.calendarURL(c, secret), CreatedAt: s.clock.Now().UTC()})
}

// revokeMyCalendar ends the caller's own calendar feed; 204 whether or
// not they had one.
func (s *Server) revokeMyCalendar(c echo.Context) error {
	if err := s.store.RevokeCalendarFeed(ctxOf(c), actor(c).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// publicBase is the address officers reach the service at: the configured
// public URL, else the request's own scheme and host.
func (s *Server) publicBase(c echo.Context) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

func (s *Server) calendarURL(c echo.Context, secret string) string {
	return s.publicBase(c) + "/calendar/" + secret + ".ics"
}

// calendarFeed serves an officer's due dates as iCalendar. The secret in
// the path is the credential (calendar programs send no bearer token); an
// unknown or revoked secret, or a deactivated officer's, is 404 and counts
// as a failed authentication. Each fetch is a disclosure by the officer
// whose feed it is, naming the orders it carried.
func (s *Server) calendarFeed(c echo.Context) error {
	ip := c.RealIP()
	// A feed fetched from this address lately is served while it is
	// blocked too: calendar services fetch many officers' feeds from one
	// address, and one stale subscription's 404s would otherwise block
	// them all. Any other is refused as too many, unchecked and not
	// counted again (failureLimiter).
	refuse := func() error {
		if s.failures.blocked(ip) {
			return errTooManyFailures
		}
		s.failures.failed(ip)
		return echo.ErrNotFound
	}
	secret, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || secret == "" || len(secret) > 200 {
		return refuse()
	}
	if !s.failures.checks(ip, secret) {
		return errTooManyFailures
	}
	trail := newTrail(c, nil)
	ctx := domain.WithAudit(c.Request().Context(), trail)
	feed, err := s.store.CalendarFeedFor(ctx, secret)
	if errors.Is(err, domain.ErrNotFound) {
		return refuse()
	}
	if err != nil {
		return err
	}
	s.failures.proved(ip, secret)
	e, _ := trail.Pending()
	e.OfficerID, e.Action = &feed.OfficerID, domain.ActionDisclosure
	e.Purpose = "the officer's own calendar of due dates"
	if err := s.store.WriteAudit(domain.WithAudit(ctx, domain.NewAuditTrail(e))); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/calendar; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="scpo.ics"`)
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(iCalendar(feed, s.publicBase(c), s.clock.Now()))
	return err
}

// iCalendar renders a feed (RFC 5545): one all-day VEVENT per due date,
// its UID the thing that falls due so a moved date updates the event.
// Summaries carry the order's court reference; nothing names the subject.
func iCalendar(feed domain.CalendarFeed, base string, now time.Time) []byte {
	var b strings.Builder
	line := func(s string) {
		// Fold at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence.
		for len(s) > 75 {
			cut := 75
			for cut > 0 && s[cut]&0xC0 == 0x80 {
				cut--
			}
			b.WriteString(s[:cut] + "\r\n ")
			s = s[cut:]
		}
		b.WriteString(s + "\r\n")
	}
	stamp := now.UTC().Format("20060102T150405Z")
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//scpo//SCPO register due dates//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:SCPO due dates")
	for _, en := range feed.Entries {
		var summary string
		switch en.Kind {
		case domain.CalendarReview:
			summary = "SCPO review due: " + en.Reference
		case domain.CalendarCheck:
			summary = "SCPO check due (" + strings.ReplaceAll(en.CheckKind, "_", " ") + "): " + en.Reference
		default:
			summary = "SCPO meeting action due: " + en.Reference
		}
		link := base + "/orders/" + en.OrderID
		line("BEGIN:VEVENT")
		line("UID:" + en.Kind + "-" + en.ID + "@scpo")
		line("DTSTAMP:" + stamp)
		line("DTSTART;VALUE=DATE:" + en.Due.Format("20060102"))
		line("DTEND;VALUE=DATE:" + en.Due.AddDays(1).Format("20060102"))
		line("SUMMARY:" + icsText(summary))
		line("DESCRIPTION:" + icsText("Open the order in the SCPO register: "+link))
		line("URL:" + link)
		line("TRANSP:TRANSPARENT")
		line("CLASS:CONFIDENTIAL")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "").Replace(s)
}
