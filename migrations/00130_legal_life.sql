-- The legal life of an order (Serious Crime Act 2007 ss.10, 16-25).
--
-- * order_events: every event in an order's life that is not already a row
--   of its own (made, served, varied, variation refused, terms amended,
--   discharged, quashed, appeal lodged and decided, charged and the
--   charge's outcome, breach recorded and its outcome, no breach decided),
--   with the day it happened, the court where there is one, and who
--   recorded it. Nothing here is updated or deleted.
-- * term_versions: every version of every term, with the event that made it
--   and the event that ended it; a term's own dates (starts_on, ends_on,
--   null meaning "with the order") and the days the version was the one in
--   force (effective_from, effective_to exclusive). order_terms stays the
--   current terms, rewritten from the versions.
-- * breach_cases: a breach (s.25) with the term versions it broke.
-- * order_extensions: a charge that extends the order while pending
--   (s.22E); orders.extension_pending and orders.extended_to carry its
--   effect on the dates so the sweeps stay set-based.

-- +goose Up
CREATE TABLE order_events (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id    uuid NOT NULL REFERENCES orders (id),
    kind        text NOT NULL CHECK (kind IN ('made', 'served', 'varied', 'variation_refused', 'terms_amended',
        'discharged', 'quashed', 'appeal_lodged', 'appeal_decided', 'charged', 'charge_decided', 'breach_recorded',
        'breach_outcome', 'no_breach')),
    on_date     date NOT NULL,
    court       text CHECK (length(court) BETWEEN 1 AND 200),
    details     jsonb NOT NULL DEFAULT '{}',
    recorded_by uuid REFERENCES officers (id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, on_date, recorded_at);
CREATE INDEX order_events_served ON order_events (order_id, on_date) WHERE kind = 'served';

ALTER TABLE order_terms ADD COLUMN term_id uuid, ADD COLUMN starts_on date, ADD COLUMN ends_on date,
    ADD COLUMN monitoring jsonb;

CREATE TABLE term_versions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id       uuid NOT NULL REFERENCES orders (id),
    term_id        uuid NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    position       integer NOT NULL CHECK (position >= 0),
    category       text NOT NULL CHECK (category IN ('financial', 'property', 'working', 'communications',
        'associations', 'premises', 'items', 'travel', 'information', 'electronic_monitoring', 'other')),
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    starts_on      date,
    ends_on        date,
    monitoring     jsonb,
    effective_from date NOT NULL,
    effective_to   date,
    made_by_event  uuid NOT NULL REFERENCES order_events (id),
    ended_by_event uuid REFERENCES order_events (id),
    UNIQUE (term_id, version),
    CONSTRAINT term_versions_dates CHECK (ends_on >= starts_on),
    CONSTRAINT term_versions_effective CHECK (effective_to >= effective_from),
    CONSTRAINT term_versions_ended CHECK ((effective_to IS NULL) = (ended_by_event IS NULL))
);
CREATE INDEX term_versions_order ON term_versions (order_id, effective_from);
CREATE UNIQUE INDEX term_versions_one_current ON term_versions (term_id) WHERE ended_by_event IS NULL;

-- Existing orders: a "made" event (recorded by nobody known) and version 1
-- of each term, in force from the day the order was made.
INSERT INTO order_events (order_id, kind, on_date, court, details, recorded_at)
SELECT id, 'made', made_on, court, jsonb_build_object('court_type', court_type, 'reference', reference), created_at
FROM orders;
UPDATE order_terms SET term_id = gen_random_uuid();
ALTER TABLE order_terms ALTER COLUMN term_id SET NOT NULL, ALTER COLUMN term_id SET DEFAULT gen_random_uuid();
INSERT INTO term_versions (order_id, term_id, version, position, category, text, effective_from, made_by_event)
SELECT t.order_id, t.term_id, 1, t.position, t.category, t.text, o.made_on, e.id
FROM order_terms t JOIN orders o ON o.id = t.order_id
JOIN order_events e ON e.order_id = o.id AND e.kind = 'made';

