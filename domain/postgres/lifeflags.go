package postgres

import "scpo/domain"

// eventFlagRules names the rule functions of flags raised and resolved when
// an outcome is recorded rather than by a sweep; only these names reach SQL.
var eventFlagRules = map[string]string{
	domain.FlagComplianceConcern: "flag_compliance_concern",
}

// ruleFunction is the SQL rule function of a flag kind, whoever raises it.
func ruleFunction(kind string) string {
	if f, ok := flagRules[kind]; ok {
		return f
	}
	return eventFlagRules[kind]
}
