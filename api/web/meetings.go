package web

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"scpo/domain"
)

// --- Tasking meetings ------------------------------------------------------

type meetingListData struct {
	Force string
	// Meetings are a page of the force's meetings, the latest held first
	// (MeetingsPage where it is in the whole).
	Meetings     []domain.Meeting
	MeetingsPage keyset
	CanStart     bool
	// Region is a regional lead's region, whose meeting they may start,
	// and RegionalMeetings a page of its meetings, paged on their own.
	Region           string
	RegionalMeetings []domain.Meeting
	RegionalPage     keyset
}

// meetingsPage is how many meetings a page of a list of them shows.
const meetingsPage = 25

// meetingLists reads the pages of d's force's meetings and its region's
// the address asks for, the latest first, with their counts.
func (w *Web) meetingLists(r *req, d *meetingListData) error {
	read := func(f domain.MeetingFilter, k *keyset) ([]domain.Meeting, error) {
		f.Latest = true
		return readPage(r, k, meetingsPage, func(p domain.Page) ([]domain.Meeting, string, error) {
			return w.store.ListMeetings(r.ctx(), f, p)
		}, func() (int, error) { return w.store.CountMeetings(r.ctx(), f) })
	}
	var err error
	if d.Region != "" {
		d.RegionalPage = keysetNamed(r, "regional_", "regional-meetings")
		if d.RegionalMeetings, err = read(domain.MeetingFilter{Region: d.Region}, &d.RegionalPage); err != nil {
			return err
		}
	}
	if d.Force != "" {
		d.MeetingsPage = keysetNamed(r, "", "meetings")
		if d.Meetings, err = read(domain.MeetingFilter{Force: d.Force}, &d.MeetingsPage); err != nil {
			return err
		}
	}
	return nil
}

// leadRegion is the region a regional lead holds meetings for (their
// force's), or "" when the officer may not start one.
func (w *Web) leadRegion(r *req) (string, error) {
	if r.me.Force == nil || !r.me.HasRole(domain.RoleRegional) || !w.host.Permitted(r.me, "POST /api/v1/regional-meetings") {
		return "", nil
	}
	f, err := w.store.GetForce(r.ctx(), *r.me.Force)
	if err != nil {
		return "", err
	}
	return f.Region, nil
}

func (w *Web) meetingList(r *req) error {
	force, err := w.taskingForce(r)
	if err != nil {
		return err
	}
	d := &meetingListData{Force: force, CanStart: force != "" && w.host.Permitted(r.me, "POST /api/v1/meetings")}
	if d.Region, err = w.leadRegion(r); err != nil {
		return err
	}
	if err := w.meetingLists(r, d); err != nil {
		return err
	}
	p := r.page("Tasking meetings", "meetings", d)
	p.Values = map[string]string{}
	setDate(p.Values, "held_on", w.today())
	setDate(p.Values, "regional_held_on", w.today())
	return w.render(r, "meetings", p)
}

func (w *Web) startMeeting(r *req) error {
	vals := formValues(r, "force", "held_on-day", "held_on-month", "held_on-year")
	v := &domain.ValidationError{}
	held := dateValue(vals, "held_on", v)
	if held == nil && !v.Has("held_on") {
		v.Add("held_on", "is required")
	} else if held != nil {
		domain.ValidateHeldOn(*held, w.today(), v)
	}
	force := vals["force"]
	var m domain.Meeting
	err := v.Err()
	if err == nil {
		m, err = w.store.OpenMeeting(r.ctx(), force, *held)
	}
	if err != nil {
		d := &meetingListData{Force: force, CanStart: true}
		// The force of a form that names one out of view (or none) lists
		// no meetings, as before: the error is the form's.
		if _, ferr := w.store.GetForce(r.ctx(), force); ferr == nil && domain.ScopeFrom(r.ctx()).CanRead(force) {
			if lerr := w.meetingLists(r, d); lerr != nil {
				return lerr
			}
		}
		p := r.page("Tasking meetings", "meetings", d)
		p.Values = vals
		return w.formError(r, err, "meetings", p, map[string]string{"held_on": "Date of the meeting", "force": "Force"})
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+m.ID+"?done=started")
}