CREATE TABLE breach_cases (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id        uuid NOT NULL REFERENCES orders (id),
    occurred_on     date NOT NULL,
    found_by_check  uuid REFERENCES checks (id),
    found_by_review uuid REFERENCES reviews (id),
    description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    action          text NOT NULL CHECK (action IN ('none', 'warning', 'arrest', 'charge', 'summons')),
    outcome         text NOT NULL CHECK (outcome IN ('no_further_action', 'convicted', 'acquitted', 'pending')),
    outcome_on      date,
    sentence        text CHECK (length(sentence) BETWEEN 1 AND 2000),
    term_versions   uuid[] NOT NULL,
    recorded_by     uuid REFERENCES officers (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT breach_cases_outcome_dated CHECK ((outcome = 'pending') = (outcome_on IS NULL))
);
CREATE INDEX breach_cases_order ON breach_cases (order_id, occurred_on);
CREATE INDEX breach_cases_check ON breach_cases (found_by_check) WHERE found_by_check IS NOT NULL;
CREATE INDEX breach_cases_pending ON breach_cases (order_id) WHERE outcome = 'pending';

-- A non-compliant check is answered by a breach case or by a decision that
-- it was no breach, with the reason.
ALTER TABLE checks ADD COLUMN no_breach_reason text CHECK (length(no_breach_reason) BETWEEN 1 AND 2000),
    ADD COLUMN no_breach_by uuid REFERENCES officers (id), ADD COLUMN no_breach_at timestamptz;
CREATE INDEX checks_non_compliant ON checks (order_id) WHERE outcome = 'non_compliant' AND no_breach_reason IS NULL;

CREATE TABLE order_extensions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id        uuid NOT NULL REFERENCES orders (id),
    charge_kind     text NOT NULL CHECK (charge_kind IN ('serious_offence', 'breach')),
    charged_on      date NOT NULL,
    offence         text NOT NULL CHECK (length(offence) BETWEEN 1 AND 500),
    court           text NOT NULL CHECK (length(court) BETWEEN 1 AND 200),
    outcome         text CHECK (outcome IN ('convicted', 'acquitted', 'discontinued', 'other')),
    outcome_on      date,
    settled_ends_on date,
    recorded_by     uuid REFERENCES officers (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_extensions_outcome_dated CHECK ((outcome IS NULL) = (outcome_on IS NULL)),
    CONSTRAINT order_extensions_settled_after_outcome CHECK (settled_ends_on IS NULL OR outcome IS NOT NULL)
);
CREATE INDEX order_extensions_order ON order_extensions (order_id, charged_on);

-- extension_pending: a charge is pending, so the order does not expire.
-- extended_to: the end the order runs to after an extension (later than
-- ends_on, which stays within the five years of s.16(2)).
-- appeal_pending: an appeal (s.23, s.24) is lodged and not decided.
ALTER TABLE orders ADD COLUMN extension_pending boolean NOT NULL DEFAULT false,
    ADD COLUMN extended_to date, ADD COLUMN appeal_pending boolean NOT NULL DEFAULT false;
ALTER TABLE orders ADD CONSTRAINT orders_extended_after_end CHECK (extended_to > ends_on);

ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring', 'compliance_concern', 'owner_absent',
    'action_overdue', 'not_served', 'breach_decision_due', 'breach_open', 'extension_to_settle'));

-- +goose StatementBegin
-- As 00060, with an extension (s.22E): while a charge is pending the order
-- has no end (ends_on is null, so it is never expiring); afterwards it
-- ends on extended_to when that is later than ends_on. (The extension is
-- read as it is now, like the other facts without history.)
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT o.id, o.subject_id, s.force,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'prison' END,
           CASE WHEN o.starts_on <= as_of THEN 'active' ELSE 'pending' END,
           o.starts_on,
           CASE WHEN o.extension_pending THEN NULL ELSE coalesce(o.extended_to, o.ends_on) END,
           o.made_on,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'custody' END,
           cp.establishment, cp.release_date, cp.release_date_type,
           coalesce(p.required_roles, '{}'),
           coalesce(p.pre_release_days, 180),
           coalesce(p.check_grace_days, 0),
           coalesce(p.expiry_warning_days, 180),
           coalesce(o.review_interval_days,
                    CASE WHEN cp.id IS NULL THEN coalesce(p.community_review_days, 90)
                         ELSE coalesce(p.prison_review_days, 180) END),
           d.day_end
    FROM orders o
    JOIN subjects s ON s.id = o.subject_id
    LEFT JOIN force_policies p ON p.force = s.force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND coalesce(o.extended_to, o.ends_on) >= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.10: an order in force binds the subject only once they were
