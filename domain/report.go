package domain

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// SubjectRef is how a subject appears in views and reports.
type SubjectRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	PNCID    string `json:"pnc_id"`
	Custody  string `json:"custody_status"`
	Released *Date  `json:"release_date"`
}

// CaseloadItem is one order an officer owns.
type CaseloadItem struct {
	OrderID       string     `json:"order_id"`
	Reference     string     `json:"reference"`
	Status        string     `json:"status"`
	Force         string     `json:"force"`
	CaseType      string     `json:"case_type"`
	Subject       SubjectRef `json:"subject"`
	Roles         []string   `json:"roles"`
	NextReviewDue *Date      `json:"next_review_due"`
	NextCheckDue  *Date      `json:"next_check_due"`
	OpenFlags     []string   `json:"open_flags"`
}

// Caseload is a page of an officer's current orders, most urgent first,
// with how many there are in all.
type Caseload struct {
	Officer    OfficerRef      `json:"officer"`
	AsOf       Date            `json:"as_of"`
	Summary    CaseloadSummary `json:"summary"`
	Items      []CaseloadItem  `json:"items"`
	NextCursor *string         `json:"next_cursor"`
}

// CaseloadSummary counts an officer's whole caseload.
type CaseloadSummary struct {
	Orders        int `json:"orders"`
	WithOpenFlags int `json:"with_open_flags"`
	// Overdue, DueSoon and DueLater count the orders by their next review
	// or check due, whichever is earlier, as of the caseload's day: before
	// it; within CaseloadDueSoonDays of it; and after that, within
	// CaseloadDueLaterDays.
	Overdue  int `json:"overdue"`
	DueSoon  int `json:"due_soon"`
	DueLater int `json:"due_later"`
}

// An order of a caseload is due soon when its next review or check falls
// due within CaseloadDueSoonDays, and due later within CaseloadDueLaterDays
// (and not sooner).
const (
	CaseloadDueSoonDays  = 7
	CaseloadDueLaterDays = 28
)

// TaskingSections are the agenda's sections, in the order a meeting takes
// them: the one list the tasking report, its CSV and a meeting's frozen
// agenda (in SQL, as a parameter) all use. Every flag kind has a section.
var TaskingSections = []string{FlagBreachOpen, FlagBreachDecisionDue, FlagComplianceConcern, FlagCheckOverdue,
	FlagReviewOverdue, FlagActionOverdue, FlagUnowned, FlagOwnerAbsent, FlagPreRelease, FlagReleaseDatePassed,
	FlagInterimUnserved, FlagNotServed, FlagExtensionToSettle, FlagEMEnding, FlagExpiring}

// TaskingItem is one problem on a tasking meeting's agenda.
type TaskingItem struct {
	OrderID       string          `json:"order_id"`
	Reference     string          `json:"reference"`
	CaseType      string          `json:"case_type"`
	Subject       SubjectRef      `json:"subject"`
	Owners        Owners          `json:"owners"`
	DaysOverdue   *int            `json:"days_overdue"`
	DaysToRelease *int            `json:"days_to_release"`
	DaysToEnd     *int            `json:"days_to_end"`
	OpenSince     *time.Time      `json:"open_since"`
	Details       json.RawMessage `json:"details"`
}

// TaskingReport is the agenda for a force's sensitive tasking meeting: the
// number of items in every section, and a page of each section's items
// (or of the one section asked for), worst first.
type TaskingReport struct {
	Force string `json:"force"`
	AsOf  Date   `json:"as_of"`
	// Source is "flags" (today's open flags, the live agenda) or "rules"
	// (the rule functions evaluated as of as_of, to reproduce a day).
	Source   string                   `json:"source"`
	Summary  map[string]int           `json:"summary"`
	Sections map[string][]TaskingItem `json:"sections"`
	// NextCursors gives, per section returned, the cursor of its next page
	// (?section=KIND&cursor=...), or null on its last page.
	NextCursors map[string]*string `json:"next_cursors"`
	// IncomingTransfers are subjects other forces ask this force to take
	// on, waiting for its chair's answer (on the live agenda; the first
	// AgendaTransfersShown asked, the rest on the force's list of them).
	IncomingTransfers []Transfer `json:"incoming_transfers"`
}

