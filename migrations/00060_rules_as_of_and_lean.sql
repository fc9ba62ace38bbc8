-- The flag rules, rewritten so that one definition per flag serves all
-- three callers well and reproduces a past day.
--
-- Lean: each rule states its condition as plain joins and EXISTS / NOT
-- EXISTS over the live orders, so the planner is free to answer a whole
-- register with hash joins (the sweeps, the reports) and a handful of
-- orders with index probes (a change's refresh, which filters on order_id
-- or force). The details are built by scalar subqueries in the select
-- list: a caller that does not read details (the sweeps' diff) never
-- evaluates them, and the sweeps build them only for the flags they raise.
--
-- As of a day: the rules read the register as it stood on as_of, from the
-- facts that keep history:
--   * an order is live on D when made on or before D and not ended by D
--     (pending, active, or since discharged, quashed or expired after D);
--     it is active on D when it had started by D;
--   * custody on D is the custody period (custody_periods) containing D,
--     with that period's establishment and release date;
--   * an owner counts on D when assigned before the end of D and not ended
--     by then (owner_assignments.assigned_at / ended_at), and the officer
--     can act (owner_can_act);
--   * reviews count from the day they were held, checks are open on D
--     unless completed or cancelled by D.
-- What has no history is read as it is now: an officer's active flag,
-- force and roles; a subject's force; the force policy; a custody period's
-- release date (the latest recorded, not the one known on D); and an
-- outcome recorded late counts from the day it is dated.
--
-- "The end of D" is midnight after D in the service's zone: the setting
-- scpo.timezone (the sweeps set it to SCPO_TIMEZONE), else Europe/London.

-- +goose Up
CREATE INDEX owner_assignments_order ON owner_assignments (order_id, assigned_at);

-- +goose StatementBegin
-- The first instant after day d in the service's zone.
CREATE FUNCTION scpo_day_end(d date) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT (d + 1)::timestamp AT TIME ZONE coalesce(nullif(current_setting('scpo.timezone', true), ''), 'Europe/London')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Whether an assignment makes its officer an owner who counts at the end
-- of a day (day_end = scpo_day_end(D)): held then, and able to act.
CREATE FUNCTION owner_counts(assigned_at timestamptz, ended_at timestamptz, day_end timestamptz,
                             active boolean, officer_force text, officer_roles text[], owner_role text,
                             subject_force text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT assigned_at < day_end AND (ended_at IS NULL OR ended_at >= day_end)
       AND owner_can_act(active, officer_force, officer_roles, owner_role, subject_force)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The live orders on a day, as they stood then (see the head of this file),
-- with the force policy that applies to each.
CREATE FUNCTION live_orders_on(as_of date)
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_unowned(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           (SELECT jsonb_build_object(
                'missing_roles', to_jsonb(CASE
                    WHEN cardinality(l.required_roles) = 0 THEN
                        CASE WHEN cardinality(cur.roles) = 0 THEN ARRAY['iom', 'lro', 'orders_officer'] ELSE '{}'::text[] END
                    ELSE ARRAY(SELECT r FROM unnest(l.required_roles) r WHERE NOT r = ANY (cur.roles) ORDER BY r) END),
                'required_roles', CASE WHEN cardinality(l.required_roles) = 0 THEN '"any one owner"'::jsonb
                                       ELSE to_jsonb(l.required_roles) END,
                'current_roles', to_jsonb(cur.roles))
            FROM (SELECT coalesce(array_agg(a.role ORDER BY a.role), '{}') AS roles
                  FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                  WHERE a.order_id = l.order_id
                    AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles, a.role,
                                     l.force)) cur)
    FROM live_orders_on(as_of) l
    -- No policy: unowned when nobody counts as an owner (an anti-join).
    WHERE NOT EXISTS (SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                      WHERE a.order_id = l.order_id AND cardinality(l.required_roles) = 0
                        AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles,
                                         a.role, l.force))
      -- A policy naming roles: unowned while any of them has nobody.
      AND (cardinality(l.required_roles) = 0
           OR NOT l.required_roles <@ ARRAY(
               SELECT a.role FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
               WHERE a.order_id = l.order_id
                 AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles, a.role,
                                  l.force)))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A review is due its interval after the last review held by as_of (or
-- the order's start, or the day it was made); overdue the day after. Put
-- as joins: no review in the interval before as_of, and either an earlier
-- review or a start longer ago than the interval.
CREATE OR REPLACE FUNCTION flag_review_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           (SELECT jsonb_build_object('due_on', d.due_on, 'days_overdue', as_of - d.due_on,
                                      'last_reviewed_on', d.last_reviewed_on)
            FROM (SELECT lr.last_reviewed_on,
                         coalesce(lr.last_reviewed_on, l.starts_on, l.made_on) + l.review_days AS due_on
                  FROM (SELECT max(r.reviewed_on) AS last_reviewed_on FROM reviews r
                        WHERE r.order_id = l.order_id AND r.reviewed_on <= as_of) lr) d)
    FROM live_orders_on(as_of) l
    WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id
                      AND r.reviewed_on <= as_of AND r.reviewed_on >= as_of - l.review_days)
      AND (coalesce(l.starts_on, l.made_on) < as_of - l.review_days
           OR EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.reviewed_on <= as_of))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_check_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           (SELECT jsonb_build_object('check_id', c.id, 'check_kind', c.kind, 'due_on', c.due_on,
                                      'days_overdue', as_of - c.due_on, 'grace_days', l.check_grace_days,
                                      'overdue_checks', c.overdue_checks)
            FROM (SELECT ch.id, ch.kind, ch.due_on, count(*) OVER () AS overdue_checks
                  FROM checks ch
                  WHERE ch.order_id = l.order_id
                    AND (ch.completed_on IS NULL OR ch.completed_on > as_of)
                    AND ch.due_on + l.check_grace_days < as_of
                  ORDER BY ch.due_on, ch.id
                  LIMIT 1) c)
    FROM live_orders_on(as_of) l
    WHERE EXISTS (SELECT 1 FROM checks ch WHERE ch.order_id = l.order_id
                  AND (ch.completed_on IS NULL OR ch.completed_on > as_of)
                  AND ch.due_on + l.check_grace_days < as_of)
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
                              'has_iom_owner', EXISTS (
                                  SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                                  WHERE a.order_id = l.order_id AND a.role = 'iom'
                                    AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force,
                                                     f.roles, a.role, l.force)),
                              'has_pre_release_review', EXISTS (
                                  SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.kind = 'pre_release'
                                    AND r.reviewed_on >= l.release_date - l.pre_release_days
                                    AND r.reviewed_on <= as_of))
    FROM live_orders_on(as_of) l
    WHERE l.custody_status = 'custody'
      AND l.release_date >= as_of
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (EXISTS (SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                       WHERE a.order_id = l.order_id AND a.role = 'iom'
                         AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles,
                                          a.role, l.force))
               AND EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.kind = 'pre_release'
                           AND r.reviewed_on >= l.release_date - l.pre_release_days AND r.reviewed_on <= as_of))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_release_date_passed(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'days_since', as_of - l.release_date)
    FROM live_orders_on(as_of) l
    WHERE l.custody_status = 'custody' AND l.release_date < as_of AND release_date_is_due(l.release_date_type)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_expiring(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('ends_on', l.ends_on, 'days_to_end', l.ends_on - as_of,
                              'window_days', l.expiry_warning_days)
    FROM live_orders_on(as_of) l
    -- Active on as_of: started by then (live_orders_on's status, put plainly
    -- so the planner can estimate it).
    WHERE l.starts_on <= as_of AND l.ends_on >= as_of AND l.ends_on <= as_of + l.expiry_warning_days
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_compliance_concern(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('source', e.source, e.source || '_id', e.id, 'outcome', e.outcome, 'on', e.on_date,
                              'days_since', as_of - e.on_date)
    FROM live_orders_on(as_of) l
    JOIN LATERAL (
        SELECT ev.* FROM (
            SELECT 'check' AS source, c.id, c.outcome, c.completed_on AS on_date, c.updated_at AS recorded_at
            FROM checks c
            WHERE c.order_id = l.order_id AND c.outcome IN ('compliant', 'non_compliant') AND c.completed_on <= as_of
            UNION ALL
            SELECT 'review', r.id, r.outcome, r.reviewed_on, r.created_at
            FROM reviews r
            WHERE r.order_id = l.order_id AND r.outcome IN ('satisfactory', 'breach_suspected') AND r.reviewed_on <= as_of
        ) ev
        ORDER BY ev.on_date DESC, ev.recorded_at DESC, ev.id DESC
        LIMIT 1) e ON true
    WHERE e.outcome IN ('non_compliant', 'breach_suspected')
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_compliance_concern(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('source', e.source, e.source || '_id', e.id, 'outcome', e.outcome, 'on', e.on_date,
                              'days_since', as_of - e.on_date)
    FROM live_orders l
    JOIN LATERAL (
        SELECT ev.* FROM (
            SELECT 'check' AS source, c.id, c.outcome, c.completed_on AS on_date, c.updated_at AS recorded_at
            FROM checks c
            WHERE c.order_id = l.order_id AND c.outcome IN ('compliant', 'non_compliant') AND c.completed_on <= as_of
            UNION ALL
            SELECT 'review', r.id, r.outcome, r.reviewed_on, r.created_at
            FROM reviews r
            WHERE r.order_id = l.order_id AND r.outcome IN ('satisfactory', 'breach_suspected') AND r.reviewed_on <= as_of
        ) ev
        ORDER BY ev.on_date DESC, ev.recorded_at DESC, ev.id DESC
        LIMIT 1) e ON true
    WHERE e.outcome IN ('non_compliant', 'breach_suspected')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_expiring(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('ends_on', l.ends_on, 'days_to_end', l.ends_on - as_of,
                              'window_days', l.expiry_warning_days)
    FROM live_orders l
    WHERE l.status = 'active' AND l.ends_on >= as_of AND l.ends_on <= as_of + l.expiry_warning_days
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
CREATE OR REPLACE FUNCTION flag_check_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('check_id', ch.id, 'check_kind', ch.kind, 'due_on', ch.due_on,
                              'days_overdue', as_of - ch.due_on, 'grace_days', l.check_grace_days,
                              'overdue_checks', count(*) OVER (PARTITION BY l.order_id))
    FROM live_orders l
    JOIN checks ch ON ch.order_id = l.order_id
    WHERE (ch.completed_on IS NULL OR ch.completed_on > as_of)
      AND ch.due_on + l.check_grace_days < as_of
    ORDER BY l.order_id, ch.due_on, ch.id
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_review_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('due_on', sch.next_review_due, 'days_overdue', as_of - sch.next_review_due,
                              'last_reviewed_on', lr.last_reviewed_on)
    FROM live_orders l
    JOIN order_schedule sch ON sch.order_id = l.order_id
    LEFT JOIN LATERAL (SELECT max(r.reviewed_on) AS last_reviewed_on FROM reviews r
                       WHERE r.order_id = l.order_id) lr ON true
    WHERE sch.next_review_due < as_of
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
DROP FUNCTION live_orders_on(date);
DROP FUNCTION owner_counts(timestamptz, timestamptz, timestamptz, boolean, text, text[], text, text);
DROP FUNCTION scpo_day_end(date);
DROP INDEX owner_assignments_order;
