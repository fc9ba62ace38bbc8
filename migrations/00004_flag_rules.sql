-- One definition of each flag: a set-returning function per kind giving
-- the live orders for which the flag's condition holds on a date, with the
-- inputs that make it true. The sweeps raise and resolve flags from these;
-- the reports call them with as_of to reproduce any day's picture.

-- +goose Up
-- +goose StatementBegin
CREATE VIEW live_orders AS
SELECT o.id AS order_id, o.subject_id, s.force,
       CASE WHEN s.custody_status = 'custody' THEN 'prison' ELSE 'community' END AS case_type,
       o.status, o.starts_on, o.ends_on, o.made_on, s.custody_status, s.release_date, s.release_date_type,
       coalesce(p.required_roles, '{}') AS required_roles,
       coalesce(p.pre_release_days, 180) AS pre_release_days,
       coalesce(p.check_grace_days, 0) AS check_grace_days,
       coalesce(p.expiry_warning_days, 180) AS expiry_warning_days
FROM orders o
JOIN subjects s ON s.id = o.subject_id
LEFT JOIN force_policies p ON p.force = s.force
WHERE o.status IN ('pending', 'active');
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION flag_unowned(as_of date)
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

-- +goose StatementBegin
CREATE FUNCTION flag_review_overdue(as_of date)
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
CREATE FUNCTION flag_check_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('check_id', c.id, 'check_kind', c.kind, 'due_on', c.due_on,
                              'days_overdue', as_of - c.due_on, 'grace_days', l.check_grace_days,
                              'overdue_checks', c.overdue_checks)
    FROM live_orders l
    JOIN LATERAL (
        SELECT ch.id, ch.kind, ch.due_on, count(*) OVER () AS overdue_checks
        FROM checks ch
        WHERE ch.order_id = l.order_id
          AND (ch.completed_on IS NULL OR ch.completed_on > as_of)
          AND ch.due_on + l.check_grace_days < as_of
        ORDER BY ch.due_on, ch.id
        LIMIT 1) c ON true
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION flag_pre_release(as_of date)
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
CREATE FUNCTION flag_release_date_passed(as_of date)
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
CREATE FUNCTION flag_expiring(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('ends_on', l.ends_on, 'days_to_end', l.ends_on - as_of,
                              'window_days', l.expiry_warning_days)
    FROM live_orders l
    WHERE l.status = 'active' AND l.ends_on >= as_of AND l.ends_on <= as_of + l.expiry_warning_days
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION flag_expiring(date);
DROP FUNCTION flag_release_date_passed(date);
DROP FUNCTION flag_pre_release(date);
DROP FUNCTION flag_check_overdue(date);
DROP FUNCTION flag_review_overdue(date);
DROP FUNCTION flag_unowned(date);
DROP VIEW live_orders;