type meetingData struct {
	M domain.Meeting
	// At a regional meeting: each order's escalation.
	Escalations map[string]escalation
	// Officers are who may attend: the force's active officers (the
	// region's leads and chairs), the first pickMax by name of each force
	// (Attending says how many of how many); Chairs who may chair (and
	// sign), as many (ChairPick). Filter narrows both to a name.
	Officers  []domain.Officer
	Attending officerPick
	ChairPick officerPick
	Filter    nameFilter
	// Present are the officers ticked as present: those recorded, or
	// those the form sent back with an error. Saving attendance replaces
	// it whole, so the form starts from what is recorded; AttendeeChoices
	// are the officers offered, with any recorded who are no longer among
	// them (deactivated since, or of another force), so none is dropped.
	Present         map[string]bool
	AttendeeChoices []domain.Officer
	// Apologised are the officers ticked as having sent apologies (an
	// officer's apology kept as the officer, not as a line of text).
	Apologised map[string]bool
	// Away is each officer of the force away today, with the day they are
	// back (nil: no return date): an order's owner away is shown so.
	Away      map[string]*domain.Date
	Chairs    []domain.Officer
	CanDecide bool
	Signed    bool
	IsChair   bool
	// The agenda comes a page of orders at a time: links to the first and
	// the next page, and where this page starts in the whole agenda.
	First, Next string
	IsFirst     bool
	Cursor      string
	// Shown is how many orders came before this page.
	Shown int
}

// meetingPageOrders is how many orders of its agenda the meeting's page
// shows: a meeting works down its agenda on screen.
const meetingPageOrders = 100

