package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

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
	EventCoverNamed     = "cover_named"     // the officer is named to cover an absent colleague's orders
	// EventActionCancelled: the officer's open action was cancelled because
	// its subject, or the officer, moved to another force.
	EventActionCancelled = "action_cancelled"
)

// EventKinds lists every kind, in the order a digest groups them.
var EventKinds = []string{EventActionOverdue, EventFlagRaised, EventPreRelease, EventOrderAllocated,
	EventActionAssigned, EventActionCancelled, EventCoverNamed, EventOwnerRemoved}

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

// EventView is an event as a message tells it: the order's court
// reference and a link, never a name, a date of birth or a PNC ID (mail
// leaves the need-to-know boundary).
type EventView struct {
	Kind      string
	OrderID   string
	Reference string
	Subject   string
	On        *Date
	// As the message is composed: a raised flag no longer open, and the
	// order's status when it has ended (discharged, quashed, expired).
	Resolved   bool
	OrderEnded string
}

// eventLine says what happened in one line.
func eventLine(e EventView) string {
	ref := e.Reference
	if ref == "" {
		ref = "(no order)"
	}
	due := ""
	if e.On != nil {
		due = ", due " + e.On.String()
	}
	since := ""
	switch {
	case e.OrderEnded != "":
		since = " (the order has since ended: " + e.OrderEnded + ")"
	case e.Resolved:
		since = " (resolved since)"
	}
	switch e.Kind {
	case EventFlagRaised:
		return FlagName(e.Subject) + ": raised on order " + ref + since
	case EventOrderAllocated:
		return "Order " + ref + " allocated to you as " + RoleName(e.Subject) + since
	case EventActionAssigned:
		return "Action on order " + ref + " given to you" + due
	case EventActionOverdue:
		return "Your action on order " + ref + " is overdue" + due
	case EventActionCancelled:
		return "Your action on order " + ref + " was cancelled: the order moved out of your force's hands (its subject, or you, moved force)"
	case EventPreRelease:
		return "Subject of order " + ref + " is inside the pre-release window" + since
	case EventOwnerRemoved:
		return "You are no longer the " + RoleName(e.Subject) + " of order " + ref
	case EventCoverNamed:
		return "You cover a colleague's orders " + e.Subject + "; they are on your caseload, marked covering"
	}
	return e.Kind + " on order " + ref
}

// MailListed is how many events of a kind a message lists one by one; the
// rest are counted. A register's first sweep raises a flag on most of an
// officer's orders at once: a digest listing 1,900 flags, each with its
// link, is a 150 KB mail nobody reads to the end (and was composed in
// memory with every other officer's).
const MailListed = 25

// ComposeMail writes one message telling events, grouped by kind in
// EventKinds' order, each with a link made by link (an order's page).
// digestDay is set for the daily digest, nil for an immediate email.
func ComposeMail(events []EventView, digestDay *Date, link func(orderID string) string) (subject, body string) {
	return ComposeMailListing(events, nil, digestDay, link)
}

// ComposeMailListing is ComposeMail for a message that lists some events
// of a kind and counts the others: unlisted[kind] more were told by it.
func ComposeMailListing(events []EventView, unlisted map[string]int, digestDay *Date, link func(orderID string) string) (subject, body string) {
	total := len(events)
	for _, n := range unlisted {
		total += n
	}
	var b strings.Builder
	if digestDay != nil {
		subject = fmt.Sprintf("SCPO register: %d update(s) for %s", total, digestDay)
		fmt.Fprintf(&b, "Your daily summary from the SCPO register for %s.\n", digestDay)
	} else {
		subject = fmt.Sprintf("SCPO register: %d new update(s)", total)
		b.WriteString("New in the SCPO register for you.\n")
	}
	for _, kind := range EventKinds {
		first := true
		for _, e := range events {
			if e.Kind != kind {
				continue
			}
			if first {
				fmt.Fprintf(&b, "\n%s\n", eventHeadings[kind])
				first = false
			}
			fmt.Fprintf(&b, "- %s\n", eventLine(e))
			// A cancelled action's order moved out of the officer's view:
			// its link would be "Page not found".
			if e.OrderID != "" && e.Kind != EventActionCancelled {
				fmt.Fprintf(&b, "  %s\n", link(e.OrderID))
			}
		}
		if n := unlisted[kind]; n > 0 {
			if first {
				fmt.Fprintf(&b, "\n%s\n", eventHeadings[kind])
			}
			fmt.Fprintf(&b, "- and %d more: sign in to see them all on your caseload.\n", n)
		}
	}
	b.WriteString("\nSign in to see the details. To change what you are sent, choose under \"Mail from the register\" on your My work page.\n")
	return subject, b.String()
}

var eventHeadings = map[string]string{
	EventActionOverdue:   "Overdue actions",
	EventFlagRaised:      "Flags raised on your orders",
	EventPreRelease:      "Subjects inside the pre-release window",
	EventOrderAllocated:  "Orders allocated to you",
	EventActionAssigned:  "Actions given to you",
	EventActionCancelled: "Actions cancelled",
	EventOwnerRemoved:    "Ownerships ended",
	EventCoverNamed:      "Cover for absent colleagues",
}

// Mailer sends one message by mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// MailRefused is a server's refusal of a message. A permanent refusal (an
// SMTP 5xx reply) is not retried.
type MailRefused struct {
	Code      int
	Message   string
	Permanent bool
}

func (e *MailRefused) Error() string { return fmt.Sprintf("mail refused: %d %s", e.Code, e.Message) }

// MailRetry is the delivery policy: a failed attempt is retried after
// Backoff, doubling each time up to MaxBackoff, until Attempts have failed;
// the message is then dead, as is one refused permanently.
type MailRetry struct {
	Attempts   int
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// DefaultMailRetry retries for about a day: 1m, 2m, 4m … capped at 1h, 10 attempts.
var DefaultMailRetry = MailRetry{Attempts: 10, Backoff: time.Minute, MaxBackoff: time.Hour}

// After decides what follows the failed attempt number attempt (from 1):
// dead, or a retry after the returned wait.
func (p MailRetry) After(attempt int, err error) (dead bool, wait time.Duration) {
	var refused *MailRefused
	if errors.As(err, &refused) && refused.Permanent {
		return true, 0
	}
	if attempt >= p.Attempts {
		return true, 0
	}
	wait = p.Backoff
	for i := 1; i < attempt && wait < p.MaxBackoff; i++ {
		wait *= 2
	}
	return false, min(wait, p.MaxBackoff)
}

// MailComposed counts what a compose pass made.
type MailComposed struct {
	Messages int
	Events   int
}

// MailDelivered counts what a delivery pass did.
type MailDelivered struct {
	Sent, Retried, Dead int
}

// OutboxBacklog counts the events waiting and the messages by status.
type OutboxBacklog struct {
	EventsWaiting   int64
	MessagesPending int64
	MessagesDead    int64
}

// Notifications keeps each officer's choice of mail.
type Notifications interface {
	NotificationPref(ctx context.Context, officerID string) (string, error)
	SetNotificationPref(ctx context.Context, officerID, mode string) error
}

// NotificationSettings is an officer's choice as served.
type NotificationSettings struct {
	Mode string `json:"mode"`
}

// FlagCount is the number of open flags of a kind in a force.
type FlagCount struct {
	Kind  string
	Force string
	Open  int64
}
