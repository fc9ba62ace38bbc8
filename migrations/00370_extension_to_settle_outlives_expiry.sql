-- extension_to_settle asks for the end the court settled after a charge's
-- outcome (s.22E). It held only while the order was live, and an order
-- charged past its end runs only to the outcome: the lifecycle sweep
-- expired it the next day and the flag went with it, before any meeting
-- could see it, while the end was still unrecorded. It now holds from the
-- outcome until the settled end is recorded, on an order pending, active
-- or expired; a discharged or quashed order has no end to settle once it
-- has ended. The lifecycle sweep leaves it open when it expires an order.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_extension_to_settle(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT DISTINCT ON (o.id) o.id, o.subject_id, o.subject_force,
           CASE WHEN EXISTS (SELECT 1 FROM custody_periods cp WHERE cp.subject_id = o.subject_id
                                AND (cp.began_on IS NULL OR cp.began_on <= as_of)
                                AND (cp.released_on IS NULL OR cp.released_on > as_of))
                THEN 'prison' ELSE 'community' END,
           jsonb_build_object('extension_id', x.id, 'on', x.outcome_on, 'outcome', x.outcome,
                              'offence', x.offence,
                              'ends_on', CASE WHEN o.extension_pending THEN NULL ELSE coalesce(o.extended_to, o.ends_on) END)
    FROM order_extensions x
    JOIN orders o ON o.id = x.order_id
    WHERE x.outcome IS NOT NULL AND x.outcome_on <= as_of AND x.settled_ends_on IS NULL
      AND o.made_on <= as_of
      AND (o.status IN ('pending', 'active', 'expired')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of)
    ORDER BY o.id, x.outcome_on, x.id
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_extension_to_settle(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('extension_id', x.id, 'on', x.outcome_on, 'outcome', x.outcome,
                              'offence', x.offence, 'ends_on', l.ends_on)
    FROM live_orders_on(as_of) l
    JOIN order_extensions x ON x.order_id = l.order_id
    WHERE x.outcome IS NOT NULL AND x.outcome_on <= as_of AND x.settled_ends_on IS NULL
    ORDER BY l.order_id, x.outcome_on, x.id
$$;
-- +goose StatementEnd
