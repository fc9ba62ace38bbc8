package postgres_test

import (
	"context"
	"testing"

	"scpo/domain"
)

// The review rule is written in two parts that cannot both hold (migration
// 00240) so that the larger runs in parallel. Its meaning is simpler: an
// order is overdue when its due date (the last review held by as_of, else
// its start, else the day it was made, plus its interval) is before as_of.
// Over generated orders, their reviews and a few more, on days before,
// at and after today, the rule flags exactly those orders with that due
// date in its details.
func TestReviewRuleIsTheDueDateBeforeTheDay(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 1500, today); err != nil {
		t.Fatal(err)
	}
	// Reviews close to the interval's edges, and one after an order's day
	// (held later than as_of for the earlier days below).
	if err := s.DB().Exec(`INSERT INTO reviews (id, order_id, reviewed_on, kind, outcome, recorded_by, notes)
		SELECT gen_random_uuid(), r.order_id, r.reviewed_on + d, r.kind, r.outcome, r.recorded_by, r.notes
		FROM (SELECT DISTINCT ON (order_id) * FROM reviews ORDER BY order_id, reviewed_on DESC) r
		CROSS JOIN (VALUES (-1), (1), (89), (91), (200)) v(d)
		WHERE r.reviewed_on + d <= CAST(? AS date) + 400`, today.Time).Error; err != nil {
		t.Fatal(err)
	}
	// Orders made long before they started (on release, say), reviewed
	// while waiting and started within their interval: only the second
	// part of the rule flags them.
	if err := s.DB().Exec(`UPDATE orders SET made_on = starts_on - 400 WHERE id IN (
		SELECT id FROM orders WHERE status = 'active' AND starts_on > CAST(? AS date) - 60 ORDER BY id LIMIT 20)`,
		today.Time).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`INSERT INTO reviews (id, order_id, reviewed_on, kind, outcome)
		SELECT gen_random_uuid(), id, made_on + 10, 'routine', 'satisfactory' FROM orders
		WHERE starts_on - made_on = 400`).Error; err != nil {
		t.Fatal(err)
	}
	type row struct {
		OrderID string
		DueOn   string
	}
	for _, day := range []domain.Date{today.AddDays(-400), today.AddDays(-90), today, today.AddDays(1), today.AddDays(181), today.AddDays(400)} {
		var got, want []row
		if err := s.DB().Raw(`SELECT order_id, details->>'due_on' AS due_on FROM flag_review_overdue(?) ORDER BY 1`,
			day.Time).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Raw(`SELECT order_id, due_on::text AS due_on FROM (
				SELECT l.order_id, coalesce((SELECT max(r.reviewed_on) FROM reviews r
				                             WHERE r.order_id = l.order_id AND r.reviewed_on <= CAST(@d AS date)),
				                            l.starts_on, l.made_on) + l.review_days AS due_on
				FROM live_orders_on(@d) l) x
			WHERE due_on < CAST(@d AS date) ORDER BY 1`, map[string]any{"d": day.Time}).Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("as of %s: no order is overdue; the test checks nothing", day)
		}
		if len(got) != len(want) {
			t.Errorf("as of %s: the rule flags %d orders, the due date says %d", day, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("as of %s: the rule gives %+v, the due date %+v", day, got[i], want[i])
				break
			}
		}
	}
}
