package postgres

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// A sweep is a fixed handful of statements over every order, however many
// there are. Per flag kind with flags open (with none, see sweepRaiseAll):
//
//  1. diff: the orders for which the kind's rule holds (only their ids: the
//     details are not built) are set against the kind's open flags by a
//     FULL JOIN, which PostgreSQL can only run as a hash or merge join. So
//     the plan cannot collapse into a nested loop over two large sets,
//     whatever the statistics on flags say (a fresh database has none on
//     the flags its first run raised). The statement only reads, so it may
//     use both cores (the rule functions are PARALLEL SAFE, migration
//     00190); it answers the open flags whose condition is gone and the
//     orders newly flagged.
//  2. resolve: those flags, by id, in one UPDATE. A flag a change resolved
//     meanwhile keeps its own resolution, and a flag a change raised
//     meanwhile has another id.
//  3. raise: the rule is run again for the new orders only (order_id = ANY,
//     which the planner pushes into the inlined rule, as refresh.go does),
//     so details are built for the flags raised and nothing else. With
//     statistics, a few ids are probed through the orders' key and many
//     (a first run, a catch-up) make a pass over the register with the ids
//     in a hashed filter and hash joins. Rows go in in order id order, so
//     the indexes keyed on the order are written page after page. Not an
//     anti-join against flags: flags grow under that statement, and a plan
//     that rescans them per order (as it may when flags were analysed
//     empty) turns quadratic (measured: 90 s for 60,000 flags).
//
// Unowned is swept by the orders that may have moved instead (migration
// 00550, unownedRechecks): whether an order is unowned changes with a
// change to what the rule reads, which the database records, or on a day
// one of its dates passes. The diff then sets the rule for those orders
// alone against their open flags: 0.3 s a day at a million orders instead
// of 1.5. It is exact while the flags change only as the service changes
// them (a flag deleted in SQL is not raised again until its order moves);
// TestUnownedSweepRechecksMatchTheRule holds it to the rule over every
// order.
//
// Statistics: a sweep first has scpo_analyze (migration 00140) analyse,
// from a small sample, the tables nobody has analysed or that changed a
// lot since, so it does not plan a whole register as a handful of rows.
// Once it has ended, those tables, and after a run that raised or resolved
// many flags the tables it changed, are analysed in full outside the run
// and its lock (analyseAfter): the next run and every reader plan with the
// new rows counted, and the run is not held up by it (0.9 s of a first
// review sweep's 4.4 at 100,000 orders).
const sweepDiffSQL = `
SELECT coalesce(array_agg(o.id) FILTER (WHERE c.order_id IS NULL), '{}')::text[] AS resolve,
       coalesce(array_agg(c.order_id ORDER BY c.order_id) FILTER (WHERE o.id IS NULL), '{}')::text[] AS raise
FROM (SELECT r.order_id FROM %[1]s(@as_of) r WHERE %[2]s) c
FULL JOIN (SELECT f.id, f.order_id FROM flags f WHERE f.kind = @kind AND f.resolved_at IS NULL AND %[3]s) o
    ON o.order_id = c.order_id
WHERE c.order_id IS NULL OR o.id IS NULL`

// The diff's filters: every order, or (unownedRechecks) the orders a run
// rechecks.
const (
	diffEvery   = "true"
	diffRuleIDs = "r.order_id = ANY (CAST(@ids AS uuid[]))"
	diffFlagIDs = "f.order_id = ANY (CAST(@ids AS uuid[]))"
)

// unownedRechecksSQL takes the orders whose unowned answer may have moved
// since the previous run: those a change marked (migration 00550), and
// those one of whose dates, or one of whose owners', fell between the two
// runs' days, or since, up to today: a change as of today (its refresh)
// may have settled a flag for a day a run as of an earlier one has not
// reached. Each window reaches a day beyond them on either side (@from
// is the day before the previous run's, @to the day after the later of
// this run's and today), so no zone or boundary (a date counts from its
// day, an assignment from its instant) is missed; an order taken twice
// is rechecked once. The rows are taken before the rule is run, so a
// change committed after they were read stays for the next run. At most
// @limit ids are answered, but every mark is taken: a DELETE in WITH runs
// to its end whatever the query reads of it.
const unownedRechecksSQL = `
WITH taken AS (DELETE FROM unowned_rechecks RETURNING order_id),
ids AS (
    SELECT order_id FROM taken
    UNION SELECT id FROM orders WHERE made_on BETWEEN CAST(@from AS date) AND CAST(@to AS date)
    UNION SELECT id FROM orders WHERE ended_on BETWEEN CAST(@from AS date) AND CAST(@to AS date)
    UNION SELECT id FROM orders WHERE status IN ('active', 'pending') AND NOT extension_pending
        AND coalesce(extended_to, ends_on) BETWEEN CAST(@from AS date) AND CAST(@to AS date)
    UNION SELECT id FROM orders WHERE status = 'expired' AND NOT extension_pending
        AND coalesce(extended_to, ends_on) BETWEEN CAST(@from AS date) AND CAST(@to AS date)
    UNION SELECT order_id FROM owner_assignments
        WHERE assigned_at >= scpo_day_end(CAST(@from AS date) - 1) AND assigned_at < scpo_day_end(CAST(@to AS date))
    UNION SELECT order_id FROM owner_assignments
        WHERE ended_at >= scpo_day_end(CAST(@from AS date) - 1) AND ended_at < scpo_day_end(CAST(@to AS date)))
SELECT coalesce(array_agg(order_id), '{}')::text[] AS ids FROM (SELECT order_id FROM ids LIMIT @limit) x`

