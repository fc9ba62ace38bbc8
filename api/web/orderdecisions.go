package web

import (
	"strings"

	"scpo/domain"
)

// decisionSummary says what a meeting decided, in words: what, for whom,
// by when, and the notes.
func decisionSummary(d domain.Decision) string {
	parts := []string{domain.Humanise(d.Decision)}
	if d.Owner != nil {
		role := ""
		if d.Role != nil {
			role = " as " + domain.RoleName(*d.Role)
		}
		parts[0] += ": " + d.Owner.Name + role
	}
	if d.CheckKind != nil {
		check := domain.Humanise(*d.CheckKind) + " check"
		if d.CheckDueOn != nil {
			check += " due " + longDate(d.CheckDueOn)
		}
		parts = append(parts, check)
	}
	if d.ActionBy != nil {
		act := d.ActionBy.Name + " to act"
		if d.DueBy != nil {
			act += " by " + longDate(d.DueBy)
		}
		parts = append(parts, act)
	}
	if d.Notes != nil && strings.TrimSpace(*d.Notes) != "" {
		parts = append(parts, strings.TrimSpace(*d.Notes))
	}
	return strings.Join(parts, ". ")
}

// decisionState is where a decision stands: withdrawn, corrected, or its
// action's status.
func decisionState(d domain.Decision) string {
	switch {
	case d.Withdrawn != nil:
		return "Withdrawn"
	case d.CorrectedBy != nil:
		return "Corrected"
	case d.Status != nil:
		return "Action " + strings.ToLower(domain.Humanise(*d.Status))
	}
	return "Recorded"
}
