package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// TestPreReleaseMissingMatchesRecount holds each pre-release item's
// missing list to a recount: an IOM owner is missing where the order has
// no current IOM assignment, a pre-release review where it has none on or
// after the release date less the force's pre-release window; and the
// page's owners to its IOM verdict.
func TestPreReleaseMissingMatchesRecount(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)
	r, err := s.PreRelease(ctx, "", 3650, today, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if r.NextCursor != nil || len(r.Items) != r.Summary.Orders {
		t.Fatalf("%d items of %d (cursor %v): want all on one page", len(r.Items), r.Summary.Orders, r.NextCursor)
	}
	var rows []struct {
		OrderID   string
		HasIOM    bool
		HasReview bool
	}
	if err := s.DB().Raw(`SELECT l.order_id::text AS order_id,
			EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = l.order_id AND a.role = 'iom'
			        AND a.ended_at IS NULL) AS has_iom,
			EXISTS (SELECT 1 FROM reviews v WHERE v.order_id = l.order_id AND v.kind = 'pre_release'
			        AND v.reviewed_on >= l.release_date - l.pre_release_days) AS has_review
		FROM live_orders l WHERE l.custody_status = 'custody' AND l.release_date <= ?
		ORDER BY l.release_date, l.order_id`, today.AddDays(3650).Time).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	var order []string
	withIOM := 0
	for _, w := range rows {
		order = append(order, w.OrderID)
		missing := []string{}
		if !w.HasIOM {
			missing = append(missing, "iom_owner")
		} else {
			withIOM++
		}
		if !w.HasReview {
			missing = append(missing, "pre_release_review")
		}
		want[w.OrderID] = missing
	}
	if withIOM == 0 || withIOM == len(rows) {
		t.Fatalf("%d of %d orders have an IOM: the test needs some with and some without", withIOM, len(rows))
	}
	got := map[string][]string{}
	var gotOrder []string
	for _, it := range r.Items {
		gotOrder = append(gotOrder, it.OrderID)
		got[it.OrderID] = it.Missing
		if (it.Owners.IOM == nil) != slices.Contains(it.Missing, "iom_owner") {
			t.Errorf("%s: owners %+v, missing %v", it.OrderID, it.Owners, it.Missing)
		}
		if it.Ready != (len(it.Missing) == 0) {
			t.Errorf("%s: ready %v, missing %v", it.OrderID, it.Ready, it.Missing)
		}
	}
	if d := cmp.Diff(order, gotOrder); d != "" {
		t.Errorf("order (-recount +report):\n%s", d)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("missing (-recount +report):\n%s", d)
	}
}

// A subject in custody with a live order and no release date recorded
// raises no pre-release flag; the report names them so someone finds the
// date. With a date, with no live order, or of another force: not named.
func TestPreReleaseNamesCustodyWithNoReleaseDate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	held := func(serial int, force string, release *domain.Date, order bool) domain.Subject {
		t.Helper()
		sub := newSubject(t, s, serial, force, custody(release))
		if order {
			o := onDate(sub.ID, domain.NewDate(2026, 7, 1), 36)
			o.Commencement, o.StartsOn = "on_release", nil
			mustOrder(t, s, o)
		}
		return sub
	}
	unknown := held(9501, "gloucestershire", nil, true)
	held(9502, "gloucestershire", date(2027, 1, 10), true)
	held(9503, "gloucestershire", nil, false)
	held(9504, "dorset", nil, true)
	r, err := s.PreRelease(ctx, "gloucestershire", 180, today, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.NoReleaseDate; n == nil || n.Subjects != 1 || len(n.First) != 1 || n.First[0].ID != unknown.ID {
		t.Fatalf("no release date: %+v, want only %s", n, unknown.ID)
	}
	all, err := s.PreRelease(ctx, "", 180, today, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if all.NoReleaseDate.Subjects != 2 {
		t.Errorf("nationally %d with no release date, want 2", all.NoReleaseDate.Subjects)
	}
	other, err := s.PreRelease(ctx, "", 180, today.AddDays(-3), domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if other.NoReleaseDate != nil {
		t.Errorf("as of another day: %+v, want none", other.NoReleaseDate)
	}
}
