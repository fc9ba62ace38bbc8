package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type personRequest struct {
	OfficerID    *string `json:"officer_id"`
	Name         *string `json:"name"`
	Organisation *string `json:"organisation"`
}

type attendanceRequest struct {
	ChairID   *string         `json:"chair_id"`
	Attendees []personRequest `json:"attendees"`
	Apologies []personRequest `json:"apologies"`
}

func people(in []personRequest) []domain.AttendeeInput {
	out := make([]domain.AttendeeInput, len(in))
	for i, p := range in {
		out[i] = domain.AttendeeInput{OfficerID: p.OfficerID, Name: p.Name, Organisation: p.Organisation}
	}
	return out
}

// setAttendance records who chaired, attended and sent apologies.
func (s *Server) setAttendance(c echo.Context) error {
	var req attendanceRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	a := domain.Attendance{ChairID: req.ChairID, Attendees: people(req.Attendees), Apologies: people(req.Apologies)}
	a.Validate(v)
	if err := v.Err(); err != nil {
		return err
	}
	m, err := s.store.SetAttendance(ctxOf(c), c.Param("id"), a)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, m)
}

// signOff signs the minutes as the meeting's chair.
func (s *Server) signOff(c echo.Context) error {
	// No body is needed; one given must be an empty JSON object.
	if c.Request().ContentLength != 0 {
		var req struct{}
		if _, err := bindFields(c, &req); err != nil {
			return err
		}
	}
	m, err := s.store.SignOff(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, m)
}

type correctionRequest struct {
	decisionRequest
	Reason *string `json:"reason"`
}

// correctDecision records a decision in place of another, which stays in
// the minutes marked corrected.
func (s *Server) correctDecision(c echo.Context) error {
	var req correctionRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	d := decisionOf(v, req.decisionRequest)
	if str(req.Reason) == "" {
		v.Add("reason", "is required: say why the decision is corrected")
	}
	if err := v.Err(); err != nil {
		return err
	}
	out, err := s.store.Correct(ctxOf(c), c.Param("id"), c.Param("decision_id"), d, str(req.Reason))
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type reasonRequest struct {
	Reason *string `json:"reason"`
}

// withdrawDecision ends a decision with a reason; it stays in the minutes.
func (s *Server) withdrawDecision(c echo.Context) error {
	var req reasonRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	if str(req.Reason) == "" {
		v.Add("reason", "is required: say why the decision is withdrawn")
	}
	if err := v.Err(); err != nil {
		return err
	}
	out, err := s.store.Withdraw(ctxOf(c), c.Param("id"), c.Param("decision_id"), str(req.Reason))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// listActions lists meeting actions: ?assignee= (an officer id, or "me"),
// ?force=, ?status=, ?overdue=true (open and past due as of today).
func (s *Server) listActions(c echo.Context) error {
	q := newQuery(c, "assignee", "force", "status", "overdue")
	aq := domain.ActionQuery{Force: q.str("force"), Status: q.oneOf("status", []string{domain.ActionOpen, domain.ActionDone,
		domain.ActionCancelled}), AsOf: s.today(), Page: q.page()}
	if q.str("assignee") == "me" {
		aq.AssigneeID = actor(c).ID
	} else {
		aq.AssigneeID = q.id("assignee")
	}
	switch q.str("overdue") {
	case "", "false":
	case "true":
		t := s.today()
		aq.OverdueOn = &t
	default:
		q.errs.Add("overdue", "must be true or false")
	}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.store.Actions(ctxOf(c), aq)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(list, next))
}

type actionDoneRequest struct {
	Note *string `json:"note"`
	On   *string `json:"on"`
}

// actionStatus marks an action done (a completion note) or cancelled (a
// reason), by the officer given it or the force's chair.
func (s *Server) actionStatus(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			actionDoneRequest
			Reason *string `json:"reason"`
		}
		v, err := bindFields(c, &req)
		if err != nil {
			return err
		}
		u := domain.ActionUpdate{Status: status, Note: str(req.Note), On: s.today()}
		if status == domain.ActionCancelled {
			u.Note = str(req.Reason)
			if req.Note != nil {
				v.Add("note", "give a reason to cancel an action")
			}
		} else if req.Reason != nil {
			v.Add("reason", "give a note to mark an action done")
		}
		if d := dateField(v, "on", req.On); d != nil {
			u.On = *d
		}
		u.Validate(s.today(), v)
		if err := v.Err(); err != nil {
			return err
		}
		out, err := s.store.SetActionStatus(ctxOf(c), c.Param("id"), u)
		if err != nil {
			return err
		}
		return respond(c, http.StatusOK, out)
	}
}

