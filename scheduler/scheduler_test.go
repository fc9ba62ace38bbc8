package scheduler_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
	"scpo/scheduler"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// logBuffer collects a scheduler's log lines from its goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

func mustNew(t *testing.T, entries []scheduler.Entry, log *slog.Logger) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(entries, time.UTC, log)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stop(t *testing.T, s *scheduler.Scheduler) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	began := time.Now()
	s.Stop(ctx)
	return time.Since(began)
}

// counter is a Run that counts its calls.
func counter(n *atomic.Int64) func(context.Context, time.Time) error {
	return func(context.Context, time.Time) error { n.Add(1); return nil }
}

func TestParse(t *testing.T) {
	from := time.Date(2026, 11, 25, 10, 30, 1, 0, time.UTC)
	for _, c := range []struct {
		spec string
		next time.Time
	}{
		{"0 * * * *", time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)},
		{"@hourly", time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)},
		{"*/5 * * * * *", time.Date(2026, 11, 25, 10, 30, 5, 0, time.UTC)},
		{"30 2 * * *", time.Date(2026, 11, 26, 2, 30, 0, 0, time.UTC)},
		{"@daily", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
	} {
		s, err := scheduler.Parse(c.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.spec, err)
			continue
		}
		if got := s.Next(from); !got.Equal(c.next) {
			t.Errorf("Parse(%q).Next(%s) = %s, want %s", c.spec, from, got, c.next)
		}
	}
	for _, spec := range []string{"bogus", "61 * * * *", "CRON_TZ=Mars/X 0 * * * *", "TZ=Europe/London 0 * * * *",
		"", "* * *", "0 25 * * *", "@fortnightly", "off"} {
		if _, err := scheduler.Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted a bad schedule", spec)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", spec)) {
			t.Errorf("Parse(%q) error %q does not quote the spec", spec, err)
		}
	}
	// Every default schedule is a good one.
	for job, spec := range scheduler.Defaults {
		if _, err := scheduler.Parse(spec); err != nil {
			t.Errorf("default for %s: %v", job, err)
		}
	}
}

func TestNewRefusesBadSpecNamingJob(t *testing.T) {
	noop := func(context.Context, time.Time) error { return nil }
	for _, bad := range []string{"bogus", "61 * * * *", "CRON_TZ=Mars/X 0 * * * *"} {
		s, err := scheduler.New([]scheduler.Entry{
			{Name: domain.JobOwnership, Spec: "5 * * * *", Run: noop},
			{Name: domain.JobReview, Spec: bad, Run: noop},
		}, time.UTC, nil)
		if err == nil {
			s.Stop(context.Background())
			t.Errorf("New accepted spec %q", bad)
			continue
		}
		if !strings.Contains(err.Error(), domain.JobReview) {
			t.Errorf("spec %q: error %q does not name %s", bad, err, domain.JobReview)
		}
		if strings.Contains(err.Error(), domain.JobOwnership) {
			t.Errorf("spec %q: error %q names the good job", bad, err)
		}
	}
	s, err := scheduler.New([]scheduler.Entry{
		{Name: domain.JobOwnership, Spec: "off", Run: noop},
		{Name: domain.JobReview, Spec: "@hourly", Run: noop},
	}, time.UTC, nil)
	if err != nil {
		t.Fatalf("New with an entry off: %v", err)
	}
	s.Stop(context.Background())
}

func TestEnvVar(t *testing.T) {
	want := map[string]string{
		domain.JobReview:    "SCPO_SCHEDULE_REVIEW",
		domain.JobOwnership: "SCPO_SCHEDULE_OWNERSHIP",
		domain.JobCustody:   "SCPO_SCHEDULE_CUSTODY",
		domain.JobLifecycle: "SCPO_SCHEDULE_LIFECYCLE",
	}
	for job, v := range want {
		if got := scheduler.EnvVar(job); got != v {
			t.Errorf("EnvVar(%q) = %q, want %q", job, got, v)
		}
	}
	if len(want) != len(domain.JobNames) {
		t.Errorf("the test knows %d jobs, the domain %d", len(want), len(domain.JobNames))
	}
}

