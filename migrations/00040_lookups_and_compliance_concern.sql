-- Look-ups officers make by the numbers they have in hand: an order by its
-- court reference (any case) and a subject by prison number.
--
-- A compliance concern: a non_compliant check or a breach_suspected review
-- is flagged until a later compliant check or satisfactory review. One
-- definition, a rule function like the others, used by the service when
-- an outcome is recorded (in that transaction, for that order) and by the
-- tasking report for any day's picture. Outcomes that say nothing either
-- way (no_access, concerns) leave it as it was. Of two on the same day,
-- the one recorded last counts.

-- +goose Up
CREATE INDEX orders_reference_lower ON orders (lower(reference));
-- (A prison number is found through the unique index subjects_prison_number_key.)

ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring', 'compliance_concern'));

-- +goose StatementBegin
CREATE FUNCTION flag_compliance_concern(as_of date)
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

-- +goose Down
DROP FUNCTION flag_compliance_concern(date);
DELETE FROM flags WHERE kind = 'compliance_concern';
ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN ('unowned', 'review_overdue', 'check_overdue',
    'pre_release', 'release_date_passed', 'expiring'));
DROP INDEX orders_reference_lower;