// shareMinutes records the download of the minutes as a disclosure (the
// request's audit entry, naming the meeting, written with the share in one
// transaction) and on the minutes' list of who they were shared with. The
// subjects disclosed are named page by page (disclosePage), each page's
// entry written before its rows are sent: a whole agenda in one entry was
// 39,000 subjects at a national register.
func (s *Server) shareMinutes(c echo.Context, m domain.Meeting, format string) error {
	ctx := ctxOf(c)
	trail := domain.AuditFrom(ctx)
	trail.SetAction(domain.ActionDisclosure)
	purpose := ""
	if e, ok := trail.Pending(); ok {
		purpose = e.Purpose
	}
	return s.store.ShareMinutes(ctx, m.ID, format, purpose)
}

// disclosePage writes an audit entry like the request's (base) naming the
// n orders and subjects of one page of a streamed download, at(i) giving
// the i-th: each page is named before it is sent (the tasking CSV, the
// minutes).
func (s *Server) disclosePage(ctx context.Context, base domain.AuditEntry, n int, at func(int) (order, subject string)) error {
	if n == 0 {
		return nil
	}
	page := domain.NewAuditTrail(base)
	for i := range n {
		order, subject := at(i)
		page.Note("order", order)
		page.Note("subject", subject)
	}
	return s.store.WriteAudit(domain.WithAudit(ctx, page))
}

// discloseOrders is disclosePage for a page of a meeting's agenda.
func (s *Server) discloseOrders(c echo.Context, base domain.AuditEntry, orders []domain.AgendaOrder) error {
	return s.disclosePage(ctxOf(c), base, len(orders), func(i int) (string, string) {
		return orders[i].OrderID, orders[i].SubjectID
	})
}

// minutes answers a meeting's minutes as CSV or a printable page, and
// records the download. The CSV is written a page of the agenda at a time.
func (s *Server) minutes(c echo.Context, id, format string) error {
	ctx := ctxOf(c)
	// The meeting itself (who was there, carried actions, sharing); its
	// agenda is read below.
	m, err := s.store.GetMeeting(ctx, id, domain.Page{Limit: 1})
	if err != nil {
		return err
	}
	if err := s.shareMinutes(c, m, format); err != nil {
		return err
	}
	base, _ := domain.AuditFrom(ctx).Pending()
	base.Records = nil
	if format == "csv" {
		return s.minutesCSV(c, m, base)
	}
	// The printable page is one document, written as the CSV is: a page of
	// the agenda at a time, each page named on the trail before it is
	// sent (the whole agenda of a national register's meeting held tens of
	// thousands of orders in memory).
	names, err := s.places(ctx)
	if err != nil {
		return err
	}
	quiet := domain.WithAudit(ctx, nil)
	agenda := func(each func([]domain.AgendaOrder) error) error {
		return s.store.MeetingAgendaInPages(quiet, id, s.minutesPage, func(orders []domain.AgendaOrder) error {
			if err := s.discloseOrders(c, base, orders); err != nil {
				return err
			}
			return each(orders)
		})
	}
	return minutesHTML(c, m, meetingTitle(m, names), names.forces, s.loc, agenda)
}

// places are the forces' and regions' names by code, apart (a region and
// a force may share a code: west-midlands).
type places struct{ forces, regions map[string]string }

func (s *Server) places(ctx context.Context) (places, error) {
	list, err := s.store.ListForces(ctx)
	if err != nil {
		return places{}, err
	}
	p := places{forces: make(map[string]string, len(list)), regions: map[string]string{}}
	for _, f := range list {
		p.forces[f.Code], p.regions[f.Region] = f.Name, f.RegionName
	}
	return p, nil
}

// of names what a meeting is for: its force, or its region.
func (p places) of(m domain.Meeting) string {
	if m.Region != "" {
		return orCode(p.regions[m.Region], m.Region)
	}
	return orCode(p.forces[m.Force], m.Force)
}