func (w *Web) meetingPage(r *req) (*page, *meetingData, error) {
	// A form on the page posts the page it was on, so its errors show there.
	cursor := r.QueryParam("cursor")
	if cursor == "" {
		cursor = r.FormValue("cursor")
	}
	m, err := w.store.GetMeeting(r.ctx(), r.Param("id"), domain.Page{Cursor: cursor, Limit: meetingPageOrders})
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) && cursor != "" {
		// An address edited by hand, or kept from an older release: the
		// agenda from its start.
		cursor = ""
		m, err = w.store.GetMeeting(r.ctx(), r.Param("id"), domain.Page{Limit: meetingPageOrders})
	}
	if err != nil {
		return nil, nil, err
	}
	d := &meetingData{M: m, Cursor: cursor, IsFirst: cursor == "", First: "/meetings/" + m.ID, Shown: m.OrdersBefore}
	if m.NextCursor != nil {
		d.Next = "/meetings/" + m.ID + "?" + url.Values{"cursor": {*m.NextCursor}}.Encode()
	}
	d.CanDecide, d.Signed, d.IsChair = w.host.Permitted(r.me, "POST /api/v1/meetings/:id/decisions"), m.SignedAt != nil,
		m.Chair != nil && m.Chair.ID == r.me.ID
	if m.Region != "" {
		d.CanDecide = w.host.Permitted(r.me, "POST /api/v1/regional-meetings/:id/decisions")
	} else if d.CanDecide {
		// Who may attend and chair, once for the page. The officers who may
		// own or act are offered on each order's decision page
		// (meetingDecisionForm), not on each of the page's orders.
		who := pickName(r)
		if d.Attending, err = w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: m.Force}, who); err != nil {
			return nil, nil, err
		}
		if d.ChairPick, err = w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: m.Force, AnyRole: domain.ChairRoles(false)},
			who); err != nil {
			return nil, nil, err
		}
		d.Officers = d.Attending.Officers
		_, load, err := w.ownerChoices(r.ctx(), m.Force, "")
		if err != nil {
			return nil, nil, err
		}
		d.Away = awayOf(load)
	}
	title := "Tasking meeting: " + w.forceName(m.Force) + ", " + longDate(m.HeldOn)
	if m.Region != "" {
		if err := w.regionalMeetingData(r, d); err != nil {
			return nil, nil, err
		}
		title = "Regional meeting: " + w.regionName(m.Region) + ", " + longDate(m.HeldOn)
	}
	for _, o := range d.ChairPick.Officers {
		if o.Active && domain.CanChair(o, m.Region != "") {
			d.Chairs = append(d.Chairs, o)
		}
	}
	// The chair recorded is offered when the list is cut short or narrowed
	// to a name, as those recorded present are (below).
	if c := m.Chair; c != nil && (d.ChairPick.Cut() || pickName(r) != "") &&
		!slices.ContainsFunc(d.Chairs, func(x domain.Officer) bool { return x.ID == c.ID }) {
		d.Chairs = append([]domain.Officer{{ID: c.ID, Name: c.Name}}, d.Chairs...)
	}
	d.Filter = officerFilter(r, pickName(r), d.Attending.Cut() || d.ChairPick.Cut())
	p := r.page(title, "meetings", d)
	p.Values = map[string]string{}
	d.Present, d.Apologised = map[string]bool{}, map[string]bool{}
	var others, apologies []string
	line := func(a domain.Attendee) string { return a.Name + ", " + derefStr(a.Organisation) }
	offer := func(o *domain.OfficerRef) {
		if !slices.ContainsFunc(d.AttendeeChoices, func(x domain.Officer) bool { return x.ID == o.ID }) {
			d.AttendeeChoices = append(d.AttendeeChoices, domain.Officer{ID: o.ID, Name: o.Name})
		}
	}
	d.AttendeeChoices = slices.Clone(d.Officers)
	for _, a := range m.Attendees {
		if a.Officer != nil {
			d.Present[a.Officer.ID] = true
			offer(a.Officer)
		} else {
			others = append(others, line(a))
		}
	}
	for _, a := range m.Apologies {
		if a.Officer != nil {
			d.Apologised[a.Officer.ID] = true
			offer(a.Officer)
		} else {
			apologies = append(apologies, line(a))
		}
	}
	p.Values["others"], p.Values["apologies"] = strings.Join(others, "\n"), strings.Join(apologies, "\n")
	return p, d, nil
}

func (w *Web) meeting(r *req) error {
	p, _, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	switch r.QueryParam("done") {
	case "started":
		p.Flash = "Meeting started: the agenda is frozen as it stood now"
	case "decision":
		p.Flash = "Decision recorded for " + r.QueryParam("ref")
	case "corrected":
		p.Flash = "Correction recorded for " + r.QueryParam("ref")
	case "attendance":
		p.Flash = "Attendance recorded"
	case "signed":
		p.Flash = "Minutes signed"
	case "withdrawn":
		p.Flash = "Decision withdrawn"
	}
	return w.render(r, "meeting", p)
}

var decisionLabels = map[string]string{"decision": "Decision", "role": "Owner role", "officer_id": "New owner",
	"action_by": "Officer to act", "due_by": "Due by", "notes": "Notes", "reason": "Reason",
	"item_id": "Agenda item", "check_kind": "Check", "check_due_on": "Check due", "corrects": "Corrects"}

// decisionData is the page recording a decision on one order of a force's
// meeting: the order as its card on the meeting's page shows it, and the
// officers who may own or act, once. The meeting's page carried them in a
// form on each of its hundred orders: 1 MB for a force of six officers.
type decisionData struct {
	M domain.Meeting // with the order alone
	O domain.AgendaOrder
	// Place is the order's number on the agenda; Back the meeting's page
	// at the order (the page of the agenda it is on).
	Place int
	Back  string
	// Actors are the officers who may be named to act (domain.CanAct);
	// OwnerChoices, for each owner role, those who may hold it
	// (domain.CanOwn), with each officer's Load, as the order's own
	// allocation form offers them; Away those of them away today. Each
	// offers the first pickMax by name; Filter narrows them to a name.
	Actors       officerPick
	OwnerChoices []ownerChoice
	Filter       nameFilter
	Load         map[string]domain.WorkloadLine
	Away         map[string]*domain.Date
	// Role is the owner role the form starts on: a missing one, or the
	// one sent back with an error.
	Role string
	// Current: the order has a decision in force, which may be corrected.
	Current bool
}

