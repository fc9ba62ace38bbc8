package postgres

import (
	"context"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// A change that ends a flag's condition resolves the flag in the same
// transaction, so what anyone reads is never staler than the last change.
// The sweeps raise flags (each recorded with the run that raised it); the
// reports work from the same rules as of the moment they are asked.
//
// Every change to an order passes through lockOrder, which marks the order
// touched; changes to a subject, an officer or a policy mark the orders they
// affect. Before the transaction commits, the flag rules are run for the
// touched orders only and what they no longer find is resolved.

type touchedKey struct{}

// touched collects the orders a transaction changed, and the forces whose
// orders it changed wholesale.
type touched struct {
	orders map[string]bool
	forces map[string]bool
}

func withTouched(ctx context.Context) (context.Context, *touched) {
	t := &touched{orders: map[string]bool{}, forces: map[string]bool{}}
	return context.WithValue(ctx, touchedKey{}, t), t
}

// touch marks orders as changed by the transaction tx belongs to.
func touch(tx *gorm.DB, orderIDs ...string) {
	if t, ok := tx.Statement.Context.Value(touchedKey{}).(*touched); ok {
		for _, id := range orderIDs {
			t.orders[id] = true
		}
	}
}

// touchForce marks every order of a force as changed (a policy change).
func touchForce(tx *gorm.DB, force string) {
	if t, ok := tx.Statement.Context.Value(touchedKey{}).(*touched); ok {
		t.forces[force] = true
	}
}

// ruleKinds are the flag kinds with a rule function, in a fixed order.
func ruleKinds() []string {
	kinds := make([]string, 0, len(flagRules))
	for k := range flagRules {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// refreshFlagSQL resolves the rule flags, among those matching %[2]s (over
// flags f), whose condition no longer holds for the orders matching %[1]s
// (over a rule's rows c). Raising stays with the sweeps, which run on the
// clock and record the run that raised each flag.
const refreshFlagSQL = `
WITH cond AS MATERIALIZED (%[3]s)
UPDATE flags f SET resolved_at = @now
WHERE %[2]s AND f.resolved_at IS NULL AND f.kind IN @kinds
  AND NOT EXISTS (SELECT 1 FROM cond c WHERE c.order_id = f.order_id AND c.kind = f.kind)`

func refreshSQL(condFilter, flagFilter string) string {
	kinds := ruleKinds()
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = "SELECT '" + k + "'::text AS kind, c.* FROM " + flagRules[k] + "(@as_of) c WHERE " + condFilter
	}
	return strings.NewReplacer("%[1]s", condFilter, "%[2]s", flagFilter, "%[3]s", strings.Join(parts, " UNION ALL ")).
		Replace(refreshFlagSQL)
}

var (
	refreshOrdersSQL = refreshSQL("c.order_id = ANY (CAST(@ids AS uuid[]))", "f.order_id = ANY (CAST(@ids AS uuid[]))")
	refreshForceSQL  = refreshSQL("c.force = @force", "f.force = @force")
)

// refreshFlags resolves the flags of what t marks whose condition has ended, as of today.
func refreshFlags(tx *gorm.DB, t *touched, today domain.Date, now time.Time) error {
	args := map[string]any{"as_of": today.Time, "now": now, "kinds": ruleKinds()}
	for force := range t.forces {
		args["force"] = force
		if err := tx.Exec(refreshForceSQL, args).Error; err != nil {
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
	return tx.Exec(refreshOrdersSQL, args).Error
}
