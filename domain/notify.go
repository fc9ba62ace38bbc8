package domain

// Notification events, written in the same transaction as the change that
// causes them (a transactional outbox) and delivered by mail: a daily
// digest per officer, or at once for those who chose it.
const (
	EventFlagRaised     = "flag_raised"     // a flag raised on an order the officer owns
	EventOrderAllocated = "order_allocated" // an order allocated to the officer
	EventActionAssigned = "action_assigned" // a meeting action given to the officer
	EventActionOverdue  = "action_overdue"  // the officer's action is past its due date
	EventPreRelease     = "pre_release"     // a subject the officer owns is inside the pre-release window
	EventOwnerRemoved   = "owner_removed"   // the officer's ownership ended because they were deactivated or moved
)

// EventKinds lists every kind, in the order a digest groups them.
var EventKinds = []string{EventActionOverdue, EventFlagRaised, EventPreRelease, EventOrderAllocated,
	EventActionAssigned, EventOwnerRemoved}

// Event is one thing an officer is told about. It carries references and
// ids, never names, dates of birth or PNC IDs.
type Event struct {
	Kind      string
	OfficerID string
	OrderID   string
	// Subject is what the event is about (a flag kind, an action's id).
	Subject string
	On      *Date
}

// Notification preferences.
const (
	NotifyDigest    = "digest"
	NotifyImmediate = "immediate"
	NotifyOff       = "off"
)

// NotifyModes lists the preferences an officer may choose.
var NotifyModes = []string{NotifyDigest, NotifyImmediate, NotifyOff}