// actors are the officers of force who may be named to act on its orders
// (domain.CanAct), the first pickMax by name whose name or e-mail address
// holds who, with how many there are.
func (w *Web) actors(r *req, force, who string) (officerPick, error) {
	pick, err := w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: force, AnyRole: domain.ActionRoles}, who)
	if err != nil {
		return officerPick{}, err
	}
	return pick.without(func(o domain.Officer) bool { return o.CanAct(force) != "" }), nil
}

// awayOf is each officer of load away today, with the day they are back.
func awayOf(load map[string]domain.WorkloadLine) map[string]*domain.Date {
	away := map[string]*domain.Date{}
	for _, l := range load {
		if l.AbsentNow {
			away[l.Officer.ID] = l.AbsentTill
		}
	}
	return away
}

func (w *Web) decisionPage(r *req) (*page, *decisionData, error) {
	m, err := w.store.GetMeetingOrder(r.ctx(), r.Param("id"), r.Param("order_id"), meetingPageOrders)
	if err != nil {
		return nil, nil, err
	}
	if m.Region != "" || len(m.Orders) != 1 {
		// A regional meeting's decisions have their own form.
		return nil, nil, domain.ErrNotFound
	}
	o := m.Orders[0]
	d := &decisionData{M: m, O: o, Place: m.OrdersBefore + 1, Back: meetingAt(m, o, nil), Role: o.RoleToAllocate()}
	for _, dec := range o.Decisions {
		d.Current = d.Current || dec.Current()
	}
	who := pickName(r)
	if d.Actors, err = w.actors(r, m.Force, who); err != nil {
		return nil, nil, err
	}
	if d.OwnerChoices, d.Load, err = w.ownerChoices(r.ctx(), m.Force, who, domain.OwnerRoles...); err != nil {
		return nil, nil, err
	}
	d.Away = awayOf(d.Load)
	cut := d.Actors.Cut()
	for _, c := range d.OwnerChoices {
		cut = cut || c.Cut()
	}
	d.Filter = officerFilter(r, who, cut)
	p := r.page("Record a decision on "+o.Reference, "meetings", d)
	p.Values = map[string]string{}
	return p, d, nil
}

// meetingAt is the meeting's page at order o, on the page of the agenda
// it is on (m read with it: Meetings.GetMeetingOrder), with q.
func meetingAt(m domain.Meeting, o domain.AgendaOrder, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if m.PageCursor != "" {
		q.Set("cursor", m.PageCursor)
	}
	at := "/meetings/" + m.ID
	if len(q) > 0 {
		at += "?" + q.Encode()
	}
	return at + "#order-" + o.OrderID
}

// meetingDecisionForm is the form recording a decision on one order of a
// force's meeting.
func (w *Web) meetingDecisionForm(r *req) error {
	p, _, err := w.decisionPage(r)
	if err != nil {
		return err
	}
	return w.render(r, "meeting-decision", p)
}

