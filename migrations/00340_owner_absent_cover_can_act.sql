-- owner_absent was kept closed by any cover named on the absence, even one
-- deactivated or away themselves (the demo's cover on open-ended sick
-- leave, say): nobody acted on the orders and nobody was told. A cover
-- now counts only on the days they can act: active, of the order's force,
-- and not on an absence of their own. The flag names the cover, if any.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_owner_absent(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('officer_id', a.officer_id, 'owner_role', a.role, 'absence_id', ab.id,
                              'kind', ab.kind, 'starts_on', ab.starts_on, 'ends_on', ab.ends_on,
                              'threshold_days', coalesce(p.absence_threshold_days, 14),
                              'cover_officer_id', ab.cover_officer_id)
    FROM live_orders_on(as_of) l
    JOIN owner_assignments a ON a.order_id = l.order_id
    JOIN officers f ON f.id = a.officer_id
    JOIN officer_absences ab ON ab.officer_id = a.officer_id
    LEFT JOIN force_policies p ON p.force = l.force
    WHERE owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles, a.role, l.force)
      AND ab.cancelled_at IS NULL
      AND ab.starts_on <= as_of AND (ab.ends_on IS NULL OR ab.ends_on >= as_of)
      AND (ab.ends_on IS NULL OR ab.ends_on - ab.starts_on + 1 > coalesce(p.absence_threshold_days, 14))
      AND NOT EXISTS (
          SELECT 1 FROM officers c
          WHERE c.id = ab.cover_officer_id
            AND c.active AND c.force = l.force
            AND NOT EXISTS (SELECT 1 FROM officer_absences cab WHERE cab.officer_id = c.id AND cab.cancelled_at IS NULL
                            AND cab.starts_on <= as_of AND (cab.ends_on IS NULL OR cab.ends_on >= as_of)))
    ORDER BY l.order_id, a.role, ab.starts_on
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_owner_absent(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
