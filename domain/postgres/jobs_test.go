package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// jobsPNC makes a valid 2016 PNC ID from serial.
func jobsPNC(serial int) string {
	return fmt.Sprintf("2016/%07d%c", serial, domain.PNCCheckLetter(16, serial))
}

// unownedOrders creates n live on-date orders, each for its own subject and
// none with an owner, so the ownership sweep flags every one.
func unownedOrders(t *testing.T, s *postgres.Store, n int) []domain.Order {
	t.Helper()
	ctx := context.Background()
	starts := domain.NewDate(2026, 6, 1)
	out := make([]domain.Order, n)
	for i := range n {
		sub, err := s.CreateSubject(ctx, domain.Subject{FirstNames: "Jobs", LastName: fmt.Sprint("Subject", i),
			DateOfBirth: domain.NewDate(1981, 2, 3), PNCID: jobsPNC(1000 + i), Force: "gloucestershire",
			Custody: domain.Custody{Status: domain.CustodyCommunity}})
		if err != nil {
			t.Fatalf("create subject %d: %v", i, err)
		}
		out[i] = sweepOrder(t, s, domain.Order{SubjectID: sub.ID, MadeOn: starts, Commencement: domain.CommenceOnDate,
			StartsOn: &starts, DurationMonths: ptr(24)})
	}
	return out
}

