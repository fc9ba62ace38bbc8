package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Order statuses. Custody is not among them: an order in force keeps
// running while its subject is in prison.
const (
	StatusPending    = "pending"
	StatusActive     = "active"
	StatusDischarged = "discharged"
	StatusExpired    = "expired"
	StatusQuashed    = "quashed"
)

// Commencement: how an order comes into force.
const (
	CommenceOnDate    = "on_date"
	CommenceOnRelease = "on_release"
)

// Case types, derived from the subject's custody.
const (
	CaseCommunity = "community"
	CasePrison    = "prison"
)

// MaxOrderMonths is the statutory maximum length of an order (s.16(2)).
const MaxOrderMonths = 60

// TermCategories are the kinds of prohibition and requirement (s.5, s.5B).
var TermCategories = []string{"financial", "property", "working", "communications",
	"associations", "premises", "items", "travel", "information",
	"electronic_monitoring", "other"}

// Term is one prohibition or requirement of an order.
// A term may have its own dates within the order's (s.16(3)-(4)); null
// means with the order. Each change keeps a new version (TermVersion).
type Term struct {
	ID         string      `json:"id,omitempty"` // the term across its versions
	Category   string      `json:"category"`
	Text       string      `json:"text"`
	StartsOn   *Date       `json:"starts_on,omitempty"`
	EndsOn     *Date       `json:"ends_on,omitempty"`
	Monitoring *Monitoring `json:"monitoring,omitempty"` // an electronic monitoring requirement (s.5B)
}

// OwnerSummary names the officer holding an owner role on an order.
type OwnerSummary struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Since time.Time `json:"since"`
}

// Owners are an order's current holders of each owner role.
type Owners struct {
	IOM           *OwnerSummary `json:"iom"`
	LRO           *OwnerSummary `json:"lro"`
	OrdersOfficer *OwnerSummary `json:"orders_officer"`
}

// Of is the current holder of owner role, nil when nobody holds it.
func (o Owners) Of(role string) *OwnerSummary {
	switch role {
	case OwnerIOM:
		return o.IOM
	case OwnerLRO:
		return o.LRO
	case OwnerOrdersOfficer:
		return o.OrdersOfficer
	}
	return nil
}