func TestSpecs(t *testing.T) {
	var asked []string
	got := scheduler.Specs(func(k string) string {
		asked = append(asked, k)
		if k == "SCPO_SCHEDULE_REVIEW" {
			return "  */10 * * * *  "
		}
		return ""
	})
	if len(got) != len(domain.JobNames) {
		t.Errorf("Specs gave %d jobs, want %d: %v", len(got), len(domain.JobNames), got)
	}
	for _, job := range domain.JobNames {
		want := scheduler.Defaults[job]
		if job == domain.JobReview {
			want = "*/10 * * * *"
		}
		if got[job] != want {
			t.Errorf("%s: %q, want %q", job, got[job], want)
		}
	}
	if len(asked) != len(domain.JobNames) {
		t.Errorf("looked up %v", asked)
	}
	if d := scheduler.Specs(func(string) string { return "" }); fmt.Sprint(d) != fmt.Sprint(scheduler.Defaults) {
		t.Errorf("no overrides: %v, want the defaults %v", d, scheduler.Defaults)
	}

	// Without a getenv it reads the environment.
	t.Setenv("SCPO_SCHEDULE_CUSTODY", "off")
	t.Setenv("SCPO_SCHEDULE_OWNERSHIP", "")
	env := scheduler.Specs(nil)
	if env[domain.JobCustody] != "off" || env[domain.JobOwnership] != scheduler.Defaults[domain.JobOwnership] {
		t.Errorf("from the environment: %v", env)
	}
}

// A job that panics is logged and runs again at its next tick; the other
// jobs keep ticking; an entry that is off never runs.
func TestPanickingJobDoesNotStopScheduler(t *testing.T) {
	t.Parallel()
	var calls, later, other, off atomic.Int64
	log, logs := newLog()
	s := mustNew(t, []scheduler.Entry{
		{Name: "panicky", Spec: "* * * * * *", Run: func(context.Context, time.Time) error {
			if calls.Add(1) == 1 {
				panic("boom")
			}
			later.Add(1)
			return nil
		}},
		{Name: "steady", Spec: "* * * * * *", Run: counter(&other)},
		{Name: "disabled", Spec: "off", Run: counter(&off)},
	}, log)
	s.Start()
	time.Sleep(2500 * time.Millisecond)
	stop(t, s)
	if later.Load() < 1 {
		t.Errorf("after its panic the job ran %d more times, want at least 1", later.Load())
	}
	if other.Load() < 2 {
		t.Errorf("the other job ran %d times in 2.5 s, want at least 2", other.Load())
	}
	if off.Load() != 0 {
		t.Errorf("an entry that is off ran %d times", off.Load())
	}
	if l := logs.String(); !strings.Contains(l, "job panicked") || !strings.Contains(l, "panicky") || !strings.Contains(l, "boom") {
		t.Errorf("the panic was not logged with the job and value:\n%s", l)
	}
}

