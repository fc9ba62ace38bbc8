package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// The order lists scan each row column by column (scanOrderView): every
// order reads as gorm reads the same statement by column name, with every
// nullable column of some order filled: extended and appealed, ended,
// replacing an interim order, with a conviction, terms, owners and flags.
func TestOrdersScanEveryColumnAsNamed(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := domain.WithScope(context.Background(), domain.Scope{AllForces: true})
	if _, err := s.GenerateOrders(ctx, 150, today); err != nil {
		t.Fatal(err)
	}
	for _, job := range domain.JobNames {
		if _, err := s.RunJob(ctx, job, today, nil); err != nil {
			t.Fatalf("%s: %v", job, err)
		}
	}
	for _, q := range []string{
		`UPDATE orders SET extended_to = ends_on + 30, extension_pending = true, appeal_pending = true,
			review_interval_days = 61, duration_months = 24, conviction = '{"offences": ["conspiracy"]}'
		 WHERE id = (SELECT id FROM orders WHERE court_type = 'crown' AND ends_on IS NOT NULL ORDER BY id LIMIT 1)`,
		`UPDATE orders SET status = 'discharged', ended_on = made_on + 10, end_reason = 'discharged on appeal'
		 WHERE id = (SELECT id FROM orders WHERE status = 'active' AND NOT extension_pending ORDER BY id DESC LIMIT 1)`,
		`UPDATE orders SET interim = true, court_type = 'high', conviction = NULL
		 WHERE id = (SELECT id FROM orders WHERE NOT extension_pending AND status = 'active' ORDER BY id LIMIT 1 OFFSET 3)`,
		`INSERT INTO order_terms (order_id, position, category, text, starts_on, ends_on)
		 SELECT id, 0, 'financial', 'Not to hold more than £1,000 in cash', made_on, made_on + 365
		 FROM orders WHERE NOT interim ORDER BY id LIMIT 1`,
		`UPDATE orders SET interim_order_id = (SELECT id FROM orders WHERE interim)
		 WHERE id = (SELECT id FROM orders WHERE NOT interim AND status = 'active' ORDER BY id LIMIT 1 OFFSET 5)`,
	} {
		if res := s.DB().Exec(q); res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("%s: %v (%d rows)", q, res.Error, res.RowsAffected)
		}
	}
	want, err := s.OrdersScannedByGorm(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.ListOrders(ctx, domain.OrderFilter{}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("orders listed differ from gorm's reading (-gorm +listed):\n%s", diff)
	}
	filled := map[string]bool{}
	for _, o := range got {
		for name, set := range map[string]bool{
			"extended_to": o.ExtendedTo != nil, "duration": o.DurationMonths != nil, "interval": o.ReviewIntervalDays != nil,
			"ended_on": o.EndedOn != nil, "end_reason": o.EndReason != nil, "interim": o.Interim,
			"interim_order_id": o.InterimOrderID != nil, "replaced_by": o.ReplacedBy != nil,
			"conviction": o.Conviction != nil, "terms": len(o.Terms) > 0, "flags": len(o.OpenFlags) > 0,
			"next_check_due": o.NextCheckDue != nil, "appeal": o.AppealPending,
		} {
			filled[name] = filled[name] || set
		}
	}
	for name, set := range filled {
		if !set {
			t.Errorf("no order has %s filled: the comparison does not cover it", name)
		}
	}
	one, err := s.GetOrder(ctx, got[len(got)/2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got[len(got)/2], one); diff != "" {
		t.Errorf("one order read differs from its listing:\n%s", diff)
	}
}
