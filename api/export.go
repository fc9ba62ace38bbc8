package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// exportSubject answers a subject access request: everything the register
// holds about the subject, as one JSON document, or (Accept: text/html or
// ?format=html) as a self-contained printable page. Either way it is
// recorded as a disclosure.
func (s *Server) exportSubject(c echo.Context) error {
	q := newQuery(c, "format")
	format := q.oneOf("format", []string{"json", "html"})
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.ExportSubject(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := disclose(c); err != nil {
		return err
	}
	h := c.Response().Header()
	if format == "html" || (format == "" && wantsHTML(c)) {
		h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		// Nothing but the page's own style sheet, named by its hash.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+exportStyleHash+"'; frame-ancestors 'none'")
		p, err := s.places(ctxOf(c))
		if err != nil {
			return err
		}
		names := p.forces
		page, err := exportPage.Clone()
		if err != nil {
			return err
		}
		// In the service's zone and the register's words: the page is
		// handed to the data subject (it showed UTC, codes and raw JSON).
		page.Funcs(template.FuncMap{
			"when":  func(t time.Time) string { return t.In(s.loc).Format("2 January 2006, 15:04 MST") },
			"force": func(code string) string { return orCode(names[code], code) },
		})
		// Written whole or not at all: an error part-way was a page cut short.
		var buf bytes.Buffer
		if err := page.Execute(&buf, out); err != nil {
			return err
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err = c.Response().Write(buf.Bytes())
		return err
	}
	h.Set(echo.HeaderContentDisposition, `attachment; filename="subject-`+out.Subject.ID+`.json"`)
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusOK)
	return writeJSON(c.Response(), out)
}

// wantsHTML reports whether the client prefers a page to JSON.
func wantsHTML(c echo.Context) bool { return prefers(c, "text/html") }

const exportStyle = `body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c}
h1,h2,h3{margin-bottom:.3em}table{border-collapse:collapse;margin:.5em 0 1.2em;width:100%}
th,td{border:1px solid #b1b4b6;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f3f2f1}.order{page-break-inside:avoid;border-top:3px solid #0b0c0c;margin-top:1.5em}
.none{color:#505a5f}@media print{body{margin:0}}`

var exportStyleHash = func() string {
	sum := sha256.Sum256([]byte(exportStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

func optDate(d *domain.Date) string {
	if d == nil {
		return "—"
	}
	return d.Format("2 January 2006")
}

func orCode(name, code string) string {
	if name == "" {
		return code
	}
	return name
}

// detailsText writes an event's details as "Key: value" in words: codes
// humanised, dates written as people do (it showed the raw JSON).
func detailsText(raw []byte) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return "—"
	}
	if v := objectText(m); v != "" {
		return v
	}
	return "—"
}

func objectText(m map[string]any) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if v := valueText(k, m[k]); v != "" {
			parts = append(parts, domain.Humanise(k)+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}

// valueText is a value recorded under key in words: a code in the words
// its key calls for (a role's name, a court's), a date as people write it.
func valueText(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if w, ok := domain.FieldWords(key, x); ok {
			return w
		}
		if d, err := domain.ParseDate(x); err == nil {
			return d.Format("2 January 2006")
		}
		if _, isID := domain.CanonicalID(x); isID {
			return "" // an identifier says nothing to the reader
		}
		if strings.Contains(x, "_") && !strings.Contains(x, " ") {
			return strings.ToLower(domain.Humanise(x))
		}
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case []any:
		items := make([]string, 0, len(x))
		for _, it := range x {
			if t := valueText(key, it); t != "" {
				items = append(items, t)
			}
		}
		if len(items) == 0 {
			return ""
		}
		return "(" + strings.Join(items, "), (") + ")"
	case map[string]any:
		return objectText(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func ptrWords(s *string) *string {
	if s == nil {
		return nil
	}
	w := domain.Humanise(*s)
	return &w
}

func optStr(s *string) string {
	if s == nil || *s == "" {
		return "—"
	}
	return *s
}

var exportPage = template.Must(template.New("export").Funcs(template.FuncMap{
	"style": func() template.CSS { return template.CSS(exportStyle) },
	"date":  optDate, "str": optStr,
	"ref": func(o *domain.OfficerRef) string {
		if o == nil {
			return "—"
		}
		return o.Name + " <" + o.Email + ">"
	},
	"when":    func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
	"force":   func(code string) string { return code },
	"join":    strings.Join,
	"details": detailsText,
	"words":   domain.Humanise,
	"wordsp":  func(s *string) string { return optStr(ptrWords(s)) },
	"flag":    domain.FlagName,
	"role":    domain.RoleName,
	"court":   domain.CourtTypeName,
	"day":     func(d domain.Date) string { return d.Format("2 January 2006") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Subject access: {{.Subject.DisplayName}}</title>
<style>{{style}}</style></head><body>
<h1>Everything the SCPO register holds about {{.Subject.DisplayName}}</h1>
<p>Produced {{when .GeneratedAt}} for a subject access request. Subject ID {{.Subject.ID}}.</p>
<h2>Identity</h2>
<table>
{{if .Subject.IsIndividual}}<tr><th>First names</th><td>{{.Subject.FirstNames}}</td></tr>
<tr><th>Last name</th><td>{{.Subject.LastName}}</td></tr>
<tr><th>Aliases</th><td>{{if .Subject.Aliases}}{{join .Subject.Aliases ", "}}{{else}}—{{end}}</td></tr>
<tr><th>Date of birth</th><td>{{day .Subject.DateOfBirth}}</td></tr>
<tr><th>PNC ID</th><td>{{.Subject.PNCID}}</td></tr>
<tr><th>ViSOR ID</th><td>{{str .Subject.VisorID}}</td></tr>
<tr><th>Prison number</th><td>{{str .Subject.PrisonNumber}}</td></tr>{{else}}<tr><th>Kind</th><td>{{words .Subject.Kind}}</td></tr>
<tr><th>Name</th><td>{{.Subject.Name}}</td></tr>
<tr><th>Aliases</th><td>{{if .Subject.Aliases}}{{join .Subject.Aliases ", "}}{{else}}—{{end}}</td></tr>
<tr><th>Registration number</th><td>{{str .Subject.RegistrationNumber}}</td></tr>
<tr><th>Registered address</th><td>{{str .Subject.RegisteredAddress}}</td></tr>{{end}}
<tr><th>Managing force</th><td>{{force .Subject.Force}}</td></tr>
<tr><th>Custody</th><td>{{words .Subject.Custody.Status}}{{if .Subject.Custody.Establishment}}, {{str .Subject.Custody.Establishment}}{{end}}{{if .Subject.Custody.ReleaseDate}}, release {{date .Subject.Custody.ReleaseDate}} ({{str .Subject.Custody.ReleaseDateType}}){{end}}</td></tr>
<tr><th>Recorded</th><td>{{when .Subject.CreatedAt}}; last changed {{when .Subject.UpdatedAt}}</td></tr>
</table>
<h2>Custody history</h2>
{{if .CustodyHistory}}<table><tr><th>Establishment</th><th>Began</th><th>Expected release</th><th>Released</th><th>Changed while in custody</th></tr>
{{range .CustodyHistory}}<tr><td>{{str .Establishment}}</td><td>{{date .BeganOn}}</td><td>{{date .ReleaseDate}} {{str .ReleaseDateType}}</td><td>{{date .ReleasedOn}}</td><td>{{range .Changes}}{{when .ChangedAt}}, by {{ref .ChangedBy}}: was {{str .Before.Establishment}}, release {{date .Before.ReleaseDate}} {{str .Before.ReleaseDateType}}; became {{str .After.Establishment}}, release {{date .After.ReleaseDate}} {{str .After.ReleaseDateType}}<br>{{else}}—{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h2>Orders ({{len .Orders}})</h2>
{{range .Orders}}<div class="order">
<h3>Order {{.Order.Reference}}, {{.Order.Court}}</h3>
<table>
<tr><th>Status</th><td>{{words .Order.Status}}{{if .Order.EndedOn}} on {{date .Order.EndedOn}}: {{str .Order.EndReason}}{{end}}</td></tr>
<tr><th>Made</th><td>{{day .Order.MadeOn}} ({{court .Order.CourtType}})</td></tr>
<tr><th>In force</th><td>{{if eq .Order.Commencement "on_release"}}From release{{else}}From a date{{end}}: {{date .Order.StartsOn}} to {{if and .Order.EndedOn (or (eq .Order.Status "discharged") (eq .Order.Status "quashed"))}}{{date .Order.EndedOn}} ({{words .Order.Status}}; it was to run to {{date .Order.EffectiveEnd}}){{else if .Order.ExtensionPending}}{{date .Order.EndsOn}}, and on until the charge that extends it (s.22E) is dealt with{{else if .Order.ExtendedTo}}{{date .Order.ExtendedTo}} (extended from {{date .Order.EndsOn}} by a charge, s.22E){{else}}{{date .Order.EndsOn}}{{end}}</td></tr>
</table>
<h4>Terms</h4>
<table><tr><th>Category</th><th>Term</th></tr>{{range .Order.Terms}}<tr><td>{{words .Category}}</td><td>{{.Text}}</td></tr>{{end}}</table>
<h4>Every version of the terms</h4>
{{if .TermVersions}}<table><tr><th>Category</th><th>Term</th><th>Version</th><th>In force from</th><th>Until</th></tr>
{{range .TermVersions}}<tr><td>{{words .Category}}</td><td>{{.Text}}</td><td>{{.Version}}</td><td>{{day .EffectiveFrom}}</td><td>{{date .EffectiveTo}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>The order's history</h4>
{{if .Events}}<table><tr><th>On</th><th>Event</th><th>Court</th><th>Recorded</th><th>By</th><th>Details</th></tr>
{{range .Events}}<tr><td>{{day .On}}</td><td>{{words .Kind}}</td><td>{{str .Court}}</td><td>{{when .RecordedAt}}</td><td>{{ref .RecordedBy}}</td><td>{{details .Details}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Charges extending the order</h4>
{{if .Extensions}}<table><tr><th>Charged</th><th>Kind</th><th>Offence</th><th>Court</th><th>Outcome</th><th>Settled end</th></tr>
{{range .Extensions}}<tr><td>{{day .ChargedOn}}</td><td>{{words .ChargeKind}}</td><td>{{.Offence}}</td><td>{{.Court}}</td><td>{{wordsp .Outcome}} {{date .OutcomeOn}}</td><td>{{date .SettledEndsOn}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Breaches</h4>
{{if .Breaches}}<table><tr><th>Occurred</th><th>What happened</th><th>Terms</th><th>Action</th><th>Outcome</th></tr>
{{range .Breaches}}<tr><td>{{day .OccurredOn}}</td><td>{{.Description}}</td><td>{{range $i, $t := .Terms}}{{if $i}}; {{end}}{{$t.Text}} (version {{$t.Version}}){{end}}</td><td>{{words .Action}}</td><td>{{words .Outcome}} {{date .OutcomeOn}}{{with .Sentence}}: {{.}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Owners, past and present</h4>
{{if .OwnerHistory}}<table><tr><th>Role</th><th>Officer</th><th>From</th><th>Until</th><th>Reason</th></tr>
{{range .OwnerHistory}}<tr><td>{{role .Role}}</td><td>{{.Officer.Name}}</td><td>{{when .From}}</td><td>{{if .Until}}{{when .Until}}{{else}}current{{end}}</td><td>{{.Reason}}{{if .EndReason}}; ended: {{str .EndReason}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Reviews</h4>
{{if .Reviews}}<table><tr><th>Reviewed</th><th>Kind</th><th>Outcome</th><th>Notes</th></tr>
{{range .Reviews}}<tr><td>{{day .ReviewedOn}}</td><td>{{words .Kind}}</td><td>{{words .Outcome}}</td><td>{{str .Notes}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Compliance checks</h4>
{{if .Checks}}<table><tr><th>Kind</th><th>Due</th><th>Status</th><th>Completed</th><th>Outcome</th><th>Notes</th></tr>
{{range .Checks}}<tr><td>{{words .Kind}}</td><td>{{day .DueOn}}</td><td>{{words .Status}}</td><td>{{date .CompletedOn}}</td><td>{{wordsp .Outcome}}</td><td>{{str .Notes}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Flags</h4>
{{if .Flags}}<table><tr><th>Kind</th><th>Raised</th><th>Resolved</th></tr>
{{range .Flags}}<tr><td>{{flag .Kind}}</td><td>{{when .RaisedAt}}</td><td>{{if .ResolvedAt}}{{when .ResolvedAt}}{{else}}open{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Tasking meeting decisions</h4>
{{if .Decisions}}<table><tr><th>Meeting</th><th>Item</th><th>Decision</th><th>Action by</th><th>Notes</th><th>Stands?</th></tr>
{{range .Decisions}}<tr><td>{{day .HeldOn}}</td><td>{{flag .ItemKind}}</td><td>{{words .Decision.Decision}}</td><td>{{ref .Decision.ActionBy}}</td><td>{{str .Decision.Notes}}</td><td>{{with .Decision.Withdrawn}}withdrawn: {{.Reason}}{{else}}{{if .Decision.CorrectedBy}}corrected by a later decision{{else}}stands{{with .Decision.Status}} (action {{.}}){{end}}{{end}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
</div>
{{else}}<p class="none">No orders.</p>{{end}}
</body></html>
`))
