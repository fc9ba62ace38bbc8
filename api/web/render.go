package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// page is what every template gets.
type page struct {
	Title   string
	Me      *domain.Officer
	CSRF    string
	Nav     string
	Message string // an error page's text
	Flash   string // a success banner after post/redirect/get
	Errors  []fieldError
	Values  map[string]string // a form's values, kept after an error
	Today   domain.Date
	Data    any
}

type fieldError struct{ Field, Message string }

// Error is a field's message, for its own error text.
func (p *page) Error(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value is a form field's value.
func (p *page) Value(field string) string { return p.Values[field] }

// Can reports whether the signed-in officer holds any of roles.
func (p *page) Can(roles ...string) bool {
	return p.Me != nil && slices.ContainsFunc(roles, p.Me.HasRole)
}

// parseTemplates reads the pages' templates. Times are shown in loc, the
// service's zone (SCPO_TIMEZONE), with its abbreviation: minutes signed
// at 10:17 in summer said 09:17.
func parseTemplates(forceName, regionName func(string) string, loc *time.Location) map[string]*template.Template {
	funcs := templateFuncs(forceName, regionName, loc)
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.gohtml"))
	out := map[string]*template.Template{}
	names, _ := fsGlob()
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".gohtml")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// templateFuncs are the functions the page templates call; times are
// shown in loc, the service's zone.
func templateFuncs(forceName, regionName func(string) string, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"forceName":  forceName,
		"regionName": regionName,
		// A moment's day is the day in the service's zone: an owner
		// allocated at 00:30 in summer was shown as allocated the day
		// before.
		"date": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				v = t.In(loc)
			case *time.Time:
				if t != nil {
					in := t.In(loc)
					v = &in
				}
			}
			return longDate(v)
		},
		"dateT":    func(t time.Time) string { return t.In(loc).Format("2 January 2006 15:04 MST") },
		"due":      dueTag,
		"flagName": flagName,
		// releaseDue: release is due on a date of this type (CRD, ARD,
		// LED, SED), not merely possible (HDCED, PED).
		"releaseDue": func(t *string) bool { return t == nil || domain.ReleaseIsDue(*t) },
		// plural writes a count with its noun: 1 order, 2 orders.
		"plural": plural,
		// num writes a number as GOV.UK does: 13,400.
		"num":           thousands,
		"scheduleWords": scheduleWords,
		"roleName":      roleName,
		"decisionState": decisionState,
		"eventText":     func(e domain.OrderEvent) string { return eventText(e, forceName) },
		// days writes a number of days as people say it: 1 day, 3 days;
		// daysAgo and inDays a distance from today: today, yesterday,
		// 3 days ago; today, tomorrow, in 3 days.
		"days": func(n any) string { return plural(intOf(n), "day", "days") },
		"daysAgo": func(n any) string {
			switch d := intOf(n); d {
			case 0:
				return "today"
			case 1:
				return "yesterday"
			default:
				return plural(d, "day", "days") + " ago"
			}
		},
		"inDays": func(n any) string {
			switch d := intOf(n); d {
			case 0:
				return "today"
			case 1:
				return "tomorrow"
			default:
				return "in " + plural(d, "day", "days")
			}
		},
		// custodyChange says what a change to an open custody period moved,
		// when and by whom.
		"custodyChange": func(c domain.CustodyChange) string {
			var parts []string
			if derefStr(c.Before.Establishment) != derefStr(c.After.Establishment) {
				parts = append(parts, orNone(derefStr(c.Before.Establishment))+" to "+orNone(derefStr(c.After.Establishment)))
			}
			release := func(f domain.CustodyFacts) string {
				if f.ReleaseDate == nil {
					return "none"
				}
				return strings.TrimSpace(longDate(f.ReleaseDate) + " " + derefStr(f.ReleaseDateType))
			}
			if b, a := release(c.Before), release(c.After); b != a {
				parts = append(parts, "expected release "+b+" to "+a)
			}
			if b, a := longDate(c.Before.BeganOn), longDate(c.After.BeganOn); b != a {
				parts = append(parts, "in custody from "+orNone(b)+" to "+orNone(a))
			}
			by := ""
			if c.ChangedBy != nil {
				by = " by " + c.ChangedBy.Name
			}
			return longDate(c.ChangedAt.In(loc)) + by + ": " + strings.Join(parts, "; ")
		},
		"label":    humanise,
		"deref":    func(s *string) string { return derefStr(s) },
		"join":     strings.Join,
		"sortLink": sortLink,
		"ariaSort": ariaSort,
		"add":      func(a, b int) int { return a + b },
		"pct":      func(n, of int) int { return pct(n, of) },
		"lower":    strings.ToLower,
		"neg":      func(n int) int { return -n },
		"derefT":   func(t *time.Time) time.Time { return *t },
		"deref0": func(n *int) int {
			if n == nil {
				return 0
			}
			return *n
		},
		"missingName":    missingName,
		"termCategories": func() []string { return domain.TermCategories },
		"datesInWords":   datesInWords,
		"hasKey": func(m map[string]*domain.Date, k string) bool {
			_, ok := m[k]
			return ok
		},
		"ptr":   func(d domain.Date) *domain.Date { return &d },
		"list3": func(a, b, c string) []string { return []string{a, b, c} },
		"releaseTypes": func() [][2]string {
			out := make([][2]string, 0, len(domain.ReleaseDateTypes))
			for _, t := range domain.ReleaseDateTypes {
				out = append(out, [2]string{t, t + ": " + releaseTypeNames[t]})
			}
			return out
		},
		"deref2": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"pairs": func(kv ...string) [][2]string {
			var out [][2]string
			for i := 0; i+1 < len(kv); i += 2 {
				out = append(out, [2]string{kv[i], kv[i+1]})
			}
			return out
		},
		"ownerOf": func(o domain.Order, role string) *domain.OwnerSummary {
			switch role {
			case domain.OwnerIOM:
				return o.Owners.IOM
			case domain.OwnerLRO:
				return o.Owners.LRO
			}
			return o.Owners.OrdersOfficer
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}
}

