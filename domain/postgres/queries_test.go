package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"scpo/domain"
)

// Lists cost the same number of queries whatever the page size: terms,
// owners and flags are loaded for the whole page at once, never per order.
func TestListsCostConstantQueries(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	iom := mustOfficer(t, s, "iom@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	for i := range 60 {
		sub := newSubject(t, s, 9000+i, "gloucestershire", community())
		o := onDate(sub.ID, domain.NewDate(2026, 7, 1), 36)
		o.Terms = []domain.Term{{Category: "travel", Text: "No travel abroad."}, {Category: "items", Text: "One phone."}}
		o = mustOrder(t, s, o)
		if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerIOM, OfficerID: iom.ID,
			Reason: "allocated"}); err != nil {
			t.Fatal(err)
		}
	}
	clockOf(s).advanceTo(domain.NewDate(2027, 1, 1))
	if _, err := s.RunJob(ctx, domain.JobReview, domain.NewDate(2027, 1, 1), nil); err != nil {
		t.Fatal(err)
	}
	s.WaitAnalyses() // the run's statistics, gathered after it, are not the lists' queries

	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	cb := s.DB().Callback()
	if err := cb.Query().After("gorm:query").Register("test:count_query", count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register("test:count_row", count); err != nil {
		t.Fatal(err)
	}
	cost := func(list func(limit int) (int, error), limit int) int64 {
		t.Helper()
		queries.Store(0)
		n, err := list(limit)
		if err != nil || n != limit {
			t.Fatalf("listed %d (err %v), want %d", n, err, limit)
		}
		return queries.Load()
	}
	lists := map[string]func(limit int) (int, error){
		"orders": func(limit int) (int, error) {
			items, _, err := s.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire"}, domain.Page{Limit: limit})
			for _, o := range items {
				if len(o.Terms) != 2 || o.Owners.IOM == nil || len(o.OpenFlags) != 1 {
					return 0, fmt.Errorf("order %s loaded without its terms, owner or flag: %+v", o.ID, o)
				}
			}
			return len(items), err
		},
		"subjects": func(limit int) (int, error) {
			items, _, err := s.ListSubjects(ctx, domain.SubjectFilter{}, domain.Page{Limit: limit})
			return len(items), err
		},
		"flags": func(limit int) (int, error) {
			items, _, err := s.ListFlags(ctx, domain.FlagFilter{}, domain.Page{Limit: limit})
			return len(items), err
		},
	}
	for name, list := range lists {
		small, large := cost(list, 2), cost(list, 50)
		if small != large || small == 0 {
			t.Errorf("%s: %d queries for 2 items, %d for 50; want the same", name, small, large)
		}
	}
}

// The forces are reference data, read once per store: looking one up,
// listing them and working out a region send no statement after the first.
func TestForcesAreReadOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	first, err := s.ListForces(ctx)
	if err != nil || len(first) != 43 {
		t.Fatalf("%d forces (%v), want 43", len(first), err)
	}
	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	if err := s.DB().Callback().Row().After("gorm:row").Register("test:count_forces", count); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Callback().Query().After("gorm:query").Register("test:count_forces_q", count); err != nil {
		t.Fatal(err)
	}
	f, err := s.GetForce(ctx, "dorset")
	if err != nil || f.Region != "south-west" {
		t.Fatalf("dorset: %+v, %v", f, err)
	}
	if _, err := s.GetForce(ctx, "atlantis"); err != domain.ErrNotFound {
		t.Errorf("an unknown force: %v, want not found", err)
	}
	region, err := s.RegionForces(ctx, "dorset")
	if err != nil || len(region) < 2 || !slices.IsSorted(region) || !slices.Contains(region, "gloucestershire") {
		t.Errorf("dorset's region: %v (%v)", region, err)
	}
	again, _ := s.ListForces(ctx)
	again[0].Name = "changed by a caller"
	if third, _ := s.ListForces(ctx); third[0].Name == "changed by a caller" {
		t.Errorf("a caller's change to the list it was given reached the store's copy")
	}
	if n := queries.Load(); n != 0 {
		t.Errorf("%d statements after the forces were first read, want none", n)
	}
}
