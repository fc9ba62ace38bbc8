package api

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/api/web"

	"scpo/domain"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// Existing names the stored record a 409 clashes with, when the caller
	// may see it.
	Existing string `json:"existing,omitempty"`
}

// badRequest is a request the service cannot even read: malformed JSON, an
// unknown field, a bad query parameter.
type badRequest struct {
	detail string
	errors []domain.FieldError
}

func (e *badRequest) Error() string { return e.detail }

func malformed(detail string, errs ...domain.FieldError) error {
	return &badRequest{detail: detail, errors: errs}
}

const problemBase = "https://scpo.police.uk/problems/"

// problemFor is the one place an error becomes an HTTP status. Anything it
// does not recognise is a 500 whose detail says nothing about the cause.
func problemFor(err error) Problem {
	var (
		v  *domain.ValidationError
		c  *domain.ConflictError
		br *badRequest
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &v):
		return Problem{Type: problemBase + "validation", Title: "The request has invalid fields",
			Status: http.StatusUnprocessableEntity, Detail: "One or more fields are invalid; see errors.", Errors: v.Errors}
	case errors.As(err, &br):
		return Problem{Type: problemBase + "bad-request", Title: "The request could not be read",
			Status: http.StatusBadRequest, Detail: br.detail, Errors: br.errors}
	case errors.As(err, &c):
		p := Problem{Type: problemBase + "conflict", Title: "The request conflicts with stored data",
			Status: http.StatusConflict, Detail: c.Message, Existing: c.Existing}
		if c.Field != "" {
			p.Errors = []domain.FieldError{{Field: c.Field, Message: c.Message}}
		}
		return p
	case errors.Is(err, domain.ErrNotFound):
		return Problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound,
			Detail: "No such resource, or it is not visible to you."}
	case errors.Is(err, domain.ErrStale):
		return Problem{Type: problemBase + "stale", Title: "The record has changed", Status: http.StatusPreconditionFailed,
			Detail: "If-Match does not match the current version; read the record again and retry."}
	case errors.Is(err, domain.ErrForbidden):
		return Problem{Type: problemBase + "forbidden", Title: "Not allowed", Status: http.StatusForbidden,
			Detail: "Your roles do not allow this action."}
	case errors.Is(err, domain.ErrUnauthenticated):
		return Problem{Type: problemBase + "unauthenticated", Title: "Authentication required", Status: http.StatusUnauthorized,
			Detail: "Send Authorization: Bearer <token> with a valid token."}
	case errors.As(err, &he):
		return httpProblem(he.Code)
	case unavailable(err):
		return httpProblem(http.StatusServiceUnavailable)
	}
	return Problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "The service could not complete the request; it has been logged."}
}

func httpProblem(code int) Problem {
	// The type is a URI: the status text as a slug ("too-many-requests").
	slug := strings.ToLower(strings.NewReplacer(" ", "-", "'", "").Replace(http.StatusText(code)))
	p := Problem{Type: problemBase + slug, Title: http.StatusText(code), Status: code, Detail: http.StatusText(code)}
	switch code {
	case http.StatusNotFound:
		p.Type, p.Detail = problemBase+"not-found", "No such resource, or it is not visible to you."
	case http.StatusMethodNotAllowed:
		p.Type, p.Detail = problemBase+"method-not-allowed", "This method is not allowed on this path."
	case http.StatusRequestEntityTooLarge:
		p.Type, p.Detail = problemBase+"too-large", "The request body is larger than the service accepts (1 MiB)."
	case http.StatusUnsupportedMediaType:
		p.Type, p.Detail = problemBase+"unsupported-media-type", "Send the body as JSON with Content-Type: application/json."
	case http.StatusServiceUnavailable:
		p.Type, p.Detail = problemBase+"unavailable", "The service cannot reach its database; try again shortly."
	}
	if code >= 500 && code != http.StatusServiceUnavailable {
		p.Type, p.Title, p.Detail = problemBase+"internal", "Internal error", "The service could not complete the request; it has been logged."
	}
	return p
}

// problemAnswered marks a request whose error the handler has answered:
// Echo may call the handler again for the same error, finding the
// response committed by the first call.
const problemAnswered = "scpo.problem-answered"

// cutShort ends a response that failed after it had begun (a CSV, the
// printable minutes, cut off by the request's time limit or a database
// error): the connection is closed without the answer's proper end, so
// the client sees a broken transfer (curl: "transfer closed with
// outstanding read data remaining") rather than a short file that looks
// whole. The failure is logged here: the request log's line is not
// written for an aborted request.
func cutShort(log *slog.Logger, c echo.Context, err error) {
	log.Error("answer cut short", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
		"route", c.Path(), "status", c.Response().Status, "error", err)
	panic(http.ErrAbortHandler)
}

// errorHandler writes every error as a problem, after putting a refusal on
// the audit trail (a refusal that cannot be recorded is not answered as
// one: the client gets the write's failure instead). Echo may call it
// twice for one request; the second call finds the response committed and
// stops.
func (s *Server) errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			if c.Get(problemAnswered) == nil {
				cutShort(log, c, err)
			}
			return
		}
		c.Set(problemAnswered, true)
		// A path no route has, outside the API, is a page's business: the
		// GOV.UK error page, not JSON.
		var he *echo.HTTPError
		if s.pages != nil && errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed) &&
			web.IsPagePath(c.Request().URL.Path) {
			_ = s.pages.ErrorPage(c, err)
			return
		}
		p := problemFor(err)
		if p.Status >= 500 && s.store != nil && s.store.Unavailable(err) {
			p = httpProblem(http.StatusServiceUnavailable)
		}
		if aerr := s.auditRefusal(c, p.Status, err); aerr != nil {
			log.Error("refusal not recorded", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"route", c.Path(), "status", p.Status, "error", aerr)
			err, p = aerr, problemFor(aerr)
			if s.store.Unavailable(aerr) {
				p = httpProblem(http.StatusServiceUnavailable)
			} else if p.Status < 500 {
				p = httpProblem(http.StatusInternalServerError)
			}
		}
		switch {
		case p.Status == http.StatusServiceUnavailable:
			// The database away (a restart): every request says so until it
			// is back, and the supervisor logs the outage itself.
			log.Warn("request failed: the database is unavailable", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method, "route", c.Path(), "error", err)
		case p.Status >= 500:
			log.Error("request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method, "route", c.Path(), "error", err)
		}
		if p.Status == http.StatusServiceUnavailable {
			c.Response().Header().Set("Retry-After", "5")
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="scpo"`)
		}
		_ = respondProblem(c, p)
	}
}

// respondProblem writes p as application/problem+json.
func respondProblem(c echo.Context, p Problem) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	return writeJSON(c.Response(), p)
}

// unavailable reports whether err means the database could not be reached,
// which a client should retry rather than report as a fault.
func unavailable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded)
}
