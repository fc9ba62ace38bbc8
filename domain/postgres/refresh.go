package postgres

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// A change that ends a flag's condition resolves the flag in the same
// transaction, so what anyone reads is never staler than the last change.
// The sweeps raise the flags that time makes true (each recorded with the
// run that raised it); an outcome that starts a compliance concern raises
// it at once. The reports work from the same rules as of the moment asked.
//
// Every change to an order passes through lockOrder, which marks the order
// touched; changes to a subject, an officer or a policy mark the orders they
// affect. Before the transaction commits, the flag rules are run for the
// touched orders only.

type touchedKey struct{}

// touched collects the orders a transaction changed, the forces whose
// orders it changed wholesale (with the flag kinds the change can move),
// and the flags its change starts (kind and order) that must not wait for
// a sweep.
type touched struct {
	orders map[string]bool
	forces map[string]map[string]bool
	raise  map[[2]string]bool
}

func withTouched(ctx context.Context) (context.Context, *touched) {
	t := &touched{orders: map[string]bool{}, forces: map[string]map[string]bool{}, raise: map[[2]string]bool{}}
	return context.WithValue(ctx, touchedKey{}, t), t
}

// raiseNow asks for a swept kind's flag to be raised by this change, when
// its rule then holds, rather than at the next sweep: an order whose owners
// the change ended stands unowned at once (on the agenda, which reads the
// open flags).
func raiseNow(tx *gorm.DB, kind string, orderIDs ...string) {
	if t, ok := tx.Statement.Context.Value(touchedKey{}).(*touched); ok {
		for _, id := range orderIDs {
			t.orders[id] = true
			t.raise[[2]string{kind, id}] = true
		}
	}
}

// touch marks orders as changed by the transaction tx belongs to.
func touch(tx *gorm.DB, orderIDs ...string) {
	if t, ok := tx.Statement.Context.Value(touchedKey{}).(*touched); ok {
		for _, id := range orderIDs {
			t.orders[id] = true
		}
	}
}

// touchForce marks every order of a force as changed for the given flag
// kinds, to be resolved and raised at once (a policy change, which holds
// flagsLock alone and moves only the kinds whose rules read what it
// changed: each kind's rule over a force of 23,000 live orders is 0.2 to
// 0.6 s at a million orders, all fifteen 8 s).
func touchForce(tx *gorm.DB, force string, kinds ...string) {
	if t, ok := tx.Statement.Context.Value(touchedKey{}).(*touched); ok && len(kinds) > 0 {
		if t.forces[force] == nil {
			t.forces[force] = map[string]bool{}
		}
		for _, k := range kinds {
			t.forces[force][k] = true
		}
	}
}

// sweptKinds are the flag kinds a sweep raises; eventKinds those an
// outcome raises when it is recorded (compliance_concern). Both are
// resolved by any change that ends them.
func sweptKinds() []string { return sortedKeys(flagRules) }
func eventKinds() []string { return sortedKeys(eventFlagRules) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// refreshFlagSQL settles the flags, among those matching %[2]s (over flags
// f), of the orders matching %[1]s (over a rule's rows c): it resolves (its
// WITH statements run whether or not the answer reads them) every
// open flag whose rule no longer holds, and answers the event kinds' flags
// whose rule now holds and none is open, for refreshRaiseSQL to raise.
// Raising the swept kinds stays with the sweeps, which run on the clock and
// record the run that raised each flag. An open flag whose rule still holds
// takes the rule's details when they say something new (an owner allocated
// but another role still missing, a release date moved): the agenda and the
// flag lists read them. The day counts are left as raised; readers count
// days from the dates.
//
// The raise is a statement of its own. Statement triggers keep counts of
// the orders with open flags (officer_loads, migrations 00510 and 00520):
// each works out what an order had before from what it has now less its own
// statement's moves, so one statement that both resolved a held order's
// review flag and raised a concern on it had its INSERT and UPDATE triggers
// each count the other's change as already there (a review recorded with a
// concern counted the order flagged twice).
const refreshFlagSQL = `
WITH cond AS MATERIALIZED (%[3]s),
resolved AS (
    UPDATE flags f SET resolved_at = @now
    WHERE %[2]s AND f.resolved_at IS NULL AND f.kind IN @kinds
      AND NOT EXISTS (SELECT 1 FROM cond c WHERE c.order_id = f.order_id AND c.kind = f.kind)
    RETURNING 1),
restated AS (
    UPDATE flags f SET details = c.details
    FROM cond c
    WHERE %[2]s AND f.resolved_at IS NULL AND f.kind IN @kinds
      AND c.order_id = f.order_id AND c.kind = f.kind
      AND (f.details - ` + dayCounts + `) IS DISTINCT FROM (c.details - ` + dayCounts + `)
    RETURNING 1)
SELECT c.kind, c.order_id, c.subject_id, c.force, c.case_type, c.details::text AS details FROM cond c
WHERE (c.kind IN @raise OR (c.kind, c.order_id) IN (SELECT * FROM unnest(CAST(@raise_kinds AS text[]), CAST(@raise_orders AS uuid[]))))
  AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.order_id = c.order_id AND f.kind = c.kind AND f.resolved_at IS NULL)
ORDER BY c.order_id, c.kind`

// refreshRaiseSQL raises the flags refreshFlagSQL answered, in its order.
const refreshRaiseSQL = `
WITH raised AS (
    INSERT INTO flags (kind, order_id, subject_id, force, case_type, raised_at, details)
    SELECT r.kind, r.order_id, r.subject_id, r.force, r.case_type, @now, r.details::jsonb
    FROM unnest(CAST(@r_kinds AS text[]), CAST(@r_orders AS uuid[]), CAST(@r_subjects AS uuid[]), CAST(@r_forces AS text[]),
                CAST(@r_case_types AS text[]), CAST(@r_details AS text[]))
         AS r (kind, order_id, subject_id, force, case_type, details)
    ON CONFLICT (order_id, kind) WHERE resolved_at IS NULL DO NOTHING
    RETURNING order_id, kind)` + flagEventsSQL + `
SELECT count(*) FROM raised`

// toRaise is a row refreshFlagSQL answers.
type toRaise struct {
	Kind, OrderID, SubjectID, Force, CaseType, Details string
}

// settleFlags runs a refreshFlagSQL statement and raises what it answers.
func settleFlags(tx *gorm.DB, q string, args map[string]any) error {
	var rows []toRaise
	if err := tx.Raw(q, args).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	cols := make([]textArray, 6)
	for _, r := range rows {
		for i, v := range []string{r.Kind, r.OrderID, r.SubjectID, r.Force, r.CaseType, r.Details} {
			cols[i] = append(cols[i], v)
		}
	}
	raiseArgs := map[string]any{"now": args["now"], "as_of": args["as_of"], "r_kinds": cols[0], "r_orders": cols[1],
		"r_subjects": cols[2], "r_forces": cols[3], "r_case_types": cols[4], "r_details": cols[5]}
	var n int
	return tx.Raw(refreshRaiseSQL, raiseArgs).Scan(&n).Error
}

// dayCounts are the details that count days to the rule's as-of day, which
// change every day without the flag saying anything new.
const dayCounts = `ARRAY['days_overdue', 'days_since', 'days_to_release', 'days_in_force', 'days_to_end', 'days_left',
	'days_since_made']::text[]`

func refreshSQL(condFilter, flagFilter string, kinds []string) string {
	return strings.NewReplacer("%[1]s", condFilter, "%[2]s", flagFilter, "%[3]s", rulesSQL(kinds, condFilter)).
		Replace(refreshFlagSQL)
}

// rulesSQL is the rows of the kinds' rules as of @as_of that match cond
// (over a rule's rows c), each with its kind: (kind, order_id, subject_id,
// force, case_type, details).
func rulesSQL(kinds []string, cond string) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = "SELECT '" + k + "'::text AS kind, c.* FROM " + ruleFunction(k) + "(@as_of) c WHERE " + cond
	}
	return strings.Join(parts, " UNION ALL ")
}

