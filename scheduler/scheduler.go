// Package scheduler runs the sweep jobs on their cron schedules with
// robfig/cron: a bad schedule stops start-up, a panicking job is logged and
// runs again next time, a job still running is not started again, and
// shutdown cancels running jobs and waits for them.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"scpo/domain"
)

// Entry is one scheduled job.
type Entry struct {
	Name string
	Spec string // cron spec, five fields (an optional leading seconds field is allowed)
	// Run does the work for the tick scheduled at scheduledFor.
	Run func(ctx context.Context, scheduledFor time.Time) error
}

// parser accepts the usual five fields, an optional seconds field (tests
// tick every second) and descriptors such as @hourly.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse checks a spec, so start-up can refuse a bad one with a clear message.
func Parse(spec string) (cron.Schedule, error) {
	if strings.Contains(spec, "TZ=") {
		return nil, fmt.Errorf("%q: set the zone with SCPO_TIMEZONE, not in the schedule", spec)
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule (for example \"0 * * * *\" hourly, \"30 2 * * *\" daily at 02:30): %v", spec, err)
	}
	return s, nil
}

// Scheduler runs entries on their schedules in one zone.
type Scheduler struct {
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
}

// New parses every entry's schedule; any bad one is an error naming it.
func New(entries []Entry, loc *time.Location, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{ctx: ctx, cancel: cancel, log: log}
	cl := cronLogger{log}
	// Recover innermost: SkipIfStillRunning then sees every run finish,
	// even one that panicked, and lets the next tick through.
	s.cron = cron.New(cron.WithLocation(loc), cron.WithParser(parser), cron.WithLogger(cl),
		cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	for _, e := range entries {
		if e.Spec == "off" {
			continue
		}
		sched, err := Parse(e.Spec)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("schedule for %s: %w", e.Name, err)
		}
		s.cron.Schedule(sched, s.job(e, sched, loc))
	}
	return s, nil
}

// lastTick is the latest time at or before now that sched fires: the tick
// this run belongs to. Every replica derives the same time from the
// schedule, even one that starts the job a little late.
func lastTick(sched cron.Schedule, now time.Time) time.Time {
	tick := now.Truncate(time.Second)
	for t := sched.Next(now.Add(-time.Hour)); !t.After(now); t = sched.Next(t) {
		tick = t
	}
	return tick
}

func (s *Scheduler) job(e Entry, sched cron.Schedule, loc *time.Location) cron.Job {
	return cron.FuncJob(func() {
		if s.ctx.Err() != nil {
			return
		}
		tick := lastTick(sched, time.Now().In(loc))
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("job panicked; it will run again at its next tick", "job", e.Name,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}()
		if err := e.Run(s.ctx, tick); err != nil {
			if s.ctx.Err() != nil {
				// Stopped with the service (Stop cancels running jobs):
				// not a failure to alert on; the run is recorded as
				// interrupted and the next tick runs it again.
				s.log.Info("job stopped with the service", "job", e.Name, "scheduled_for", tick, "error", err)
				return
			}
			s.log.Error("job failed", "job", e.Name, "scheduled_for", tick, "error", err)
			return
		}
		s.log.Info("job finished", "job", e.Name, "scheduled_for", tick, "took", time.Since(start))
	})
}

// Start begins running jobs on their schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop cancels running jobs through their context and waits for them, or
// for ctx to end.
func (s *Scheduler) Stop(ctx context.Context) {
	s.cancel()
	// cron's Stop waits for the jobs it is running.
	select {
	case <-s.cron.Stop().Done():
	case <-ctx.Done():
	}
}

type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}

// Runner runs a sweep job; the store implements it.
type Runner interface {
	RunJob(ctx context.Context, job string, asOf domain.Date, scheduledFor *time.Time) (domain.JobRun, error)
}

// Defaults are the jobs' schedules unless configured: ownership hourly, the
// others daily in the small hours, lifecycle first so the others see the
// day's statuses.
var Defaults = map[string]string{
	domain.JobOwnership: "5 * * * *",
	domain.JobLifecycle: "15 2 * * *",
	domain.JobReview:    "30 2 * * *",
	domain.JobCustody:   "45 2 * * *",
}

// EnvVar names the variable that overrides a job's schedule.
func EnvVar(job string) string {
	return "SCPO_SCHEDULE_" + strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(job, "-sweep"), "-", "_"))
}

// Specs returns each job's schedule from the environment or the defaults.
func Specs(getenv func(string) string) map[string]string {
	if getenv == nil {
		getenv = os.Getenv
	}
	out := map[string]string{}
	for _, job := range domain.JobNames {
		out[job] = Defaults[job]
		if v := strings.TrimSpace(getenv(EnvVar(job))); v != "" {
			out[job] = v
		}
	}
	return out
}

// Sweeps builds the four sweep entries. Each tick runs as of its own date
// in loc; a tick another replica has taken is skipped quietly.
func Sweeps(r Runner, specs map[string]string, loc *time.Location, log *slog.Logger) []Entry {
	return ObservedSweeps(r, specs, loc, log, nil)
}

// SweepObserver is told each scheduled run (metrics): how long it took, what
// it changed, and its error (domain.ErrAlreadyRun when another replica ran it).
type SweepObserver func(job string, took time.Duration, run domain.JobRun, err error)

// ObservedSweeps is Sweeps telling observe, when set, of each run.
func ObservedSweeps(r Runner, specs map[string]string, loc *time.Location, log *slog.Logger, observe SweepObserver) []Entry {
	var out []Entry
	for _, job := range domain.JobNames {
		out = append(out, Entry{Name: job, Spec: specs[job], Run: func(ctx context.Context, tick time.Time) error {
			start := time.Now()
			run, err := r.RunJob(ctx, job, domain.DateOf(tick, loc), &tick)
			if observe != nil {
				observe(job, time.Since(start), run, err)
			}
			if errors.Is(err, domain.ErrAlreadyRun) {
				return nil
			}
			if err != nil {
				return err
			}
			if log != nil {
				log.Info("sweep", "job", job, "run_id", run.ID, "raised", run.Raised, "resolved", run.Resolved, "changed", run.Changed)
			}
			return nil
		}})
	}
	return out
}