// unownedRecheckMax is the most orders a run rechecks one by one; past it
// (a load of orders, the first run after migration 00550) the rule is set
// against every open flag instead, which takes the same time for any
// number (1.5 s at a million orders).
const unownedRecheckMax = 50_000

func (s *Store) recheckMax() int {
	if s.unownedRecheckMax > 0 {
		return s.unownedRecheckMax
	}
	return unownedRecheckMax
}

const sweepResolveSQL = `
UPDATE flags SET resolved_at = @now, resolved_by_run = @run
WHERE id = ANY (CAST(@ids AS uuid[])) AND resolved_at IS NULL`

// sweepRaiseSQL raises the kind (%[1]s, its rule) on the orders the
// filter (%[2]s) keeps: the ids a diff found, or every order the rule holds
// for (sweepRaiseAll). No ON CONFLICT: the run holds flagsLock alone from
// its first statement, so no change raises a flag while it runs, and the
// diff (or the check that none is open) was made under that lock. The
// speculative insertion ON CONFLICT does cost a fifth of a first run's
// writing (0.2 s of 1.0 for 59,601 review_overdue flags at 100,000
// orders); a duplicate would now fail the run loudly rather than pass.
const sweepRaiseSQL = `
WITH raised AS (
    INSERT INTO flags (kind, order_id, subject_id, force, case_type, raised_at, raised_by_run, details)
    SELECT @kind, c.order_id, c.subject_id, c.force, c.case_type, @now, @run, c.details
    FROM %[1]s(@as_of) c
    WHERE %[2]s
    ORDER BY c.order_id
    RETURNING order_id, kind)` + flagEventsSQL + `
SELECT count(*) FROM raised`

const (
	sweepRaiseIDs = "c.order_id = ANY (CAST(@ids AS uuid[]))"
	// sweepRaiseAll is for a kind with no open flag (a register's first
	// sweep, or every flag of the kind resolved): there is nothing to set
	// the rule against, so the rule runs once, with the plan the diff
	// would get, instead of a diff and then again for the ids it found (at
	// a million orders, 600,000 ids filtered through the orders' key and
	// planned as a constant array). No change raises one meanwhile: the
	// run holds flagsLock alone.
	sweepRaiseAll = "true"
)

// manyChanged is the number of flags raised and resolved (or orders
// changed) by a run above which what it changed is analysed after it
// commits (analyseAfter).
const manyChanged = 10000

// sweepStatementTimeout bounds each statement of a run, so a plan gone
// wrong fails the run (recorded, the lock released) instead of holding the
// job's lock for minutes while every later tick is skipped. At a million
// live orders the slowest statement of the first catch-up takes seconds.
var sweepStatementTimeout = 2 * time.Minute

// sweepKind settles one flag kind's flags as of asOf in tx: it resolves the
// open flags whose condition no longer holds and raises those newly true.
func (s *Store) sweepKind(tx *gorm.DB, kind string, asOf domain.Date, now time.Time, runID string) (raised, resolved int, err error) {
	args := map[string]any{"as_of": asOf.Time, "now": now, "run": runID, "kind": kind}
	// The orders to recheck, when the kind is swept by them (unowned) and
	// not every order is to be checked.
	every, recheck := true, []string(nil)
	if kind == domain.FlagUnowned {
		if recheck, every, err = unownedRechecks(tx, latest(asOf, s.Today()), s.recheckMax()); err != nil {
			return 0, 0, err
		}
	}
	// Whether any flag of the kind is open, read from the front of the
	// kind's range of flags_one_open. Not EXISTS: PostgreSQL drops an
	// EXISTS subquery's ORDER BY and, expecting a match within a few rows,
	// read the flags in table order, where a kind raised in bulk sits
	// behind all those raised before it: up to 0.2 s a kind at a million
	// orders, three times in a day's sweeps.
	var open bool
	if err := tx.Raw(`SELECT (SELECT order_id FROM flags WHERE kind = @kind AND resolved_at IS NULL
		ORDER BY order_id LIMIT 1) IS NOT NULL`, args).
		Scan(&open).Error; err != nil {
		return 0, 0, err
	}
	if !open && every {
		if err := tx.Raw(fmt.Sprintf(sweepRaiseSQL, flagRules[kind], sweepRaiseAll), args).Scan(&raised).Error; err != nil {
			return 0, 0, err
		}
		return raised, 0, nil
	}
	var diff struct {
		Resolve textArray
		Raise   textArray
	}
	q := fmt.Sprintf(sweepDiffSQL, flagRules[kind], diffEvery, diffEvery)
	if !every {
		if len(recheck) == 0 {
			return 0, 0, nil
		}
		args["ids"] = textArray(recheck)
		q = fmt.Sprintf(sweepDiffSQL, flagRules[kind], diffRuleIDs, diffFlagIDs)
	}
	if err := tx.Raw(q, args).Scan(&diff).Error; err != nil {
		return 0, 0, err
	}
	if len(diff.Resolve) > 0 {
		args["ids"] = diff.Resolve
		res := tx.Exec(sweepResolveSQL, args)
		if res.Error != nil {
			return 0, 0, res.Error
		}
		resolved = int(res.RowsAffected)
	}
	if len(diff.Raise) == 0 {
		return 0, resolved, nil
	}
	args["ids"] = diff.Raise
	if err := tx.Raw(fmt.Sprintf(sweepRaiseSQL, flagRules[kind], sweepRaiseIDs), args).Scan(&raised).Error; err != nil {
		return 0, 0, err
	}
	return raised, resolved, nil
}