// meetingDecide records a decision on the order of the page's form, or
// one in place of a decision recorded wrongly (corrects), and goes back
// to the meeting's page at the order.
func (w *Web) meetingDecide(r *req) error {
	p, d, err := w.decisionPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "item_id", "decision", "role", "officer_id", "action_by", "notes", "reason",
		"due_by-day", "due_by-month", "due_by-year", "check_kind", "check_due_on-day", "check_due_on-month", "check_due_on-year",
		"corrects", "replaces_"+domain.OwnerIOM, "replaces_"+domain.OwnerLRO, "replaces_"+domain.OwnerOrdersOfficer)
	p.Values = vals
	if vals["role"] != "" {
		d.Role = vals["role"]
	}
	fail := func(err error) error {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			for i := range v.Errors {
				switch v.Errors[i].Field {
				case "item_id":
					// The item is a hidden field (or left to the
					// decision): its error (the order moved force) is
					// shown on the decision chosen.
					v.Errors[i].Field = "decision"
				case "replaces":
					// On the box confirming the replacement of the
					// role's holder.
					v.Errors[i].Field = "replaces_" + vals["role"]
				}
			}
		}
		return w.formError(r, err, "meeting-decision", p, decisionLabels)
	}
	v := &domain.ValidationError{}
	dec := domain.Decision{ItemID: vals["item_id"], Decision: vals["decision"], Notes: optional(vals["notes"]),
		Reason: optional(vals["reason"]), DueBy: dateValue(vals, "due_by", v)}
	if dec.ItemID == "" {
		// The chair named no agenda item: the order's item the decision
		// answers (an allocation its want of an owner, and so on).
		dec.ItemID = d.O.ItemFor(dec.Decision)
	}
	switch dec.Decision {
	case domain.DecisionAssignOwner:
		dec.Role, dec.OfficerID = optional(vals["role"]), optional(vals["officer_id"])
		// The page shows each role's holder, with a box to tick to
		// replace them: the box of the role chosen says whom the chair
		// confirmed replacing (none ticked: nobody).
		replacing := vals["replaces_"+vals["role"]]
		dec.Replacing = &replacing
	case domain.DecisionScheduleCheck:
		dec.CheckKind, dec.CheckDueOn = optional(vals["check_kind"]), dateValue(vals, "check_due_on", v)
	}
	if a := vals["action_by"]; a != "" && dec.Decision != domain.DecisionNoAction {
		dec.ActionBy = &domain.OfficerRef{ID: a}
	}
	if err := v.Err(); err != nil {
		dec.Validate(v)
		return fail(v)
	}
	done := "decision"
	if corrects := vals["corrects"]; corrects != "" {
		// In place of a decision recorded wrongly: the original stays in
		// the minutes, marked corrected, and the new one says why.
		dec.Reason = nil
		if _, err := w.store.Correct(r.ctx(), d.M.ID, corrects, dec, vals["reason"]); err != nil {
			var c *domain.ConflictError
			if errors.As(err, &c) && c.Field == "id" {
				err = domain.Invalid("corrects", "%s", c.Message)
			}
			return fail(err)
		}
		done = "corrected"
	} else if _, err := w.store.Decide(r.ctx(), d.M.ID, dec); err != nil {
		return fail(err)
	}
	return r.Redirect(http.StatusSeeOther, meetingAt(d.M, d.O, url.Values{"done": {done}, "ref": {d.O.Reference}}))
}

func (w *Web) meetingWithdraw(r *req) error {
	p, d, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "reason")
	maps.Copy(p.Values, vals)
	if _, err := w.store.Withdraw(r.ctx(), d.M.ID, r.Param("decision_id"), vals["reason"]); err != nil {
		// The error is the withdrawn decision's own box's, where the
		// summary's link lands (there is one reason box per decision).
		field := "withdraw-" + r.Param("decision_id")
		return w.formError(r, renameFields(err, map[string]string{"reason": field}), "meeting", p,
			map[string]string{field: "Reason for withdrawing"})
	}
	q := url.Values{"done": {"withdrawn"}}
	if d.Cursor != "" {
		q.Set("cursor", d.Cursor)
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+d.M.ID+"?"+q.Encode())
}

