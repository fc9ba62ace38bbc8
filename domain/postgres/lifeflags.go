package postgres

import "scpo/domain"

// eventFlagRules names the rule functions of flags raised and resolved when
// an outcome is recorded rather than by a sweep; only these names reach SQL.
var eventFlagRules = map[string]string{
	domain.FlagComplianceConcern: "flag_compliance_concern",
	domain.FlagBreachDecisionDue: "flag_breach_decision_due", domain.FlagBreachOpen: "flag_breach_open", domain.FlagExtensionToSettle: "flag_extension_to_settle",
}

// ruleFunction is the SQL rule function of a flag kind, whoever raises it.
func ruleFunction(kind string) string {
	if f, ok := flagRules[kind]; ok {
		return f
	}
	return eventFlagRules[kind]
}