// escalationText says who escalated a regional agenda item, when and why,
// from the details frozen with it: the regional minutes said only
// "Escalated".
func escalationText(names map[string]string, details any) string {
	var det struct {
		Force    string  `json:"force"`
		HeldOn   string  `json:"held_on"`
		FlagKind string  `json:"flag_kind"`
		Notes    *string `json:"notes"`
	}
	raw, _ := json.Marshal(details)
	if r, ok := details.(json.RawMessage); ok {
		raw = r
	}
	_ = json.Unmarshal(raw, &det)
	by := names[det.Force]
	if by == "" {
		by = det.Force
	}
	out := "Escalated by " + by + "'s tasking meeting"
	if len(det.HeldOn) >= 10 {
		if day, err := domain.ParseDate(det.HeldOn[:10]); err == nil {
			out += " of " + day.Format("2 January 2006")
		}
	}
	if det.FlagKind != "" {
		out += " (" + domain.FlagName(det.FlagKind) + ")"
	}
	if det.Notes != nil && *det.Notes != "" {
		out += ": " + *det.Notes
	}
	return out
}

// meetingTitle names a meeting as its minutes head it: the force's name,
// or the region's for a regional meeting (minutes showed the force's code,
// and nothing at all for a regional meeting).
func meetingTitle(m domain.Meeting, names places) string {
	if m.Region != "" {
		return "Regional meeting: " + names.of(m)
	}
	return "Sensitive tasking meeting: " + names.of(m)
}

// minutesCSV writes a meeting's minutes naming people, subjects and court
// references (no IDs): who chaired, attended and sent apologies; each
// agenda order with its reasons and every decision on it (corrected and
// withdrawn ones included, marked); the actions carried forward; who the
// minutes were shared with before.
func (s *Server) minutesCSV(c echo.Context, m domain.Meeting, base domain.AuditEntry) error {
	// The pages' own entries name what they disclose; the request's was
	// written with the share, so the agenda is read without noting it again.
	ctx := domain.WithAudit(ctxOf(c), nil)
	p, err := s.places(ctx)
	if err != nil {
		return err
	}
	names := p.forces
	var w *csv.Writer
	// A regional meeting has no force: its region stands in the column
	// (it was empty on every row).
	who := p.of(m)
	row := func(record string, vals map[string]string) {
		out := make([]string, len(minutesColumns))
		out[0], out[1], out[2] = record, who, m.HeldOn.String()
		for i, col := range minutesColumns[3:] {
			out[i+3] = cell(vals[col])
		}
		_ = w.Write(out)
	}
	// The file starts once the first page is named, so a failure before
	// then is still an answer of its own.
	start := func() {
		if w != nil {
			return
		}
		w = startCSV(c, "minutes-"+who+"-"+m.HeldOn.String()+".csv")
		_ = w.Write(minutesColumns)
		if m.Chair != nil {
			row("chair", map[string]string{"person": m.Chair.Name})
		}
		for _, a := range m.Attendees {
			row("attended", map[string]string{"person": a.Name, "organisation": str(a.Organisation)})
		}
		for _, a := range m.Apologies {
			row("apologies", map[string]string{"person": a.Name, "organisation": str(a.Organisation)})
		}
	}
	err = s.store.MeetingAgendaInPages(ctx, m.ID, s.minutesPage, func(orders []domain.AgendaOrder) error {
		if err := s.discloseOrders(c, base, orders); err != nil {
			return err
		}
		start()
		for _, o := range orders {
			reasons := make([]string, len(o.Reasons))
			for i, r := range o.Reasons {
				reasons[i] = domain.FlagName(r.Kind)
				if r.Kind == domain.AgendaEscalated {
					reasons[i] = escalationText(names, r.Details)
				}
			}
			cells := map[string]string{"reference": o.Reference, "subject": o.SubjectName, "case_type": domain.Humanise(o.CaseType),
				"reasons": strings.Join(reasons, "; "), "days_overdue": intCell(o.DaysOverdue), "days_to_release": intCell(o.DaysToRelease)}
			if len(o.Decisions) == 0 {
				row("agenda", cells)
			}
			for _, d := range o.Decisions {
				row("decision", decisionCells(cells, d))
			}
		}
		w.Flush()
		return w.Error()
	})
	if err != nil {
		// Once the file has started, it ends short rather than pretend.
		return err
	}
	start()
	for _, a := range m.CarriedActions {
		cells := map[string]string{"reference": a.Reference, "subject": a.SubjectName, "carried_from": a.HeldOn.String()}
		if a.Overdue {
			cells["reasons"] = "action overdue"
		}
		row("carried_action", decisionCells(cells, a.Decision))
	}
	if m.SignedAt != nil {
		row("signed", map[string]string{"person": refName(m.SignedBy), "decided_at": m.SignedAt.Format(time.RFC3339)})
	}
	for _, sh := range m.SharedWith {
		row("shared", map[string]string{"person": refName(sh.Officer), "notes": str(sh.Purpose), "decided_at": sh.SharedAt.Format(time.RFC3339)})
	}
	w.Flush()
	return w.Error()
}