// AgendaTransfersShown bounds the transfers to answer that the agenda
// carries; a page that shows them says when there are more.
const AgendaTransfersShown = 100

// TaskingQuery asks for the agenda: one section or all, a page of each.
type TaskingQuery struct {
	Force   string
	AsOf    Date
	Section string // empty: every section's first page
	Page    Page
	// FromRules evaluates the rule functions as of AsOf instead of reading
	// the open flags.
	FromRules bool
	// Quiet does not name each item's records on the request's audit
	// entry (a CSV export names the report instead).
	Quiet bool
}

// TaskingPageMax bounds a page of each section when every section is
// returned at once, so an agenda answer stays small.
const TaskingPageMax = 100

// TaskingPageDefault is the page of each section when every section is
// returned at once and no limit is asked: an agenda shows the worst of
// each section, and ?section=KIND&cursor= pages the rest.
const TaskingPageDefault = 20

// PreReleaseItem is a subject in custody with a live order.
type PreReleaseItem struct {
	Subject         SubjectRef `json:"subject"`
	OrderID         string     `json:"order_id"`
	Reference       string     `json:"reference"`
	Force           string     `json:"force"`
	Establishment   *string    `json:"establishment"`
	ReleaseDate     *Date      `json:"release_date"`
	ReleaseDateType *string    `json:"release_date_type"`
	DaysToRelease   *int       `json:"days_to_release"`
	// ReleaseDue: release is due on the date (CRD, ARD, LED, SED); else it
	// is an eligibility date (HDCED, PED), and EligibilityPassed says the
	// subject may have been held past it, which is not a missed release.
	ReleaseDue        bool     `json:"release_due"`
	EligibilityPassed bool     `json:"eligibility_passed"`
	Owners            Owners   `json:"owners"`
	Ready             bool     `json:"ready"`
	Missing           []string `json:"missing"`
}

// PreReleaseReport lists subjects due out of prison, by release date, a
// page at a time, with how many there are in all.
type PreReleaseReport struct {
	AsOf       Date              `json:"as_of"`
	WithinDays int               `json:"within_days"`
	Force      *string           `json:"force"`
	Summary    PreReleaseSummary `json:"summary"`
	Items      []PreReleaseItem  `json:"items"`
	NextCursor *string           `json:"next_cursor"`
	// NoReleaseDate: today's report, on its first page, also names the
	// subjects in custody with a live order and no expected release date
	// recorded, whom no pre-release flag can prompt anyone to prepare for
	// (null as of another day and on later pages).
	NoReleaseDate *NoReleaseDate `json:"no_release_date"`
}

// NoReleaseDate counts the subjects in custody with a live order and no
// release date recorded, and names the first of them (by name).
type NoReleaseDate struct {
	Subjects int          `json:"subjects"`
	First    []SubjectRef `json:"first"`
}

// NoReleaseDateFirst is how many of them the report names.
const NoReleaseDateFirst = 20

// PreReleaseSummary counts the whole report.
type PreReleaseSummary struct {
	Orders int `json:"orders"`
}

// ForceSummary is one force's line in the region report.
type ForceSummary struct {
	Force         string         `json:"force"`
	Name          string         `json:"name"`
	LiveOrders    map[string]int `json:"live_orders"`
	Owned         int            `json:"owned"`
	ReviewsOnTime int            `json:"reviews_on_time"`
	OpenFlags     map[string]int `json:"open_flags"`
}

// RegionReport sets a region's forces side by side.
// CanChair reports whether an officer may chair (and so sign the minutes
// of) a force's tasking meeting, or a regional meeting. A regional
// meeting's chair is a regional lead: an administrator of one force of
// the region cannot reach the meeting, so could never sign it.
func CanChair(o Officer, regional bool) bool {
	return slices.ContainsFunc(ChairRoles(regional), o.HasRole)
}