var refreshOrdersSQL = refreshSQL("c.order_id = ANY (CAST(@ids AS uuid[]))", "f.order_id = ANY (CAST(@ids AS uuid[]))",
	append(sweptKinds(), eventKinds()...))

// refreshForceSQL settles the given kinds (sorted) on a force's orders.
func refreshForceSQL(kinds []string) string {
	return refreshSQL("c.force = @force", "f.force = @force", kinds)
}

// refreshFlags settles the flags of what t marks, as of today.
func refreshFlags(tx *gorm.DB, t *touched, today domain.Date, now time.Time) error {
	args := map[string]any{"as_of": today.Time, "now": now, "kinds": append(sweptKinds(), eventKinds()...),
		"raise": eventKinds(), "raise_kinds": textArray{}, "raise_orders": textArray{}}
	for pair := range t.raise {
		args["raise_kinds"] = append(args["raise_kinds"].(textArray), pair[0])
		args["raise_orders"] = append(args["raise_orders"].(textArray), pair[1])
	}
	for force, kindSet := range t.forces {
		kinds := sortedKeys(kindSet)
		// A change to a whole force (a policy change) has the register to
		// itself, as a sweep does (flagsLock), so it raises what its
		// kinds' rules now find, the swept kinds too: a stricter policy's
		// unowned orders are on the agenda at once, as its form says.
		forceArgs := maps.Clone(args)
		forceArgs["force"], forceArgs["kinds"], forceArgs["raise"] = force, kinds, kinds
		if err := settleFlags(tx, refreshForceSQL(kinds), forceArgs); err != nil {
			return err
		}
	}
	if len(t.orders) == 0 {
		return nil
	}
	ids := make([]string, 0, len(t.orders))
	for id := range t.orders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	args["ids"] = textArray(ids)
	// Planning the fifteen inlined rules takes about 20 ms, ten times
	// their run for an order or a few: a change's refresh reuses its
	// connection's generic plan, which reads every rule through the
	// order's indexes (TestRefreshReadsOnlyTheTouchedOrders), and only a
	// change touching many orders is planned for its ids.
	if len(ids) <= refreshGenericMax {
		if err := tx.Exec(`SET LOCAL plan_cache_mode = force_generic_plan`).Error; err != nil {
			return err
		}
		defer tx.Exec(`SET LOCAL plan_cache_mode = auto`)
	}
	return settleFlags(tx, refreshOrdersSQL, args)
}

// refreshGenericMax is the most orders a change's refresh runs through the
// generic plan for. The generic plan costs about 0.13 ms an order at a
// million orders (3,805 orders: 0.48 s); a plan made for the ids reads
// every rule across the register (9.8 s for the same 3,805), which only
// pays beyond some 70,000 orders.
const refreshGenericMax = 50000
