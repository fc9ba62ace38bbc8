-- flag_unowned's details named the roles each unowned order's counting
-- owners hold, by a subquery per order. With no policy (no roles
-- required) an order is unowned only when nobody counts as its owner, so
-- those details are the same for every such order: every role missing,
-- "any one owner" required, none held. The subquery now runs only for an
-- order under a policy naming roles. At a first catch-up over a million
-- orders it ran for each of the 599,341 orders raised (index probes
-- finding nothing, 3.6 s of the ownership sweep's 20).

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_unowned(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           -- With no policy the order is unowned only when nobody counts,
           -- so its details are the same for every such order.
           CASE WHEN cardinality(l.required_roles) = 0 THEN
               '{"missing_roles": ["iom", "lro", "orders_officer"], "required_roles": "any one owner", "current_roles": []}'::jsonb
           ELSE
           (SELECT jsonb_build_object(
                'missing_roles', to_jsonb(ARRAY(SELECT r FROM unnest(l.required_roles) r
                                                WHERE NOT r = ANY (cur.roles) ORDER BY r)),
                'required_roles', to_jsonb(l.required_roles),
                'current_roles', to_jsonb(cur.roles))
            FROM (SELECT coalesce(array_agg(a.role ORDER BY a.role), '{}') AS roles
                  FROM owner_assignments a JOIN officers f ON f.id = a.officer_id
                  WHERE a.order_id = l.order_id
                    AND owner_counts(a.assigned_at, a.ended_at, l.day_end, f.active, f.force, f.roles, a.role,
                                     l.force)) cur)
           END
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_unowned(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
