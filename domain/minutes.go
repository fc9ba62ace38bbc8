package domain

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Attendee is someone at (or sending apologies to) a meeting: an officer
// of the register, or a named person from outside it with their
// organisation (probation, a prison).
type Attendee struct {
	Officer      *OfficerRef `json:"officer"`
	Name         string      `json:"name"`
	Organisation *string     `json:"organisation"`
}

// AttendeeInput names an officer by id, or a person by name and
// organisation.
type AttendeeInput struct {
	OfficerID    *string
	Name         *string
	Organisation *string
}

// Attendance is who chaired a meeting, who attended and who sent apologies.
type Attendance struct {
	ChairID   *string
	Attendees []AttendeeInput
	Apologies []AttendeeInput
}

// MaxAttendees bounds each list of a meeting's people.
const MaxAttendees = 100

// Validate checks an attendance's own fields: each person is an officer
// or a name with an organisation, not both.
func (a *Attendance) Validate(v *ValidationError) {
	if a.ChairID == nil || *a.ChairID == "" {
		v.Add("chair_id", "is required: the officer chairing the meeting")
	}
	for _, l := range []struct {
		field string
		list  []AttendeeInput
	}{{"attendees", a.Attendees}, {"apologies", a.Apologies}} {
		if len(l.list) > MaxAttendees {
			v.Add(l.field, "must list at most %d people", MaxAttendees)
			continue
		}
		for i, p := range l.list {
			f := l.field + "[" + strconv.Itoa(i) + "]"
			named := p.Name != nil && strings.TrimSpace(*p.Name) != ""
			switch {
			case p.OfficerID != nil && (named || p.Organisation != nil):
				v.Add(f, "give officer_id, or name and organisation, not both")
			case p.OfficerID == nil && !named:
				v.Add(f+".name", "is required for someone from outside the register (or give officer_id)")
			case p.OfficerID == nil && (p.Organisation == nil || strings.TrimSpace(*p.Organisation) == ""):
				v.Add(f+".organisation", "is required for someone from outside the register")
			case named && len(*p.Name) > 200, p.Organisation != nil && len(*p.Organisation) > 200:
				v.Add(f, "name and organisation must be at most 200 characters")
			}
		}
	}
}

// Withdrawal is why and by whom a decision was withdrawn.
type Withdrawal struct {
	At     time.Time   `json:"at"`
	By     *OfficerRef `json:"by"`
	Reason string      `json:"reason"`
}

// Share is one download of the minutes.
type Share struct {
	Officer  *OfficerRef `json:"officer"`
	Format   string      `json:"format"`
	Purpose  *string     `json:"purpose"`
	SharedAt time.Time   `json:"shared_at"`
}

// AgendaReason is one reason an order is on the agenda: an open flag as
// it stood when the meeting opened.
type AgendaReason struct {
	ItemID        string    `json:"item_id"`
	Kind          string    `json:"kind"`
	RaisedAt      time.Time `json:"raised_at"`
	DaysOverdue   *int      `json:"days_overdue"`
	DaysToRelease *int      `json:"days_to_release"`
	Details       any       `json:"details"`
}

// AgendaOrder is one order on a meeting's agenda with all its reasons,
// and the decisions made on it.
type AgendaOrder struct {
	OrderID     string         `json:"order_id"`
	Reference   string         `json:"reference"`
	SubjectID   string         `json:"subject_id"`
	SubjectName string         `json:"subject_name"`
	CaseType    string         `json:"case_type"`
	Reasons     []AgendaReason `json:"reasons"`
	// DaysOverdue is the most overdue of its reasons; DaysToRelease the
	// soonest release.
	DaysOverdue   *int       `json:"days_overdue"`
	DaysToRelease *int       `json:"days_to_release"`
	Decisions     []Decision `json:"decisions"`
	// MovedTo: the force the subject has moved to since the agenda was set.
	MovedTo string `json:"moved_to,omitempty"`
	// Owners are the order's current owners (now, not when the agenda
	// was set): a meeting allocating an owner sees whom it would replace.
	Owners Owners `json:"owners"`
}

// RoleOwner is one owner role of an order on the agenda: who holds it now
// (nil: nobody), and whether it is missing (the order is on the agenda
// for want of it, and nobody has taken it since).
type RoleOwner struct {
	Role    string
	Owner   *OwnerSummary
	Missing bool
}