// latest is the later of two days.
func latest(a, b domain.Date) domain.Date {
	if a.After(b.Time) {
		return a
	}
	return b
}

// unownedRechecks takes the orders to recheck for unowned since the
// ownership sweep's previous run up to upTo, or says every order is to be
// checked: there was no previous run, or more orders changed than is worth
// rechecking one by one. Either way the marks are taken, so they count
// once. No run is ever made as of a day before the previous one's.
func unownedRechecks(tx *gorm.DB, upTo domain.Date, most int) (ids []string, every bool, err error) {
	since, err := lastRunDay(tx, domain.JobOwnership)
	if err != nil {
		return nil, false, err
	}
	if since == nil {
		// After scpod generate a million marks: emptied at once, not row
		// by row (0.7 s). The table's lock waits for the changes that
		// marked it to commit (each is then in what the rule reads) and
		// keeps those after waiting until the run commits.
		return nil, true, tx.Exec(`TRUNCATE unowned_rechecks`).Error
	}
	var got struct{ IDs textArray }
	if err := tx.Raw(unownedRechecksSQL, map[string]any{"from": since.AddDays(-1).Time, "to": upTo.AddDays(1).Time,
		"limit": most + 1}).
		Scan(&got).Error; err != nil {
		return nil, false, err
	}
	if len(got.IDs) > most {
		return nil, true, nil
	}
	return got.IDs, false, nil
}

// flagRules names each kind's rule function; only these names reach SQL.
var flagRules = map[string]string{
	domain.FlagUnowned:           "flag_unowned",
	domain.FlagReviewOverdue:     "flag_review_overdue",
	domain.FlagCheckOverdue:      "flag_check_overdue",
	domain.FlagPreRelease:        "flag_pre_release",
	domain.FlagReleaseDatePassed: "flag_release_date_passed",
	domain.FlagExpiring:          "flag_expiring",
	domain.FlagOwnerAbsent:       "flag_owner_absent",
	domain.FlagNotServed:         "flag_not_served",
	domain.FlagActionOverdue:     "flag_action_overdue",
	domain.FlagInterimUnserved:   "flag_interim_unserved",
	domain.FlagEMEnding:          "flag_em_ending",
}

type runRow struct {
	ID           string
	Job          string
	Trigger      string
	ScheduledFor *time.Time
	AsOf         time.Time
	Status       string
	Raised       int
	Resolved     int
	Changed      int
	Error        *string
	StartedAt    time.Time
	FinishedAt   *time.Time
	// RoughlyAnalysed names the tables the run analysed from a small
	// sample before it began (see sweep), to be analysed in full after.
	RoughlyAnalysed textArray `gorm:"-"`
}

func (r runRow) domain() domain.JobRun {
	run := domain.JobRun{ID: r.ID, Job: r.Job, Trigger: r.Trigger, AsOf: domain.AsDate(r.AsOf), Status: r.Status,
		Raised: r.Raised, Resolved: r.Resolved, Changed: r.Changed, Error: r.Error, StartedAt: r.StartedAt.UTC()}
	if r.ScheduledFor != nil {
		t := r.ScheduledFor.UTC()
		run.ScheduledFor = &t
	}
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		run.FinishedAt = &t
	}
	return run
}

// errJobBusy is what a manual run gets while the job runs elsewhere.
var errJobBusy = domain.Conflict("job", "the job is already running; try again when it finishes")

