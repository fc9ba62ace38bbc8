-- The 'owned' count of force_counts (migration 00070) moves when a live
-- order gains its first current assignment or loses its last. Its update
-- and delete triggers asked, for each order a statement touched, whether
-- any row of the statement's old rows was current on it: a scan of the
-- whole transition table per order, which has no index. A statement
-- touching n assignments took n^2 steps. Saving a force's review policy
-- rewrites the caseload copies (migration 00220) on every current
-- assignment of the force: at a million orders, 23,000 live orders took
-- 3.5 s, 2.8 s of it in this trigger, and a force twice the size four
-- times that.
--
-- Now each order's number of current assignments before the statement is
-- worked out from the number after it (read through the order's index)
-- and the statement's own rows, summed per order: linear in the rows
-- written. And only rows whose order or currency changed are looked at:
-- the caseload copies change neither, so their statements have nothing
-- to count. TestForceCountsMatchARecount holds the counts to a recount
-- after each kind of change, including bulk statements written by hand.

-- +goose Up
-- +goose StatementBegin
-- Adds to force_counts the 'owned' moves of the orders a statement
-- changed: for each order (one entry each), d is the number of current
-- assignments the statement took away (positive) or added (negative), so
-- it had now + d before. Arrays, not jsonb: the generator writes 400,000
-- assignments in a statement.
CREATE FUNCTION force_counts_owned_moves(order_ids uuid[], ds int[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    SELECT jsonb_agg(jsonb_build_object('force', g.force, 'metric', 'owned', 'd', g.d))
    INTO deltas
    FROM (SELECT s.force, sum(CASE WHEN c.now_n > 0 THEN 1 ELSE -1 END) AS d
          FROM unnest(order_ids, ds) AS m (order_id, d)
          CROSS JOIN LATERAL (SELECT count(*) AS now_n FROM owner_assignments a
                              WHERE a.order_id = m.order_id AND a.ended_at IS NULL) c
          JOIN orders o ON o.id = m.order_id
          JOIN subjects s ON s.id = o.subject_id
          WHERE (c.now_n > 0) <> (c.now_n + m.d > 0) AND o.status IN ('pending', 'active')
          GROUP BY s.force) g;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids uuid[]; ds int[];
BEGIN
    SELECT array_agg(order_id), array_agg(-n) INTO ids, ds
    FROM (SELECT order_id, count(*)::int AS n FROM new_rows WHERE ended_at IS NULL GROUP BY order_id) g;
    IF ids IS NOT NULL THEN PERFORM force_counts_owned_moves(ids, ds); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids uuid[]; ds int[];
BEGIN
    SELECT array_agg(order_id), array_agg(d) INTO ids, ds
    FROM (SELECT v.order_id, sum(v.d)::int AS d FROM (
              SELECT o.order_id, CASE WHEN o.ended_at IS NULL THEN 1 ELSE 0 END AS d,
                     n.order_id AS new_order, CASE WHEN n.ended_at IS NULL THEN -1 ELSE 0 END AS new_d
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.order_id IS DISTINCT FROM n.order_id OR (o.ended_at IS NULL) <> (n.ended_at IS NULL)) m
          CROSS JOIN LATERAL (VALUES (m.order_id, m.d), (m.new_order, m.new_d)) v (order_id, d)
          WHERE v.d <> 0
          GROUP BY v.order_id) g;
    IF ids IS NOT NULL THEN PERFORM force_counts_owned_moves(ids, ds); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_del() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids uuid[]; ds int[];
BEGIN
    SELECT array_agg(order_id), array_agg(n) INTO ids, ds
    FROM (SELECT order_id, count(*)::int AS n FROM old_rows WHERE ended_at IS NULL GROUP BY order_id) g;
    IF ids IS NOT NULL THEN PERFORM force_counts_owned_moves(ids, ds); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    WITH st AS (
        SELECT x.order_id,
               EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL) AS after,
               EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL
                       AND a.id NOT IN (SELECT n.id FROM new_rows n)) AS before
        FROM (SELECT DISTINCT order_id FROM new_rows) x
    )
    SELECT jsonb_agg(jsonb_build_object('force', s.force, 'metric', 'owned', 'd', CASE WHEN st.after THEN 1 ELSE -1 END))
    INTO deltas
    FROM st JOIN orders o ON o.id = st.order_id JOIN subjects s ON s.id = o.subject_id
    WHERE st.after <> st.before AND o.status IN ('pending', 'active');
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    WITH st AS (
        SELECT x.order_id,
               EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL) AS after,
               (EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL
                       AND a.id NOT IN (SELECT n.id FROM new_rows n))
               OR EXISTS (SELECT 1 FROM old_rows r WHERE r.order_id = x.order_id AND r.ended_at IS NULL)) AS before
        FROM (SELECT DISTINCT order_id FROM (SELECT order_id FROM new_rows UNION ALL SELECT order_id FROM old_rows) u) x
    )
    SELECT jsonb_agg(jsonb_build_object('force', s.force, 'metric', 'owned', 'd', CASE WHEN st.after THEN 1 ELSE -1 END))
    INTO deltas
    FROM st JOIN orders o ON o.id = st.order_id JOIN subjects s ON s.id = o.subject_id
    WHERE st.after <> st.before AND o.status IN ('pending', 'active');
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_owners_del() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    WITH st AS (
        SELECT x.order_id,
               EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL) AS after,
               (EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = x.order_id AND a.ended_at IS NULL)
               OR EXISTS (SELECT 1 FROM old_rows r WHERE r.order_id = x.order_id AND r.ended_at IS NULL)) AS before
        FROM (SELECT DISTINCT order_id FROM old_rows) x
    )
    SELECT jsonb_agg(jsonb_build_object('force', s.force, 'metric', 'owned', 'd', CASE WHEN st.after THEN 1 ELSE -1 END))
    INTO deltas
    FROM st JOIN orders o ON o.id = st.order_id JOIN subjects s ON s.id = o.subject_id
    WHERE st.after <> st.before AND o.status IN ('pending', 'active');
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP FUNCTION force_counts_owned_moves(uuid[], int[]);
