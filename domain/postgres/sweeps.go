package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// A sweep is a fixed handful of statements over every order, however many
// there are: per flag kind one statement resolves what no longer holds and
// raises what newly holds, from the kind's SQL rule function.
const sweepFlagSQL = `
WITH cond AS MATERIALIZED (SELECT * FROM %s(@as_of)),
resolved AS (
    UPDATE flags f SET resolved_at = @now, resolved_by_run = @run
    WHERE f.kind = @kind AND f.resolved_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM cond c WHERE c.order_id = f.order_id)
    RETURNING 1),
raised AS (
    INSERT INTO flags (kind, order_id, subject_id, force, case_type, raised_at, raised_by_run, details)
    SELECT @kind, c.order_id, c.subject_id, c.force, c.case_type, @now, @run, c.details FROM cond c
    WHERE NOT EXISTS (SELECT 1 FROM flags f WHERE f.order_id = c.order_id AND f.kind = @kind AND f.resolved_at IS NULL)
    ON CONFLICT (order_id, kind) WHERE resolved_at IS NULL DO NOTHING
    RETURNING 1)
SELECT (SELECT count(*) FROM raised) AS raised, (SELECT count(*) FROM resolved) AS resolved`

// flagRules names each kind's rule function; only these names reach SQL.
var flagRules = map[string]string{
	domain.FlagUnowned:           "flag_unowned",
	domain.FlagReviewOverdue:     "flag_review_overdue",
	domain.FlagCheckOverdue:      "flag_check_overdue",
	domain.FlagPreRelease:        "flag_pre_release",
	domain.FlagReleaseDatePassed: "flag_release_date_passed",
	domain.FlagExpiring:          "flag_expiring",
	domain.FlagOwnerAbsent:       "flag_owner_absent",
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
	err := s.tx(ctx, func(tx *gorm.DB) error {
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
		// Sweeps are a few large statements: JIT compilation costs more
		// than it saves here, and their sorts fit in memory with a little more.
		if err := tx.Exec(`SET LOCAL jit = off; SET LOCAL work_mem = '32MB'`).Error; err != nil {
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
		if job == domain.JobLifecycle {
			changed, resolved, err := s.lifecycle(tx, asOf, run.ID)
			if err != nil {
				return err
			}
			run.Changed, run.Resolved = changed, resolved
		}
		for _, kind := range kinds {
			var counts struct{ Raised, Resolved int }
			q := fmt.Sprintf(sweepFlagSQL, flagRules[kind])
			if err := tx.Raw(q, map[string]any{"as_of": asOf.Time, "now": run.StartedAt, "run": run.ID, "kind": kind}).
				Scan(&counts).Error; err != nil {
				return err
			}
			run.Raised += counts.Raised
			run.Resolved += counts.Resolved
		}
		finished := s.now()
		run.FinishedAt = &finished
		return tx.Exec(`UPDATE job_runs SET status = 'succeeded', raised = ?, resolved = ?, changed = ?, finished_at = ?
			WHERE id = ?`, run.Raised, run.Resolved, run.Changed, finished, run.ID).Error
	})
	if err == nil {
		return run.domain(), nil
	}
	var conflict *domain.ConflictError
	if errors.As(err, &conflict) || ctx.Err() != nil && scheduledFor == nil {
		return domain.JobRun{}, err
	}
	// The sweep rolled back; record the failure in a transaction of its own
	// so the run history shows it.
	msg := "the job failed; see the service log"
	if ctx.Err() != nil {
		msg = "the job was cancelled"
	}
	finished := s.now()
	run.Status, run.Error, run.FinishedAt, run.Raised, run.Resolved, run.Changed = "failed", &msg, &finished, 0, 0, 0
	_ = s.db.WithContext(context.WithoutCancel(ctx)).Exec(`INSERT INTO job_runs
		(id, job, trigger, scheduled_for, as_of, status, error, started_by, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?) ON CONFLICT (job, scheduled_for) DO NOTHING`,
		run.ID, job, trigger, scheduledFor, asOf.Time, msg, startedBy, run.StartedAt, finished).Error
	return run.domain(), err
}

const previewFlagSQL = `
WITH cond AS MATERIALIZED (SELECT order_id FROM %s(@as_of))
SELECT (SELECT count(*) FROM cond c WHERE NOT EXISTS (SELECT 1 FROM flags f
            WHERE f.order_id = c.order_id AND f.kind = @kind AND f.resolved_at IS NULL)) AS raised,
       (SELECT count(*) FROM flags f WHERE f.kind = @kind AND f.resolved_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM cond c WHERE c.order_id = f.order_id)) AS resolved`

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
		if err := tx.Exec(`SET LOCAL jit = off; SET LOCAL work_mem = '32MB'`).Error; err != nil {
			return err
		}
		if job == domain.JobLifecycle {
			var n struct{ Started, Expired int }
			if err := tx.Raw(`SELECT count(*) FILTER (WHERE status = 'pending' AND starts_on <= @as_of) AS started,
				count(*) FILTER (WHERE ends_on < @as_of) AS expired
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
	expired := tx.Exec(`UPDATE orders SET status = 'expired', version = version + 1, updated_at = ?
		WHERE status IN ('active', 'pending') AND ends_on < ?`, now, asOf.Time)
	if expired.Error != nil {
		return 0, 0, expired.Error
	}
	cleared := tx.Exec(`UPDATE flags f SET resolved_at = ?, resolved_by_run = ? FROM orders o
		WHERE o.id = f.order_id AND f.resolved_at IS NULL AND o.status NOT IN ('pending', 'active')`, now, runID)
	if cleared.Error != nil {
		return 0, 0, cleared.Error
	}
	return int(activated.RowsAffected + expired.RowsAffected), int(cleared.RowsAffected), nil
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

// ListFlags lists flags, oldest first.
func (s *Store) ListFlags(ctx context.Context, f domain.FlagFilter, p domain.Page) ([]domain.Flag, string, error) {
	// The subject's name and the order's reference come in the same query.
	q := readScope(ctx, s.db.WithContext(ctx).Table("flags").
		Select(`flags.*, `+subjectNameSQL+` AS subject_name, o.reference`).
		Joins("JOIN orders o ON o.id = flags.order_id").
		Joins("JOIN subjects s ON s.id = flags.subject_id"), "flags.force")
	switch f.Status {
	case "open":
		q = q.Where("resolved_at IS NULL")
	case "resolved":
		q = q.Where("resolved_at IS NOT NULL")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.CaseType != "" {
		q = q.Where("case_type = ?", f.CaseType)
	}
	if f.Force != "" {
		q = q.Where("flags.force = ?", f.Force)
	}
	if f.OrderID != "" {
		q = q.Where("order_id = ?", f.OrderID)
	}
	if p.Cursor != "" {
		q = q.Where("flags.id > ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []flagRow
	if err := q.Order("flags.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.Flag, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		domain.Note(ctx, "order", r.OrderID)
	}
	return pageOf(out, limit, func(x domain.Flag) string { return x.ID })
}