// RunJob runs one job in one transaction. A transaction-scoped advisory
// lock per job keeps two runs of a job apart across replicas; the run row,
// unique per job and scheduled time, makes each scheduled tick run once.
func (s *Store) RunJob(ctx context.Context, job string, asOf domain.Date, scheduledFor *time.Time) (domain.JobRun, error) {
	kinds, ok := domain.JobFlags[job]
	if !ok {
		return domain.JobRun{}, domain.ErrNotFound
	}
	if err := domain.CheckRunDate(asOf, s.Today()); err != nil {
		return domain.JobRun{}, err
	}
	trigger := "manual"
	if scheduledFor != nil {
		trigger = "schedule"
	}
	startedBy := actorID(ctx)
	run := runRow{ID: newID(), Job: job, Trigger: trigger, ScheduledFor: scheduledFor, AsOf: asOf.Time,
		Status: "succeeded", StartedAt: s.now()}
	err := s.tx(sweeping(ctx), func(tx *gorm.DB) error {
		var got bool
		if scheduledFor != nil {
			// A scheduled tick waits its turn behind a manual run.
			if err := tx.Exec(`SET LOCAL lock_timeout = '10min'`).Error; err != nil {
				return err
			}
			if err := tx.Raw(`SELECT true FROM (SELECT pg_advisory_xact_lock(hashtext(?))) l`, "scpo:job:"+job).Scan(&got).Error; err != nil {
				return err
			}
		} else if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext(?))`, "scpo:job:"+job).Scan(&got).Error; err != nil {
			return err
		} else if !got {
			return errJobBusy
		}
		domain.Note(ctx, "job_run", run.ID)
		if err := checkRunAfter(tx, job, asOf); err != nil {
			return err
		}
		if err := prepareSweep(tx, s.zoneName()); err != nil {
			return err
		}
		// A tick another replica ran is taken; one whose run failed (or was
		// cut short by a shutdown) is run again by whoever comes next.
		var taken []string
		if err := tx.Raw(`INSERT INTO job_runs (id, job, trigger, scheduled_for, as_of, status, started_by, started_at)
			VALUES (?, ?, ?, ?, ?, 'running', ?, ?)
			ON CONFLICT (job, scheduled_for) DO UPDATE SET status = 'running', error = NULL, finished_at = NULL,
				as_of = EXCLUDED.as_of, started_at = EXCLUDED.started_at
			WHERE job_runs.status = 'failed'
			RETURNING id`, run.ID, job, trigger, scheduledFor, asOf.Time, startedBy, run.StartedAt).Scan(&taken).Error; err != nil {
			return err
		}
		if len(taken) == 0 {
			return domain.ErrAlreadyRun
		}
		run.ID = taken[0]
		return s.sweep(tx, job, kinds, &run)
	})
	if err == nil {
		s.analyseAfter(run)
		return run.domain(), nil
	}
	var conflict *domain.ConflictError
	var invalid *domain.ValidationError
	if errors.As(err, &conflict) || errors.Is(err, domain.ErrAlreadyRun) || (errors.As(err, &invalid) && scheduledFor == nil) {
		return domain.JobRun{}, err
	}
	// The sweep rolled back; record the failure in a transaction of its own
	// so the run history shows it, a manual run cut short by its request
	// included, and a tick that came after a later run (see CheckRunAfter).
	msg := "the job failed; see the service log"
	if invalid != nil {
		msg = "not run: " + invalid.Errors[0].Message
	} else if ctx.Err() != nil {
		msg = "the job was cancelled before it finished (the request or the service ended); nothing was changed"
	}
	finished := s.now()
	run.Status, run.Error, run.FinishedAt, run.Raised, run.Resolved, run.Changed = "failed", &msg, &finished, 0, 0, 0
	s.analyseAfter(run)
	_ = s.db.WithContext(context.WithoutCancel(ctx)).Exec(`INSERT INTO job_runs
		(id, job, trigger, scheduled_for, as_of, status, error, started_by, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?) ON CONFLICT (job, scheduled_for) DO NOTHING`,
		run.ID, job, trigger, scheduledFor, asOf.Time, msg, startedBy, run.StartedAt, finished).Error
	return run.domain(), err
}

// prepareSweep sets a sweep transaction up. Sweeps are a few large
// statements: JIT compilation costs more than it saves here, and their
// sorts and hashes of up to a million order ids (about 60 MB) fit in
// memory with more than the default (at 32 MB they spilled to disk).
// Statements are planned for their actual arguments: a generic plan of the
// raise, cached on the connection after a few daily runs with a handful of
// ids, would probe a catch-up's 600,000 ids one by one. Passing a row from
// a parallel worker is costed at a tenth of the default: a rule's scan of
// the orders and their custody, gathered from two workers into the
// leader's joins, then counts as the gain it is (at a million orders the
// two largest rules take 1.3 and 1.7 s instead of 2.3 and 2.7). Every statement is bounded (see
// sweepStatementTimeout). The day's end is taken in the service's zone
// (see migration 00060).
func prepareSweep(tx *gorm.DB, zone string) error {
	if err := tx.Exec(`SET LOCAL jit = off; SET LOCAL work_mem = '128MB'; SET LOCAL plan_cache_mode = force_custom_plan;
		SET LOCAL parallel_tuple_cost = 0.01`).Error; err != nil {
		return err
	}
	return tx.Exec(`SELECT set_config('statement_timeout', ?, true), set_config('scpo.timezone', ?, true)`,
		strconv.FormatInt(sweepStatementTimeout.Milliseconds(), 10), zone).Error
}

// sweep runs job's work in tx, which holds the job's lock and has the run's
// row (status running), and records the run as succeeded. Holding the
// lock, it knows no other run of the job is alive: a row still running is
// one a stopped process left behind, and is recorded as failed.
func (s *Store) sweep(tx *gorm.DB, job string, kinds []string, run *runRow) error {
	// Holding the job's lock, the run waits for the changes under way and
	// keeps new ones waiting until it commits (see flagsLock).
	if err := sweepLock(tx); err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE job_runs SET status = 'failed', finished_at = ?,
		error = 'the run was interrupted before it finished (its service, or its connection to the database, stopped); nothing was changed'
		WHERE job = ? AND status = 'running' AND id <> ?`, s.now(), job, run.ID).Error; err != nil {
		return err
	}
	// The run's statements need row counts and rough distributions, not
	// fine ones: what is stale is analysed here from a tenth of the usual
	// sample (at 100,000 fresh orders 0.14 s instead of 0.77), and again
	// in full once the run has committed (analyseAfter).
	if err := tx.Exec(`SET LOCAL default_statistics_target = 10`).Error; err != nil {
		return err
	}
	var analysed struct{ Tables textArray } // a slice destination would be read as rows
	if err := tx.Raw(`SELECT scpo_analyze() AS tables`).Scan(&analysed).Error; err != nil {
		return err
	}
	run.RoughlyAnalysed = analysed.Tables
	if err := tx.Exec(`SET LOCAL default_statistics_target TO DEFAULT`).Error; err != nil {
		return err
	}
	asOf := domain.AsDate(run.AsOf)
	if job == domain.JobLifecycle {
		changed, resolved, err := s.lifecycle(tx, asOf, run.ID)
		if err != nil {
			return err
		}
		run.Changed, run.Resolved = changed, resolved
	}
	// Kinds are settled in name order: each statement's trigger adds to
	// force_counts rows in (force, 'flag:'||kind) order (force_counts_add)
	// and holds them to the commit, so a change that settles two kinds on
	// one force in one statement takes them in the same order as the run
	// and waits for it, instead of each holding the row the other wants.
	for _, kind := range slices.Sorted(slices.Values(kinds)) {
		raised, resolved, err := s.sweepKind(tx, kind, asOf, run.StartedAt, run.ID)
		if err != nil {
			return err
		}
		run.Raised += raised
		run.Resolved += resolved
	}
	finished := s.now()
	run.FinishedAt = &finished
	return tx.Exec(`UPDATE job_runs SET status = 'succeeded', raised = ?, resolved = ?, changed = ?, finished_at = ?
		WHERE id = ?`, run.Raised, run.Resolved, run.Changed, finished, run.ID).Error
}

