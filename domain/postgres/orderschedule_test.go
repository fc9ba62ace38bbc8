package postgres_test

import (
	"context"
	"testing"
	"time"

	"scpo/domain"
)

// An order read (one or a page) works out its next review and check from
// the order's own copies (orderScheduleSQL); order_schedule, which the
// calendar, caseload and reports read, is the definition. Both must give
// the same dates for every order: live and ended, in custody and not, with
// and without a force policy or an order's own review interval, reviewed
// or not, with checks open and done.
func TestOrderReadsMatchTheSchedule(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GenerateOrders(ctx, 400, today); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPolicy(ctx, domain.Policy{Force: "dorset", RequiredRoles: []string{"iom"}, PreReleaseDays: 180,
		CommunityReviewDays: 60, PrisonReviewDays: 120, CheckGraceDays: 0, ExpiryWarningDays: 180, EMWarningDays: 42,
		AbsenceThresholdDays: 14}, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.DB().Raw(`SELECT id FROM orders WHERE status = 'active' ORDER BY id LIMIT 30`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		switch i % 3 {
		case 0:
			if _, err := s.RecordReview(ctx, id, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}); err != nil {
				t.Fatalf("review %s: %v", id, err)
			}
		case 1:
			dischargeOrder(t, s, id, today)
		case 2:
			if err := s.DB().Exec(`UPDATE orders SET review_interval_days = 30 WHERE id = ?`, id).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	type dates struct {
		Review, Check *time.Time
	}
	want := map[string]dates{}
	var rows []struct {
		OrderID                     string
		NextReviewDue, NextCheckDue *time.Time
	}
	if err := s.DB().Raw(`SELECT order_id, next_review_due, next_check_due FROM order_schedule`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var reviewed, checked, ended, policed int
	for _, r := range rows {
		want[r.OrderID] = dates{r.NextReviewDue, r.NextCheckDue}
	}
	same := func(a *domain.Date, b *time.Time) bool {
		return (a == nil) == (b == nil) && (a == nil || a.Format(time.DateOnly) == b.Format(time.DateOnly))
	}
	p := domain.Page{Limit: 100}
	seen := 0
	for {
		page, next, err := s.ListOrders(ctx, domain.OrderFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			seen++
			w := want[o.ID]
			if !same(o.NextReviewDue, w.Review) || !same(o.NextCheckDue, w.Check) {
				t.Errorf("order %s: next review %v, next check %v; order_schedule says %v, %v",
					o.ID, o.NextReviewDue, o.NextCheckDue, w.Review, w.Check)
			}
			switch {
			case o.Ended():
				ended++
			case o.Force == "dorset":
				policed++
			}
			if o.NextCheckDue != nil {
				checked++
			}
			if o.NextReviewDue != nil && o.NextReviewDue.After(today.AddDays(25).Time) {
				reviewed++ // reviewed today, or due on its own 30-day interval
			}
		}
		if next == "" {
			break
		}
		var ok bool
		if p.Cursor, ok = domain.DecodeCursor(next); !ok {
			t.Fatalf("cursor %q does not decode", next)
		}
	}
	if seen != len(want) {
		t.Fatalf("listed %d orders, order_schedule has %d", seen, len(want))
	}
	if reviewed == 0 || checked == 0 || ended == 0 || policed == 0 {
		t.Fatalf("the register lacks a case: %d reviewed, %d with a check due, %d ended, %d under a policy",
			reviewed, checked, ended, policed)
	}
	one, err := s.GetOrder(ctx, ids[2])
	if err != nil {
		t.Fatal(err)
	}
	if w := want[ids[2]]; !same(one.NextReviewDue, w.Review) {
		t.Errorf("GetOrder %s: next review %v, order_schedule says %v", ids[2], one.NextReviewDue, w.Review)
	}
}
