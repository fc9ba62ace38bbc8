package api

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

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
		c.Response().WriteHeader(http.StatusOK)
		return exportPage.Execute(c.Response(), out)
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
	return d.String()
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
	"when": func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04 UTC") },
	"join": strings.Join,
	"raw":  func(b []byte) string { return string(b) },
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
<tr><th>Date of birth</th><td>{{.Subject.DateOfBirth}}</td></tr>
<tr><th>PNC ID</th><td>{{.Subject.PNCID}}</td></tr>
<tr><th>ViSOR ID</th><td>{{str .Subject.VisorID}}</td></tr>
<tr><th>Prison number</th><td>{{str .Subject.PrisonNumber}}</td></tr>{{else}}<tr><th>Kind</th><td>{{.Subject.Kind}}</td></tr>
<tr><th>Name</th><td>{{.Subject.Name}}</td></tr>
<tr><th>Aliases</th><td>{{if .Subject.Aliases}}{{join .Subject.Aliases ", "}}{{else}}—{{end}}</td></tr>
<tr><th>Registration number</th><td>{{str .Subject.RegistrationNumber}}</td></tr>
<tr><th>Registered address</th><td>{{str .Subject.RegisteredAddress}}</td></tr>{{end}}
<tr><th>Managing force</th><td>{{.Subject.Force}}</td></tr>
<tr><th>Custody</th><td>{{.Subject.Custody.Status}}{{if .Subject.Custody.Establishment}}, {{str .Subject.Custody.Establishment}}{{end}}{{if .Subject.Custody.ReleaseDate}}, release {{date .Subject.Custody.ReleaseDate}} ({{str .Subject.Custody.ReleaseDateType}}){{end}}</td></tr>
<tr><th>Recorded</th><td>{{when .Subject.CreatedAt}}; last changed {{when .Subject.UpdatedAt}}</td></tr>
</table>
<h2>Custody history</h2>
{{if .CustodyHistory}}<table><tr><th>Establishment</th><th>Began</th><th>Expected release</th><th>Released</th></tr>
{{range .CustodyHistory}}<tr><td>{{str .Establishment}}</td><td>{{date .BeganOn}}</td><td>{{date .ReleaseDate}} {{str .ReleaseDateType}}</td><td>{{date .ReleasedOn}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h2>Orders ({{len .Orders}})</h2>
{{range .Orders}}<div class="order">
<h3>Order {{.Order.Reference}}, {{.Order.Court}}</h3>
<table>
<tr><th>Status</th><td>{{.Order.Status}}{{if .Order.EndedOn}} on {{date .Order.EndedOn}}: {{str .Order.EndReason}}{{end}}</td></tr>
<tr><th>Made</th><td>{{.Order.MadeOn}} ({{.Order.CourtType}} court)</td></tr>
<tr><th>In force</th><td>{{.Order.Commencement}}: {{date .Order.StartsOn}} to {{if and .Order.EndedOn (or (eq .Order.Status "discharged") (eq .Order.Status "quashed"))}}{{date .Order.EndedOn}} ({{.Order.Status}}; it was to run to {{date .Order.EffectiveEnd}}){{else if .Order.ExtensionPending}}{{date .Order.EndsOn}}, and on until the charge that extends it (s.22E) is dealt with{{else if .Order.ExtendedTo}}{{date .Order.ExtendedTo}} (extended from {{date .Order.EndsOn}} by a charge, s.22E){{else}}{{date .Order.EndsOn}}{{end}}</td></tr>
</table>
<h4>Terms</h4>
<table><tr><th>Category</th><th>Term</th></tr>{{range .Order.Terms}}<tr><td>{{.Category}}</td><td>{{.Text}}</td></tr>{{end}}</table>
<h4>Every version of the terms</h4>
{{if .TermVersions}}<table><tr><th>Category</th><th>Term</th><th>Version</th><th>In force from</th><th>Until</th></tr>
{{range .TermVersions}}<tr><td>{{.Category}}</td><td>{{.Text}}</td><td>{{.Version}}</td><td>{{.EffectiveFrom}}</td><td>{{date .EffectiveTo}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>The order's history</h4>
{{if .Events}}<table><tr><th>On</th><th>Event</th><th>Court</th><th>Recorded</th><th>By</th><th>Details</th></tr>
{{range .Events}}<tr><td>{{.On}}</td><td>{{.Kind}}</td><td>{{str .Court}}</td><td>{{when .RecordedAt}}</td><td>{{ref .RecordedBy}}</td><td>{{raw .Details}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Charges extending the order</h4>
{{if .Extensions}}<table><tr><th>Charged</th><th>Kind</th><th>Offence</th><th>Court</th><th>Outcome</th><th>Settled end</th></tr>
{{range .Extensions}}<tr><td>{{.ChargedOn}}</td><td>{{.ChargeKind}}</td><td>{{.Offence}}</td><td>{{.Court}}</td><td>{{str .Outcome}} {{date .OutcomeOn}}</td><td>{{date .SettledEndsOn}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Breaches</h4>
{{if .Breaches}}<table><tr><th>Occurred</th><th>What happened</th><th>Terms</th><th>Action</th><th>Outcome</th></tr>
{{range .Breaches}}<tr><td>{{.OccurredOn}}</td><td>{{.Description}}</td><td>{{range $i, $t := .Terms}}{{if $i}}; {{end}}{{$t.Text}} (version {{$t.Version}}){{end}}</td><td>{{.Action}}</td><td>{{.Outcome}} {{date .OutcomeOn}}{{with .Sentence}}: {{.}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Owners, past and present</h4>
{{if .OwnerHistory}}<table><tr><th>Role</th><th>Officer</th><th>From</th><th>Until</th><th>Reason</th></tr>
{{range .OwnerHistory}}<tr><td>{{.Role}}</td><td>{{.Officer.Name}}</td><td>{{when .From}}</td><td>{{if .Until}}{{when .Until}}{{else}}current{{end}}</td><td>{{.Reason}}{{if .EndReason}}; ended: {{str .EndReason}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Reviews</h4>
{{if .Reviews}}<table><tr><th>Reviewed</th><th>Kind</th><th>Outcome</th><th>Notes</th></tr>
{{range .Reviews}}<tr><td>{{.ReviewedOn}}</td><td>{{.Kind}}</td><td>{{.Outcome}}</td><td>{{str .Notes}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Compliance checks</h4>
{{if .Checks}}<table><tr><th>Kind</th><th>Due</th><th>Status</th><th>Completed</th><th>Outcome</th><th>Notes</th></tr>
{{range .Checks}}<tr><td>{{.Kind}}</td><td>{{.DueOn}}</td><td>{{.Status}}</td><td>{{date .CompletedOn}}</td><td>{{str .Outcome}}</td><td>{{str .Notes}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Flags</h4>
{{if .Flags}}<table><tr><th>Kind</th><th>Raised</th><th>Resolved</th></tr>
{{range .Flags}}<tr><td>{{.Kind}}</td><td>{{when .RaisedAt}}</td><td>{{if .ResolvedAt}}{{when .ResolvedAt}}{{else}}open{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Tasking meeting decisions</h4>
{{if .Decisions}}<table><tr><th>Meeting</th><th>Item</th><th>Decision</th><th>Action by</th><th>Notes</th><th>Stands?</th></tr>
{{range .Decisions}}<tr><td>{{.HeldOn}}</td><td>{{.ItemKind}}</td><td>{{.Decision.Decision}}</td><td>{{ref .Decision.ActionBy}}</td><td>{{str .Decision.Notes}}</td><td>{{with .Decision.Withdrawn}}withdrawn: {{.Reason}}{{else}}{{if .Decision.CorrectedBy}}corrected by a later decision{{else}}stands{{with .Decision.Status}} (action {{.}}){{end}}{{end}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="none">None recorded.</p>{{end}}
</div>
{{else}}<p class="none">No orders.</p>{{end}}
</body></html>
`))
