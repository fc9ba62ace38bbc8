package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
	"scpo/domain/postgres"
)

// Each order carries the date of its last review (migration 00280), kept by
// triggers on reviews. After reviews recorded through the service, inserted,
// moved and removed by hand, many at once, the copy on every order equals
// the latest of its reviews (none: NULL), and an order whose last review was
// removed falls back to the one before.
func TestLastReviewCopyFollowsTheReviews(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 400, today); err != nil {
		t.Fatal(err)
	}
	disagree := func(stage string) {
		t.Helper()
		holdCopy(t, s, stage, "last review date", `SELECT
			count(*) FILTER (WHERE o.last_reviewed_on IS DISTINCT FROM
			                 (SELECT max(r.reviewed_on) FROM reviews r WHERE r.order_id = o.id)),
			count(o.last_reviewed_on), count(*) FILTER (WHERE o.last_reviewed_on IS NULL)
			FROM orders o`)
	}
	disagree("generated")

	var ids []string
	if err := s.DB().Raw(`SELECT id FROM orders WHERE status = 'active' AND made_on < CAST(? AS date) - 60 ORDER BY id LIMIT 6`,
		today.Time).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	// Through the service: a review today, and one dated before the last.
	if _, err := s.RecordReview(ctx, ids[0], domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordReview(ctx, ids[0], domain.Review{ReviewedOn: today.AddDays(-30), Kind: "routine", Outcome: "concerns"}); err != nil {
		t.Fatal(err)
	}
	disagree("recorded")
	var last string
	if err := s.DB().Raw(`SELECT last_reviewed_on::text FROM orders WHERE id = ?`, ids[0]).Scan(&last).Error; err != nil {
		t.Fatal(err)
	}
	if last != today.String() {
		t.Errorf("after reviews on %s and 30 days before: last review %s", today, last)
	}

	// By hand, many orders in one statement each: inserted, moved later
	// and earlier, the latest removed (the one before counts again), all
	// of an order's removed (NULL).
	steps := []copyStep{
		{"inserted", `INSERT INTO reviews (order_id, reviewed_on, kind, outcome)
			SELECT id, CAST(@day AS date) - 3, 'routine', 'satisfactory' FROM orders WHERE status = 'active'`},
		{"moved later", `UPDATE reviews SET reviewed_on = reviewed_on + 2 WHERE reviewed_on = CAST(@day AS date) - 3`},
		{"moved earlier", `UPDATE reviews SET reviewed_on = reviewed_on - 400 WHERE reviewed_on = CAST(@day AS date) - 1`},
		{"latest removed", `DELETE FROM reviews r WHERE r.reviewed_on = (SELECT max(x.reviewed_on) FROM reviews x
			WHERE x.order_id = r.order_id) AND r.order_id IN (SELECT id FROM orders ORDER BY id LIMIT 150)`},
		{"all of some removed", `DELETE FROM reviews WHERE order_id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 50)`},
		{"moved to another order", `UPDATE reviews SET order_id = @to WHERE order_id = @from`},
	}
	applySteps(t, s, steps, map[string]any{"day": today.Time, "from": ids[1], "to": ids[2]}, disagree)
}

// Each order carries the day it was first served (migration 00280), kept by
// triggers on order_events: after service recorded through the service and
// events inserted, moved, re-kinded and removed by hand, the copy on every
// order equals the earliest of its served events (none: NULL).
func TestServedOnCopyFollowsTheEvents(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 400, today); err != nil {
		t.Fatal(err)
	}
	disagree := func(stage string) {
		t.Helper()
		holdCopy(t, s, stage, "first service date", `SELECT
			count(*) FILTER (WHERE o.served_on IS DISTINCT FROM
			                 (SELECT min(e.on_date) FROM order_events e WHERE e.order_id = o.id AND e.kind = 'served')),
			count(o.served_on), count(*) FILTER (WHERE o.served_on IS NULL)
			FROM orders o`)
	}
	disagree("generated")

	var unservedID string
	if err := s.DB().Raw(`SELECT id FROM orders WHERE status = 'active' AND served_on IS NULL AND made_on < CAST(? AS date) - 10
		ORDER BY id LIMIT 1`, today.Time).Scan(&unservedID).Error; err != nil || unservedID == "" {
		t.Fatalf("no active unserved order to serve (%v)", err)
	}
	if _, err := s.RecordService(ctx, unservedID, domain.Service{Method: domain.ServedInPerson, ServedOn: today.AddDays(-2)}); err != nil {
		t.Fatal(err)
	}
	disagree("recorded")

	steps := []copyStep{
		{"inserted", `INSERT INTO order_events (order_id, kind, on_date)
			SELECT id, 'served', made_on + 5 FROM orders WHERE served_on IS NULL AND status = 'active'`},
		{"another kind inserted", `INSERT INTO order_events (order_id, kind, on_date)
			SELECT id, 'varied', made_on - 400 FROM orders ORDER BY id LIMIT 100`},
		{"moved earlier", `UPDATE order_events SET on_date = on_date - 3 WHERE kind = 'served'
			AND order_id IN (SELECT id FROM orders ORDER BY id LIMIT 120)`},
		{"re-kinded", `UPDATE order_events SET kind = 'varied' WHERE kind = 'served'
			AND order_id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 60)`},
		{"removed", `DELETE FROM order_events WHERE kind = 'served'
			AND order_id IN (SELECT id FROM orders ORDER BY id LIMIT 40)`},
	}
	applySteps(t, s, steps, nil, disagree)
}

