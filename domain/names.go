package domain

import "strings"

// The words officers read for the register's codes, on the pages and in
// the mail alike.

var flagNames = map[string]string{
	FlagComplianceConcern: "Compliance concern",
	FlagCheckOverdue:      "Check overdue",
	FlagReviewOverdue:     "Review overdue",
	FlagUnowned:           "No owner",
	FlagPreRelease:        "Release soon, not ready",
	FlagReleaseDatePassed: "Release date passed",
	FlagExpiring:          "Order ending soon",
	FlagInterimUnserved:   "Interim order not served in 7 days",
	FlagEMEnding:          "Electronic monitoring ending soon",
}

// FlagName is a flag kind in words: review_overdue → Review overdue.
func FlagName(kind string) string {
	if n, ok := flagNames[kind]; ok {
		return n
	}
	return Humanise(kind)
}

var roleNames = map[string]string{
	OwnerIOM: "IOM officer", OwnerLRO: "Lead responsible officer", OwnerOrdersOfficer: "Orders officer",
	RoleIOMOfficer: "IOM officer", RolePrisonLiaison: "Prison liaison officer",
	RoleTaskingChair: "Tasking chair", RoleRegional: "Regional lead", RoleAdmin: "Administrator",
	RoleAuditor: "Auditor",
}

// RoleName is an owner or officer role in words: lro → Lead responsible
// officer.
func RoleName(r string) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return Humanise(r)
}

// codeWords are the codes whose words are not the code spelled out.
var codeWords = map[string]string{
	"non_compliant":       "Not compliant", // as the check form offers it
	DecisionAssignOwner:   "Owner allocated",
	DecisionScheduleCheck: "Check scheduled",
	DecisionEscalate:      "Escalated to the regional meeting",
}

// Humanise turns a code into words: home_visit → Home visit.
func Humanise(s string) string {
	if w, ok := codeWords[s]; ok {
		return w
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "_", " "), "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CourtTypeName is a court type in words: crown → Crown Court.
func CourtTypeName(t string) string {
	switch t {
	case "crown":
		return "Crown Court"
	case "high":
		return "High Court"
	}
	return Humanise(t)
}

// FieldWords is a code recorded under field (an event's details, say) in
// the register's words, where the field says which kind of code it is: a
// role (iom → IOM officer) or a court type (crown → Crown Court). ok is
// false for a field whose values are no such code: a subject access
// export showed "Role: iom" and "Court type: crown".
func FieldWords(field, value string) (words string, ok bool) {
	switch field {
	case "role", "roles", "missing_roles", "owner_role":
		return RoleName(value), true
	case "court_type":
		return CourtTypeName(value), true
	}
	return "", false
}

// InWords is what a decision decided, after its kind (Humanise of its
// code): the owner allocated and in which role, the check and its day, who
// is to act by when and how the action stands, then the notes: "Owner
// allocated: Ben Smith as IOM officer; Amy O'Neill to act by 3 December
// 2026 (open). Visit first." The meeting page and the printable minutes
// both write it, so they read alike (one wrote "Action; Amy O'Neill to
// act", the other "Action ; action for Amy O'Neill").
func (d Decision) InWords() string {
	var parts []string
	if d.Owner != nil {
		part := d.Owner.Name
		if d.Role != nil {
			part += " as " + RoleName(*d.Role)
		}
		if d.Replaced != nil {
			part += ", replacing " + d.Replaced.Name
		}
		parts = append(parts, part)
	}
	if d.CheckKind != nil {
		part := strings.ToLower(Humanise(*d.CheckKind)) + " check"
		if d.CheckDueOn != nil {
			part += " due " + dayInWords(*d.CheckDueOn)
		}
		parts = append(parts, part)
	}
	switch {
	case d.ActionBy != nil:
		part := d.ActionBy.Name
		if d.ReassignedFrom != nil {
			part += " (first given to " + d.ReassignedFrom.Name + ")"
		}
		part += " to act"
		if d.DueBy != nil {
			part += " by " + dayInWords(*d.DueBy)
		}
		if d.Status != nil {
			status := strings.ToLower(Humanise(*d.Status))
			if d.StatusNote != nil && *d.StatusNote != "" {
				status += ": " + *d.StatusNote
			}
			part += " (" + status + ")"
		}
		parts = append(parts, part)
	case d.DueBy != nil:
		parts = append(parts, "due by "+dayInWords(*d.DueBy))
	}
	out := ""
	if len(parts) > 0 {
		out = ": " + strings.Join(parts, "; ")
	}
	if d.Notes != nil && *d.Notes != "" {
		out += ". " + *d.Notes
	}
	return out
}

// dayInWords is a day as people write it: 3 December 2026.
func dayInWords(d Date) string { return d.Format("2 January 2006") }