var minutesColumns = []string{"record", "force", "held_on", "person", "organisation", "reference", "subject", "case_type",
	"reasons", "days_overdue", "days_to_release", "decision", "owner_role", "owner", "action_by", "due_by", "status",
	"status_note", "check_kind", "check_due_on", "notes", "state", "reason", "amendment", "carried_from", "decided_by", "decided_at",
	"action_first_given_to", "owner_replaced"}

func decisionCells(base map[string]string, d domain.Decision) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	state := "current"
	switch {
	case d.Withdrawn != nil:
		state, out["reason"] = "withdrawn", d.Withdrawn.Reason
	case d.CorrectedBy != nil:
		state = "corrected"
	}
	if d.Corrects != nil && out["reason"] == "" {
		out["reason"] = str(d.Reason)
	} else if out["reason"] == "" {
		out["reason"] = str(d.Reason)
	}
	// In words, as the printable minutes: the file goes to partners, and
	// the API answers the codes.
	out["decision"], out["owner"], out["owner_replaced"] = domain.Humanise(d.Decision), refName(d.Owner), refName(d.Replaced)
	if d.Role != nil {
		out["owner_role"] = domain.RoleName(*d.Role)
	}
	out["action_by"], out["due_by"], out["status"], out["status_note"] = refName(d.ActionBy), dateCell(d.DueBy),
		domain.Humanise(str(d.Status)), str(d.StatusNote)
	out["action_first_given_to"] = refName(d.ReassignedFrom)
	out["check_kind"], out["check_due_on"], out["notes"], out["state"] = domain.Humanise(str(d.CheckKind)), dateCell(d.CheckDueOn), str(d.Notes), state
	out["amendment"] = strconv.FormatBool(d.Amendment)
	out["decided_by"], out["decided_at"] = refName(d.DecidedBy), d.DecidedAt.Format(time.RFC3339)
	return out
}

// minutesHTML writes the minutes as a printable page: no script, its one
// style sheet (screen and print) allowed by hash.
func minutesHTML(c echo.Context, m domain.Meeting, title string, names map[string]string, loc *time.Location,
	agenda func(each func([]domain.AgendaOrder) error) error) error {
	// Times in the service's zone, as the pages give them (it said UTC).
	page, err := MinutesPage.Clone()
	if err != nil {
		return err
	}
	page.Funcs(template.FuncMap{"when": func(t time.Time) string { return t.In(loc).Format("2 January 2006 15:04 MST") }})
	data := struct {
		domain.Meeting
		Title  string
		Forces map[string]string
	}{m, title, names}
	w := c.Response()
	// The page starts once the first page of the agenda is named, so a
	// failure before then is still an answer of its own.
	started := false
	start := func() error {
		if started {
			return nil
		}
		started = true
		h := w.Header()
		h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+minutesStyleHash+"'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return page.ExecuteTemplate(w, "head", data)
	}
	if err := agenda(func(orders []domain.AgendaOrder) error {
		if err := start(); err != nil {
			return err
		}
		return page.ExecuteTemplate(w, "orders", struct {
			Orders []domain.AgendaOrder
			Forces map[string]string
		}{orders, names})
	}); err != nil {
		return err
	}
	if !started {
		if err := start(); err != nil {
			return err
		}
		if err := page.ExecuteTemplate(w, "empty", nil); err != nil {
			return err
		}
	}
	return page.ExecuteTemplate(w, "tail", data)
}

const minutesStyle = `body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c;font-size:14px}
h1,h2{margin-bottom:.3em}table{border-collapse:collapse;margin:.5em 0 1.2em;width:100%}
th,td{border:1px solid #b1b4b6;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f2f1}.old{color:#505a5f;text-decoration:line-through}.tag{font-weight:bold}
tr{page-break-inside:avoid}@media print{body{margin:0;font-size:11pt}th{background:none}@page{margin:15mm}}`