// A job still running at its next tick is not started again.
func TestRunningJobNotStartedAgain(t *testing.T) {
	t.Parallel()
	var running, maxRunning, starts, ticks atomic.Int64
	s := mustNew(t, []scheduler.Entry{
		{Name: "slow", Spec: "* * * * * *", Run: func(ctx context.Context, _ time.Time) error {
			starts.Add(1)
			n := running.Add(1)
			defer running.Add(-1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			select {
			case <-time.After(2500 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		}},
		{Name: "ticker", Spec: "* * * * * *", Run: counter(&ticks)},
	}, nil)
	s.Start()
	time.Sleep(3200 * time.Millisecond)
	stop(t, s)
	if maxRunning.Load() != 1 {
		t.Errorf("at most %d runs of the job at once, want 1", maxRunning.Load())
	}
	if starts.Load() < 1 || starts.Load() >= ticks.Load() {
		t.Errorf("the slow job started %d times in %d ticks; ticks while it ran should be skipped",
			starts.Load(), ticks.Load())
	}
}

// Stop cancels a running job's context and waits for it to finish.
func TestStopCancelsAndWaits(t *testing.T) {
	t.Parallel()
	var finished atomic.Bool
	var calls atomic.Int64
	started := make(chan struct{})
	var once sync.Once
	s := mustNew(t, []scheduler.Entry{
		{Name: "waiter", Spec: "* * * * * *", Run: func(ctx context.Context, _ time.Time) error {
			calls.Add(1)
			once.Do(func() { close(started) })
			<-ctx.Done()
			time.Sleep(200 * time.Millisecond) // tidying up after cancellation
			finished.Store(true)
			return ctx.Err()
		}},
	}, nil)
	s.Start()
	select {
	case <-started:
	case <-time.After(3 * time.Second):
		stop(t, s)
		t.Fatal("the job never started")
	}
	took := stop(t, s)
	if !finished.Load() {
		t.Error("Stop returned before the running job finished")
	}
	if took > 2*time.Second {
		t.Errorf("Stop took %s; the job's context should have been cancelled at once", took)
	}
	n := calls.Load()
	time.Sleep(1200 * time.Millisecond)
	if calls.Load() != n {
		t.Errorf("the job ran %d times after Stop", calls.Load()-n)
	}
}

// Stop waits no longer than its context for a job that ignores cancellation.
func TestStopBoundedByContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	started := make(chan struct{})
	var once sync.Once
	s := mustNew(t, []scheduler.Entry{
		{Name: "stubborn", Spec: "* * * * * *", Run: func(context.Context, time.Time) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		}},
	}, nil)
	s.Start()
	select {
	case <-started:
	case <-time.After(3 * time.Second):
		t.Fatal("the job never started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	s.Stop(ctx)
	if took := time.Since(began); took < 250*time.Millisecond || took > 2*time.Second {
		t.Errorf("Stop took %s with a 300 ms deadline and a job that will not stop", took)
	}
}

// pnc makes a valid 2012 PNC ID from serial.
func pnc(serial int) string {
	return fmt.Sprintf("2012/%07d%c", serial, domain.PNCCheckLetter(12, serial))
}

// seed gives the sweeps something to do: unowned live orders, a prison
// order near release and an order near its end.
func seed(t *testing.T, s *postgres.Store) (liveOrders int) {
	t.Helper()
	ctx := context.Background()
	today := s.Today()
	subject := func(serial int, c domain.Custody) domain.Subject {
		sub, err := s.CreateSubject(ctx, domain.Subject{FirstNames: "Sched", LastName: fmt.Sprint("Subject", serial),
			DateOfBirth: domain.NewDate(1980, 5, 6), PNCID: pnc(serial), Force: "gloucestershire", Custody: c})
		if err != nil {
			t.Fatalf("create subject %s: %v", pnc(serial), err)
		}
		return sub
	}
	order := func(o domain.Order) {
		o.Reference, o.Court, o.CourtType = "T20250001", "Bristol Crown Court", "crown"
		if _, err := s.CreateOrder(ctx, o); err != nil {
			t.Fatalf("create order: %v", err)
		}
		liveOrders++
	}
	if p := pnc(345678); p != "2012/0345678U" {
		t.Fatalf("pnc helper gives %s", p)
	}
	for i := range 4 {
		sub := subject(345678+i, domain.Custody{Status: domain.CustodyCommunity})
		starts := today.AddDays(-30 * (i + 1))
		order(domain.Order{SubjectID: sub.ID, MadeOn: starts, Commencement: domain.CommenceOnDate,
			StartsOn: &starts, DurationMonths: ptr(24)})
	}
	// Ends within the expiry warning window.
	sub := subject(400001, domain.Custody{Status: domain.CustodyCommunity})
	starts := today.AddDays(-700)
	order(domain.Order{SubjectID: sub.ID, MadeOn: starts, Commencement: domain.CommenceOnDate,
		StartsOn: &starts, DurationMonths: ptr(24)})
	// In prison, released within the pre-release window.
	release := today.AddDays(60)
	sub = subject(400002, domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Bristol"),
		ReleaseDate: &release, ReleaseDateType: ptr("CRD")})
	order(domain.Order{SubjectID: sub.ID, MadeOn: today.AddDays(-100), Commencement: domain.CommenceOnRelease,
		DurationMonths: ptr(60)})
	return liveOrders
}

func ptr[T any](v T) *T { return &v }

// Two replicas' schedulers on one database: every tick of every job runs
// once, and the sweeps' work is done once.
func TestTwoSchedulersOneRunPerTick(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	var stores [2]*postgres.Store
	for i := range stores {
		st, err := postgres.Open(ctx, url, domain.SystemClock{}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	live := seed(t, stores[0])

	specs := map[string]string{}
	for _, job := range domain.JobNames {
		specs[job] = "* * * * * *"
	}
	var scheds [2]*scheduler.Scheduler
	var logs [2]*logBuffer
	for i, st := range stores {
		log, buf := newLog()
		logs[i] = buf
		s, err := scheduler.New(scheduler.Sweeps(st, specs, time.UTC, log), time.UTC, log)
		if err != nil {
			t.Fatal(err)
		}
		scheds[i] = s
	}
	scheds[0].Start()
	scheds[1].Start()
	time.Sleep(3500 * time.Millisecond)
	var wg sync.WaitGroup
	for _, s := range scheds {
		wg.Go(func() { stop(t, s) })
	}
	wg.Wait()

	for i, l := range logs {
		if strings.Contains(l.String(), "level=ERROR") {
			t.Errorf("replica %d logged errors:\n%s", i, l)
		}
	}
	db := stores[1].DB()
	type dup struct {
		Job          string
		ScheduledFor time.Time
		N            int
	}
	var dups []dup
	if err := db.Raw(`SELECT job, scheduled_for, count(*) AS n FROM job_runs
		GROUP BY job, scheduled_for HAVING count(*) > 1`).Scan(&dups).Error; err != nil {
		t.Fatal(err)
	}
	for _, d := range dups {
		t.Errorf("%s tick %s ran %d times", d.Job, d.ScheduledFor, d.N)
	}
	type perJob struct {
		Job       string
		Runs      int
		Ticks     int
		Succeeded int
		// Stopped: the last tick's run, cut short by the stop (on a busy
		// machine a run may take longer than the half second left).
		Stopped   int
		Scheduled int
		Whole     int
	}
	var rows []perJob
	if err := db.Raw(`SELECT job, count(*) AS runs, count(DISTINCT scheduled_for) AS ticks,
			count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
			count(*) FILTER (WHERE status = 'failed' AND scheduled_for = (SELECT max(l.scheduled_for) FROM job_runs l
			                                                       WHERE l.job = job_runs.job)) AS stopped,
			count(*) FILTER (WHERE trigger = 'schedule') AS scheduled,
			count(*) FILTER (WHERE scheduled_for = date_trunc('second', scheduled_for)) AS whole
		FROM job_runs GROUP BY job ORDER BY job`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[string]perJob{}
	for _, r := range rows {
		got[r.Job] = r
	}
	for _, job := range domain.JobNames {
		r := got[job]
		t.Logf("%s: %d runs, %d ticks", job, r.Runs, r.Ticks)
		if r.Runs != r.Ticks {
			t.Errorf("%s: %d runs for %d ticks", job, r.Runs, r.Ticks)
		}
		if r.Ticks < 2 {
			t.Errorf("%s: %d ticks in 3.5 s, want at least 2", job, r.Ticks)
		}
		if r.Succeeded+r.Stopped != r.Runs || r.Stopped > 1 || r.Scheduled != r.Runs || r.Whole != r.Runs {
			t.Errorf("%s: %+v; want every run a succeeded scheduled run on a whole second (the last may be stopped)", job, r)
		}
	}

	// The sweeps did their work once: one open flag per order and kind, every
	// live order (none has an owner) flagged unowned.
	var n int64
	if err := db.Raw(`SELECT count(*) FROM (SELECT 1 FROM flags WHERE resolved_at IS NULL
		GROUP BY order_id, kind HAVING count(*) > 1) d`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d orders have a flag kind open twice", n)
	}
	if err := db.Raw(`SELECT count(*) FROM flags WHERE kind = 'unowned' AND resolved_at IS NULL`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != int64(live) {
		t.Errorf("open unowned flags %d, want %d", n, live)
	}
	for _, kind := range []string{domain.FlagPreRelease, domain.FlagExpiring} {
		if err := db.Raw(`SELECT count(*) FROM flags WHERE kind = ? AND resolved_at IS NULL`, kind).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("open %s flags %d, want 1", kind, n)
		}
	}
	var raised int64
	if err := db.Raw(`SELECT coalesce(sum(raised), 0) FROM job_runs`).Scan(&raised).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT count(*) FROM flags`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if raised != n {
		t.Errorf("runs raised %d flags in all, but %d flags exist", raised, n)
	}
}