// meetingAttendance records the chair, the officers present (ticked) and
// people from outside the register, one "Name, Organisation" a line.
func (w *Web) meetingAttendance(r *req) error {
	p, d, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "chair_id", "others", "apologies")
	p.Values = vals
	a := domain.Attendance{ChairID: optional(vals["chair_id"])}
	d.Present, d.Apologised = map[string]bool{}, map[string]bool{}
	if form, err := r.FormParams(); err == nil {
		for _, id := range form["attendee"] {
			id := id
			a.Attendees = append(a.Attendees, domain.AttendeeInput{OfficerID: &id})
			d.Present[id] = true
		}
		for _, id := range form["apology"] {
			id := id
			a.Apologies = append(a.Apologies, domain.AttendeeInput{OfficerID: &id})
			d.Apologised[id] = true
		}
	}
	v := &domain.ValidationError{}
	lines := func(field, text string) []domain.AttendeeInput {
		var out []domain.AttendeeInput
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			// The last comma: a name may hold one ("Smith, Anna, HMPPS").
			i := strings.LastIndex(line, ",")
			name, org, ok := line, "", i >= 0
			if ok {
				name, org = line[:i], line[i+1:]
			}
			if !ok || strings.TrimSpace(org) == "" {
				v.Add(field, "write each person as Name, Organisation on a line of their own")
				continue
			}
			n, o := strings.TrimSpace(name), strings.TrimSpace(org)
			out = append(out, domain.AttendeeInput{Name: &n, Organisation: &o})
		}
		return out
	}
	a.Attendees = append(a.Attendees, lines("others", vals["others"])...)
	a.Apologies = append(a.Apologies, lines("apologies", vals["apologies"])...)
	if a.ChairID == nil {
		v.Add("chair_id", "is required: choose who chaired the meeting")
	}
	err = v.Err()
	if d.Signed {
		// Signed minutes: no field to correct (they are not on the page).
		err = domain.Conflict("signed_at", "the minutes are signed: attendance can no longer change")
	} else if err == nil {
		_, err = w.store.SetAttendance(r.ctx(), d.M.ID, a)
	}
	// The store names people by their place in the lists it was sent; on
	// the page they are the boxes and the lines of text.
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for i, fe := range ve.Errors {
			for prefix, field := range map[string][2]string{"attendees[": {"attendee-0", "others"}, "apologies[": {"apology-0", "apologies"}} {
				if strings.HasPrefix(fe.Field, prefix) {
					ve.Errors[i].Field = field[1]
					if strings.HasSuffix(fe.Field, ".officer_id") {
						ve.Errors[i].Field = field[0]
					}
				}
			}
		}
	}
	if err != nil {
		return w.formError(r, err, "meeting", p, map[string]string{"chair_id": "Chair", "others": "Others present",
			"apologies": "Apologies", "attendee-0": "Officers present", "apology-0": "Officers who sent apologies"})
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+d.M.ID+"?done=attendance")
}

func (w *Web) meetingSignOff(r *req) error {
	p, d, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	if _, err := w.store.SignOff(r.ctx(), d.M.ID); err != nil {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			for i := range v.Errors {
				v.Errors[i].Field = "sign-off"
			}
		}
		return w.formError(r, err, "meeting", p, map[string]string{"sign-off": ""})
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+d.M.ID+"?done=signed")
}

func meetingMinutes(format string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		return w.host.Minutes(r, r.Param("id"), format)
	}
}

// --- Regional meetings -----------------------------------------------------

// escalation is a regional agenda order's escalation as the page shows it:
// the force meeting that escalated it and why, and who may be named to act.
type escalation struct {
	Force     string // the order's force (code), whose officers may act
	ForceName string
	// By is the name of the force whose meeting escalated it: the
	// order's force then, not necessarily now (a subject moved since).
	By       string
	HeldOn   *domain.Date // the force meeting's day
	FlagKind string
	Notes    string
	// Officers are those of its force who may be named to act (on its
	// decision page), the first pickMax by name.
	Officers officerPick
}

