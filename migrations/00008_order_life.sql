-- Right at every step of an order's life.
--
-- A subject keeps the history of their custody periods, and a release
-- records its actual day. An owner counts only while they can act: active,
-- of the subject's force and holding the officer role their owner role
-- needs. Release is missed only when a date on which release is due has
-- passed (HDCED and PED are eligibility dates). The same order, or a prison
-- number, cannot be recorded twice.

-- +goose Up
ALTER TABLE subjects ADD COLUMN released_on date;
ALTER TABLE subjects ADD CONSTRAINT subjects_custody_has_no_released_on
    CHECK (custody_status = 'community' OR released_on IS NULL);

-- One row per spell in custody known to the register. began_on is null when
-- the subject was already in custody when first recorded.
CREATE TABLE custody_periods (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id        uuid NOT NULL REFERENCES subjects (id),
    establishment     text,
    began_on          date,
    release_date      date,
    release_date_type text CHECK (release_date_type IN ('HDCED', 'CRD', 'ARD', 'PED', 'LED', 'SED')),
    released_on       date,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT custody_periods_released_after_began CHECK (released_on >= began_on)
);
CREATE UNIQUE INDEX custody_periods_one_open ON custody_periods (subject_id) WHERE released_on IS NULL;
CREATE INDEX custody_periods_subject ON custody_periods (subject_id, recorded_at);

INSERT INTO custody_periods (subject_id, establishment, release_date, release_date_type, recorded_at, updated_at)
SELECT id, establishment, release_date, release_date_type, created_at, updated_at
FROM subjects WHERE custody_status = 'custody';

-- The same order (subject, court reference, day made) and the same prison
-- number are recorded once.
CREATE UNIQUE INDEX orders_one_per_reference ON orders (subject_id, lower(reference), made_on);
CREATE UNIQUE INDEX subjects_prison_number_key ON subjects (prison_number) WHERE prison_number IS NOT NULL;

-- A meeting's action follows its order when the orders move to another
-- officer; who it was first given to is kept.
ALTER TABLE meeting_decisions ADD COLUMN reassigned_from uuid REFERENCES officers (id);

-- +goose StatementBegin
-- The officer role an owner role needs (domain.OfficerRoleFor).
CREATE FUNCTION owner_officer_role(owner_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE owner_role WHEN 'iom' THEN 'iom_officer' ELSE owner_role END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Whether an owner can act on the order: active, of the subject's force and
-- holding the role. Anyone else is not an owner for the sweeps and reports.
CREATE FUNCTION owner_can_act(active boolean, officer_force text, officer_roles text[], owner_role text,
                              subject_force text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT active AND officer_force = subject_force AND owner_officer_role(owner_role) = ANY (officer_roles)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Release is due on this date type (domain.ReleaseIsDue).
CREATE FUNCTION release_date_is_due(date_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_type IN ('CRD', 'ARD', 'LED', 'SED')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_unowned(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object(
               'missing_roles', to_jsonb(m.missing),
               'required_roles', CASE WHEN cardinality(l.required_roles) = 0 THEN '"any one owner"'::jsonb
                                      ELSE to_jsonb(l.required_roles) END,
               'current_roles', to_jsonb(coalesce(cur.roles, '{}')))
    FROM live_orders l
    LEFT JOIN LATERAL (
        SELECT array_agg(a.role ORDER BY a.role) AS roles
        FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
        WHERE a.order_id = l.order_id AND a.ended_at IS NULL
          AND owner_can_act(f.active, f.force, f.roles, a.role, l.force)) cur ON true
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN cardinality(l.required_roles) = 0 THEN
                CASE WHEN cur.roles IS NULL THEN ARRAY['iom', 'lro', 'orders_officer'] ELSE '{}'::text[] END
            ELSE ARRAY(SELECT r FROM unnest(l.required_roles) r
                       WHERE NOT r = ANY (coalesce(cur.roles, '{}')) ORDER BY r)
        END AS missing) m
    WHERE cardinality(m.missing) > 0
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_pre_release(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'release_due', release_date_is_due(l.release_date_type),
                              'window_days', l.pre_release_days, 'days_to_release', l.release_date - as_of,
                              'has_iom_owner', iom.present, 'has_pre_release_review', prr.present)
    FROM live_orders l
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                        WHERE a.order_id = l.order_id AND a.role = 'iom' AND a.ended_at IS NULL
                          AND owner_can_act(f.active, f.force, f.roles, a.role, l.force)) AS present) iom
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id
                        AND r.kind = 'pre_release'
                        AND r.reviewed_on >= l.release_date - l.pre_release_days) AS present) prr
    WHERE l.custody_status = 'custody'
      AND l.release_date >= as_of
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (iom.present AND prr.present)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_release_date_passed(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'days_since', as_of - l.release_date)
    FROM live_orders l
    WHERE l.custody_status = 'custody' AND l.release_date < as_of AND release_date_is_due(l.release_date_type)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_release_date_passed(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'days_since', as_of - l.release_date)
    FROM live_orders l
    WHERE l.custody_status = 'custody' AND l.release_date < as_of
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_pre_release(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'window_days', l.pre_release_days, 'days_to_release', l.release_date - as_of,
                              'has_iom_owner', iom.present, 'has_pre_release_review', prr.present)
    FROM live_orders l
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = l.order_id
                        AND a.role = 'iom' AND a.ended_at IS NULL) AS present) iom
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id
                        AND r.kind = 'pre_release'
                        AND r.reviewed_on >= l.release_date - l.pre_release_days) AS present) prr
    WHERE l.custody_status = 'custody'
      AND l.release_date >= as_of
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (iom.present AND prr.present)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_unowned(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object(
               'missing_roles', to_jsonb(m.missing),
               'required_roles', CASE WHEN cardinality(l.required_roles) = 0 THEN '"any one owner"'::jsonb
                                      ELSE to_jsonb(l.required_roles) END,
               'current_roles', to_jsonb(coalesce(cur.roles, '{}')))
    FROM live_orders l
    LEFT JOIN LATERAL (
        SELECT array_agg(a.role ORDER BY a.role) AS roles FROM owner_assignments a
        WHERE a.order_id = l.order_id AND a.ended_at IS NULL) cur ON true
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN cardinality(l.required_roles) = 0 THEN
                CASE WHEN cur.roles IS NULL THEN ARRAY['iom', 'lro', 'orders_officer'] ELSE '{}'::text[] END
            ELSE ARRAY(SELECT r FROM unnest(l.required_roles) r
                       WHERE NOT r = ANY (coalesce(cur.roles, '{}')) ORDER BY r)
        END AS missing) m
    WHERE cardinality(m.missing) > 0
$$;
-- +goose StatementEnd
DROP FUNCTION release_date_is_due(text);
DROP FUNCTION owner_can_act(boolean, text, text[], text, text);
DROP FUNCTION owner_officer_role(text);
ALTER TABLE meeting_decisions DROP COLUMN reassigned_from;
DROP INDEX subjects_prison_number_key;
DROP INDEX orders_one_per_reference;
DROP TABLE custody_periods;
ALTER TABLE subjects DROP CONSTRAINT subjects_custody_has_no_released_on;
ALTER TABLE subjects DROP COLUMN released_on;