func fsGlob() ([]string, error) {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		out = append(out, "templates/"+e.Name())
	}
	return out, nil
}

func (w *Web) render(c echo.Context, name string, p *page) error {
	return w.renderStatus(c, http.StatusOK, name, p)
}

// renderStatus writes the page; the request's audit entry is written
// first, so a page whose consultation cannot be recorded is not shown.
func (w *Web) renderStatus(c echo.Context, status int, name string, p *page) error {
	t, ok := w.tmpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	if p.Today.IsZero() {
		p.Today = w.today()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	if status < 400 {
		if err := w.host.RecordAudit(c); err != nil {
			return err
		}
	} else if status < 500 && domain.AuditFrom(c.Request().Context()) != nil {
		// A form sent back refused (422, 409) is a refused attempt on the
		// records it named, on the trail as the API's are; it was not.
		if err := w.host.Refused(c, status); err != nil {
			return err
		}
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// newPage is a signed-in page's frame.
func (r *req) page(title, nav string, data any) *page {
	return &page{Title: title, Me: &r.me, CSRF: r.sess.CSRFToken, Nav: nav, Data: data, Values: map[string]string{}}
}

// longDate shows a date as people write it: 3 March 2027.
func longDate(v any) string {
	switch d := v.(type) {
	case domain.Date:
		if d.IsZero() {
			return ""
		}
		return d.Format("2 January 2006")
	case *domain.Date:
		if d == nil || d.IsZero() {
			return ""
		}
		return d.Format("2 January 2006")
	case time.Time:
		return d.Format("2 January 2006")
	case *time.Time:
		if d == nil {
			return ""
		}
		return d.Format("2 January 2006")
	}
	return ""
}

// dueTag is a due date's tag: red when overdue, amber within 7 days.
func dueTag(d *domain.Date, today domain.Date) template.HTML {
	if d == nil {
		return ""
	}
	days := today.DaysUntil(*d)
	switch {
	case days < 0:
		return template.HTML(`<strong class="govuk-tag govuk-tag--red">Overdue</strong>`)
	case days <= 7:
		return template.HTML(`<strong class="govuk-tag govuk-tag--yellow">Due soon</strong>`)
	}
	return ""
}

func flagName(kind string) string { return domain.FlagName(kind) }

// releaseTypeNames spell out the HMPPS release date kinds.
var releaseTypeNames = map[string]string{
	"HDCED": "home detention curfew eligibility date", "CRD": "conditional release date",
	"ARD": "automatic release date", "PED": "parole eligibility date", "LED": "licence expiry date",
	"SED": "sentence expiry date",
}

func roleName(r string) string {
	// A caseload's "cover:<role>": orders held for an absent colleague.
	if role, ok := strings.CutPrefix(r, "cover:"); ok {
		return roleName(role) + " (covering)"
	}
	return domain.RoleName(r)
}

// humanise turns a code into words: home_visit → Home visit.
func humanise(s string) string { return domain.Humanise(s) }

func derefStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pct is n as a whole percentage of of, rounded to the nearest (2 of 7 is
// 29%, not 28%).
func pct(n, of int) int {
	if of <= 0 {
		return 0
	}
	return (n*200 + of) / (2 * of)
}

// listing is a table's page and sort order.
type listing struct {
	Page, Pages, Total int
	Desc               bool // due date latest first
	Base               url.Values
	Path               string
}

const pageSize = 25

// flashParams are the query parameters a redirect after a save carries for
// its success banner.
var flashParams = []string{"done", "ref", "name"}

// paginate sorts items by due (nil last) and cuts out the requested page.
func paginate[T any](c echo.Context, items []T, due func(T) *domain.Date) ([]T, listing) {
	base := url.Values{}
	for k, v := range c.QueryParams() {
		// What a save put in the address to say it is done (and the
		// names it quoted) is not part of the listing: kept, every sort or
		// page link showed the success banner again.
		if !slices.Contains(flashParams, k) {
			base[k] = v
		}
	}
	l := listing{Desc: c.QueryParam("sort") == "-due", Base: base, Path: c.Request().URL.Path}
	slices.SortStableFunc(items, func(a, b T) int {
		da, db := due(a), due(b)
		switch {
		case da == nil && db == nil:
			return 0
		case da == nil:
			return 1
		case db == nil:
			return -1
		}
		n := da.Compare(db.Time)
		if l.Desc {
			n = -n
		}
		return n
	})
	l.Total = len(items)
	l.Pages = max(1, (len(items)+pageSize-1)/pageSize)
	l.Page, _ = strconv.Atoi(c.QueryParam("page"))
	l.Page = min(max(l.Page, 1), l.Pages)
	lo := (l.Page - 1) * pageSize
	return items[lo:min(lo+pageSize, len(items))], l
}

// Link is the URL of another page of the same listing.
func (l listing) Link(page int) string {
	q := url.Values{}
	for k, v := range l.Base {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	return l.Path + "?" + q.Encode()
}

// PageNumbers lists the pages to link.
func (l listing) PageNumbers() []int {
	out := make([]int, 0, l.Pages)
	for i := 1; i <= l.Pages; i++ {
		out = append(out, i)
	}
	return out
}

// sortLink is the URL that sorts the listing by due date the other way.
func sortLink(l listing) string {
	q := url.Values{}
	for k, v := range l.Base {
		q[k] = v
	}
	q.Del("page")
	if l.Desc {
		q.Set("sort", "due")
	} else {
		q.Set("sort", "-due")
	}
	return l.Path + "?" + q.Encode()
}

func ariaSort(l listing) string {
	if l.Desc {
		return "descending"
	}
	return "ascending"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// plural writes a count with its noun: 1 order, 2 orders.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

func intOf(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case *int:
		if n != nil {
			return *n
		}
	}
	return 0
}
