-- The pre_release rule kept orders whose subject is in custody by asking
-- live_orders_on's custody_status, a CASE over the custody period's id
-- that the planner cannot estimate: it took 0.5% of the 240,000 custody
-- periods at a million orders (711 rows for 120,410), so it probed orders
-- by subject 240,000 times instead of hashing them (the custody sweep's
-- rule: 1.09-1.10 s, 0.97-0.98 s as below). A release date is the custody
-- period's own, so an order with one is an order in custody: the rule asks
-- for the date instead, which the planner estimates from the column.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_pre_release(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('release_date', l.release_date, 'release_date_type', l.release_date_type,
                              'release_due', release_date_is_due(l.release_date_type),
                              'window_days', l.pre_release_days, 'days_to_release', l.release_date - as_of,
                              'has_iom_owner', i.has_iom,
                              'has_pre_release_review', pr.reviewed)
    FROM live_orders_on(as_of) l
    CROSS JOIN LATERAL (SELECT EXISTS (
                            SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                            WHERE a.order_id = l.order_id AND a.role = 'iom'
                              AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force,
                                               f.roles, a.role, l.force)) AS has_iom) i
    CROSS JOIN LATERAL pre_release_review(l.order_id, l.subject_id, l.release_date, l.pre_release_days, as_of) pr
    -- In custody: only a custody period has a release date.
    WHERE l.release_date IS NOT NULL
      AND (l.release_date >= as_of OR NOT release_date_is_due(l.release_date_type))
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (i.has_iom AND pr.reviewed)
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
                              'has_iom_owner', i.has_iom,
                              'has_pre_release_review', pr.reviewed)
    FROM live_orders_on(as_of) l
    CROSS JOIN LATERAL (SELECT EXISTS (
                            SELECT 1 FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                            WHERE a.order_id = l.order_id AND a.role = 'iom'
                              AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force,
                                               f.roles, a.role, l.force)) AS has_iom) i
    CROSS JOIN LATERAL pre_release_review(l.order_id, l.subject_id, l.release_date, l.pre_release_days, as_of) pr
    WHERE l.custody_status = 'custody'
      AND (l.release_date >= as_of OR NOT release_date_is_due(l.release_date_type))
      AND l.release_date <= as_of + l.pre_release_days
      AND NOT (i.has_iom AND pr.reviewed)
$$;
-- +goose StatementEnd
