-- Two rules that read the register as of a day said what was not so.
--
-- live_orders_on counted an order pending or active as live whatever its
-- end: until the lifecycle sweep expired it (02:15, or never when that job
-- failed), and on any later as_of (an agenda or region report for next
-- year), an order past its end stood live, flagged review overdue. It is
-- now live exactly when the lifecycle sweep would leave it so: to its end
-- or extended end, or while a charge that may extend it is pending (s.22E).
--
-- A pre-release review counted for a release if it fell in the window
-- before the release date, whatever spell it was recorded in: a review
-- for last month's release made the subject "ready" for the next one,
-- after a recall. It now counts only from the current spell's first day
-- (or, with that unknown, the day after the subject's last release: a
-- review that day was for that release), custody_spell_began.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz,
               last_reviewed_on date, served_on date)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.id, o.subject_id, o.subject_force,
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
           d.day_end,
           o.last_reviewed_on, o.served_on
    FROM orders o
    LEFT JOIN force_policies p ON p.force = o.subject_force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
               AND (o.extension_pending OR coalesce(o.extended_to, o.ends_on) IS NULL
                    OR coalesce(o.extended_to, o.ends_on) >= as_of)
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND coalesce(o.extended_to, o.ends_on) >= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION custody_spell_began(subject uuid, as_of date) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT cp.began_on FROM custody_periods cp
         WHERE cp.subject_id = subject AND (cp.began_on IS NULL OR cp.began_on <= as_of)
           AND (cp.released_on IS NULL OR cp.released_on > as_of)
         ORDER BY cp.began_on DESC NULLS LAST LIMIT 1),
        (SELECT max(cp.released_on) + 1 FROM custody_periods cp WHERE cp.subject_id = subject AND cp.released_on <= as_of),
        '-infinity'::date)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Whether the order has a pre-release review for the release on
-- release_date: in the window before it, in the current spell, by as_of.
-- The rule and both pre-release reports ask it.
CREATE FUNCTION pre_release_reviewed(order_id uuid, subject_id uuid, release_date date, window_days integer, as_of date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = $1 AND r.kind = 'pre_release'
                     AND r.reviewed_on >= greatest($3 - $4, custody_spell_began($2, $5)) AND r.reviewed_on <= $5)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_pre_release(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'release_due', release_date_is_due(l.release_date_type),
                              'window_days', l.pre_release_days, 'days_to_release', l.release_date - as_of,
                              'has_iom_owner', EXISTS (
                                  SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                                  WHERE a.order_id = l.order_id AND a.role = 'iom'
                                    AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force,
                                                     f.roles, a.role, l.force)),
                              'has_pre_release_review',
                                  pre_release_reviewed(l.order_id, l.subject_id, l.release_date, l.pre_release_days, as_of))
    FROM live_orders_on(as_of) l
    WHERE l.custody_status = 'custody'
      AND (l.release_date >= as_of OR NOT release_date_is_due(l.release_date_type))
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (EXISTS (SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                       WHERE a.order_id = l.order_id AND a.role = 'iom'
                         AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles,
                                          a.role, l.force))
               AND pre_release_reviewed(l.order_id, l.subject_id, l.release_date, l.pre_release_days, as_of))
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_pre_release(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
      AND (l.release_date >= as_of OR NOT release_date_is_due(l.release_date_type))
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (EXISTS (SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                       WHERE a.order_id = l.order_id AND a.role = 'iom'
                         AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles,
                                          a.role, l.force))
               AND EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.kind = 'pre_release'
                           AND r.reviewed_on >= l.release_date - l.pre_release_days AND r.reviewed_on <= as_of))
$$;
-- +goose StatementEnd

DROP FUNCTION pre_release_reviewed(uuid, uuid, date, integer, date);
DROP FUNCTION custody_spell_began(uuid, date);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz,
               last_reviewed_on date, served_on date)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.id, o.subject_id, o.subject_force,
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
           d.day_end,
           o.last_reviewed_on, o.served_on
    FROM orders o
    LEFT JOIN force_policies p ON p.force = o.subject_force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND coalesce(o.extended_to, o.ends_on) >= as_of)
$$;
-- +goose StatementEnd