// regionalMeetingData reads each escalation's details from the frozen
// agenda and, for a lead who may decide, who may chair or attend: the
// region's leads and its forces' tasking chairs. The officers who may be
// named to act are offered on each order's decision page
// (regionalDecisionForm), not on each of the page's orders.
func (w *Web) regionalMeetingData(r *req, d *meetingData) error {
	d.Escalations = map[string]escalation{}
	if d.CanDecide {
		forces, err := w.store.ListForces(r.ctx())
		if err != nil {
			return err
		}
		who := pickName(r)
		for _, f := range forces {
			if f.Region != d.M.Region {
				continue
			}
			attend, err := w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: f.Code,
				AnyRole: []string{domain.RoleRegional, domain.RoleTaskingChair}}, who)
			if err != nil {
				return err
			}
			chairs, err := w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: f.Code, AnyRole: domain.ChairRoles(true)}, who)
			if err != nil {
				return err
			}
			d.Officers = append(d.Officers, attend.Officers...)
			d.Attending.Officers, d.Attending.Total = d.Officers, d.Attending.Total+attend.Total
			d.ChairPick.Officers = append(d.ChairPick.Officers, chairs.Officers...)
			d.ChairPick.Total += chairs.Total
		}
	}
	for _, it := range d.M.Agenda {
		if _, seen := d.Escalations[it.OrderID]; !seen {
			d.Escalations[it.OrderID] = w.escalationOf(it)
		}
	}
	return nil
}

// escalationOf reads a regional agenda item's escalation from its frozen
// details: the force meeting that escalated it, when and why, and the
// order's force (now).
func (w *Web) escalationOf(it domain.AgendaItem) escalation {
	var det struct {
		Force    string  `json:"force"`
		HeldOn   string  `json:"held_on"`
		FlagKind string  `json:"flag_kind"`
		Notes    *string `json:"notes"`
	}
	_ = json.Unmarshal(it.Details, &det)
	force := it.Force
	if force == "" {
		force = det.Force
	}
	by := det.Force
	if by == "" {
		by = force
	}
	e := escalation{Force: force, ForceName: w.forceName(force), By: w.forceName(by), FlagKind: det.FlagKind,
		Notes: derefStr(det.Notes)}
	if len(det.HeldOn) >= 10 {
		if day, err := domain.ParseDate(det.HeldOn[:10]); err == nil {
			e.HeldOn = &day
		}
	}
	return e
}

// startRegionalMeeting opens the lead's regional meeting. Its form's fields
// are named apart from the force meeting's on the same page
// (regional_held_on), so that each keeps its own values and errors.
func (w *Web) startRegionalMeeting(r *req) error {
	vals := formValues(r, "region", "regional_held_on-day", "regional_held_on-month", "regional_held_on-year")
	v := &domain.ValidationError{}
	if vals["region"] == "" {
		v.Add("region", "is required")
	}
	held := dateValue(vals, "regional_held_on", v)
	if held == nil && !v.Has("regional_held_on") {
		v.Add("regional_held_on", "is required")
	} else if held != nil {
		domain.ValidateHeldOn(*held, w.today(), v)
	}
	var m domain.Meeting
	err := v.Err()
	if err == nil {
		m, err = w.store.OpenRegionalMeeting(r.ctx(), vals["region"], *held)
	}
	if err == nil {
		return r.Redirect(http.StatusSeeOther, "/meetings/"+m.ID+"?done=started")
	}
	force, ferr := w.taskingForce(r)
	if ferr != nil {
		return ferr
	}
	d := &meetingListData{Force: force, CanStart: force != "" && w.host.Permitted(r.me, "POST /api/v1/meetings")}
	lead, lerr := w.leadRegion(r)
	if lerr != nil {
		return lerr
	}
	d.Region = lead
	if lerr := w.meetingLists(r, d); lerr != nil {
		return lerr
	}
	d.Region = vals["region"]
	p := r.page("Tasking meetings", "meetings", d)
	p.Values = vals
	setDate(p.Values, "held_on", w.today())
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for i, fe := range ve.Errors {
			if !strings.HasPrefix(fe.Field, "regional_") {
				ve.Errors[i].Field = "regional_" + fe.Field
			}
		}
	}
	return w.formError(r, err, "meetings", p, map[string]string{"regional_held_on": "Date of the regional meeting",
		"regional_region": "Region"})
}