// ChairRoles are the roles of those who may chair a force's tasking
// meeting, or a regional meeting (CanChair: any one of them).
func ChairRoles(regional bool) []string {
	if regional {
		return []string{RoleRegional}
	}
	return []string{RoleAdmin, RoleTaskingChair}
}

// MeetingFilter narrows a meeting list: a force's meetings, a region's
// regional meetings, or (both empty) every meeting the caller may see.
type MeetingFilter struct {
	Force  string
	Region string
	// Latest lists the latest held first (the cursor is then the one such
	// a list gave out), not in the order opened.
	Latest bool
}

type RegionReport struct {
	Region string         `json:"region"`
	AsOf   Date           `json:"as_of"`
	Forces []ForceSummary `json:"forces"`
}

// Reports builds the views people work from.
type Reports interface {
	Caseload(ctx context.Context, officerID string, asOf Date, p Page) (Caseload, error)
	Tasking(ctx context.Context, q TaskingQuery) (TaskingReport, error)
	// TaskingPage reads one section's page after cursor and the next
	// page's cursor (empty on the last page).
	TaskingPage(ctx context.Context, q TaskingQuery, section, cursor string, limit int) ([]TaskingItem, string, error)
	// TaskingEach hands the whole of a section to each, batch items at a
	// time, worst first, working it out once (for a download).
	TaskingEach(ctx context.Context, q TaskingQuery, section string, batch int, each func([]TaskingItem) error) error
	PreRelease(ctx context.Context, force string, withinDays int, asOf Date, p Page) (PreReleaseReport, error)
	Region(ctx context.Context, region string, asOf Date) (RegionReport, error)
}

// Meeting decisions.
const (
	DecisionAssignOwner   = "assign_owner"
	DecisionScheduleCheck = "schedule_check"
	DecisionEscalate      = "escalate"
	DecisionNoAction      = "no_action"
	// DecisionAction gives an officer something to do by a date.
	DecisionAction = "action"
	// DecisionNote records what was said, with nothing to do.
	DecisionNote = "note"
)

// Decisions lists what a meeting may decide about an item.
var Decisions = []string{DecisionAssignOwner, DecisionScheduleCheck, DecisionEscalate, DecisionNoAction,
	DecisionAction, DecisionNote}

// Meeting is a sensitive tasking meeting with its frozen agenda.
type Meeting struct {
	ID string `json:"id"`
	// Force is a force meeting's force; Region a regional meeting's region
	// (one or the other).
	Force     string      `json:"force,omitempty"`
	Region    string      `json:"region,omitempty"`
	HeldOn    Date        `json:"held_on"`
	CreatedBy *OfficerRef `json:"created_by"`
	CreatedAt time.Time   `json:"created_at"`
	// Summary counts the whole frozen agenda; Agenda and Orders are one
	// page of it (see Meetings.GetMeeting), NextCursor the next page's.
	Summary    MeetingSummary `json:"summary"`
	NextCursor *string        `json:"next_cursor"`
	// OrdersBefore counts the agenda's orders before this page.
	OrdersBefore int `json:"-"`
	// PageCursor is, for one order of the agenda (Meetings.GetMeetingOrder),
	// the cursor of the page it is on.
	PageCursor string `json:"-"`
	// Agenda is the page's frozen items (one per open flag), in section
	// order.
	Agenda []AgendaItem `json:"agenda"`
	// Orders is the page's agenda one entry per order, carrying all its
	// reasons, worst first: most days overdue, then release soonest.
	Orders []AgendaOrder `json:"orders"`
	// CarriedActions are earlier meetings' actions still open when this
	// one opened (overdue ones first).
	CarriedActions []Action    `json:"carried_actions"`
	Chair          *OfficerRef `json:"chair"`
	Attendees      []Attendee  `json:"attendees"`
	Apologies      []Attendee  `json:"apologies"`
	SignedAt       *time.Time  `json:"signed_at"`
	SignedBy       *OfficerRef `json:"signed_by"`
	SharedWith     []Share     `json:"shared_with"`
}