-- represented at the hearing or given notice. Open while an order has been
-- in force on as_of with no service recorded by then.
CREATE FUNCTION flag_not_served(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('made_on', l.made_on, 'starts_on', l.starts_on, 'days_in_force', as_of - l.starts_on)
    FROM live_orders_on(as_of) l
    WHERE l.starts_on <= as_of
      AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = l.order_id AND e.kind = 'served'
                      AND e.on_date <= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.25: a check recorded non_compliant asks for a breach decision: open
-- until a breach case names the check or a "no breach" decision is recorded.
CREATE FUNCTION flag_breach_decision_due(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           (SELECT jsonb_build_object('check_id', c.id, 'check_kind', c.kind, 'on', c.completed_on,
                                      'days_since', as_of - c.completed_on, 'undecided_checks', c.n)
            FROM (SELECT ch.id, ch.kind, ch.completed_on, count(*) OVER () AS n FROM checks ch
                  WHERE ch.order_id = l.order_id AND ch.outcome = 'non_compliant' AND ch.no_breach_reason IS NULL
                    AND ch.completed_on <= as_of
                    AND NOT EXISTS (SELECT 1 FROM breach_cases b WHERE b.found_by_check = ch.id)
                  ORDER BY ch.completed_on, ch.id LIMIT 1) c)
    FROM live_orders_on(as_of) l
    WHERE EXISTS (SELECT 1 FROM checks ch
                  WHERE ch.order_id = l.order_id AND ch.outcome = 'non_compliant' AND ch.no_breach_reason IS NULL
                    AND ch.completed_on <= as_of
                    AND NOT EXISTS (SELECT 1 FROM breach_cases b WHERE b.found_by_check = ch.id))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An open breach case: its outcome is pending.
CREATE FUNCTION flag_breach_open(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           (SELECT jsonb_build_object('breach_id', b.id, 'on', b.occurred_on, 'action', b.action,
                                      'days_since', as_of - b.occurred_on, 'open_cases', b.n)
            FROM (SELECT bc.id, bc.occurred_on, bc.action, count(*) OVER () AS n FROM breach_cases bc
                  WHERE bc.order_id = l.order_id AND bc.outcome = 'pending' AND bc.occurred_on <= as_of
                  ORDER BY bc.occurred_on, bc.id LIMIT 1) b)
    FROM live_orders_on(as_of) l
    WHERE EXISTS (SELECT 1 FROM breach_cases bc WHERE bc.order_id = l.order_id AND bc.outcome = 'pending'
                  AND bc.occurred_on <= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.22E: the charge that extended the order has been dealt with and the
-- court has not yet settled when the order ends.
CREATE FUNCTION flag_extension_to_settle(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('extension_id', x.id, 'on', x.outcome_on, 'outcome', x.outcome,
                              'offence', x.offence, 'ends_on', l.ends_on)
    FROM live_orders_on(as_of) l
    JOIN order_extensions x ON x.order_id = l.order_id
    WHERE x.outcome IS NOT NULL AND x.outcome_on <= as_of AND x.settled_ends_on IS NULL
    ORDER BY l.order_id, x.outcome_on, x.id
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION flag_extension_to_settle(date);
DROP FUNCTION flag_breach_open(date);
DROP FUNCTION flag_breach_decision_due(date);
DROP FUNCTION flag_not_served(date);
DELETE FROM flags WHERE kind IN ('not_served', 'breach_decision_due', 'breach_open', 'extension_to_settle');
ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring', 'compliance_concern', 'owner_absent', 'action_overdue'));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT o.id, o.subject_id, s.force,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'prison' END,
           CASE WHEN o.starts_on <= as_of THEN 'active' ELSE 'pending' END,
           o.starts_on, o.ends_on, o.made_on,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'custody' END,
           cp.establishment, cp.release_date, cp.release_date_type,
           coalesce(p.required_roles, '{}'),
           coalesce(p.pre_release_days, 180),
           coalesce(p.check_grace_days, 0),
           coalesce(p.expiry_warning_days, 180),
           coalesce(o.review_interval_days,
                    CASE WHEN cp.id IS NULL THEN coalesce(p.community_review_days, 90)
                         ELSE coalesce(p.prison_review_days, 180) END),
           d.day_end
    FROM orders o
    JOIN subjects s ON s.id = o.subject_id
    LEFT JOIN force_policies p ON p.force = s.force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND o.ends_on >= as_of)
$$;
-- +goose StatementEnd
ALTER TABLE orders DROP CONSTRAINT orders_extended_after_end;
ALTER TABLE orders DROP COLUMN extension_pending, DROP COLUMN extended_to, DROP COLUMN appeal_pending;
DROP TABLE order_extensions;
DROP INDEX checks_non_compliant;
ALTER TABLE checks DROP COLUMN no_breach_reason, DROP COLUMN no_breach_by, DROP COLUMN no_breach_at;
DROP TABLE breach_cases;
DROP TABLE term_versions;
ALTER TABLE order_terms DROP COLUMN term_id, DROP COLUMN starts_on, DROP COLUMN ends_on, DROP COLUMN monitoring;
DROP TABLE order_events;