// StartJob starts a manual run that goes on without its request (see
// domain.Sweeps). The run holds one connection of the pool throughout, and
// on it a session advisory lock on the job (the lock a scheduled run takes
// per transaction, so the two still exclude each other across replicas):
// first a short transaction records the run as running, visible to GET
// /jobs/{name}/runs/{id} at once, with the request's audit entry and
// Idempotency-Key; then the sweep's own transaction does the work and
// records the outcome. The lock is released, or the connection discarded,
// at the end. Close cancels a run still going, which is recorded as failed.
func (s *Store) StartJob(ctx context.Context, job string, asOf domain.Date) (domain.JobRun, <-chan domain.JobOutcome, error) {
	kinds, ok := domain.JobFlags[job]
	if !ok {
		return domain.JobRun{}, nil, domain.ErrNotFound
	}
	if err := domain.CheckRunDate(asOf, s.Today()); err != nil {
		return domain.JobRun{}, nil, err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return domain.JobRun{}, nil, err
	}
	// The run's own context: the request's values (who runs it) without its
	// end, and without its audit entry and key, which the first transaction
	// takes; cancelled only by Close.
	runCtx, cancel := context.WithCancel(domain.WithIdempotency(domain.WithAudit(context.WithoutCancel(ctx), nil), nil))
	stop := context.AfterFunc(s.runsStop, cancel)
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		stop()
		cancel()
		return domain.JobRun{}, nil, err
	}
	release := func(locked bool) {
		if locked {
			if _, err := conn.ExecContext(context.WithoutCancel(runCtx), `SELECT pg_advisory_unlock(hashtext($1))`,
				"scpo:job:"+job); err != nil {
				// A connection that may still hold the lock never goes back.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
		conn.Close()
		stop()
		cancel()
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, "scpo:job:"+job).Scan(&got); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		release(false)
		return domain.JobRun{}, nil, err
	}
	if !got {
		release(false)
		return domain.JobRun{}, nil, errJobBusy
	}
	db := s.db.WithContext(runCtx)
	db.Statement.ConnPool = conn
	run := runRow{ID: newID(), Job: job, Trigger: "manual", AsOf: asOf.Time, Status: "running", StartedAt: s.now()}
	err = s.txOn(ctx, db, func(tx *gorm.DB) error {
		domain.Note(ctx, "job_run", run.ID)
		if err := checkRunAfter(tx, job, asOf); err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO job_runs (id, job, trigger, as_of, status, started_by, started_at)
			VALUES (?, ?, 'manual', ?, 'running', ?, ?)`, run.ID, job, asOf.Time, actorID(ctx), run.StartedAt).Error
	})
	if err != nil {
		release(true)
		return domain.JobRun{}, nil, err
	}
	started := run.domain()
	done := make(chan domain.JobOutcome, 1)
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		err := s.txOn(sweeping(runCtx), db, func(tx *gorm.DB) error {
			if err := prepareSweep(tx, s.zoneName()); err != nil {
				return err
			}
			run.Status = "succeeded"
			return s.sweep(tx, job, kinds, &run)
		})
		if err == nil {
			s.analyseAfter(run)
		} else {
			msg := "the job failed; see the service log"
			if runCtx.Err() != nil {
				msg = "the job was cancelled before it finished (the service stopped); nothing was changed"
			}
			finished := s.now()
			run.Status, run.Error, run.FinishedAt, run.Raised, run.Resolved, run.Changed = "failed", &msg, &finished, 0, 0, 0
			s.analyseAfter(run)
			_ = db.WithContext(context.WithoutCancel(runCtx)).Exec(`UPDATE job_runs SET status = 'failed', error = ?,
				finished_at = ? WHERE id = ?`, msg, finished, run.ID).Error
		}
		// The job is free again before anyone hears the run has ended.
		release(true)
		done <- domain.JobOutcome{Run: run.domain(), Err: err}
	}()
	return started, done, nil
}

// checkRunAfter refuses, in a transaction holding the job's lock, a run as
// of a day before the job's latest successful run.
func checkRunAfter(tx *gorm.DB, job string, asOf domain.Date) error {
	last, err := lastRunDay(tx, job)
	if err != nil {
		return err
	}
	return domain.CheckRunAfter(asOf, last)
}

// lastRunDay is the day of the job's latest successful run, if any (a run
// under way is not yet one).
func lastRunDay(tx *gorm.DB, job string) (*domain.Date, error) {
	return scanDay(tx, `SELECT max(as_of) FROM job_runs WHERE job = ? AND status = 'succeeded'`, job)
}

// GetJobRun reads one run of job.
func (s *Store) GetJobRun(ctx context.Context, job, id string) (domain.JobRun, error) {
	if _, ok := domain.JobFlags[job]; !ok || !isUUID(id) {
		return domain.JobRun{}, domain.ErrNotFound
	}
	var rows []runRow
	if err := s.db.WithContext(ctx).Table("job_runs").Where("job = ? AND id = ?", job, id).Find(&rows).Error; err != nil {
		return domain.JobRun{}, err
	}
	if len(rows) == 0 {
		return domain.JobRun{}, domain.ErrNotFound
	}
	return rows[0].domain(), nil
}

// changedTables names the tables to analyse after a run has committed:
// those it analysed roughly before it began, flags and the outbox events
// written with the flags raised when it raised or resolved many, orders
// when the lifecycle moved many.
func changedTables(run runRow) textArray {
	out := slices.Clone(run.RoughlyAnalysed)
	if run.Raised+run.Resolved > manyChanged {
		out = append(out, "flags", "notification_events")
	}
	if run.Changed > manyChanged {
		out = append(out, "orders")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// analyseAfter has analysed in full, in the background on a connection of
// the pool, the tables a run analysed roughly before it began and, when it
// committed, those it changed a lot. It is called for a failed run too:
// its rough statistics were rolled back, but the analysis still counted as
// done (PostgreSQL does not roll back its change counters), so neither the
// next run nor autovacuum would look at those tables again soon. Another
// analysis under way (scpo_analyze takes a lock and skips when it cannot)
// is waited out, up to analyseAfterPatience; only the store closing cuts it
// short.
func (s *Store) analyseAfter(run runRow) {
	tables := changedTables(run)
	if len(tables) == 0 || s.runsStop.Err() != nil {
		return
	}
	s.analyses.Add(1)
	go func() {
		defer s.analyses.Done()
		wait := 250 * time.Millisecond
		for give := time.Now().Add(analyseAfterPatience); ; {
			var done struct{ Tables textArray }
			err := s.db.WithContext(s.runsStop).Raw(`SELECT scpo_analyze(?) AS tables`, tables).Scan(&done).Error
			switch {
			case s.runsStop.Err() != nil:
				return
			case err != nil:
				slog.Warn("analysing after a sweep", "tables", []string(tables), "error", err)
				return
			case len(done.Tables) > 0:
				return
			case time.Now().After(give):
				slog.Warn("analysing after a sweep: another analysis held the lock throughout; left to the next run and autovacuum",
					"tables", []string(tables))
				return
			}
			select {
			case <-s.runsStop.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, 10*time.Second)
		}
	}()
}

// analyseAfterPatience bounds how long analyseAfter waits its turn.
const analyseAfterPatience = 10 * time.Minute

const previewFlagSQL = `
WITH cond AS MATERIALIZED (SELECT c.order_id FROM %s(@as_of) c),
open AS MATERIALIZED (SELECT f.order_id FROM flags f WHERE f.kind = @kind AND f.resolved_at IS NULL)
SELECT count(c.order_id) FILTER (WHERE o.order_id IS NULL) AS raised,
       count(o.order_id) FILTER (WHERE c.order_id IS NULL) AS resolved
FROM cond c FULL JOIN open o ON o.order_id = c.order_id`

// zoneName is the service's zone as PostgreSQL names it, or "" (the
// database's default, Europe/London) for the process's local zone.
func (s *Store) zoneName() string {
	if s.loc == nil || s.loc == time.Local || s.loc.String() == "Local" {
		return ""
	}
	return s.loc.String()
}

// sqlZone is the zone days are taken in within SQL: the service's, else
// the database's default.
func (s *Store) sqlZone() string {
	if z := s.zoneName(); z != "" {
		return z
	}
	return "Europe/London"
}

// PreviewJob works out what a run of job as of asOf would change, in a
// read-only transaction: it cannot write, and takes no lock a run needs.
func (s *Store) PreviewJob(ctx context.Context, job string, asOf domain.Date) (domain.JobPreview, error) {
	kinds, ok := domain.JobFlags[job]
	if !ok {
		return domain.JobPreview{}, domain.ErrNotFound
	}
	out := domain.JobPreview{Job: job, AsOf: asOf, Flags: map[string]domain.FlagCounts{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION READ ONLY`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SET LOCAL jit = off; SET LOCAL work_mem = '128MB'; SET LOCAL plan_cache_mode = force_custom_plan;
		SET LOCAL parallel_tuple_cost = 0.01`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SELECT set_config('scpo.timezone', ?, true)`, s.zoneName()).Error; err != nil {
			return err
		}
		if job == domain.JobLifecycle {
			var n struct{ Started, Expired int }
			if err := tx.Raw(`SELECT count(*) FILTER (WHERE status = 'pending' AND starts_on <= @as_of) AS started,
				count(*) FILTER (WHERE NOT extension_pending AND coalesce(extended_to, ends_on) < @as_of) AS expired
				FROM orders WHERE status IN ('pending', 'active')`, map[string]any{"as_of": asOf.Time}).Scan(&n).Error; err != nil {
				return err
			}
			out.Started, out.Expired, out.Changed = n.Started, n.Expired, n.Started+n.Expired
		}
		for _, kind := range kinds {
			var n domain.FlagCounts
			if err := tx.Raw(fmt.Sprintf(previewFlagSQL, flagRules[kind]), map[string]any{"as_of": asOf.Time, "kind": kind}).
				Scan(&n).Error; err != nil {
				return err
			}
			out.Flags[kind] = n
			out.Raised += n.Raised
			out.Resolved += n.Resolved
		}
		return nil
	})
	return out, err
}

