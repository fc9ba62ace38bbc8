package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// today is the fixed date the store tests live on.
var today = domain.NewDate(2026, 11, 25)

// testClock is a store's clock that a test moves forward: a job run never
// runs ahead of today, so a test that sweeps "as of" a later day lives to it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advanceTo moves the clock to 10:00 on day, if that is later.
func (c *testClock) advanceTo(day domain.Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := day.Add(10 * time.Hour); t.After(c.now) {
		c.now = t
	}
}

// startOn sets a new store's clock to 10:00 on day, for a test whose story
// begins before the suite's today. Only at a test's start: time runs forward.
func (c *testClock) startOn(day domain.Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = day.Add(10 * time.Hour)
}

var clocks sync.Map // *postgres.Store → *testClock

func clockOf(s *postgres.Store) *testClock {
	c, _ := clocks.Load(s)
	return c.(*testClock)
}

func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	s, err := postgres.Open(context.Background(), pgtest.URL(t), clock, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	clocks.Store(s, clock)
	t.Cleanup(func() { s.Close(); clocks.Delete(s) })
	return s
}

func ptr[T any](v T) *T { return &v }

func mustSubject(t *testing.T, s *postgres.Store, pnc string, custody bool) domain.Subject {
	t.Helper()
	sub := domain.Subject{FirstNames: "Dean", LastName: "Carter", Aliases: []string{"Deano"},
		DateOfBirth: domain.NewDate(1986, 4, 2), PNCID: pnc, Force: "gloucestershire",
		Custody: domain.Custody{Status: domain.CustodyCommunity}}
	if custody {
		sub.Custody = domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Bristol"),
			ReleaseDate: ptr(domain.NewDate(2027, 3, 1)), ReleaseDateType: ptr("CRD")}
	}
	out, err := s.CreateSubject(context.Background(), sub)
	if err != nil {
		t.Fatalf("create subject: %v", err)
	}
	return out
}

func TestSubjectRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", true)
	if sub.PNCID != "2012/0345678U" {
		t.Errorf("pnc stored as %q, want long form", sub.PNCID)
	}
	got, err := s.GetSubject(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Aliases[0] != "Deano" || got.Custody.ReleaseDate.String() != "2027-03-01" || got.Version != 1 {
		t.Errorf("got %+v", got)
	}
	_, err = s.CreateSubject(ctx, domain.Subject{FirstNames: "A", LastName: "B", DateOfBirth: domain.NewDate(1990, 1, 1),
		PNCID: "2012/0345678U", Force: "dorset", Custody: domain.Custody{Status: "community"}})
	var c *domain.ConflictError
	if !errors.As(err, &c) || c.Field != "pnc_id" {
		t.Errorf("duplicate PNC: got %v, want conflict on pnc_id", err)
	}
}

// sweepAllAsOf moves s's clock to day and runs every job as of it.
func sweepAllAsOf(t *testing.T, s *postgres.Store, day domain.Date) {
	t.Helper()
	clockOf(s).advanceTo(day)
	for _, job := range domain.JobNames {
		if _, err := s.RunJob(context.Background(), job, day, nil); err != nil {
			t.Fatalf("%s as of %s: %v", job, day, err)
		}
	}
}

// dischargeOrder ends an order as discharged on day, through the store.
func dischargeOrder(t *testing.T, s *postgres.Store, id string, day domain.Date) {
	t.Helper()
	if _, err := s.UpdateOrder(context.Background(), id, nil, func(o *domain.Order, _ domain.Subject) error {
		v := &domain.ValidationError{}
		o.End("discharged", &day, ptr("Discharged on appeal."), day, v)
		return v.Err()
	}); err != nil {
		t.Fatalf("discharge order %s: %v", id, err)
	}
}