// Ownership is each owner role of the order, in OwnerRoles order.
func (o AgendaOrder) Ownership() []RoleOwner {
	var missing []string
	for _, r := range o.Reasons {
		if r.Kind != FlagUnowned {
			continue
		}
		var details struct {
			Missing []string `json:"missing_roles"`
		}
		switch raw := r.Details.(type) {
		case json.RawMessage:
			_ = json.Unmarshal(raw, &details)
		case []byte:
			_ = json.Unmarshal(raw, &details)
		}
		missing = append(missing, details.Missing...)
	}
	out := make([]RoleOwner, len(OwnerRoles))
	for i, role := range OwnerRoles {
		owner := o.Owners.Of(role)
		out[i] = RoleOwner{Role: role, Owner: owner, Missing: owner == nil && slices.Contains(missing, role)}
	}
	return out
}

// RoleToAllocate is the owner role a meeting allocating an owner most
// likely means: the first missing, else the IOM officer an order before
// release lacks, else the first nobody holds, else the IOM officer. (It
// was always the IOM officer, and an allocation meant for a missing LRO
// replaced the IOM owner instead.)
func (o AgendaOrder) RoleToAllocate() string {
	roles := o.Ownership()
	for _, r := range roles {
		if r.Missing {
			return r.Role
		}
	}
	if o.Owners.IOM == nil && slices.ContainsFunc(o.Reasons, func(r AgendaReason) bool { return r.Kind == FlagPreRelease }) {
		return OwnerIOM
	}
	for _, r := range roles {
		if r.Owner == nil {
			return r.Role
		}
	}
	return OwnerIOM
}

// GroupAgenda gathers a meeting's items into one entry per order, its
// reasons in section order, worst first: the most days overdue, then the
// soonest release, then the first item's position.
func GroupAgenda(items []AgendaItem) []AgendaOrder {
	// Counted first, so the orders and all their reasons take one
	// allocation each (a page of 100 orders is about 270 items, and its
	// slices grown one append at a time were a page's largest garbage).
	at := make(map[string]int, len(items))
	reasons := make([]int, 0, len(items))
	for _, it := range items {
		if i, ok := at[it.OrderID]; ok {
			reasons[i]++
		} else {
			at[it.OrderID] = len(reasons)
			reasons = append(reasons, 1)
		}
	}
	out := make([]AgendaOrder, 0, len(reasons))
	pool := make([]AgendaReason, 0, len(items))
	for _, it := range items {
		i := at[it.OrderID]
		if i == len(out) {
			n := reasons[i]
			out = append(out, AgendaOrder{OrderID: it.OrderID, Reference: it.Reference, SubjectID: it.SubjectID,
				SubjectName: it.SubjectName, CaseType: it.CaseType, Reasons: pool[len(pool) : len(pool) : len(pool)+n],
				Decisions: []Decision{}, MovedTo: it.MovedTo})
			pool = pool[:len(pool)+n]
		}
		o := &out[i]
		o.Reasons = append(o.Reasons, AgendaReason{ItemID: it.ID, Kind: it.Kind, RaisedAt: it.RaisedAt,
			DaysOverdue: it.DaysOverdue, DaysToRelease: it.DaysToRelease, Details: it.Details})
		if it.DaysOverdue != nil && (o.DaysOverdue == nil || *it.DaysOverdue > *o.DaysOverdue) {
			o.DaysOverdue = it.DaysOverdue
		}
		if it.DaysToRelease != nil && (o.DaysToRelease == nil || *it.DaysToRelease < *o.DaysToRelease) {
			o.DaysToRelease = it.DaysToRelease
		}
		o.Decisions = append(o.Decisions, it.Decisions...)
	}
	first := map[string]int{}
	for i, o := range out {
		first[o.OrderID] = i
	}
	slices.SortStableFunc(out, func(a, b AgendaOrder) int {
		// More days overdue first; nothing overdue after anything overdue.
		if c := cmp.Compare(neg(a.DaysOverdue), neg(b.DaysOverdue)); c != 0 {
			return c
		}
		if c := cmp.Compare(orMax(a.DaysToRelease), orMax(b.DaysToRelease)); c != 0 {
			return c
		}
		return cmp.Compare(first[a.OrderID], first[b.OrderID])
	})
	for i := range out {
		slices.SortStableFunc(out[i].Decisions, func(a, b Decision) int { return a.DecidedAt.Compare(b.DecidedAt) })
	}
	return out
}

