package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"scpo/domain"
)

// --- Tasking meetings ------------------------------------------------------

type meetingListData struct {
	Force    string
	Meetings []domain.Meeting
	CanStart bool
}

func (w *Web) meetingList(r *req) error {
	force, err := w.taskingForce(r)
	if err != nil {
		return err
	}
	d := &meetingListData{Force: force, CanStart: force != "" && w.host.Permitted(r.me, "POST /api/v1/meetings")}
	p := r.page("Tasking meetings", "meetings", d)
	if force != "" {
		if d.Meetings, _, err = w.store.ListMeetings(r.ctx(), force, domain.Page{Limit: 500}); err != nil {
			return err
		}
	}
	p.Values = map[string]string{}
	setDate(p.Values, "held_on", w.today())
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
		if d.Meetings, _, _ = w.store.ListMeetings(r.ctx(), force, domain.Page{Limit: 500}); d.Meetings == nil {
			d.Meetings = []domain.Meeting{}
		}
		p := r.page("Tasking meetings", "meetings", d)
		p.Values = vals
		return w.formError(r, err, "meetings", p, map[string]string{"held_on": "Date of the meeting", "force": "Force"})
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+m.ID+"?done=started")
}

type meetingData struct {
	M         domain.Meeting
	Officers  []domain.Officer // who may be named to act or own
	CanDecide bool
	Signed    bool
	IsChair   bool
	Posted    string // the order whose form was posted, to show its errors
}

func (w *Web) meetingPage(r *req) (*page, *meetingData, error) {
	m, err := w.store.GetMeeting(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	d := &meetingData{M: m, CanDecide: w.host.Permitted(r.me, "POST /api/v1/meetings/:id/decisions"), Signed: m.SignedAt != nil,
		IsChair: m.Chair != nil && m.Chair.ID == r.me.ID}
	if d.CanDecide {
		if d.Officers, _, err = w.store.ListOfficers(r.ctx(), domain.OfficerFilter{Force: m.Force}, domain.Page{Limit: 500}); err != nil {
			return nil, nil, err
		}
		active := d.Officers[:0]
		for _, o := range d.Officers {
			if o.Active {
				active = append(active, o)
			}
		}
		d.Officers = active
	}
	p := r.page("Tasking meeting: "+humanise(m.Force)+", "+longDate(m.HeldOn), "meetings", d)
	p.Values = map[string]string{}
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
	"action_by": "Officer to act", "due_by": "Due by", "notes": "Notes", "reason": "Reason for the amendment",
	"item_id": "Agenda item", "check_kind": "Check", "check_due_on": "Check due"}

func (w *Web) meetingDecide(r *req) error {
	p, d, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "item_id", "order", "decision", "role", "officer_id", "action_by", "notes", "reason",
		"due_by-day", "due_by-month", "due_by-year")
	p.Values, d.Posted = vals, vals["order"]
	// The inline forms' fields carry the order's place on the agenda.
	suffix := "-" + r.FormValue("n")
	labels := map[string]string{}
	for k, l := range decisionLabels {
		labels[k+suffix] = l
	}
	fail := func(err error) error {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			for i := range v.Errors {
				v.Errors[i].Field += suffix
			}
		}
		return w.formError(r, err, "meeting", p, labels)
	}
	v := &domain.ValidationError{}
	dec := domain.Decision{ItemID: vals["item_id"], Decision: vals["decision"], Notes: optional(vals["notes"]),
		Reason: optional(vals["reason"]), DueBy: dateValue(vals, "due_by", v)}
	if dec.Decision == domain.DecisionAssignOwner {
		dec.Role, dec.OfficerID = optional(vals["role"]), optional(vals["officer_id"])
	}
	if a := vals["action_by"]; a != "" && dec.Decision != domain.DecisionNoAction {
		dec.ActionBy = &domain.OfficerRef{ID: a}
	}
	if err := v.Err(); err != nil {
		dec.Validate(v)
		return fail(v)
	}
	if _, err := w.store.Decide(r.ctx(), d.M.ID, dec); err != nil {
		return fail(err)
	}
	ref := ""
	for _, o := range d.M.Orders {
		if o.OrderID == vals["order"] {
			ref = o.Reference
		}
	}
	q := url.Values{"done": {"decision"}, "ref": {ref}}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+d.M.ID+"?"+q.Encode()+"#order-"+vals["order"])
}

func (w *Web) meetingWithdraw(r *req) error {
	p, d, err := w.meetingPage(r)
	if err != nil {
		return err
	}
	vals := formValues(r, "reason")
	p.Values = vals
	if _, err := w.store.Withdraw(r.ctx(), d.M.ID, r.Param("decision_id"), vals["reason"]); err != nil {
		return w.formError(r, err, "meeting", p, map[string]string{"reason": "Reason for withdrawing"})
	}
	return r.Redirect(http.StatusSeeOther, "/meetings/"+d.M.ID+"?done=withdrawn")
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
	if form, err := r.FormParams(); err == nil {
		for _, id := range form["attendee"] {
			id := id
			a.Attendees = append(a.Attendees, domain.AttendeeInput{OfficerID: &id})
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
			name, org, ok := strings.Cut(line, ",")
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
	a.Apologies = lines("apologies", vals["apologies"])
	if a.ChairID == nil {
		v.Add("chair_id", "is required: choose who chaired the meeting")
	}
	err = v.Err()
	if err == nil {
		_, err = w.store.SetAttendance(r.ctx(), d.M.ID, a)
	}
	if err != nil {
		return w.formError(r, err, "meeting", p, map[string]string{"chair_id": "Chair", "others": "Others present",
			"apologies": "Apologies"})
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
		m, err := w.store.GetMeeting(r.ctx(), r.Param("id"))
		if err != nil {
			return err
		}
		return w.host.Minutes(r, m, format)
	}
}