// MeetingSummary counts a meeting's whole agenda: its items by section
// and the orders they are about.
type MeetingSummary struct {
	Items    int            `json:"items"`
	Orders   int            `json:"orders"`
	Sections map[string]int `json:"sections"`
}

// MeetingPageDefault and MeetingPageMax bound a page of a meeting's
// agenda, in orders: a force's meeting at a national register froze
// 39,000 items (a 36 MB answer). The default is every list's; a page of
// 50 orders and their items is about 120 KB.
const (
	MeetingPageDefault = 50
	MeetingPageMax     = 500
)

// AgendaItem is an open flag as it stood when the meeting opened.
type AgendaItem struct {
	ID          string          `json:"id"`
	Position    int             `json:"position"`
	FlagID      string          `json:"flag_id"`
	Kind        string          `json:"kind"`
	OrderID     string          `json:"order_id"`
	SubjectID   string          `json:"subject_id"`
	SubjectName string          `json:"subject_name"`
	Reference   string          `json:"reference"` // the order's court reference
	CaseType    string          `json:"case_type"`
	RaisedAt    time.Time       `json:"raised_at"`
	Details     json.RawMessage `json:"details"`
	// DaysOverdue and DaysToRelease are counted as of the meeting's day.
	DaysOverdue   *int       `json:"days_overdue"`
	DaysToRelease *int       `json:"days_to_release"`
	Decisions     []Decision `json:"decisions"`
	// At a regional meeting: the escalating decision and the force of the
	// order it concerns.
	EscalationID *string `json:"escalation_id,omitempty"`
	Force        string  `json:"force,omitempty"`
	// MovedTo: at a force meeting, the force the order's subject has moved
	// to since the agenda was set (its decisions are now that force's).
	MovedTo string `json:"moved_to,omitempty"`
}

// Decision is what a meeting decided about an agenda item.
type Decision struct {
	ID        string      `json:"id"`
	ItemID    string      `json:"item_id"`
	Decision  string      `json:"decision"`
	ActionBy  *OfficerRef `json:"action_by"`
	DueBy     *Date       `json:"due_by"`
	Notes     *string     `json:"notes"`
	Role      *string     `json:"role"`
	OfficerID *string     `json:"officer_id"`
	// Owner names the officer an assign_owner decision allocated, and
	// Replaced the role's holder it replaced (their assignment ended by
	// it); nil when the role was empty.
	Owner    *OfficerRef `json:"owner"`
	Replaced *OfficerRef `json:"replaced"`
	// Replacing is, on a decision being made, whom the chair confirmed
	// the allocation replaces (OwnerChange.Replacing).
	Replacing    *string     `json:"-"`
	CheckKind    *string     `json:"check_kind"`
	CheckDueOn   *Date       `json:"check_due_on"`
	AssignmentID *string     `json:"assignment_id"`
	CheckID      *string     `json:"check_id"`
	DecidedBy    *OfficerRef `json:"decided_by"`
	DecidedAt    time.Time   `json:"decided_at"`
	// Status of an action (a decision naming who acts): open, done or
	// cancelled; null for a decision with nobody to act.
	Status     *string     `json:"status"`
	StatusNote *string     `json:"status_note"`
	StatusOn   *Date       `json:"status_on"`
	StatusBy   *OfficerRef `json:"status_by"`
	// ReassignedFrom: the officer the action was first given to, when a
	// reassignment (a leaver's) moved it to ActionBy.
	ReassignedFrom *OfficerRef `json:"reassigned_from"`
	// Corrects is the decision this one replaces; CorrectedBy the one that
	// replaced this one. Reason says why it was corrected (or amended).
	Corrects    *string `json:"corrects"`
	CorrectedBy *string `json:"corrected_by"`
	Reason      *string `json:"reason"`
	// Withdrawn is set when the decision was withdrawn, with why.
	Withdrawn *Withdrawal `json:"withdrawn"`
	// Amendment: recorded after the chair signed the minutes.
	Amendment bool `json:"amendment"`
}

// Current reports whether the decision stands: neither corrected nor
// withdrawn.
func (d Decision) Current() bool { return d.CorrectedBy == nil && d.Withdrawn == nil }

