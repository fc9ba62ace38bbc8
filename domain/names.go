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