var regionalDecisionLabels = map[string]string{"decision": "Decision", "action_by": "Officer to act", "due_by": "Due by",
	"notes": "Notes", "item_id": "Agenda item", "reason": "Reason for the amendment"}

// regionalDecisionData is the page recording a regional meeting's
// decision on one escalated order: the escalation, and the officers of
// the order's force who may be named to act, once.
type regionalDecisionData struct {
	M     domain.Meeting // with the order alone
	O     domain.AgendaOrder
	E     escalation
	Place int
	Back  string
	// Filter narrows the officers who may act to a name.
	Filter nameFilter
}

func (w *Web) regionalDecisionPage(r *req) (*page, *regionalDecisionData, error) {
	m, err := w.store.GetMeetingOrder(r.ctx(), r.Param("id"), r.Param("order_id"), meetingPageOrders)
	if err != nil {
		return nil, nil, err
	}
	if m.Region == "" || len(m.Orders) != 1 || len(m.Agenda) == 0 {
		// A force meeting's decisions have their own form.
		return nil, nil, domain.ErrNotFound
	}
	o := m.Orders[0]
	d := &regionalDecisionData{M: m, O: o, E: w.escalationOf(m.Agenda[0]), Place: m.OrdersBefore + 1,
		Back: meetingAt(m, o, nil)}
	who := pickName(r)
	if d.E.Force != "" {
		if d.E.Officers, err = w.actors(r, d.E.Force, who); err != nil {
			return nil, nil, err
		}
	}
	d.Filter = officerFilter(r, who, d.E.Officers.Cut())
	p := r.page("Record a decision on "+o.Reference, "meetings", d)
	p.Values = map[string]string{}
	return p, d, nil
}

// regionalDecisionForm is the form recording a regional meeting's
// decision on one escalated order.
func (w *Web) regionalDecisionForm(r *req) error {
	p, _, err := w.regionalDecisionPage(r)
	if err != nil {
		return err
	}
	return w.render(r, "regional-decision", p)
}

// regionalDecide records a regional meeting's decision on an escalation:
// an action for an officer of the order's force, a note, or no action.
func (w *Web) regionalDecide(r *req) error {
	p, d, err := w.regionalDecisionPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "decision", "action_by", "notes", "reason", "due_by-day", "due_by-month", "due_by-year")
	p.Values = vals
	fail := func(err error) error {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			for i := range v.Errors {
				// The item is the page's: its error (the order moved
				// force) is shown on the decision chosen.
				if v.Errors[i].Field == "item_id" {
					v.Errors[i].Field = "decision"
				}
			}
		}
		return w.formError(r, err, "regional-decision", p, regionalDecisionLabels)
	}
	v := &domain.ValidationError{}
	dec := domain.Decision{ItemID: d.O.Reasons[0].ItemID, Decision: vals["decision"], Notes: optional(vals["notes"]),
		Reason: optional(vals["reason"]), DueBy: dateValue(vals, "due_by", v)}
	if a := vals["action_by"]; a != "" && dec.Decision == domain.DecisionAction {
		dec.ActionBy = &domain.OfficerRef{ID: a}
	}
	if err := v.Err(); err != nil {
		dec.Validate(v)
		return fail(v)
	}
	if _, err := w.store.DecideRegional(r.ctx(), d.M.ID, dec); err != nil {
		return fail(err)
	}
	return r.Redirect(http.StatusSeeOther, meetingAt(d.M, d.O, url.Values{"done": {"decision"}, "ref": {d.O.Reference}}))
}