// A review removed while another is added to the same order in a
// transaction not yet committed: the removal's recount waits for the
// addition and counts it, so the copy is the newer review's date, not the
// date the removal would have computed from what it saw first.
func TestLastReviewCopyWithConcurrentWriters(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 50, today); err != nil {
		t.Fatal(err)
	}
	var orderID string
	// One with no owner: the caseload keys' trigger on reviews would
	// otherwise wait on the other writer's assignment rows first.
	if err := s.DB().Raw(`SELECT r.order_id FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM owner_assignments a
		WHERE a.order_id = r.order_id) GROUP BY r.order_id ORDER BY r.order_id LIMIT 1`).Scan(&orderID).Error; err != nil || orderID == "" {
		t.Fatalf("no reviewed order (%v)", err)
	}
	adding := s.DB().WithContext(ctx).Begin()
	defer adding.Rollback()
	if err := adding.Exec(`INSERT INTO reviews (order_id, reviewed_on, kind, outcome) VALUES (?, CAST(? AS date) + 1, 'routine', 'satisfactory')`,
		orderID, today.Time).Error; err != nil {
		t.Fatal(err)
	}
	removed := make(chan error, 1)
	go func() {
		removed <- s.DB().WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`DELETE FROM reviews WHERE order_id = ? AND reviewed_on <= ?`, orderID, today.Time).Error
		})
	}()
	time.Sleep(300 * time.Millisecond) // the removal is waiting on the order
	if err := adding.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-removed; err != nil {
		t.Fatal(err)
	}
	var copied, latest *time.Time
	if err := s.DB().Raw(`SELECT o.last_reviewed_on AS copied, (SELECT max(reviewed_on) FROM reviews r WHERE r.order_id = o.id) AS latest
		FROM orders o WHERE o.id = ?`, orderID).Row().Scan(&copied, &latest); err != nil {
		t.Fatal(err)
	}
	if latest == nil || copied == nil || !copied.Equal(*latest) {
		t.Errorf("last review copied %v, the order's reviews say %v", copied, latest)
	}
}

// holdCopy fails the test when counts (orders whose copy differs, orders
// with a value, orders without) finds a difference, or either of the
// other two at zero (the comparison would prove little).
func holdCopy(t *testing.T, s *postgres.Store, stage, what, counts string) {
	t.Helper()
	var differ, with, without int
	if err := s.DB().Raw(counts).Row().Scan(&differ, &with, &without); err != nil {
		t.Fatal(err)
	}
	if differ != 0 {
		t.Errorf("%s: %d orders' %s differs from what it copies", stage, differ, what)
	}
	if with == 0 || without == 0 {
		t.Errorf("%s: %d orders with a %s, %d without: the comparison proves little", stage, with, what, without)
	}
}

// copyStep is a change made by hand to what a copy copies.
type copyStep struct{ name, sql string }

// applySteps runs each step (with args when it names any), then hold.
func applySteps(t *testing.T, s *postgres.Store, steps []copyStep, args map[string]any, hold func(stage string)) {
	t.Helper()
	for _, st := range steps {
		var a []any
		if strings.Contains(st.sql, "@") {
			a = append(a, args)
		}
		if err := s.DB().Exec(st.sql, a...).Error; err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		hold(st.name)
	}
}
