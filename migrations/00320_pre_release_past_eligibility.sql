-- pre_release was open only while the release date was still ahead. A
-- home detention curfew or parole eligibility date (HDCED, PED) that has
-- passed is not a missed release: the subject may be released any day from
-- then on, which is when an IOM owner and a pre-release review matter most.
-- The flag now stays open past such a date, until the subject is released
-- or someone is ready. A date on which release is due (CRD, ARD and the
-- rest) that has passed is release_date_passed, as before. The rest is
-- 00060's rule as it stands (parallel safe since 00190).

-- +goose Up
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