// lifecycle moves orders through their dates as of asOf and clears the
// flags of orders that have ended.
func (s *Store) lifecycle(tx *gorm.DB, asOf domain.Date, runID string) (changed, resolved int, err error) {
	now := s.now()
	activated := tx.Exec(`UPDATE orders SET status = 'active', version = version + 1, updated_at = ?
		WHERE status = 'pending' AND starts_on <= ?`, now, asOf.Time)
	if activated.Error != nil {
		return 0, 0, activated.Error
	}
	// An order past its end date expires; so does one still pending on a
	// release that has not come by then: it can never come into force.
	// Ending an order ends every flag's condition on it but one, so its
	// open flags are resolved here, as every other change that ends an
	// order does in its own transaction (by id: looking for ended orders
	// with open flags read every order, 0.2 s a day at a million). The one
	// is extension_to_settle: an order charged past its end expires the day
	// after the charge's outcome, and the end the court settled is still to
	// be recorded (migration 00370).
	var ended struct{ Expired textArray }
	if err := tx.Raw(`WITH e AS (UPDATE orders SET status = 'expired', version = version + 1, updated_at = ?
		WHERE status IN ('active', 'pending') AND NOT extension_pending AND coalesce(extended_to, ends_on) < ?
		RETURNING id) SELECT coalesce(array_agg(id), '{}')::text[] AS expired FROM e`, now, asOf.Time).Scan(&ended).Error; err != nil {
		return 0, 0, err
	}
	expired := ended.Expired
	var cleared int64
	if len(expired) > 0 {
		res := tx.Exec(`UPDATE flags SET resolved_at = ?, resolved_by_run = ?
			WHERE order_id = ANY (CAST(? AS uuid[])) AND resolved_at IS NULL AND kind <> ?`,
			now, runID, expired, domain.FlagExtensionToSettle)
		if res.Error != nil {
			return 0, 0, res.Error
		}
		cleared = res.RowsAffected
	}
	return int(activated.RowsAffected) + len(expired), int(cleared), nil
}

