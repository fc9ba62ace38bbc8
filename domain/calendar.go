package domain

import "context"

// Calendar entry kinds: what falls due on the day.
const (
	CalendarReview = "review"
	CalendarCheck  = "check"
	CalendarAction = "action"
)

// A feed holds the due dates from CalendarDaysBack days ago to
// CalendarDaysAhead days ahead, soonest first, at most CalendarMaxEntries
// of them. A calendar shows what is coming; what is long overdue is on the
// caseload and the agenda. Unbounded, the busiest officer's feed at a
// million orders was 2,400 events and about 1 MB, fetched by a calendar
// service every few minutes.
const (
	CalendarDaysBack   = 90
	CalendarDaysAhead  = 365
	CalendarMaxEntries = 500
)

// CalendarEntry is one due date in an officer's calendar feed. It names the
// order by its court reference and nothing about the subject: a calendar
// leaves the service's need-to-know boundary.
type CalendarEntry struct {
	// Kind is CalendarReview, CalendarCheck or CalendarAction.
	Kind string
	// ID is what stays the same while the entry's date moves: the order
	// for its next review, the check, the meeting decision.
	ID        string
	OrderID   string
	Reference string
	Due       Date
	// CheckKind is the check's kind (home_visit, ...), for a check.
	CheckKind string
}

// CalendarFeed is what a feed's secret opens: whose it is and their due
// dates, soonest first.
type CalendarFeed struct {
	OfficerID string
	Entries   []CalendarEntry
}

// CalendarFeeds keeps officers' calendar feeds.
type CalendarFeeds interface {
	// CreateCalendarFeed makes a new secret for the officer, replacing any
	// feed they had; only its hash is kept and the secret is returned once.
	CreateCalendarFeed(ctx context.Context, officerID string) (string, error)
	// RevokeCalendarFeed ends the officer's feed; having none already is
	// no error (the end state is the same).
	RevokeCalendarFeed(ctx context.Context, officerID string) error
	// HasCalendarFeed reports whether the officer has a feed.
	HasCalendarFeed(ctx context.Context, officerID string) (bool, error)
	// CalendarFeedFor opens the feed a secret names:
	// ErrNotFound for an unknown or revoked secret or a deactivated officer.
	CalendarFeedFor(ctx context.Context, secret string) (CalendarFeed, error)
}
