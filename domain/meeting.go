package domain

import (
	"slices"
	"strings"
)

// A tasking meeting is recorded for a date that has some bearing on the
// present: minutes typed up to a year late are accepted, a meeting more
// than a year ago is a mistyped year; a meeting may be set up in advance,
// up to 90 days ahead (a quarter's cycle), no further.
const (
	MeetingMaxDaysPast  = 365
	MeetingMaxDaysAhead = 90
)

// ActionRoles are the roles of an officer a meeting may name to act on an
// item: the roles that work a force's orders. A regional lead only reads;
// an auditor reads the audit trail; an admin runs the service.
var ActionRoles = []string{RoleIOMOfficer, RoleLRO, RoleOrdersOfficer, RolePrisonLiaison, RoleTaskingChair}

// ValidateHeldOn checks a meeting's date as of today.
func ValidateHeldOn(heldOn, today Date, v *ValidationError) {
	switch {
	case heldOn.Before(today.AddDays(-MeetingMaxDaysPast).Time):
		v.Add("held_on", "must not be more than %d days ago (on or after %s)", MeetingMaxDaysPast,
			today.AddDays(-MeetingMaxDaysPast))
	case heldOn.After(today.AddDays(MeetingMaxDaysAhead).Time):
		v.Add("held_on", "must not be more than %d days ahead (on or before %s)", MeetingMaxDaysAhead,
			today.AddDays(MeetingMaxDaysAhead))
	}
}

// AgendaEscalated is the kind of a regional meeting's agenda item: a
// force meeting's decision to escalate.
const AgendaEscalated = "escalated"

// RegionalDecisions are what a regional meeting may decide about an
// escalation: an action for an officer of the force concerned, a note, or
// nothing. Owners and checks are the force's own business: a regional lead
// changes no force's records.
var RegionalDecisions = []string{DecisionAction, DecisionNote, DecisionNoAction}

// CanAct reports why officer cannot be named to act on a force's record,
// or "" when they can.
func (o Officer) CanAct(force string) string {
	switch {
	case !o.Active:
		return "the officer is deactivated"
	case o.Force == nil || *o.Force != force:
		return "the officer does not belong to the force concerned (" + force + ")"
	case !slices.ContainsFunc(o.Roles, func(r string) bool { return slices.Contains(ActionRoles, r) }):
		return "the officer holds none of the roles that act on a force's orders (" + strings.Join(ActionRoles, ", ") + ")"
	}
	return ""
}

// ValidateFor checks a decision against its meeting and the force its item
// concerns (a force meeting's own; at a regional meeting, the escalated
// order's): the decision a regional meeting may take, the officer named to
// act (actionBy, nil when no such officer exists) of that force, and the
// dates. held_on is
// the meeting's date; nothing decided there can be due before it.
func (d *Decision) ValidateFor(m Meeting, itemForce string, actionBy *Officer, v *ValidationError) {
	if m.Region != "" && d.Decision != "" && !slices.Contains(RegionalDecisions, d.Decision) {
		v.Add("decision", "a regional meeting decides one of: %s (owners and checks are the force's own)",
			strings.Join(RegionalDecisions, ", "))
	}
	if d.ActionBy != nil {
		if actionBy == nil {
			v.Add("action_by", "no such officer")
		} else if why := actionBy.CanAct(itemForce); why != "" {
			v.Add("action_by", "%s", why)
		}
	}
	if d.DueBy != nil && d.DueBy.Before(m.HeldOn.Time) {
		v.Add("due_by", "must not be before the meeting was held (%s)", m.HeldOn)
	}
	if d.Decision == DecisionScheduleCheck && d.CheckDueOn != nil && d.CheckDueOn.Before(m.HeldOn.Time) {
		v.Add("check_due_on", "must not be before the meeting was held (%s)", m.HeldOn)
	}
}