// Order is a serious crime prevention order.
type Order struct {
	ID                 string  `json:"id"`
	SubjectID          string  `json:"subject_id"`
	SubjectName        string  `json:"subject_name"` // read-only: the subject's first names and last name
	Type               string  `json:"type"`
	Reference          string  `json:"reference"`
	Court              string  `json:"court"`
	CourtType          string  `json:"court_type"`
	MadeOn             Date    `json:"made_on"`
	Commencement       string  `json:"commencement"`
	StartsOn           *Date   `json:"starts_on"`
	EndsOn             *Date   `json:"ends_on"`
	DurationMonths     *int    `json:"duration_months"`
	Terms              []Term  `json:"terms"`
	ReviewIntervalDays *int    `json:"review_interval_days"`
	Status             string  `json:"status"`
	EndedOn            *Date   `json:"ended_on"`
	EndReason          *string `json:"end_reason"`
	// ExtensionPending: a charge extends the order until it is dealt with
	// (s.22E); ExtendedTo: the end it runs to after an extension.
	ExtensionPending bool  `json:"extension_pending"`
	ExtendedTo       *Date `json:"extended_to"`
	AppealPending    bool  `json:"appeal_pending"`
	// Interim: an interim order (s.5E), made while the main application
	// is pending; it has no end of its own and ends when the application
	// is decided. InterimOrderID (on the full order): the interim order it
	// replaced; ReplacedBy (on the interim order, read-only): that full order.
	Interim        bool    `json:"interim"`
	InterimOrderID *string `json:"interim_order_id"`
	ReplacedBy     *string `json:"replaced_by"`
	// Conviction: what a Crown Court order was made for (s.19).
	Conviction *Conviction `json:"conviction"`
	// ServedAtHearing (when recording it): the subject was represented at
	// the hearing, so the order was served the day it was made (s.10).
	ServedAtHearing bool      `json:"-"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	// Derived, read-only.
	Force         string   `json:"force"`
	CaseType      string   `json:"case_type"`
	Owners        Owners   `json:"owners"`
	NextReviewDue *Date    `json:"next_review_due"`
	NextCheckDue  *Date    `json:"next_check_due"`
	OpenFlags     []string `json:"open_flags"`
}

// Ended reports whether the order is no longer live (discharged, expired or
// quashed): it is kept, read-only, and raises no flags.
func (o Order) Ended() bool {
	return o.Status == StatusDischarged || o.Status == StatusExpired || o.Status == StatusQuashed
}

// Validate checks a new order against its subject as of today, derives
// the end date or duration once the start is known, and sets the status it
// should have.
func (o *Order) Validate(subject Subject, today Date, v *ValidationError) {
	o.validate(nil, subject, today, v)
}

// Vary checks a change to a stored order (before) against its subject as of
// today. An order that has come into force stays what it was made as: an
// on-release order keeps its commencement and its start (the release date),
// and is then varied, discharged and quashed like any other.
func (o *Order) Vary(before Order, subject Subject, today Date, v *ValidationError) {
	o.validate(&before, subject, today, v)
}

func (o *Order) validate(before *Order, subject Subject, today Date, v *ValidationError) {
	if o.Type == "" {
		o.Type = "scpo"
	} else if o.Type != "scpo" {
		v.Add("type", "must be scpo")
	}
	o.Reference = strings.TrimSpace(o.Reference)
	o.Court = strings.TrimSpace(o.Court)
	requireText(v, "reference", o.Reference, 50)
	requireText(v, "court", o.Court, 200)
	switch o.CourtType {
	case "crown", "high":
	case "":
		v.Add("court_type", "is required")
	default:
		v.Add("court_type", "must be crown or high")
	}

	madeOK := false
	if !v.Has("made_on") {
		switch {
		case o.MadeOn.IsZero():
			v.Add("made_on", "is required")
		case o.MadeOn.After(today.Time):
			v.Add("made_on", "must not be in the future")
		case subject.IsIndividual() && subject.DateOfBirth.Time.AddDate(18, 0, 0).After(o.MadeOn.Time):
			// AddDate puts a 29 February birthday on 1 March in other
			// years, as the Family Law Reform Act 1969 s.9 counts ages.
			v.Add("made_on", "the subject was under 18 on this date; an order can only be made against an adult (s.6)")
		default:
			madeOK = true
		}
	}

	releasedStart := before != nil && before.Commencement == CommenceOnRelease && before.StartsOn != nil
	switch o.Commencement {
	case CommenceOnDate:
		if releasedStart {
			v.Add("commencement", "cannot change: the order came into force on the subject's release on %s", before.StartsOn)
		} else if o.StartsOn == nil && !v.Has("starts_on") {
			v.Add("starts_on", "is required when commencement is on_date")
		}
	case CommenceOnRelease:
		switch {
		case releasedStart:
			// In force since the release: the start may be corrected, not removed.
			if o.StartsOn == nil && !v.Has("starts_on") {
				v.Add("starts_on", "is required: the order came into force on the subject's release")
			} else if o.StartsOn != nil && o.StartsOn.After(today.Time) {
				v.Add("starts_on", "must not be in the future: it is the day the subject was released")
			}
		case o.StartsOn != nil:
			v.Add("starts_on", "must be empty when commencement is on_release; it is set when the subject is released")
		case before == nil && !subject.Custody.InCustody() && subject.ID != "":
			v.Add("commencement", "the subject is in the community: an order made to start on release has started; give on_date with the day it came into force")
		}
	case "":
		v.Add("commencement", "is required")
	default:
		v.Add("commencement", "must be on_date or on_release")
	}
	if o.StartsOn != nil && madeOK && o.StartsOn.Before(o.MadeOn.Time) {
		v.Add("starts_on", "must not be before made_on")
	}
	// A start years after the making is a mistyped year (9999-12-31 gave
	// an end in the year 10002, a date no client could read back).
	// (An order starting on release starts when the subject is released,
	// however long the sentence.)
	if o.StartsOn != nil && madeOK && o.Commencement == CommenceOnDate && o.StartsOn.After(o.MadeOn.AddMonths(MaxOrderMonths).Time) {
		v.Add("starts_on", "must be within five years of made_on")
	}

	if o.DurationMonths != nil && (*o.DurationMonths < 1 || *o.DurationMonths > MaxOrderMonths) {
		v.Add("duration_months", "must be between 1 and %d", MaxOrderMonths)
	}
	if o.Interim {
		o.validateInterim(v)
	}
	if o.Conviction != nil && !o.Interim {
		o.Conviction.validate(*o, v)
	}
	if before != nil && (o.Interim != before.Interim || !sameID(o.InterimOrderID, before.InterimOrderID)) {
		v.Add("interim", "cannot change once the order is recorded")
	}
	if o.EndsOn == nil && o.DurationMonths == nil && !o.Interim && !v.Has("ends_on") {
		v.Add("ends_on", "give ends_on or duration_months")
	}
	if o.StartsOn == nil && o.EndsOn != nil && madeOK && !o.EndsOn.After(o.MadeOn.Time) {
		v.Add("ends_on", "must be after made_on")
	}
	if o.StartsOn != nil && !v.Has("duration_months") && !v.Has("ends_on") && (o.EndsOn != nil || o.DurationMonths != nil) {
		o.deriveDates(v)
	}

	if o.ReviewIntervalDays != nil && (*o.ReviewIntervalDays < 1 || *o.ReviewIntervalDays > 366) {
		v.Add("review_interval_days", "must be between 1 and 366")
	}

	if len(o.Terms) > 100 {
		v.Add("terms", "must have at most 100 entries")
	}
	for i := range o.Terms {
		validateTerm(*o, &o.Terms[i], fmt.Sprintf("terms[%d]", i), v)
	}

	if !o.Ended() {
		o.Status = o.statusOn(today)
	}
}

func sameID(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// statusOn is the status a live order's dates give it on a day: expired
// once its end date has passed (a historic order is loaded expired and
// raises no flags), active from its start, pending before.
func (o Order) statusOn(today Date) string {
	switch {
	case o.EffectiveEnd() != nil && o.EffectiveEnd().Before(today.Time):
		return StatusExpired
	case o.StartsOn != nil && o.StartsOn.OnOrBefore(today):
		return StatusActive
	}
	return StatusPending
}

// deriveDates fills in whichever of ends_on and duration_months was not
// given, and enforces the five-year maximum.
func (o *Order) deriveDates(v *ValidationError) {
	start := *o.StartsOn
	if o.EndsOn == nil {
		end := start.AddMonths(*o.DurationMonths)
		o.EndsOn = &end
		return
	}
	end := *o.EndsOn
	switch {
	case !end.After(start.Time):
		v.Add("ends_on", "must be after starts_on")
	case end.After(start.AddMonths(MaxOrderMonths).Time):
		v.Add("ends_on", "must be at most five years after starts_on (s.16(2))")
	case o.DurationMonths != nil && !start.AddMonths(*o.DurationMonths).Equal(end.Time):
		v.Add("duration_months", "does not match ends_on; give one or the other")
	case o.DurationMonths == nil:
		// Whole months when the end falls on the same day of a month,
		// otherwise rounded up: the period the order spans.
		o.DurationMonths = monthsSpanned(start, end)
	}
}

// StartOnRelease brings an on-release order into force on the day its
// subject was released.
//
// A release before the order was made is refused: an order made to start
// on release was made while its subject was in custody, so such a day is a
// slip of the keyboard (or the order's made date is wrong, and is corrected
// first). Other dates that cannot hold are settled here, so the release is
// still recorded: a fixed end date more than five years on is cut to the
// statutory maximum; an order whose fixed end date has passed by the time
// of release expires without coming into force.
func (o *Order) StartOnRelease(released, today Date) error {
	if o.Commencement != CommenceOnRelease || o.StartsOn != nil || o.Ended() {
		return nil
	}
	if released.Before(o.MadeOn.Time) {
		return Invalid("custody.released_on", "must not be before %s, when order %s was made to start on this subject's release (they were in custody then)",
			o.MadeOn, o.Reference)
	}
	start := released
	if o.DurationMonths != nil {
		end := start.AddMonths(*o.DurationMonths)
		o.EndsOn = &end
	} else if o.EndsOn != nil {
		if !o.EndsOn.After(start.Time) {
			o.Status = StatusExpired
			return nil
		}
		if max := start.AddMonths(MaxOrderMonths); o.EndsOn.After(max.Time) {
			o.EndsOn = &max
		}
		o.DurationMonths = monthsSpanned(start, *o.EndsOn)
	}
	o.StartsOn = &start
	o.Status = o.statusOn(today)
	return nil
}

// monthsSpanned counts the months from start to end, a part month counting
// as a whole one.
func monthsSpanned(start, end Date) *int {
	m := 0
	for start.AddMonths(m).Before(end.Time) {
		m++
	}
	return &m
}

// End discharges or quashes a live order.
// This is the PATCH form; the store records it as a discharge or quashing
// event (POST /orders/{id}/discharge and the appeal routes are the forms
// that name the court).
func (o *Order) End(status string, endedOn *Date, reason *string, today Date, v *ValidationError) {
	if status != StatusDischarged && status != StatusQuashed {
		v.Add("status", "can only be set to discharged or quashed; pending, active and expired follow the order's dates")
		return
	}
	o.endAs(status, endedOn, reason, "ended_on", "end_reason", today, v)
}

func (o *Order) endAs(status string, endedOn *Date, reason *string, onField, reasonField string, today Date, v *ValidationError) {
	if endedOn == nil {
		v.Add(onField, "is required when ending an order")
	} else if endedOn.After(today.Time) {
		v.Add(onField, "must not be in the future")
	} else if endedOn.Before(o.MadeOn.Time) {
		v.Add(onField, "must not be before made_on")
	}
	if reason == nil || strings.TrimSpace(*reason) == "" {
		v.Add(reasonField, "is required when ending an order")
	} else if len(*reason) > 2000 {
		v.Add(reasonField, "must be at most 2000 characters")
	}
	o.Status, o.EndedOn, o.EndReason = status, endedOn, reason
}

// OrderFilter narrows an order list.
type OrderFilter struct {
	Force     string
	Status    string
	CaseType  string
	SubjectID string
	Owner     string // officer id
	Flag      string // open flag kind
	Reference string // court reference, matched exactly but for case
}

// OrderListCounts is how many entries an order's long lists hold: its
// reviews, its timeline's events (GET /orders/{id}/events) and its flags.
type OrderListCounts struct {
	Reviews int
	Events  int
	Flags   int // open and resolved
}

// Orders records orders, their owners, reviews and checks.
type Orders interface {
	CreateOrder(ctx context.Context, o Order) (Order, error)
	GetOrder(ctx context.Context, id string) (Order, error)
	ListOrders(ctx context.Context, f OrderFilter, p Page) ([]Order, string, error)
	// CountOrders counts the orders ListOrders lists with f, for a page
	// that shows some and says how many there are.
	CountOrders(ctx context.Context, f OrderFilter) (int, error)
	// UpdateOrder applies change to the stored order, refusing with
	// ErrStale when ifVersion is given and no longer matches; change sees
	// the current order and its subject and validates its own edit.
	UpdateOrder(ctx context.Context, id string, ifVersion *int, change func(*Order, Subject) error) (Order, error)

	AssignOwner(ctx context.Context, a OwnerChange) (OwnerAssignment, error)
	RemoveOwner(ctx context.Context, a OwnerChange) error
	// OwnerHistory, ListReviews and ListChecks read a page of an order's
	// list, and the cursor of the next page ("" after the last), as every
	// list is read (AllPages reads one whole).
	OwnerHistory(ctx context.Context, orderID string, p Page) ([]OwnerAssignment, string, error)

	RecordReview(ctx context.Context, orderID string, r Review) (Review, error)
	ListReviews(ctx context.Context, orderID string, p Page) ([]Review, string, error)
	ScheduleCheck(ctx context.Context, orderID string, c Check) (Check, error)
	CompleteCheck(ctx context.Context, orderID, checkID string, ifVersion *int, change func(*Check) error) (Check, error)
	ListChecks(ctx context.Context, orderID string, p Page) ([]Check, string, error)
	// OrderFlags reads a page of an order's flags, open and resolved, the
	// latest change (resolved, or else raised) first.
	OrderFlags(ctx context.Context, orderID string, p Page) ([]Flag, string, error)
	// CountOrderLists counts what an order's long lists hold, for a page
	// that shows the latest few of each and links to the rest.
	CountOrderLists(ctx context.Context, orderID string) (OrderListCounts, error)
	// CancelCheck closes a scheduled check with a reason (Check.Cancel).
	CancelCheck(ctx context.Context, orderID, checkID string, ifVersion *int, reason string) (Check, error)
}