var minutesStyleHash = func() string {
	sum := sha256.Sum256([]byte(minutesStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// MinutesPage is the printable minutes, shared with the pages.
var MinutesPage = template.Must(template.New("minutes").Funcs(template.FuncMap{
	"style": func() template.CSS { return template.CSS(minutesStyle) },
	"date":  optDate, "str": optStr,
	"name": func(o *domain.OfficerRef) string {
		if o == nil {
			return "—"
		}
		return o.Name
	},
	"long": func(d domain.Date) string { return d.Time.Format("2 January 2006") },
	"when": func(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 UTC") },
	"days": func(n *int) string {
		if n == nil {
			return ""
		}
		return strconv.Itoa(*n)
	},
	"kind": func(k string) string { return strings.ReplaceAll(k, "_", " ") },
	// Names, not codes, as the pages write them.
	"flag":       domain.FlagName,
	"decision":   domain.Humanise,
	"escalation": escalationText,
	"day": func(d *domain.Date) string {
		if d == nil {
			return "—"
		}
		return d.Format("2 January 2006")
	},
}).Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Minutes: {{.Title}}, {{long .HeldOn}}</title>
<style>{{style}}</style></head><body>
<h1>{{.Title}}, {{long .HeldOn}}</h1>
<p>OFFICIAL-SENSITIVE. {{if .SignedAt}}Minutes signed by {{name .SignedBy}} on {{when .SignedAt}}.{{else}}Draft: not yet signed by the chair.{{end}}</p>
<h2>Present</h2>
<p>Chair: {{name .Chair}}</p>
<table><thead><tr><th scope="col">Attended</th><th scope="col">Organisation</th></tr></thead><tbody>
{{range .Attendees}}<tr><td>{{.Name}}</td><td>{{if .Organisation}}{{.Organisation}}{{else}}Police ({{if .Officer}}{{.Officer.Email}}{{end}}){{end}}</td></tr>
{{else}}<tr><td colspan="2">None recorded</td></tr>{{end}}</tbody></table>
<p>Apologies: {{range $i, $a := .Apologies}}{{if $i}}, {{end}}{{$a.Name}}{{if $a.Organisation}} ({{$a.Organisation}}){{end}}{{else}}none{{end}}</p>
<h2>Agenda and decisions</h2>
<table><thead><tr><th scope="col">Order</th><th scope="col">Subject</th><th scope="col">Reasons</th><th scope="col">Decisions</th></tr></thead><tbody>
{{end}}{{define "orders"}}{{range .Orders}}<tr><td>{{.Reference}}</td><td>{{.SubjectName}} ({{.CaseType}})</td>
<td>{{range .Reasons}}{{if eq .Kind "escalated"}}{{escalation $.Forces .Details}}{{else}}{{flag .Kind}}{{end}}{{if .DaysOverdue}}, {{days .DaysOverdue}} days overdue{{end}}{{if .DaysToRelease}}, release in {{days .DaysToRelease}} days{{end}}<br>{{end}}</td>
<td>{{range .Decisions}}<p{{if or .Withdrawn .CorrectedBy}} class="old"{{end}}><span class="tag">{{decision .Decision}}</span>{{.InWords}}{{if .Corrects}} (correction: {{str .Reason}}){{end}}{{if .Amendment}} [amendment after sign-off{{if .Reason}}: {{.Reason}}{{end}}]{{end}}{{if .Withdrawn}} [withdrawn: {{.Withdrawn.Reason}}]{{end}}{{if .CorrectedBy}} [corrected]{{end}}</p>{{else}}No decision{{end}}</td></tr>
{{end}}{{end}}{{define "empty"}}<tr><td colspan="4">Nothing on the agenda</td></tr>
{{end}}{{define "tail"}}</tbody></table>
<h2>Actions carried forward</h2>
<table><thead><tr><th scope="col">Order</th><th scope="col">Subject</th><th scope="col">Action</th><th scope="col">From meeting</th><th scope="col">Due</th></tr></thead><tbody>
{{range .CarriedActions}}<tr><td>{{.Reference}}</td><td>{{.SubjectName}}</td><td>{{name .ActionBy}}{{with .ReassignedFrom}} (first given to {{.Name}}){{end}}: {{str .Notes}}</td><td>{{long .HeldOn}}</td><td>{{day .DueBy}}{{if .Overdue}} <span class="tag">OVERDUE</span>{{end}}</td></tr>
{{else}}<tr><td colspan="5">None</td></tr>{{end}}</tbody></table>
<h2>Shared with</h2>
<ul>{{range .SharedWith}}<li>{{name .Officer}}, {{.Format}}, {{when .SharedAt}}{{if .Purpose}}: {{.Purpose}}{{end}}</li>{{else}}<li>Not shared before this copy</li>{{end}}</ul>
</body></html>
{{end}}`))