func jobsCount(t *testing.T, s *postgres.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Manual runs racing one another: each either runs or is refused with a
// ConflictError (409), and however they interleave every unowned order ends
// with exactly one open flag.
func TestConcurrentManualRunsNoDuplicateFlags(t *testing.T) {
	s := newStore(t)
	const orders, workers, callsEach = 30, 8, 5
	unownedOrders(t, s, orders)

	var (
		mu        sync.Mutex
		succeeded int
		refused   int
		raised    int
		unexpect  []error
		wg        sync.WaitGroup
	)
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range callsEach {
				r, err := s.RunJob(context.Background(), domain.JobOwnership, today, nil)
				mu.Lock()
				var c *domain.ConflictError
				switch {
				case err == nil:
					succeeded++
					raised += r.Raised
					if r.Status != "succeeded" || r.Trigger != "manual" || r.ScheduledFor != nil {
						unexpect = append(unexpect, fmt.Errorf("worker %d: run %+v", w, r))
					}
				case errors.As(err, &c):
					refused++
					if c.Field != "job" {
						unexpect = append(unexpect, fmt.Errorf("worker %d: conflict on %q: %v", w, c.Field, err))
					}
					if errors.Is(err, domain.ErrAlreadyRun) {
						unexpect = append(unexpect, fmt.Errorf("worker %d: a manual run got ErrAlreadyRun", w))
					}
				default:
					unexpect = append(unexpect, fmt.Errorf("worker %d: %w", w, err))
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()

	for _, err := range unexpect {
		t.Error(err)
	}
	if succeeded+refused != workers*callsEach {
		t.Errorf("succeeded %d + refused %d != %d calls", succeeded, refused, workers*callsEach)
	}
	if succeeded == 0 {
		t.Fatal("no run succeeded")
	}
	t.Logf("%d runs succeeded, %d refused while the job was running", succeeded, refused)
	if raised != orders {
		t.Errorf("raised %d across successful runs, want %d (one per order)", raised, orders)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL`); n != orders {
		t.Errorf("open unowned flags %d, want %d", n, orders)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM (SELECT order_id FROM flags WHERE kind = 'unowned'
		AND resolved_at IS NULL GROUP BY order_id HAVING count(*) <> 1) d`); n != 0 {
		t.Errorf("%d orders without exactly one open unowned flag", n)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM flags f
		WHERE f.order_id = o.id AND f.kind = 'unowned' AND f.resolved_at IS NULL)`); n != 0 {
		t.Errorf("%d orders have no open unowned flag", n)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM flags WHERE resolved_at IS NOT NULL`); n != 0 {
		t.Errorf("%d flags resolved; nothing changed between runs", n)
	}
	// A refused run is not a run: the history holds the successful ones only.
	if n := jobsCount(t, s, `SELECT count(*) FROM job_runs WHERE job = ? AND trigger = 'manual' AND status = 'succeeded'`,
		domain.JobOwnership); n != int64(succeeded) {
		t.Errorf("succeeded run rows %d, want %d", n, succeeded)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM job_runs WHERE status <> 'succeeded'`); n != 0 {
		t.Errorf("%d job runs not succeeded", n)
	}
}

// A manual run is refused while the job's lock is held elsewhere, and runs
// once it is free.
func TestManualRunRefusedWhileJobRuns(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tx := s.DB().Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "scpo:job:"+domain.JobReview).Error; err != nil {
		t.Fatal(err)
	}
	_, err := s.RunJob(ctx, domain.JobReview, today, nil)
	var c *domain.ConflictError
	if !errors.As(err, &c) {
		t.Fatalf("run while locked: got %v (%T), want a ConflictError", err, err)
	}
	// Other jobs are not held up.
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, nil); err != nil {
		t.Errorf("another job while review-sweep is locked: %v", err)
	}
	if err := tx.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunJob(ctx, domain.JobReview, today, nil); err != nil {
		t.Errorf("run after the lock is released: %v", err)
	}
}

func TestScheduledTickRunsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	unownedOrders(t, s, 2)
	tick := time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC)

	first, err := s.RunJob(ctx, domain.JobOwnership, today, &tick)
	if err != nil {
		t.Fatal(err)
	}
	if first.Trigger != "schedule" || first.ScheduledFor == nil || !first.ScheduledFor.Equal(tick) ||
		first.Status != "succeeded" || first.Raised != 2 {
		t.Errorf("first run %+v", first)
	}

	again := tick
	_, err = s.RunJob(ctx, domain.JobOwnership, today, &again)
	if !errors.Is(err, domain.ErrAlreadyRun) {
		t.Errorf("same tick again: got %v, want ErrAlreadyRun", err)
	}
	// The same instant seen in another zone is the same tick.
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	inLondon := tick.In(london)
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, &inLondon); !errors.Is(err, domain.ErrAlreadyRun) {
		t.Errorf("same instant in another zone: got %v, want ErrAlreadyRun", err)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM job_runs WHERE job = ?`, domain.JobOwnership); n != 1 {
		t.Errorf("ownership runs recorded %d, want 1", n)
	}

	// The next tick, another job on the same tick and a manual run all go ahead.
	next := tick.Add(time.Hour)
	if r, err := s.RunJob(ctx, domain.JobOwnership, today, &next); err != nil || r.Raised != 0 {
		t.Errorf("next tick: %+v, %v", r, err)
	}
	if _, err := s.RunJob(ctx, domain.JobReview, today, &tick); err != nil {
		t.Errorf("another job on the same tick: %v", err)
	}
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, nil); err != nil {
		t.Errorf("manual run after the tick: %v", err)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL`); n != 2 {
		t.Errorf("open unowned flags %d, want 2", n)
	}
}

// Two replicas (two connection pools on one database) racing for the same
// ticks: each tick runs exactly once.
func TestScheduledTickRacingReplicas(t *testing.T) {
	url := pgtest.URL(t)
	clock := domain.FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	var stores [2]*postgres.Store
	for i := range stores {
		st, err := postgres.Open(context.Background(), url, clock, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	unownedOrders(t, stores[0], 10)

	const ticks, racers = 3, 6
	type result struct {
		tick int
		run  domain.JobRun
		err  error
	}
	results := make(chan result, ticks*racers)
	var wg sync.WaitGroup
	base := time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC)
	for k := range ticks {
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := base.Add(time.Duration(k) * time.Hour)
				r, err := stores[i%2].RunJob(context.Background(), domain.JobOwnership, today, &tick)
				results <- result{k, r, err}
			}()
		}
	}
	wg.Wait()
	close(results)
	won := map[int]int{}
	raised := 0
	for r := range results {
		switch {
		case r.err == nil:
			won[r.tick]++
			raised += r.run.Raised
		case errors.Is(r.err, domain.ErrAlreadyRun):
		default:
			t.Errorf("tick %d: %v", r.tick, r.err)
		}
	}
	for k := range ticks {
		if won[k] != 1 {
			t.Errorf("tick %d ran %d times, want once", k, won[k])
		}
	}
	if raised != 10 {
		t.Errorf("raised %d, want 10", raised)
	}
	if n := jobsCount(t, stores[1], `SELECT count(*) FROM job_runs WHERE job = ? AND status = 'succeeded'`,
		domain.JobOwnership); n != ticks {
		t.Errorf("runs recorded %d, want %d", n, ticks)
	}
	if n := jobsCount(t, stores[1], `SELECT count(*) FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL`); n != 10 {
		t.Errorf("open unowned flags %d, want 10", n)
	}
}

func TestListJobRunsNewestFirstPaged(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var want []string // newest first
	for range 5 {
		r := run(t, s, domain.JobOwnership, today)
		want = append([]string{r.ID}, want...)
	}
	other := run(t, s, domain.JobReview, today)

	var got []string
	page := domain.Page{Limit: 2}
	var sizes []int
	for i := 0; ; i++ {
		if i > 5 {
			t.Fatal("paging does not end")
		}
		list, next, err := s.ListJobRuns(ctx, domain.JobOwnership, page)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(list))
		for _, r := range list {
			if r.Job != domain.JobOwnership {
				t.Errorf("listed a %s run", r.Job)
			}
			got = append(got, r.ID)
		}
		if next == "" {
			break
		}
		id, ok := domain.DecodeCursor(next)
		if !ok {
			t.Fatalf("cursor %q does not decode", next)
		}
		page.Cursor = id
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("page sizes %v, want [2 2 1]", sizes)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs listed\n %v\nwant newest first\n %v", got, want)
	}

	all, next, err := s.ListJobRuns(ctx, domain.JobOwnership, domain.Page{})
	if err != nil || next != "" || len(all) != 5 {
		t.Errorf("default page: %d runs, next %q, err %v", len(all), next, err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].StartedAt.After(all[i-1].StartedAt) {
			t.Errorf("run %d started after the one listed before it", i)
		}
	}
	if list, _, err := s.ListJobRuns(ctx, domain.JobReview, domain.Page{}); err != nil || len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("review runs %+v, %v", list, err)
	}
	if list, next, err := s.ListJobRuns(ctx, domain.JobCustody, domain.Page{}); err != nil || len(list) != 0 || next != "" {
		t.Errorf("custody runs %+v, %q, %v; want none", list, next, err)
	}
}

func TestLastJobRuns(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	last, err := s.LastJobRuns(ctx)
	if err != nil || len(last) != 0 {
		t.Fatalf("before any run: %v, %v", last, err)
	}
	var latest domain.JobRun
	for range 3 {
		latest = run(t, s, domain.JobOwnership, today)
	}
	tick := time.Date(2026, 11, 25, 2, 30, 0, 0, time.UTC)
	run(t, s, domain.JobReview, today)
	review, err := s.RunJob(ctx, domain.JobReview, today, &tick)
	if err != nil {
		t.Fatal(err)
	}
	last, err = s.LastJobRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 2 {
		t.Errorf("last runs for %d jobs, want 2: %v", len(last), last)
	}
	if got := last[domain.JobOwnership]; got.ID != latest.ID || got.Job != domain.JobOwnership {
		t.Errorf("ownership last run %+v, want %s", got, latest.ID)
	}
	got := last[domain.JobReview]
	if got.ID != review.ID || got.Trigger != "schedule" || got.ScheduledFor == nil || !got.ScheduledFor.Equal(tick) {
		t.Errorf("review last run %+v, want the scheduled run %s", got, review.ID)
	}
	if _, ok := last[domain.JobCustody]; ok {
		t.Error("custody-sweep has never run but has a last run")
	}
}

func TestUnknownJob(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tick := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if _, err := s.RunJob(ctx, "tidy-sweep", today, nil); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("manual run of an unknown job: %v, want ErrNotFound", err)
	}
	if _, err := s.RunJob(ctx, "tidy-sweep", today, &tick); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("scheduled run of an unknown job: %v, want ErrNotFound", err)
	}
	if _, _, err := s.ListJobRuns(ctx, "tidy-sweep", domain.Page{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("list runs of an unknown job: %v, want ErrNotFound", err)
	}
	if n := jobsCount(t, s, `SELECT count(*) FROM job_runs`); n != 0 {
		t.Errorf("%d runs recorded", n)
	}
}

// A manual run whose request ends before it finishes is recorded as
// failed, with nothing changed, rather than vanishing.
func TestManualRunCutShortIsRecorded(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.RunJob(ctx, domain.JobReview, today, nil); err == nil {
		t.Fatal("a run with its request gone succeeded, want an error")
	}
	runs, _, err := s.ListJobRuns(context.Background(), domain.JobReview, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != "failed" || runs[0].Error == nil ||
		!strings.Contains(*runs[0].Error, "cancelled") {
		t.Fatalf("runs %+v, want one failed run recorded as cancelled", runs)
	}
}
