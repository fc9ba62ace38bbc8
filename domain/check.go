package domain

import "time"

// Check statuses, derived from its outcome.
const (
	CheckScheduled = "scheduled"
	CheckCompleted = "completed"
	CheckCancelled = "cancelled"
)

// CheckCorrection is what a completed check said before a correction, and
// who corrected it, when and why.
type CheckCorrection struct {
	PreviousCompletedOn Date        `json:"previous_completed_on"`
	PreviousOutcome     string      `json:"previous_outcome"`
	PreviousNotes       *string     `json:"previous_notes"`
	Reason              string      `json:"reason"`
	CorrectedBy         *OfficerRef `json:"corrected_by"`
	CorrectedAt         time.Time   `json:"corrected_at"`
}

const maxReasonLength = 500

// StatusOf derives a check's status from its outcome.
func (c Check) StatusOf() string {
	switch {
	case c.Outcome == nil:
		return CheckScheduled
	case *c.Outcome == CheckCancelled:
		return CheckCancelled
	}
	return CheckCompleted
}

func reason(v *ValidationError, field, r string) {
	switch {
	case r == "":
		v.Add(field, "is required")
	case len(r) > maxReasonLength:
		v.Add(field, "must be at most %d characters", maxReasonLength)
	}
}

// Cancel closes a scheduled check with a reason: from today it is neither
// due nor overdue. A check already completed or cancelled is a conflict.
func (c *Check) Cancel(why string, today Date, v *ValidationError) error {
	if st := c.StatusOf(); st != CheckScheduled {
		return Conflict("status", "the check is already %s", st)
	}
	reason(v, "reason", why)
	if err := v.Err(); err != nil {
		return err
	}
	out, day := CheckCancelled, today
	c.Outcome, c.CompletedOn, c.CancelReason = &out, &day, &why
	return nil
}

// Correct changes a completed check's date, outcome or notes (nil leaves
// one as it is), keeping what it said before in c.Correction for the store
// to record. A cancelled or still scheduled check is a conflict.
func (c *Check) Correct(completedOn *Date, outcome, notes *string, why string, order Order, today Date, v *ValidationError) error {
	if st := c.StatusOf(); st != CheckCompleted {
		return Conflict("status", "only a completed check can be corrected; this one is %s", st)
	}
	prev := CheckCorrection{PreviousCompletedOn: *c.CompletedOn, PreviousOutcome: *c.Outcome,
		PreviousNotes: c.Notes, Reason: why}
	if completedOn != nil {
		c.CompletedOn = completedOn
	}
	if outcome != nil {
		c.Outcome = outcome
	}
	if notes != nil {
		c.Notes = notes
	}
	reason(v, "reason", why)
	c.ValidateCompletion(order, today, v)
	if err := v.Err(); err != nil {
		return err
	}
	c.Correction = &prev
	return nil
}
