package web

import (
	"encoding/json"
	"strings"

	"scpo/domain"
)

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

// eventText says what an event in the order's legal history was, in
// words: who an owner was, which forces a transfer was between, whether
// the order came into force on release.
func eventText(e domain.OrderEvent, forceName func(string) string) string {
	var d struct {
		Role, OfficerName, Commencement string
		FromForce, ToForce              string
	}
	_ = json.Unmarshal(e.Details, &struct {
		Role         *string `json:"role"`
		OfficerName  *string `json:"officer_name"`
		Commencement *string `json:"commencement"`
		FromForce    *string `json:"from_force"`
		ToForce      *string `json:"to_force"`
	}{&d.Role, &d.OfficerName, &d.Commencement, &d.FromForce, &d.ToForce})
	switch e.Kind {
	case "owner_assigned":
		return domain.RoleName(d.Role) + ": " + d.OfficerName + " allocated"
	case "owner_ended":
		return domain.RoleName(d.Role) + ": " + d.OfficerName + " no longer owner"
	case "in_force":
		if d.Commencement == "on_release" {
			return "Came into force on release"
		}
		return "Came into force"
	case "transferred":
		return "Transferred from " + forceName(d.FromForce) + " to " + forceName(d.ToForce)
	}
	return domain.Humanise(e.Kind)
}
