package postgres

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

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

// refreshOrderFlagSQL is a sweep's statement narrowed to one order: resolve
// the kind's open flag if its rule no longer holds, raise one (when asked)
// if it newly holds.
const refreshOrderFlagSQL = `
WITH cond AS MATERIALIZED (SELECT * FROM %s(@as_of) c WHERE c.order_id = @order),
resolved AS (
    UPDATE flags f SET resolved_at = @now
    WHERE f.order_id = @order AND f.kind = @kind AND f.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM cond)
    RETURNING 1),
raised AS (
    INSERT INTO flags (kind, order_id, subject_id, force, case_type, raised_at, details)
    SELECT @kind, c.order_id, c.subject_id, c.force, c.case_type, @now, c.details FROM cond c
    WHERE @raise AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.order_id = @order AND f.kind = @kind AND f.resolved_at IS NULL)
    ON CONFLICT (order_id, kind) WHERE resolved_at IS NULL DO NOTHING
    RETURNING 1)
SELECT (SELECT count(*) FROM raised) AS raised, (SELECT count(*) FROM resolved) AS resolved`

// refreshOrderFlag brings one order's flag of kind in line with its rule as
// of asOf, inside the caller's transaction. raise false only resolves.
func refreshOrderFlag(tx *gorm.DB, kind, orderID string, asOf domain.Date, now time.Time, raise bool) error {
	fn := ruleFunction(kind)
	if fn == "" {
		return fmt.Errorf("no rule function for flag kind %q", kind)
	}
	var counts struct{ Raised, Resolved int }
	return tx.Raw(fmt.Sprintf(refreshOrderFlagSQL, fn), map[string]any{"as_of": asOf.Time, "order": orderID,
		"now": now, "kind": kind, "raise": raise}).Scan(&counts).Error
}
