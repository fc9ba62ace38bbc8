package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// query reads and checks query parameters, collecting every problem.
type query struct {
	values url.Values
	errs   domain.ValidationError
	known  []string
}

func newQuery(c echo.Context, known ...string) *query {
	return &query{values: c.QueryParams(), known: append(known, "limit", "cursor")}
}

func (q *query) str(name string) string {
	return strings.TrimSpace(q.values.Get(name))
}

func (q *query) oneOf(name string, allowed []string) string {
	v := q.str(name)
	if v != "" && !slices.Contains(allowed, v) {
		q.errs.Add(name, "must be one of %s", strings.Join(allowed, ", "))
		return ""
	}
	return v
}

// id reads an ID parameter, which must be a canonical UUID (see
// domain.CanonicalID); it comes back lowercased.
func (q *query) id(name string) string {
	// Not trimmed: an ID with a space or a newline around it is not the
	// canonical form, and is refused like any other (it was read as the ID).
	v := q.values.Get(name)
	if v == "" {
		return ""
	}
	id, ok := domain.CanonicalID(v)
	if !ok {
		q.errs.Add(name, "must be a UUID in the form 01234567-89ab-cdef-0123-456789abcdef")
		return ""
	}
	return id
}

func (q *query) date(name string) *domain.Date {
	v := q.str(name)
	if v == "" {
		return nil
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		q.errs.Add(name, "%s", err)
		return nil
	}
	return &d
}

// instant reads a bound of moments: an RFC 3339 timestamp, or a day
// (YYYY-MM-DD) in loc, which is its first moment, or with end the first
// moment of the day after (so "to" a day takes in the whole of it, as the
// bound is exclusive).
func (q *query) instant(name string, loc *time.Location, end bool) *time.Time {
	v := q.str(name)
	if v == "" {
		return nil
	}
	if d, err := domain.ParseDate(v); err == nil {
		if end {
			d = d.AddDays(1)
		}
		t := d.Start(loc)
		return &t
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		q.errs.Add(name, "must be a day such as 2026-11-25 or an RFC 3339 timestamp such as 2026-11-25T09:00:00Z")
		return nil
	}
	return &t
}

func (q *query) intIn(name string, lo, hi int) *int {
	v := q.str(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		q.errs.Add(name, "must be a whole number from %d to %d", lo, hi)
		return nil
	}
	return &n
}

// page reads limit (default 50, at most 500) and cursor.
func (q *query) page() domain.Page {
	p := domain.Page{Limit: 50}
	if l := q.intIn("limit", 1, 1_000_000); l != nil {
		p.Limit = min(*l, 500)
	}
	if c := q.str("cursor"); c != "" {
		id, ok := domain.DecodeCursor(c)
		if !ok {
			q.errs.Add("cursor", "is not a cursor this service gave out")
		}
		p.Cursor = id
	}
	return p
}

// recordList answers a page of one record's list (an order's reviews, a
// subject's custody history), read in the order of a key of n parts: limit
// (default 50, at most 500) and the cursor the page before gave, each
// refused by name (422) when it is not one, as every list's are.
func recordList[T any](c echo.Context, n int, read func(domain.Page) ([]T, string, error)) error {
	q := newQuery(c)
	// The parts' types are the store's to check.
	p := keyPageBy(q, n, domain.DecodeKeyParts)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := read(p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(items, next))
}

// err reports unknown parameters as 400 and bad values as 422.
func (q *query) err() error {
	var unknown []domain.FieldError
	for k, vs := range q.values {
		for _, v := range vs {
			// PostgreSQL cannot store these; refuse them here rather than fail there.
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				q.errs.Add(k, "must be valid UTF-8 text without NUL characters")
			}
		}
		if !slices.Contains(q.known, k) {
			unknown = append(unknown, domain.FieldError{Field: k, Message: "is not a parameter of this endpoint"})
		}
	}
	if len(unknown) > 0 {
		slices.SortFunc(unknown, func(a, b domain.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return malformed("the query has parameters this endpoint does not accept", unknown...)
	}
	return q.errs.Err()
}

// dateField parses an optional date field of a request body.
func dateField(v *domain.ValidationError, field string, s *string) *domain.Date {
	if s == nil {
		return nil
	}
	d, err := domain.ParseDate(*s)
	if err != nil {
		v.Add(field, "%s", err)
		return nil
	}
	return &d
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func dateStr(d *domain.Date) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}

// idParams are the path parameters that name a record by ID.
var idParams = map[string]bool{"id": true, "check_id": true, "token_id": true, "absence_id": true}

// canonicalParams is the one gate for path parameters: an ID must be a
// canonical UUID (and is lowercased), any other parameter valid UTF-8
// without NUL; anything else names no record and is 404 before a handler
// or the database sees it.
func canonicalParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		names, values := c.ParamNames(), c.ParamValues()
		if len(values) > len(names) {
			values = values[:len(names)]
		}
		changed := false
		for i, name := range names {
			if i >= len(values) {
				break
			}
			v := values[i]
			if idParams[name] {
				id, ok := domain.CanonicalID(v)
				if !ok {
					return domain.ErrNotFound
				}
				if id != v {
					values[i], changed = id, true
				}
				continue
			}
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || len(v) > 200 {
				return domain.ErrNotFound
			}
		}
		if changed {
			c.SetParamValues(values...)
		}
		return next(c)
	}
}