// ListJobRuns lists a job's runs, newest first.
func (s *Store) ListJobRuns(ctx context.Context, job string, p domain.Page) ([]domain.JobRun, string, error) {
	if _, ok := domain.JobFlags[job]; !ok {
		return nil, "", domain.ErrNotFound
	}
	q := s.db.WithContext(ctx).Table("job_runs").Where("job = ?", job)
	if p.Cursor != "" {
		q = q.Where("id < ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []runRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.JobRun, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return pageOf(out, limit, func(r domain.JobRun) string { return r.ID })
}

// LastJobRuns returns each job's latest run.
func (s *Store) LastJobRuns(ctx context.Context) (map[string]domain.JobRun, error) {
	var rows []runRow
	if err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT ON (job) * FROM job_runs ORDER BY job, id DESC`).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]domain.JobRun{}
	for _, r := range rows {
		out[r.Job] = r.domain()
	}
	return out, nil
}

type flagRow struct {
	ID            string
	Kind          string
	OrderID       string
	SubjectID     string
	SubjectName   string
	Reference     string
	Force         string
	CaseType      string
	RaisedAt      time.Time
	RaisedByRun   *string
	ResolvedAt    *time.Time
	ResolvedByRun *string
	Details       []byte
}

func (r flagRow) domain() domain.Flag {
	f := domain.Flag{ID: r.ID, Kind: r.Kind, OrderID: r.OrderID, SubjectID: r.SubjectID, SubjectName: r.SubjectName,
		Reference: r.Reference, Force: r.Force,
		CaseType: r.CaseType, RaisedAt: r.RaisedAt.UTC(), RaisedByRun: r.RaisedByRun, ResolvedByRun: r.ResolvedByRun,
		Details: json.RawMessage(r.Details)}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC()
		f.ResolvedAt = &t
	}
	if len(f.Details) == 0 {
		f.Details = json.RawMessage("{}")
	}
	return f
}

// ListFlags lists flags, oldest first. The page's flags are picked by id
// alone first, then their rows, subject's name and order's reference are
// read for those ids. A filter on kind reads the kind's range of flags_kind
// (migration 00410) rather than every flag in id order. It is written as
// kind = ANY of a one-kind array, ordered by kind then id: an equality
// would make kind a constant, the order plain id order, and the primary
// key a way to it that the planner, expecting a kind's flags spread evenly
// through the ids, took whenever the kind's new flags were not yet marked
// visible (freshly swept), walking every older flag first.
func (s *Store) ListFlags(ctx context.Context, f domain.FlagFilter, p domain.Page) ([]domain.Flag, string, error) {
	limit := pageLimit(p)
	db := s.db.WithContext(ctx)
	page := readScope(ctx, db.Table("flags AS f").Select("f.id"), "f.force")
	switch f.Status {
	case "open":
		page = page.Where("f.resolved_at IS NULL")
	case "resolved":
		page = page.Where("f.resolved_at IS NOT NULL")
	}
	order := "f.id"
	if f.Kind != "" {
		page = page.Where("f.kind = ANY (CAST(? AS text[]))", textArray{f.Kind})
		order = "f.kind, f.id"
	}
	if f.CaseType != "" {
		page = page.Where("f.case_type = ?", f.CaseType)
	}
	if f.Force != "" {
		page = page.Where("f.force = ?", f.Force)
	}
	if f.OrderID != "" {
		page = page.Where("f.order_id = ?", f.OrderID)
	}
	if p.Cursor != "" {
		page = page.Where("f.id > ?", p.Cursor)
	}
	page = page.Order(order).Limit(limit + 1)
	q := db.Table("flags").
		Select(`flags.*, `+subjectNameSQL+` AS subject_name, o.reference`).
		Joins("JOIN orders o ON o.id = flags.order_id").
		Joins("JOIN subjects s ON s.id = flags.subject_id").
		Where("flags.id IN (?)", page)
	var rows []flagRow
	if err := q.Order("flags.id").Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.Flag, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		// The subject's name is in the answer: the read is on their
		// access log, not only the order's.
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.SubjectID)
	}
	return pageOf(out, limit, func(x domain.Flag) string { return x.ID })
}

// orderFlagKeys is the order an order's flags are listed in: the latest
// change first (a flag resolved, or else raised), so the open ones and
// those lately resolved come first and the first page holds the flags'
// latest entries in the order's timeline.
var orderFlagKeys = keyset{cols: []string{"coalesce(flags.resolved_at, flags.raised_at)", "flags.id"},
	types: []string{"timestamptz", "uuid"}, desc: true}

// OrderFlags lists a page of an order's flags, open and resolved, the
// latest change first.
func (s *Store) OrderFlags(ctx context.Context, orderID string, p domain.Page) ([]domain.Flag, string, error) {
	after, args, err := orderFlagKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.orderExists(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	var rows []flagRow
	if err := s.db.WithContext(ctx).Raw(`SELECT flags.*, `+subjectNameSQL+` AS subject_name, o.reference
		FROM flags JOIN orders o ON o.id = flags.order_id JOIN subjects s ON s.id = flags.subject_id
		WHERE flags.order_id = ? AND `+after+orderFlagKeys.orderBy()+limitClause(limit),
		append([]any{orderID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.Flag, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	out, next := keysetPage(out, limit, func(f domain.Flag) []string {
		at := f.RaisedAt
		if f.ResolvedAt != nil {
			at = *f.ResolvedAt
		}
		return []string{keyTime(at), f.ID}
	})
	return out, next, nil
}