// ActionDueWithCheck gives a check scheduled with an officer to act the
// check's own day as the action's, when none is given: the action is the
// check (it was left with no due date, never overdue, never closed).
func (d *Decision) ActionDueWithCheck() {
	if d.Decision == DecisionScheduleCheck && d.ActionBy != nil && d.DueBy == nil && d.CheckDueOn != nil {
		due := *d.CheckDueOn
		d.DueBy = &due
	}
}

// Validate checks a decision's own fields.
func (d *Decision) Validate(v *ValidationError) {
	if d.ItemID == "" {
		v.Add("item_id", "is required")
	}
	oneOf(v, "decision", d.Decision, Decisions)
	switch d.Decision {
	case DecisionAssignOwner:
		if d.Role == nil {
			v.Add("role", "is required to assign an owner")
		} else if _, ok := OfficerRoleFor(*d.Role); !ok {
			v.Add("role", "must be iom, lro or orders_officer")
		}
		if d.OfficerID == nil {
			v.Add("officer_id", "is required to assign an owner")
		}
	case DecisionAction:
		if d.ActionBy == nil {
			v.Add("action_by", "is required for an action")
		}
		if d.DueBy == nil && !v.Has("due_by") {
			v.Add("due_by", "is required for an action")
		}
	case DecisionNote:
		if d.Notes == nil || *d.Notes == "" {
			v.Add("notes", "is required for a note")
		}
	case DecisionEscalate:
		// The regional meeting reads why, and nothing else, from the force.
		if d.Notes == nil || strings.TrimSpace(*d.Notes) == "" {
			v.Add("notes", "is required to escalate: say what the regional meeting is asked to do")
		}
	case DecisionScheduleCheck:
		if d.CheckKind == nil {
			v.Add("check_kind", "is required to schedule a check")
		}
		if d.CheckDueOn == nil && !v.Has("check_due_on") {
			v.Add("check_due_on", "is required to schedule a check")
		}
	}
	notes(v, d.Notes)
}

// Meetings records tasking meetings and their decisions.
type Meetings interface {
	OpenMeeting(ctx context.Context, force string, heldOn Date) (Meeting, error)
	// OpenRegionalMeeting opens a regional lead's meeting over region: its
	// agenda the escalations from the region's force meetings not yet
	// brought to one, its carried actions the earlier regional meetings'.
	OpenRegionalMeeting(ctx context.Context, region string, heldOn Date) (Meeting, error)
	// DecideRegional is Decide at a regional meeting (ErrNotFound for a
	// force meeting).
	DecideRegional(ctx context.Context, meetingID string, d Decision) (Decision, error)
	// GetMeeting answers a meeting with a page of its agenda: the orders
	// worst first (as GroupAgenda ranks them) after p.Cursor, p.Limit of
	// them (MeetingPageDefault when 0), with their items in Agenda, the
	// counts of the whole agenda in Summary and the next page's cursor.
	GetMeeting(ctx context.Context, id string, p Page) (Meeting, error)
	// GetMeetingOrder answers a meeting with one order of its agenda,
	// orderID (ErrNotFound when it is not on it), as a page of GetMeeting
	// has it: its items in Agenda, its entry in Orders, the orders ahead
	// of it in OrdersBefore, and in PageCursor the cursor of the page of
	// pageSize orders it is on ("" the first). The carried actions and who
	// was there are left out.
	GetMeetingOrder(ctx context.Context, id, orderID string, pageSize int) (Meeting, error)
	// MeetingAgendaInPages hands the whole agenda to each, size orders at
	// a time, worst first, ranking it once.
	MeetingAgendaInPages(ctx context.Context, id string, size int, each func([]AgendaOrder) error) error
	ListMeetings(ctx context.Context, f MeetingFilter, p Page) ([]Meeting, string, error)
	// CountMeetings counts the meetings ListMeetings lists with f.
	CountMeetings(ctx context.Context, f MeetingFilter) (int, error)
	// Decide records a decision, carrying out an owner assignment or check
	// through the same rules as the direct endpoints, in one transaction.
	Decide(ctx context.Context, meetingID string, d Decision) (Decision, error)
	// Correct records d in place of decision id (which stays, marked
	// corrected), with reason; Withdraw ends decision id with reason.
	Correct(ctx context.Context, meetingID, id string, d Decision, reason string) (Decision, error)
	Withdraw(ctx context.Context, meetingID, id, reason string) (Decision, error)
	// SetAttendance records who chaired, attended and sent apologies
	// (before sign-off).
	SetAttendance(ctx context.Context, meetingID string, a Attendance) (Meeting, error)
	// SignOff signs the minutes as the meeting's chair.
	SignOff(ctx context.Context, meetingID string) (Meeting, error)
	// ShareMinutes records that the caller downloaded the minutes.
	ShareMinutes(ctx context.Context, meetingID, format, purpose string) error
	// Actions lists actions; SetActionStatus marks one done or cancelled.
	Actions(ctx context.Context, q ActionQuery) ([]Action, string, error)
	// CountActions counts the actions Actions lists with q.
	CountActions(ctx context.Context, q ActionQuery) (int, error)
	GetAction(ctx context.Context, id string) (Action, error)
	SetActionStatus(ctx context.Context, id string, u ActionUpdate) (Action, error)
}

