-- Flags are stored data: raised by a sweep run, held while the condition
-- holds, resolved by the first run that finds it gone. Every job run is
-- recorded; a run row unique per job and scheduled time makes a tick run
-- once however many replicas see it.

-- +goose Up
CREATE TABLE job_runs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job           text NOT NULL CHECK (job IN ('ownership-sweep', 'review-sweep', 'custody-sweep', 'lifecycle-sweep')),
    trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    scheduled_for timestamptz,
    as_of         date NOT NULL,
    status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    raised        integer NOT NULL DEFAULT 0,
    resolved      integer NOT NULL DEFAULT 0,
    changed       integer NOT NULL DEFAULT 0,
    error         text,
    started_by    uuid REFERENCES officers (id),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CONSTRAINT job_runs_scheduled_once UNIQUE (job, scheduled_for),
    CONSTRAINT job_runs_schedule_has_time CHECK ((trigger = 'schedule') = (scheduled_for IS NOT NULL))
);
CREATE INDEX job_runs_job ON job_runs (job, started_at DESC);

CREATE TABLE flags (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue', 'pre_release',
                                                  'release_date_passed', 'expiring')),
    order_id        uuid NOT NULL REFERENCES orders (id),
    subject_id      uuid NOT NULL REFERENCES subjects (id),
    force           text NOT NULL REFERENCES forces (code),
    case_type       text NOT NULL CHECK (case_type IN ('community', 'prison')),
    raised_at       timestamptz NOT NULL DEFAULT now(),
    raised_by_run   uuid REFERENCES job_runs (id),
    resolved_at     timestamptz,
    resolved_by_run uuid REFERENCES job_runs (id),
    details         jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT flags_resolved_after_raised CHECK (resolved_at >= raised_at)
);
CREATE UNIQUE INDEX flags_one_open ON flags (order_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX flags_open_kind ON flags (kind, force) WHERE resolved_at IS NULL;
CREATE INDEX flags_order ON flags (order_id);

-- +goose Down
DROP TABLE flags;
DROP TABLE job_runs;
