package domain

import (
	"slices"
	"strings"
	"time"
)

// Default review intervals when neither the order nor its force sets one.
const (
	DefaultCommunityReviewDays = 90
	DefaultPrisonReviewDays    = 180
)

// Review is a recorded review of how an order is being managed.
type Review struct {
	ID         string      `json:"id"`
	OrderID    string      `json:"order_id"`
	ReviewedOn Date        `json:"reviewed_on"`
	Kind       string      `json:"kind"`
	Outcome    string      `json:"outcome"`
	Notes      *string     `json:"notes"`
	RecordedBy *OfficerRef `json:"recorded_by"`
	// Imported: the review was loaded by an import, RecordedBy is who ran
	// it and CreatedAt when; ReviewedOn is still the review's own day.
	Imported  bool      `json:"imported"`
	CreatedAt time.Time `json:"created_at"`
}

var (
	reviewKinds    = []string{"routine", "pre_release"}
	reviewOutcomes = []string{"satisfactory", "concerns", "breach_suspected"}
	checkKinds     = []string{"home_visit", "financial", "device", "travel", "association", "other"}
	checkOutcomes  = []string{"compliant", "non_compliant", "no_access"}
	maxNotesLength = 10000
)

// Validate checks a review of order as of today.
func (r *Review) Validate(order Order, today Date, v *ValidationError) {
	if !v.Has("reviewed_on") {
		switch {
		case r.ReviewedOn.IsZero():
			v.Add("reviewed_on", "is required")
		case r.ReviewedOn.After(today.Time):
			v.Add("reviewed_on", "must not be in the future")
		case r.ReviewedOn.Before(order.MadeOn.Time):
			v.Add("reviewed_on", "must not be before the order was made (%s)", order.MadeOn)
		}
	}
	oneOf(v, "kind", r.Kind, reviewKinds)
	oneOf(v, "outcome", r.Outcome, reviewOutcomes)
	notes(v, r.Notes)
}

// Check is a scheduled compliance check; it is done once it has an outcome.
type Check struct {
	ID          string      `json:"id"`
	OrderID     string      `json:"order_id"`
	Kind        string      `json:"kind"`
	DueOn       Date        `json:"due_on"`
	CompletedOn *Date       `json:"completed_on"`
	Outcome     *string     `json:"outcome"`
	Notes       *string     `json:"notes"`
	ScheduledBy *OfficerRef `json:"scheduled_by"`
	CompletedBy *OfficerRef `json:"completed_by"`
	// Status is scheduled, completed or cancelled (outcome "cancelled",
	// completed_on the day it was cancelled).
	Status       string            `json:"status"`
	CancelledAt  *time.Time        `json:"cancelled_at"`
	CancelledBy  *OfficerRef       `json:"cancelled_by"`
	CancelReason *string           `json:"cancel_reason"`
	Corrections  []CheckCorrection `json:"corrections"`
	// A non-compliant check asks for a breach decision (s.25): a breach
	// case that names it (BreachID), or the reason it was not a breach.
	NoBreachReason *string `json:"no_breach_reason"`
	BreachID       *string `json:"breach_id"`
	// Correction is a correction being made, for the store to record.
	Correction *CheckCorrection `json:"-"`
	Version    int              `json:"version"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// ValidateSchedule checks a newly scheduled check.
func (c *Check) ValidateSchedule(order Order, v *ValidationError) {
	oneOf(v, "kind", c.Kind, checkKinds)
	if !v.Has("due_on") {
		if c.DueOn.IsZero() {
			v.Add("due_on", "is required")
		} else if c.DueOn.Before(order.MadeOn.Time) {
			v.Add("due_on", "must not be before the order was made (%s)", order.MadeOn)
		} else if end := order.EffectiveEnd(); end != nil && !order.Ended() && c.DueOn.After(end.Time) {
			// (An ended order takes no checks at all: refused elsewhere, or
			// an import's warning.)
			v.Add("due_on", "must not be after the order ends (%s)", *end)
		}
	}
	notes(v, c.Notes)
}

// ValidateCompletion checks a recorded outcome as of today.
func (c *Check) ValidateCompletion(order Order, today Date, v *ValidationError) {
	if !v.Has("completed_on") {
		switch {
		case c.CompletedOn == nil:
			v.Add("completed_on", "is required")
		case c.CompletedOn.After(today.Time):
			v.Add("completed_on", "must not be in the future")
		case c.CompletedOn.Before(order.MadeOn.Time):
			v.Add("completed_on", "must not be before the order was made (%s)", order.MadeOn)
		}
	}
	if c.Outcome == nil {
		v.Add("outcome", "is required")
	} else {
		oneOf(v, "outcome", *c.Outcome, checkOutcomes)
	}
	notes(v, c.Notes)
}

func oneOf(v *ValidationError, field, value string, allowed []string) {
	if value == "" {
		v.Add(field, "is required")
	} else if !slices.Contains(allowed, value) {
		v.Add(field, "must be one of %s", strings.Join(allowed, ", "))
	}
}

func notes(v *ValidationError, n *string) {
	if n != nil && len(*n) > maxNotesLength {
		v.Add("notes", "must be at most %d characters", maxNotesLength)
	}
}

// AwaitsBreachDecision reports whether the check found non-compliance that
// nobody has yet called a breach or not one (breach_decision_due).
func (c Check) AwaitsBreachDecision() bool {
	return c.Outcome != nil && *c.Outcome == "non_compliant" && c.NoBreachReason == nil && c.BreachID == nil
}
