package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gorm.io/gorm"

	"scpo/domain"
	"scpo/domain/postgres"
)

// TestUnownedSweepRechecksMatchTheRule holds the ownership sweep, which
// rechecks only the orders that changed or whose dates fell since its
// previous run (migration 00550), to the rule over every order: after
// every run over two months, the open unowned flags are exactly the orders
// flag_unowned names that day. Between runs the register is changed as
// the service changes it and in SQL behind its back (the database marks
// those too): owners ended now or on a later day, assigned later, officers
// deactivated, policies, discharges and ends falling between runs, orders
// made later, expired before their end, put on another subject, reviewed
// ahead of a run that catches up a missed day, subjects moved. Run again with a limit of 20 orders to
// recheck, so some runs set the rule against every open flag instead.
func TestUnownedSweepRechecksMatchTheRule(t *testing.T) {
	t.Parallel()
	for _, most := range []int{0, 20} {
		t.Run(fmt.Sprintf("recheck limit %d", most), func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			s.SetUnownedRecheckMax(most)
			unownedRechecksMatchTheRule(t, s)
		})
	}
}

func unownedRechecksMatchTheRule(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	rng := rand.New(rand.NewPCG(13, 550))
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res := db.Exec(q, args...)
		if res.Error != nil {
			t.Fatalf("%s: %v", q, res.Error)
		}
		return res.RowsAffected
	}
	// some picks n ids from q, at random but reproducibly: q orders them by
	// what the load made the same every time (the ids are random).
	some := func(n int, q string, args ...any) []string {
		t.Helper()
		var ids []string
		if err := db.Raw(q, args...).Scan(&ids).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		return ids[:min(n, len(ids))]
	}
	// mismatch counts the orders on which the open flags and the rule
	// differ as of d, in the zone the store sweeps in.
	mismatch := func(d domain.Date) (n int64, open int64) {
		t.Helper()
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT set_config('scpo.timezone', 'UTC', true)`).Error; err != nil {
				return err
			}
			return tx.Raw(`WITH f AS (SELECT order_id FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL),
				r AS (SELECT order_id FROM flag_unowned(?))
				SELECT (SELECT count(*) FROM ((SELECT * FROM f EXCEPT SELECT * FROM r)
				                              UNION ALL (SELECT * FROM r EXCEPT SELECT * FROM f)) x) AS n,
				       (SELECT count(*) FROM f) AS open`, d.Time).Row().Scan(&n, &open)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, open
	}

	first := run(t, s, domain.JobOwnership, today)
	if first.Raised == 0 {
		t.Fatal("the first run raised no unowned flag: the register is not a test of anything")
	}
	var raised, resolved int
	d := today
	for day := 0; day < 30; day++ {
		d = d.AddDays(1 + rng.IntN(3))
		clockOf(s).advanceTo(d)
		if day%5 == 2 {
			// A run behind the clock (catching up a missed day): a change
			// meanwhile settles flags as of the clock's day.
			clockOf(s).advanceTo(d.AddDays(3))
		}
		live := `SELECT id::text FROM orders WHERE status IN ('active', 'pending') AND made_on <= ? %s ORDER BY reference`

		current := `SELECT a.id::text FROM owner_assignments a JOIN orders o ON o.id = a.order_id
			WHERE a.ended_at IS NULL ORDER BY o.reference, a.role`

		// Through the service: owners removed and assigned.
		for _, id := range some(3, `SELECT a.order_id::text FROM owner_assignments a JOIN orders o ON o.id = a.order_id
			WHERE a.ended_at IS NULL AND a.role = 'iom' AND o.status IN ('active', 'pending') ORDER BY o.reference`) {
			if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: id, Role: "iom", Reason: "moved on"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range some(3, `SELECT o.id::text FROM orders o WHERE o.status IN ('active', 'pending')
			AND NOT EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id AND a.role = 'lro' AND a.ended_at IS NULL)
			ORDER BY o.reference`) {
			var officer string
			if err := db.Raw(`SELECT f.id::text FROM officers f JOIN orders o ON o.subject_force = f.force
				WHERE o.id = ? AND 'lro' = ANY (f.roles) AND f.active ORDER BY f.email LIMIT 1`, id).Scan(&officer).Error; err != nil {
				t.Fatal(err)
			}
			if officer == "" {
				continue
			}
			if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: id, Role: "lro", OfficerID: officer,
				Reason: "allocated"}); err != nil {
				t.Fatal(err)
			}
		}

		// In SQL, behind the service's back.
		for _, id := range some(4, current) {
			// Ended from a day up to four days on: the owner counts until then.
			exec(`UPDATE owner_assignments SET ended_at = greatest(assigned_at, scpo_day_end(CAST(? AS date)) - interval '3 hours')
				WHERE id = ?`, d.AddDays(rng.IntN(5)).Time, id)
		}
		for _, id := range some(3, fmt.Sprintf(live, ""), d.Time) {
			// Assigned from a later day: not an owner until then.
			exec(`INSERT INTO owner_assignments (order_id, role, officer_id, assigned_at, reason)
				SELECT o.id, 'orders_officer', f.id, scpo_day_end(CAST(? AS date)) - interval '2 hours', 'allocated ahead'
				FROM orders o JOIN officers f ON f.force = o.subject_force AND 'orders_officer' = ANY (f.roles)
				WHERE o.id = ? AND NOT EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id
				                               AND a.role = 'orders_officer' AND a.ended_at IS NULL)
				ORDER BY f.email LIMIT 1`, d.AddDays(rng.IntN(4)).Time, id)
		}
		for _, id := range some(2, current) {
			// Put on an officer of another force, who cannot own it.
			exec(`UPDATE owner_assignments a SET officer_id = (SELECT f.id FROM officers f
				WHERE f.force <> (SELECT force FROM officers WHERE id = a.officer_id) AND 'lro' = ANY (f.roles)
				ORDER BY f.email LIMIT 1) WHERE id = ?`, id)
		}
		for _, id := range some(1, `SELECT id::text FROM officers WHERE email LIKE 'synthetic.%' ORDER BY email`) {
			exec(`UPDATE officers SET active = NOT active WHERE id = ?`, id)
		}
		for _, id := range some(2, fmt.Sprintf(live, ""), d.Time) {
			// Discharged from a day up to four days on: live until then.
			exec(`UPDATE orders SET status = 'discharged', ended_on = greatest(made_on, CAST(? AS date)), end_reason = 'discharged by the court',
				version = version + 1 WHERE id = ?`,
				d.AddDays(rng.IntN(5)).Time, id)
		}
		for _, id := range some(2, fmt.Sprintf(live, `AND extended_to IS NULL AND NOT extension_pending AND starts_on IS NOT NULL`), d.Time) {
			// Its end falls in the next days (no lifecycle run expires it).
			exec(`UPDATE orders SET ends_on = greatest(starts_on + 1, CAST(? AS date)) WHERE id = ?`, d.AddDays(rng.IntN(4)).Time, id)
		}
		unowned := `AND NOT EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = orders.id AND a.ended_at IS NULL)`
		for _, id := range some(3, fmt.Sprintf(live, `AND starts_on > made_on `+unowned), d.Time) {
			// Made on a later day (before it starts): not live until then.
			exec(`UPDATE orders SET made_on = least(starts_on, CAST(? AS date)) WHERE id = ?`, d.AddDays(1+rng.IntN(3)).Time, id)
		}
		for _, id := range some(1, fmt.Sprintf(live, ""), d.Time) {
			// A second order for the subject, loaded in SQL: nobody owns it.
			exec(`INSERT INTO orders SELECT (jsonb_populate_record(o, jsonb_build_object('id', gen_random_uuid(),
				'reference', o.reference || '/' || ?, 'version', 1))).* FROM orders o WHERE o.id = ?`, fmt.Sprint(day+2), id)
		}
		for _, id := range some(2, fmt.Sprintf(live, unowned), d.Time) {
			// An owner since a month ago, recorded only now (an import).
			exec(`INSERT INTO owner_assignments (order_id, role, officer_id, assigned_at, reason)
				SELECT o.id, 'iom', f.id, scpo_day_end(CAST(? AS date)), 'recorded late'
				FROM orders o JOIN officers f ON f.force = o.subject_force AND 'iom_officer' = ANY (f.roles) AND f.active
				WHERE o.id = ? ORDER BY f.email LIMIT 1`, d.AddDays(-30).Time, id)
		}
		if day == 20 {
			exec(`TRUNCATE force_policies`) // by hand: every order is marked
		} else if day%3 == 1 {
			var force string
			// Among three forces, so a policy is made and then changed.
			if err := db.Raw(`SELECT code FROM forces ORDER BY code OFFSET ? LIMIT 1`, 10*rng.IntN(3)).Scan(&force).Error; err != nil {
				t.Fatal(err)
			}
			roles := [][]string{{}, {"iom"}, {"iom", "lro"}, {"lro", "orders_officer"}}[rng.IntN(4)]
			exec(`INSERT INTO force_policies (force, required_roles) VALUES (?, CAST(? AS text[]))
				ON CONFLICT (force) DO UPDATE SET required_roles = excluded.required_roles`, force, "{"+strings.Join(roles, ",")+"}")
		}
		for _, id := range some(2, fmt.Sprintf(live, `AND extended_to IS NULL AND NOT extension_pending
			AND starts_on IS NOT NULL AND starts_on < ? `+unowned), d.Time, d.Time) {
			// Expired with its end still to come (as an on-release order
			// whose end comes before its release): live until the end.
			exec(`UPDATE orders SET status = 'expired', ends_on = greatest(starts_on + 1, CAST(? AS date)),
				version = version + 1 WHERE id = ?`, d.AddDays(rng.IntN(4)).Time, id)
		}
		clockDay := s.Today()
		for _, id := range some(2, fmt.Sprintf(live, `AND coalesce(extended_to, ends_on) BETWEEN ? AND ? `+unowned),
			d.Time, d.Time, clockDay.Time) {
			// A review recorded (as of the clock's day) on an order whose
			// end falls before then: its refresh settles the flag as of
			// that day, and writes nothing the triggers watch.
			if _, err := s.RecordReview(ctx, id, domain.Review{ReviewedOn: clockDay, Kind: "routine",
				Outcome: "satisfactory"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range some(1, fmt.Sprintf(live, ""), d.Time) {
			// Put on a subject of another force (the order's force follows
			// through a BEFORE trigger).
			exec(`UPDATE orders o SET subject_id = (SELECT s.id FROM subjects s
				WHERE s.force <> o.subject_force ORDER BY s.pnc_id LIMIT 1) WHERE o.id = ?`, id)
		}
		for _, id := range some(1, `SELECT id::text FROM subjects ORDER BY pnc_id`) {
			exec(`UPDATE subjects SET force = (SELECT code FROM forces WHERE code <> subjects.force ORDER BY code LIMIT 1)
				WHERE id = ?`, id)
		}

		r := run(t, s, domain.JobOwnership, d)
		raised += r.Raised
		resolved += r.Resolved
		if n, open := mismatch(d); n != 0 {
			t.Fatalf("as of %s (run %d): the open unowned flags and the rule differ on %d orders (%d open)", d, day+1, n, open)
		}
		var left int64
		if err := db.Raw(`SELECT count(*) FROM unowned_rechecks`).Scan(&left).Error; err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatalf("as of %s: %d marks left after the run, want every one taken", d, left)
		}
	}
	if raised == 0 || resolved == 0 {
		t.Errorf("the runs raised %d and resolved %d: the changes moved nothing", raised, resolved)
	}
}