// decisionAnswers are the kinds of agenda item a decision answers, in
// order of preference, when the chair names none: an owner allocated
// answers the order's want of an owner (no owner; else no IOM owner
// before release), a check scheduled its overdue check. Any other
// decision, or one whose kind of item the order is not on the agenda for,
// answers the order's first (worst) reason.
var decisionAnswers = map[string][]string{
	DecisionAssignOwner:   {FlagUnowned, FlagPreRelease},
	DecisionScheduleCheck: {FlagCheckOverdue},
}

// ItemFor is the agenda item of the order that decision answers when the
// chair names none (decisionAnswers). Filed against the order's first
// reason, every owner allocated read "Review overdue: Owner allocated" in
// the minutes and the subject's export.
func (o AgendaOrder) ItemFor(decision string) string {
	for _, kind := range decisionAnswers[decision] {
		for _, r := range o.Reasons {
			if r.Kind == kind {
				return r.ItemID
			}
		}
	}
	if len(o.Reasons) > 0 {
		return o.Reasons[0].ItemID
	}
	return ""
}

func neg(n *int) int {
	if n == nil {
		return 1 << 30
	}
	return -*n
}

func orMax(n *int) int {
	if n == nil {
		return 1 << 30
	}
	return *n
}

// Action statuses.
const (
	ActionOpen      = "open"
	ActionDone      = "done"
	ActionCancelled = "cancelled"
)

// Action is a decision that names an officer to act by a date, as it
// appears on a caseload, a later agenda and the actions list.
type Action struct {
	Decision
	MeetingID string `json:"meeting_id"`
	// Region: the action was given at the region's meeting (whose page a
	// force's officers cannot open).
	Region      string `json:"region,omitempty"`
	Force       string `json:"force"`
	HeldOn      Date   `json:"held_on"`
	OrderID     string `json:"order_id"`
	Reference   string `json:"reference"`
	SubjectID   string `json:"subject_id"`
	SubjectName string `json:"subject_name"`
	// SubjectForce is the subject's force now: after a move, the order is
	// that force's to open (the action stays with the meeting's force).
	SubjectForce string `json:"subject_force"`
	// Overdue: still open after its due date (as of the day asked).
	Overdue bool `json:"overdue"`
}

// ActionQuery filters the actions list.
type ActionQuery struct {
	Force      string
	AssigneeID string
	Status     string
	OverdueOn  *Date // only open actions due before this day
	AsOf       Date
	// ByDue lists the earliest due first (those with no date last), not
	// as given; the cursor is then the one such a list gave out.
	ByDue bool
	Page  Page
}

// ActionUpdate marks an action done (with a completion note) or cancelled
// (with a reason), on a day.
type ActionUpdate struct {
	Status string
	Note   string
	On     Date
}

// Validate checks an update's own fields against today.
func (u *ActionUpdate) Validate(today Date, v *ValidationError) {
	oneOf(v, "status", u.Status, []string{ActionDone, ActionCancelled})
	field := "note"
	if u.Status == ActionCancelled {
		field = "reason"
	}
	reason(v, field, u.Note)
	if u.On.After(today.Time) {
		v.Add("on", "must not be in the future")
	}
}

// ValidateStatus says whether an action can change status: only an open
// action can be closed, once.
func (d Decision) ValidateStatus() error {
	switch {
	case d.Status == nil:
		return Invalid("id", "the decision names nobody to act: it is not an action")
	case !d.Current():
		return Conflict("status", "the decision was corrected or withdrawn")
	case *d.Status != ActionOpen:
		return Conflict("status", "the action is already %s", *d.Status)
	}
	return nil
}

// CanSign reports why officer cannot sign m's minutes, or nil.
func (m Meeting) CanSign(officerID string) error {
	switch {
	case m.SignedAt != nil:
		return Conflict("signed_at", "the minutes were signed on %s", m.SignedAt.Format("2006-01-02"))
	case m.Chair == nil:
		return Invalid("chair_id", "record who chaired the meeting (attendance) before signing")
	case m.Chair.ID != officerID:
		return Invalid("chair_id", "only the meeting's chair (%s) signs its minutes", m.Chair.Name)
	}
	return nil
}
