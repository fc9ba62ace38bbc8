package demo_test

import (
	"context"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/demo"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var today = domain.NewDate(2026, 11, 25)

func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	clock := domain.FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	s, err := postgres.Open(context.Background(), pgtest.URL(t), clock, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type forceCounts struct {
	community, prison, owned, unownedCommunity int
	reviewOverdue, checkOverdue, releasePassed int
}

func countForce(t *testing.T, s *postgres.Store, force string) forceCounts {
	t.Helper()
	ctx := context.Background()
	list, next, err := s.ListOrders(ctx, domain.OrderFilter{Force: force}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Fatalf("%s: more orders than one page", force)
	}
	var c forceCounts
	for _, o := range list {
		if o.Interim {
			continue // the inspection's counts are of full orders
		}
		if o.Status != domain.StatusPending && o.Status != domain.StatusActive {
			t.Errorf("%s order %s: status %s, want pending or active", force, o.Reference, o.Status)
		}
		hasOwner := o.Owners.IOM != nil || o.Owners.LRO != nil || o.Owners.OrdersOfficer != nil
		if hasOwner {
			c.owned++
		}
		switch o.CaseType {
		case domain.CaseCommunity:
			c.community++
			if o.Status != domain.StatusActive {
				t.Errorf("%s community order %s: status %s, want active", force, o.Reference, o.Status)
			}
			if !hasOwner {
				c.unownedCommunity++
			}
		case domain.CasePrison:
			c.prison++
			if o.Status != domain.StatusPending {
				t.Errorf("%s prison order %s: status %s, want pending", force, o.Reference, o.Status)
			}
			sub, err := s.GetSubject(ctx, o.SubjectID)
			if err != nil {
				t.Fatal(err)
			}
			if sub.Custody.ReleaseDate.Before(today.Time) {
				c.releasePassed++
			}
		default:
			t.Errorf("%s order %s: case type %q", force, o.Reference, o.CaseType)
		}
		if o.NextReviewDue != nil && o.NextReviewDue.Before(today.Time) {
			c.reviewOverdue++
		}
		if o.NextCheckDue != nil && o.NextCheckDue.Before(today.Time) {
			c.checkOverdue++
		}
	}
	return c
}

func TestLoad(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()

	loaded, err := demo.Load(ctx, s, today)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !loaded {
		t.Fatal("load on an empty register reported nothing loaded")
	}

	want := map[string]forceCounts{
		"avon-and-somerset":  {community: 8, prison: 7, owned: 11, unownedCommunity: 0, reviewOverdue: 7, checkOverdue: 2},
		"devon-and-cornwall": {community: 7, prison: 0, owned: 7, unownedCommunity: 0, reviewOverdue: 0, checkOverdue: 0},
		"dorset":             {community: 13, prison: 0, owned: 0, unownedCommunity: 13, reviewOverdue: 13, checkOverdue: 3},
		"gloucestershire":    {community: 12, prison: 2, owned: 3, unownedCommunity: 9, reviewOverdue: 11, checkOverdue: 2},
		"wiltshire":          {community: 4, prison: 3, owned: 2, unownedCommunity: 2, reviewOverdue: 7, checkOverdue: 2, releasePassed: 1},
	}
	total := 0
	for force, w := range want {
		got := countForce(t, s, force)
		t.Logf("%s: %+v", force, got)
		if got != w {
			t.Errorf("%s: got %+v, want %+v", force, got, w)
		}
		total += got.community + got.prison
	}
	if total != 56 {
		t.Errorf("region has %d orders, want 56", total)
	}
	// The sweeps show the Wiltshire subject still recorded in custody after
	// the day they were due out: a date of release, not of eligibility.
	if _, err := s.RunJob(ctx, domain.JobCustody, today, nil); err != nil {
		t.Fatal(err)
	}
	passed, _, err := s.ListFlags(ctx, domain.FlagFilter{Kind: domain.FlagReleaseDatePassed, Status: "open"}, domain.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(passed) != 1 || passed[0].Force != "wiltshire" {
		t.Errorf("release_date_passed after the custody sweep: %+v, want one in Wiltshire", passed)
	}
	// And one organisation (ss.30-34) with an interim order (s.5E) made
	// nine days ago by the High Court, not yet served.
	glos, _, err := s.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire"}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var interims, convictions int
	for _, o := range glos {
		if o.Conviction != nil {
			convictions++
		}
		if !o.Interim {
			continue
		}
		interims++
		sub, err := s.GetSubject(ctx, o.SubjectID)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Kind != domain.SubjectBodyCorporate || o.CourtType != "high" || !o.MadeOn.Equal(today.AddDays(-9).Time) {
			t.Errorf("interim order %s of %s (%s)", o.Reference, sub.Name, sub.Kind)
		}
	}
	if interims != 1 || convictions != 14 {
		t.Errorf("Gloucestershire has %d interim orders and %d with a conviction, want 1 and 14", interims, convictions)
	}
	total++

	officers, _, err := s.ListOfficers(ctx, domain.OfficerFilter{}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var regional, audit int
	for _, o := range officers {
		if o.HasRole(domain.RoleRegional) {
			regional++
		}
		if o.HasRole(domain.RoleAuditor) {
			audit++
		}
	}
	if regional != 1 || audit != 1 {
		t.Errorf("got %d regional leads and %d auditors, want one of each", regional, audit)
	}

	again, err := demo.Load(ctx, s, today)
	if err != nil || again {
		t.Fatalf("second load = %v, %v; want false, nil", again, err)
	}
	after, _, err := s.ListOfficers(ctx, domain.OfficerFilter{}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(officers) {
		t.Errorf("second load changed officers from %d to %d", len(officers), len(after))
	}
	orders, _, err := s.ListOrders(ctx, domain.OrderFilter{}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != total {
		t.Errorf("second load changed orders from %d to %d", total, len(orders))
	}
}
