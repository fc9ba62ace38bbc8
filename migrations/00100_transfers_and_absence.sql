-- Keeping records moving: a subject transferred between forces (requested
-- by the sender, accepted or declined by the receiver), and officers'
-- absences with an optional cover officer. An owner absent beyond the
-- force's threshold with nobody covering raises owner_absent.

-- +goose Up
CREATE TABLE transfers (
    id              uuid PRIMARY KEY,
    subject_id      uuid NOT NULL REFERENCES subjects (id),
    from_force      text NOT NULL REFERENCES forces (code),
    to_force        text NOT NULL REFERENCES forces (code),
    status          text NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn')),
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    requested_by    uuid REFERENCES officers (id),
    requested_at    timestamptz NOT NULL,
    decided_by      uuid REFERENCES officers (id),
    decided_at      timestamptz,
    decision_reason text CHECK (length(decision_reason) <= 2000),
    CONSTRAINT transfers_to_another_force CHECK (from_force <> to_force),
    CONSTRAINT transfers_decided CHECK ((status = 'requested') = (decided_at IS NULL)),
    CONSTRAINT transfers_declined_has_reason CHECK (status <> 'declined' OR decision_reason IS NOT NULL)
);
-- One open request per subject at a time.
CREATE UNIQUE INDEX transfers_one_open ON transfers (subject_id) WHERE status = 'requested';
CREATE INDEX transfers_to_open ON transfers (to_force, requested_at) WHERE status = 'requested';
CREATE INDEX transfers_subject ON transfers (subject_id, requested_at DESC);

CREATE TABLE officer_absences (
    id               uuid PRIMARY KEY,
    officer_id       uuid NOT NULL REFERENCES officers (id),
    kind             text NOT NULL CHECK (kind IN ('annual_leave', 'long_term', 'other')),
    starts_on        date NOT NULL,
    ends_on          date,
    cover_officer_id uuid REFERENCES officers (id),
    notes            text CHECK (length(notes) <= 2000),
    created_by       uuid REFERENCES officers (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    cancelled_at     timestamptz,
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT officer_absences_dates CHECK (ends_on >= starts_on),
    CONSTRAINT officer_absences_cover_is_another CHECK (cover_officer_id <> officer_id)
);
CREATE INDEX officer_absences_officer ON officer_absences (officer_id, starts_on DESC);
CREATE INDEX officer_absences_cover ON officer_absences (cover_officer_id) WHERE cancelled_at IS NULL;

ALTER TABLE force_policies ADD COLUMN absence_threshold_days integer NOT NULL DEFAULT 14
    CHECK (absence_threshold_days BETWEEN 1 AND 365);

ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring', 'compliance_concern', 'owner_absent'));

-- +goose StatementBegin
-- An absence counts on as_of when it has begun, has not ended and was not
-- cancelled; it is beyond the threshold when it lasts (or, open-ended,
-- may last) longer than the force's threshold.
CREATE FUNCTION flag_owner_absent(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('officer_id', a.officer_id, 'owner_role', a.role, 'absence_id', ab.id,
                              'kind', ab.kind, 'starts_on', ab.starts_on, 'ends_on', ab.ends_on,
                              'threshold_days', coalesce(p.absence_threshold_days, 14))
    FROM live_orders_on(as_of) l
    JOIN owner_assignments a ON a.order_id = l.order_id
    JOIN officers f ON f.id = a.officer_id
    JOIN officer_absences ab ON ab.officer_id = a.officer_id
    LEFT JOIN force_policies p ON p.force = l.force
    WHERE owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles, a.role, l.force)
      AND ab.cancelled_at IS NULL AND ab.cover_officer_id IS NULL
      AND ab.starts_on <= as_of AND (ab.ends_on IS NULL OR ab.ends_on >= as_of)
      AND (ab.ends_on IS NULL OR ab.ends_on - ab.starts_on + 1 > coalesce(p.absence_threshold_days, 14))
    ORDER BY l.order_id, a.role, ab.starts_on
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION flag_owner_absent(date);
DELETE FROM flags WHERE kind = 'owner_absent';
ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring', 'compliance_concern'));
ALTER TABLE force_policies DROP COLUMN absence_threshold_days;
DROP TABLE officer_absences;
DROP TABLE transfers;