// Reassignment moves an officer's current assignments to another officer.
type Reassignment struct {
	FromOfficerID string
	ToOfficerID   string
	Roles         []string // owner roles; empty means all
	Reason        string
	// Preview works out what would move and what cannot, writing nothing.
	Preview bool
}

// Validate checks a reassignment's own fields.
func (r *Reassignment) Validate(v *ValidationError) {
	if r.ToOfficerID == "" {
		v.Add("to_officer_id", "is required")
	} else if r.ToOfficerID == r.FromOfficerID {
		v.Add("to_officer_id", "must be a different officer")
	}
	if r.Roles != nil && len(r.Roles) == 0 {
		// An empty list would read as "every role": a client that meant
		// "none" would move everything.
		v.Add("roles", "must name at least one role (iom, lro, orders_officer); leave it out to move every role")
	}
	for _, role := range r.Roles {
		if _, ok := OfficerRoleFor(role); !ok {
			v.Add("roles", "each role must be iom, lro or orders_officer")
		}
	}
	oc := OwnerChange{Role: OwnerIOM, Reason: r.Reason}
	oc.Validate(false, v)
}

// ReassignmentItem is one ownership a reassignment moves, or cannot move
// (Reason says why).
type ReassignmentItem struct {
	OrderID     string  `json:"order_id"`
	Reference   string  `json:"reference"`
	SubjectName string  `json:"subject_name"`
	Force       string  `json:"force"`
	Role        string  `json:"role"`
	Reason      *string `json:"reason,omitempty"`
}

// ReassignmentResult is what a reassignment moved (or, previewed, would
// move), what it cannot move and why, and the meeting actions that follow
// the orders to the new officer.
type ReassignmentResult struct {
	Preview      bool               `json:"preview"`
	Moved        int                `json:"moved"`
	Moves        []ReassignmentItem `json:"moves"`
	Blocked      []ReassignmentItem `json:"blocked"`
	ActionsMoved int                `json:"actions_moved"`
	Assignments  []OwnerAssignment  `json:"assignments"`
}

// Refusal is the problem a reassignment with blocked items answers: one
// error per ownership that cannot move, naming the order and why.
func (r ReassignmentResult) Refusal() error {
	if len(r.Blocked) == 0 {
		return nil
	}
	v := &ValidationError{}
	for _, b := range r.Blocked {
		v.Add("orders."+b.OrderID+"."+b.Role, "%s (%s, %s): %s", b.Reference, b.SubjectName, RoleName(b.Role), *b.Reason)
	}
	return v
}

// Reassigner moves assignments in bulk.
type Reassigner interface {
	// Reassign moves every current ownership of the officer (in the roles
	// given) or nothing: with any blocked, it is refused naming each.
	Reassign(ctx context.Context, r Reassignment) (ReassignmentResult, error)
}
