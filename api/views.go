package api

import (
	"encoding/csv"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// asOf reads ?as_of=, defaulting to today, so any day's picture can be
// reproduced.
func (s *Server) asOf(q *query) domain.Date {
	if d := q.date("as_of"); d != nil {
		return *d
	}
	return s.today()
}

func (s *Server) caseload(c echo.Context) error {
	// The officer is given by id or, as people know each other, by email.
	q := newQuery(c, "officer_id", "officer", "as_of", "limit", "cursor")
	officer := q.id("officer_id")
	email := strings.ToLower(q.str("officer"))
	if email != "" {
		if q.str("officer_id") != "" {
			q.errs.Add("officer", "give officer_id or officer (an email address), not both")
		} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			q.errs.Add("officer", "must be an email address like name@force.police.uk")
		}
	}
	asOf := s.asOf(q)
	p := keyPage(q, 2)
	if err := q.err(); err != nil {
		return err
	}
	if email != "" {
		o, err := s.store.OfficerByEmail(ctxOf(c), email)
		if err != nil {
			return err
		}
		officer = o.ID
	}
	if officer == "" {
		officer = actor(c).ID
	}
	out, err := s.store.Caseload(ctxOf(c), officer, asOf, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// keyPage reads ?limit= and a ?cursor= of a list ordered by a key of n
// parts, the last an ID, as the store gave it out.
func keyPage(q *query, n int) domain.Page { return keyPageBy(q, n, domain.DecodeKeyCursor) }

// keyPageBy is keyPage with the cursor's parts read by decode: limit
// (default 50, at most 500) and the cursor, each refused by name (422)
// when it is not one.
func keyPageBy(q *query, n int, decode func(string, int) ([]string, bool)) domain.Page {
	p := domain.Page{Limit: 50}
	if l := q.intIn("limit", 1, 1_000_000); l != nil {
		p.Limit = min(*l, 500)
	}
	if cur := q.str("cursor"); cur != "" {
		if _, ok := decode(cur, n); !ok {
			q.errs.Add("cursor", "is not a cursor this service gave out")
		}
		p.Cursor = cur
	}
	return p
}

// taskingReport answers the agenda: every section's count and a page of
// each (domain.TaskingPageDefault unless ?limit= asks for up to
// domain.TaskingPageMax), or with ?section= a page of that section, after
// ?cursor=. Without as_of it is today's agenda from the open flags; with
// as_of the rules are evaluated as of that day. As CSV it is the whole
// agenda in one file, streamed a page at a time.
func (s *Server) taskingReport(c echo.Context) error {
	q := newQuery(c, "force", "as_of", "section", "limit", "cursor")
	force := q.str("force")
	if force == "" {
		q.errs.Add("force", "is required")
	}
	tq := domain.TaskingQuery{Force: force, AsOf: s.asOf(q), FromRules: q.str("as_of") != "",
		Section: q.oneOf("section", domain.TaskingSections), Page: keyPage(q, 2)}
	if q.str("limit") == "" {
		// The store's default: a section's page, or the shorter one of
		// every section.
		tq.Page.Limit = 0
	}
	if tq.Page.Cursor != "" && tq.Section == "" {
		q.errs.Add("cursor", "needs section: a cursor pages one section")
	}
	if err := q.err(); err != nil {
		return err
	}
	if wantsCSV(c) {
		return s.taskingCSV(c, tq)
	}
	out, err := s.store.Tasking(ctxOf(c), tq)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// disclose records the request as a disclosure before a CSV is written: an
// export leaves the service, so it is a disclosure, not a consultation.
func disclose(c echo.Context) error {
	domain.AuditFrom(ctxOf(c)).SetAction(domain.ActionDisclosure)
	return recordAudit(c)
}

// startCSV sends the headers of a CSV attachment named filename.
func startCSV(c echo.Context, filename string) *csv.Writer {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Response().WriteHeader(http.StatusOK)
	return csv.NewWriter(c.Response())
}

// regionCSV writes the region report one row per force, with a column per
// flag kind.
func regionCSV(c echo.Context, r domain.RegionReport) error {
	w := startCSV(c, "region-"+r.Region+"-"+r.AsOf.String()+".csv")
	header := []string{"region", "as_of", "force", "name", "community", "prison", "total", "owned", "reviews_on_time"}
	for _, k := range domain.FlagKinds {
		header = append(header, "open_"+k)
	}
	_ = w.Write(header)
	for _, f := range r.Forces {
		row := []string{r.Region, r.AsOf.String(), f.Force, cell(f.Name), strconv.Itoa(f.LiveOrders["community"]),
			strconv.Itoa(f.LiveOrders["prison"]), strconv.Itoa(f.LiveOrders["total"]), strconv.Itoa(f.Owned),
			strconv.Itoa(f.ReviewsOnTime)}
		for _, k := range domain.FlagKinds {
			row = append(row, strconv.Itoa(f.OpenFlags[k]))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return w.Error()
}

func refName(o *domain.OfficerRef) string {
	if o == nil {
		return ""
	}
	return cell(o.Name)
}

func dateCell(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// wantsCSV reports whether the client asked for CSV over JSON.
func wantsCSV(c echo.Context) bool { return prefers(c, "text/csv") }

// prefers reports whether the Accept header names mediaType before JSON
// (or anything): the first of them listed wins.
func prefers(c echo.Context, mediaType string) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(mt) {
		case mediaType:
			return true
		case "application/json", "*/*":
			return false
		}
	}
	return false
}

// taskingCSV writes the whole agenda one row per item, section by
// section, worst first, reading and writing a page at a time, so memory
// stays flat however long the agenda. The request's disclosure entry,
// written before the headers, names the force; each page of rows then gets
// an entry of its own (same request ID, route and purpose) naming its
// orders and subjects, written before those rows are sent, so every
// subject's access log shows the export and no entry grows with the
// register.
func (s *Server) taskingCSV(c echo.Context, tq domain.TaskingQuery) error {
	ctx := ctxOf(c)
	// Check the force and the caller's view of it before anything is sent,
	// as Tasking does first: asking Tasking itself for a token page worked
	// out every rule of an agenda "as of" a day for its counts, and
	// TaskingEach then worked each out again.
	if _, err := s.store.GetForce(ctx, tq.Force); err != nil {
		return err
	}
	if !domain.ScopeFrom(ctx).CanRead(tq.Force) {
		return domain.ErrNotFound
	}
	tq.Quiet = true
	domain.Note(ctx, "force", tq.Force)
	base, _ := domain.AuditFrom(ctx).Pending()
	if err := disclose(c); err != nil {
		return err
	}
	base.Action, base.Records = domain.ActionDisclosure, nil
	w := startCSV(c, "tasking-"+tq.Force+"-"+tq.AsOf.String()+".csv")
	_ = w.Write([]string{"section", "order_id", "reference", "case_type", "subject_id", "subject_name", "pnc_id",
		"iom", "lro", "orders_officer", "days_overdue", "days_to_release", "open_since", "days_to_end"})
	for _, section := range domain.TaskingSections {
		err := s.store.TaskingEach(ctx, tq, section, 500, func(items []domain.TaskingItem) error {
			if err := s.disclosePage(ctx, base, len(items), func(i int) (string, string) {
				return items[i].OrderID, items[i].Subject.ID
			}); err != nil {
				return err
			}
			for _, it := range items {
				since := ""
				if it.OpenSince != nil {
					since = it.OpenSince.Format("2006-01-02T15:04:05Z")
				}
				_ = w.Write([]string{section, it.OrderID, cell(it.Reference), it.CaseType, it.Subject.ID, cell(it.Subject.Name),
					it.Subject.PNCID, ownerName(it.Owners.IOM), ownerName(it.Owners.LRO), ownerName(it.Owners.OrdersOfficer),
					intCell(it.DaysOverdue), intCell(it.DaysToRelease), since, intCell(it.DaysToEnd)})
			}
			w.Flush()
			c.Response().Flush()
			return w.Error()
		})
		if err != nil {
			// The header is sent: the error handler cuts the answer off
			// (cutShort) rather than end a short file as if whole.
			return err
		}
	}
	return nil
}

// cell defuses text a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func ownerName(o *domain.OwnerSummary) string {
	if o == nil {
		return ""
	}
	return cell(o.Name)
}

func intCell(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func (s *Server) preReleaseReport(c echo.Context) error {
	q := newQuery(c, "force", "within_days", "as_of", "limit", "cursor")
	asked := q.intIn("within_days", 0, 1095)
	asOf := s.asOf(q)
	force := q.str("force")
	p := keyPage(q, 2)
	if err := q.err(); err != nil {
		return err
	}
	// Unasked, the force's own window (the answer's within_days says
	// which was used).
	var within int
	if asked != nil {
		within = *asked
	} else {
		w, err := domain.PreReleaseWindow(ctxOf(c), s.store, force)
		if err != nil {
			return err
		}
		within = w
	}
	out, err := s.store.PreRelease(ctxOf(c), force, within, asOf, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) regionReport(c echo.Context) error {
	q := newQuery(c, "region", "as_of")
	region := q.str("region")
	if region == "" {
		q.errs.Add("region", "is required, for example south-west")
	}
	asOf := s.asOf(q)
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.Region(ctxOf(c), region, asOf)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		if err := disclose(c); err != nil {
			return err
		}
		return regionCSV(c, out)
	}
	return respond(c, http.StatusOK, out)
}

type meetingRequest struct {
	Force  *string `json:"force"`
	HeldOn *string `json:"held_on"`
}

func (s *Server) openMeeting(c echo.Context) error {
	var req meetingRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	if str(req.Force) == "" {
		v.Add("force", "is required")
	}
	s.checkForce(ctxOf(c), v, req.Force)
	held := dateField(v, "held_on", req.HeldOn)
	if req.HeldOn == nil {
		v.Add("held_on", "is required")
	} else if held != nil {
		domain.ValidateHeldOn(*held, s.today(), v)
	}
	if err := v.Err(); err != nil {
		return err
	}
	m, err := s.store.OpenMeeting(ctxOf(c), *req.Force, *held)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/meetings/"+m.ID)
	return respond(c, http.StatusCreated, m)
}

type regionalMeetingRequest struct {
	Region *string `json:"region"`
	HeldOn *string `json:"held_on"`
}

// openRegionalMeeting opens a regional lead's meeting over their region.
func (s *Server) openRegionalMeeting(c echo.Context) error {
	var req regionalMeetingRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	if str(req.Region) == "" {
		v.Add("region", "is required")
	}
	held := dateField(v, "held_on", req.HeldOn)
	if req.HeldOn == nil {
		v.Add("held_on", "is required")
	} else if held != nil {
		domain.ValidateHeldOn(*held, s.today(), v)
	}
	if err := v.Err(); err != nil {
		return err
	}
	m, err := s.store.OpenRegionalMeeting(ctxOf(c), *req.Region, *held)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/meetings/"+m.ID)
	return respond(c, http.StatusCreated, m)
}

// getMeeting answers a meeting, or its minutes as CSV (Accept: text/csv
// or ?format=csv) or a printable page (Accept: text/html or
// ?format=html); each download is a disclosure, and is listed on the
// minutes as shared with the caller.
func (s *Server) getMeeting(c echo.Context) error {
	q := newQuery(c, "format")
	format := q.oneOf("format", []string{"json", "csv", "html"})
	p := keyPage(q, 2)
	if q.str("limit") == "" {
		p.Limit = 0 // the store's page: domain.MeetingPageDefault orders
	}
	if err := q.err(); err != nil {
		return err
	}
	if format == "" && wantsCSV(c) {
		format = "csv"
	} else if format == "" && wantsHTML(c) {
		format = "html"
	}
	// The JSON answer is a page of the agenda; the minutes are all of it.
	if format == "csv" || format == "html" {
		return s.minutes(c, c.Param("id"), format)
	}
	m, err := s.store.GetMeeting(ctxOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, m)
}

func (s *Server) listMeetings(c echo.Context) error {
	q := newQuery(c, "force", "region")
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.store.ListMeetings(ctxOf(c), domain.MeetingFilter{Force: q.str("force"), Region: q.str("region")}, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(list, next))
}

type decisionRequest struct {
	ItemID     *string `json:"item_id"`
	Decision   *string `json:"decision"`
	ActionBy   *string `json:"action_by"`
	DueBy      *string `json:"due_by"`
	Notes      *string `json:"notes"`
	Role       *string `json:"role"`
	OfficerID  *string `json:"officer_id"`
	CheckKind  *string `json:"check_kind"`
	CheckDueOn *string `json:"check_due_on"`
	Reason     *string `json:"-"`
}

func decisionOf(v *domain.ValidationError, req decisionRequest) domain.Decision {
	d := domain.Decision{ItemID: str(req.ItemID), Decision: str(req.Decision), Notes: req.Notes, Role: req.Role,
		OfficerID: req.OfficerID, CheckKind: req.CheckKind, Reason: req.Reason}
	d.DueBy = dateField(v, "due_by", req.DueBy)
	d.CheckDueOn = dateField(v, "check_due_on", req.CheckDueOn)
	if req.ActionBy != nil {
		d.ActionBy = &domain.OfficerRef{ID: *req.ActionBy}
	}
	return d
}

func (s *Server) decide(c echo.Context) error {
	var req struct {
		decisionRequest
		// Reason: after sign-off a decision is an amendment and says why.
		Reason *string `json:"reason"`
	}
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	req.decisionRequest.Reason = req.Reason
	d := decisionOf(v, req.decisionRequest)
	if v.Err() != nil {
		d.Validate(v)
		return v
	}
	decide := s.store.Decide
	if strings.HasPrefix(c.Path(), "/api/v1/regional-meetings/") {
		decide = s.store.DecideRegional
	}
	out, err := decide(ctxOf(c), c.Param("id"), d)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

// decideRegional records a regional meeting's decision: an action for an
// officer of the force the escalation concerns, a note, or no action.
func (s *Server) decideRegional(c echo.Context) error { return s.decide(c) }
