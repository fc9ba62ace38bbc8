-- officer_loads' triggers (migration 00510) failed the first catch-up of a
-- freshly generated register of a million orders: the statement that moves
-- the counts ran past the sweep's two-minute statement timeout, the run
-- rolled back (and with it the statistics it had gathered), and every later
-- run failed the same way. On a register swept before, they cost 15 s of a
-- 76 s catch-up. Two faults:
--
--  * they probed, one order at a time, the open flags of every order a
--    statement flagged, and the planner chose how: with no column
--    statistics (a first sweep analyses flags while it is still empty) it
--    read each order's flags through flags_one_open, whose first column is
--    the kind, so each probe read the whole index: quadratic, 125,000
--    probes into 125,000 entries for the first sweep's expiring flags.
--    The assignments moved were probed the same way, through indexes on
--    the officer when no statistics said otherwise;
--  * they probed every order flagged, held or not: 599,341 probes for the
--    first ownership sweep's unowned flags, none of them on an order
--    anyone holds (4.5 s), 584,460 for the review sweep's (5.3 s).
--
-- Now no statement probes row by row, and the orders nobody holds are
-- dropped before anything else is read. A statement of up to 10,000 flags
-- (a change, a daily sweep) hands its orders on as arrays, and each table
-- is read once for all of them (order_id = ANY: through flags_order and
-- owner_assignments_order when there are few); a larger one (a first
-- sweep) joins its own rows to the live assignments and then to the
-- orders' open flags, and so does a statement of more than 10,000
-- assignments. Those large ones are planned with nested loops off, so
-- every join is by hash or merge: however wrong the statistics, each reads
-- each table once, linear in its size. (Not the small ones: the flags
-- trigger fires for every statement on flags, with rows or none, and with
-- nested loops off through a SET clause on the functions, the API's tests
-- took 70% longer.) What the
-- counts mean is unchanged (officer_loads_recount, migration 00510):
-- TestForceCountsMatchARecount and its InBulk twin hold them to it by
-- either way, TestOfficerLoadsReadFlagsOnceWhenStatisticsSayNothing holds
-- the plans.

-- +goose Up
-- +goose StatementBegin
-- Moves 'overdue' and 'flagged' for the holders of the orders given, each
-- with the number of open review and check flags (dos) and of open flags
-- of any kind (das) a statement opened less those it closed: the order has
-- now - d before, so a move is whether it went from none to some or back.
CREATE FUNCTION officer_loads_flag_moves(order_ids uuid[], dos int[], das int[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO officer_loads AS l (officer_id, force, overdue, flagged)
    SELECT h.officer_id, h.force, sum(mv.dov), sum(mv.dfl)
    FROM (SELECT DISTINCT a.officer_id, a.order_subject_force AS force, a.order_id FROM owner_assignments a
          WHERE a.order_id = ANY (order_ids) AND a.ended_at IS NULL
            AND a.order_next_due IS NOT NULL AND a.order_subject_force IS NOT NULL) h
    JOIN (SELECT m.order_id,
                 (coalesce(c.now_o, 0) > 0)::int - (coalesce(c.now_o, 0) - m.o > 0)::int AS dov,
                 (coalesce(c.now_a, 0) > 0)::int - (coalesce(c.now_a, 0) - m.a > 0)::int AS dfl
          FROM unnest(order_ids, dos, das) AS m (order_id, o, a)
          LEFT JOIN (SELECT f.order_id, count(*) FILTER (WHERE f.kind IN ('review_overdue', 'check_overdue')) AS now_o,
                            count(*) AS now_a
                     FROM flags f WHERE f.order_id = ANY (order_ids) AND f.resolved_at IS NULL GROUP BY 1) c
               ON c.order_id = m.order_id) mv ON mv.order_id = h.order_id
    WHERE (mv.dov, mv.dfl) <> (0, 0)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (officer_id, force) DO UPDATE SET overdue = l.overdue + excluded.overdue,
        flagged = l.flagged + excluded.flagged
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A statement on flags: the orders whose open flags it changed, with how.
-- Up to bulk_rows rows (a change, a daily sweep) the orders go
-- to officer_loads_flag_moves, which reads them through indexes. Beyond
-- (a first sweep: 584,460 review flags at a million orders) one statement
-- joins the rows to the live assignments and then to the open flags of the
-- orders held, each read once by hash: for the review sweep's flags,
-- 5.3 s where handing the ids on as arrays took 7.3 (the arrays planned as
-- constants and hashed, then unnested).
CREATE OR REPLACE FUNCTION officer_loads_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- scpo.officer_loads_bulk_rows is for the tests, to take either way.
    bulk_rows CONSTANT int := coalesce(nullif(current_setting('scpo.officer_loads_bulk_rows', true), '')::int, 10000);
    moved text;
    n int;
    nestloop text;
    order_ids uuid[]; dos int[]; das int[];
BEGIN
    -- Most statements of a change touch a handful of flags or none (the
    -- trigger fires for each statement all the same): static statements,
    -- planned once a connection.
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO n FROM old_rows;
    ELSE
        SELECT count(*) INTO n FROM new_rows;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF n <= bulk_rows THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
            FROM (SELECT order_id, count(*) FILTER (WHERE kind IN ('review_overdue', 'check_overdue'))::int AS o,
                         count(*)::int AS a
                  FROM new_rows WHERE resolved_at IS NULL GROUP BY 1) g;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
            FROM (SELECT order_id, -count(*) FILTER (WHERE kind IN ('review_overdue', 'check_overdue'))::int AS o,
                         -count(*)::int AS a
                  FROM old_rows WHERE resolved_at IS NULL GROUP BY 1) g;
        ELSE
            SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
            FROM (SELECT v.order_id, coalesce(sum(v.d) FILTER (WHERE v.kind IN ('review_overdue', 'check_overdue')), 0)::int AS o,
                         sum(v.d)::int AS a
                  FROM old_rows o JOIN new_rows n ON n.id = o.id
                  CROSS JOIN LATERAL (VALUES (o.order_id, o.kind, -1, o.resolved_at IS NULL),
                                             (n.order_id, n.kind, 1, n.resolved_at IS NULL)) AS v (order_id, kind, d, open)
                  WHERE v.open
                    AND ((o.resolved_at IS NULL) <> (n.resolved_at IS NULL) OR o.order_id <> n.order_id OR o.kind <> n.kind)
                  GROUP BY 1) g
            WHERE (g.o, g.a) <> (0, 0);
        END IF;
        IF order_ids IS NOT NULL THEN
            PERFORM officer_loads_flag_moves(order_ids, dos, das);
        END IF;
        RETURN NULL;
    END IF;
    -- In bulk: a row per flag opened (+1) or closed (-1), o for review
    -- and check flags, a for any.
    IF TG_OP = 'INSERT' THEN
        moved := $q$SELECT order_id, (kind IN ('review_overdue', 'check_overdue'))::int AS o, 1 AS a
                    FROM new_rows WHERE resolved_at IS NULL$q$;
    ELSIF TG_OP = 'DELETE' THEN
        moved := $q$SELECT order_id, -(kind IN ('review_overdue', 'check_overdue'))::int AS o, -1 AS a
                    FROM old_rows WHERE resolved_at IS NULL$q$;
    ELSE
        moved := $q$SELECT v.order_id, v.d * (v.kind IN ('review_overdue', 'check_overdue'))::int AS o, v.d AS a
                    FROM old_rows o JOIN new_rows n ON n.id = o.id
                    CROSS JOIN LATERAL (VALUES (o.order_id, o.kind, -1, o.resolved_at IS NULL),
                                               (n.order_id, n.kind, 1, n.resolved_at IS NULL)) AS v (order_id, kind, d, open)
                    WHERE v.open
                      AND ((o.resolved_at IS NULL) <> (n.resolved_at IS NULL) OR o.order_id <> n.order_id OR o.kind <> n.kind)$q$;
    END IF;
    nestloop := current_setting('enable_nestloop');
    PERFORM set_config('enable_nestloop', 'off', true);
    EXECUTE format($q$
        WITH r AS MATERIALIZED (%s),
        h AS MATERIALIZED (
            SELECT DISTINCT a.officer_id, a.order_subject_force AS force, a.order_id FROM owner_assignments a
            WHERE a.ended_at IS NULL AND a.order_next_due IS NOT NULL AND a.order_subject_force IS NOT NULL
              AND a.order_id IN (SELECT r.order_id FROM r)),
        m AS (SELECT r.order_id, sum(r.o) AS o, sum(r.a) AS a FROM r
              WHERE r.order_id IN (SELECT h.order_id FROM h) GROUP BY 1),
        c AS (SELECT f.order_id, count(*) FILTER (WHERE f.kind IN ('review_overdue', 'check_overdue')) AS now_o,
                     count(*) AS now_a
              FROM flags f WHERE f.resolved_at IS NULL AND f.order_id IN (SELECT m.order_id FROM m) GROUP BY 1),
        mv AS (SELECT m.order_id,
                      (coalesce(c.now_o, 0) > 0)::int - (coalesce(c.now_o, 0) - m.o > 0)::int AS dov,
                      (coalesce(c.now_a, 0) > 0)::int - (coalesce(c.now_a, 0) - m.a > 0)::int AS dfl
               FROM m LEFT JOIN c ON c.order_id = m.order_id)
        INSERT INTO officer_loads AS l (officer_id, force, overdue, flagged)
        SELECT h.officer_id, h.force, sum(mv.dov), sum(mv.dfl)
        FROM h JOIN mv ON mv.order_id = h.order_id
        WHERE (mv.dov, mv.dfl) <> (0, 0)
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (officer_id, force) DO UPDATE SET overdue = l.overdue + excluded.overdue,
            flagged = l.flagged + excluded.flagged$q$, moved);
    PERFORM set_config('enable_nestloop', nestloop, true);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- As in migration 00510, with the assignments now held and the orders'
-- open flags each read once for all the orders moved.
CREATE OR REPLACE FUNCTION officer_loads_owner_moves(officer_ids uuid[], order_ids uuid[], forces text[], roles text[], ds int[])
RETURNS void LANGUAGE sql AS $$
    WITH m AS (SELECT * FROM unnest(officer_ids, order_ids, forces, roles, ds) AS m (officer_id, order_id, force, role, d)),
    r AS (SELECT m.officer_id, m.force, sum(m.d) FILTER (WHERE m.role = 'iom') AS iom,
                 sum(m.d) FILTER (WHERE m.role = 'lro') AS lro,
                 sum(m.d) FILTER (WHERE m.role = 'orders_officer') AS orders_officer
          FROM m GROUP BY 1, 2),
    n AS (SELECT a.officer_id, a.order_subject_force AS force, a.order_id, count(*) AS now_n FROM owner_assignments a
          WHERE a.order_id = ANY (order_ids) AND a.ended_at IS NULL
            AND a.order_next_due IS NOT NULL AND a.order_subject_force IS NOT NULL
          GROUP BY 1, 2, 3),
    t AS (SELECT p.officer_id, p.force, p.order_id,
                 (coalesce(n.now_n, 0) > 0)::int - (coalesce(n.now_n, 0) - p.d > 0)::int AS dt
          FROM (SELECT m.officer_id, m.force, m.order_id, sum(m.d) AS d FROM m GROUP BY 1, 2, 3) p
          LEFT JOIN n ON n.officer_id = p.officer_id AND n.order_id = p.order_id AND n.force = p.force),
    fl AS (SELECT f.order_id, bool_or(f.kind IN ('review_overdue', 'check_overdue')) AS overdue FROM flags f
           WHERE f.order_id = ANY (order_ids) AND f.resolved_at IS NULL GROUP BY 1),
    o AS (SELECT t.officer_id, t.force, sum(t.dt) AS total, sum(t.dt) FILTER (WHERE fl.overdue) AS overdue,
                 sum(t.dt) FILTER (WHERE fl.order_id IS NOT NULL) AS flagged
          FROM t LEFT JOIN fl ON fl.order_id = t.order_id WHERE t.dt <> 0 GROUP BY 1, 2),
    d AS (SELECT coalesce(r.officer_id, o.officer_id) AS officer_id, coalesce(r.force, o.force) AS force,
                 coalesce(r.iom, 0) AS iom, coalesce(r.lro, 0) AS lro, coalesce(r.orders_officer, 0) AS orders_officer,
                 coalesce(o.total, 0) AS total, coalesce(o.overdue, 0) AS overdue, coalesce(o.flagged, 0) AS flagged
          FROM r FULL JOIN o ON o.officer_id = r.officer_id AND o.force = r.force)
    INSERT INTO officer_loads AS l (officer_id, force, iom, lro, orders_officer, total, overdue, flagged)
    SELECT * FROM d WHERE (iom, lro, orders_officer, total, overdue, flagged) <> (0, 0, 0, 0, 0, 0)
    ORDER BY officer_id, force
    ON CONFLICT (officer_id, force) DO UPDATE SET iom = l.iom + excluded.iom, lro = l.lro + excluded.lro,
        orders_officer = l.orders_officer + excluded.orders_officer, total = l.total + excluded.total,
        overdue = l.overdue + excluded.overdue, flagged = l.flagged + excluded.flagged
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION officer_loads_owners() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE officer_ids uuid[]; order_ids uuid[]; forces text[]; roles text[]; ds int[]; nestloop text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(officer_id), array_agg(order_id), array_agg(order_subject_force), array_agg(role), array_agg(1)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM new_rows WHERE ended_at IS NULL AND order_next_due IS NOT NULL AND order_subject_force IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(officer_id), array_agg(order_id), array_agg(order_subject_force), array_agg(role), array_agg(-1)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM old_rows WHERE ended_at IS NULL AND order_next_due IS NOT NULL AND order_subject_force IS NOT NULL;
    ELSE
        -- Only rows whose part in the counts changed: a new due date on a
        -- live order (most updates: a review recorded) moves nothing.
        SELECT array_agg(v.officer_id), array_agg(v.order_id), array_agg(v.force), array_agg(v.role), array_agg(v.d)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM (SELECT o.id, o.officer_id AS o_officer, o.order_id AS o_order, o.order_subject_force AS o_force, o.role AS o_role,
                     o.ended_at IS NULL AND o.order_next_due IS NOT NULL AND o.order_subject_force IS NOT NULL AS o_live,
                     n.officer_id AS n_officer, n.order_id AS n_order, n.order_subject_force AS n_force, n.role AS n_role,
                     n.ended_at IS NULL AND n.order_next_due IS NOT NULL AND n.order_subject_force IS NOT NULL AS n_live
              FROM old_rows o JOIN new_rows n ON n.id = o.id) x
        CROSS JOIN LATERAL (VALUES (x.o_officer, x.o_order, x.o_force, x.o_role, -1, x.o_live),
                                   (x.n_officer, x.n_order, x.n_force, x.n_role, 1, x.n_live))
            AS v (officer_id, order_id, force, role, d, live)
        WHERE v.live AND (x.o_live IS DISTINCT FROM x.n_live
                          OR (x.o_officer, x.o_order, x.o_force, x.o_role) IS DISTINCT FROM (x.n_officer, x.n_order, x.n_force, x.n_role));
    END IF;
    IF cardinality(officer_ids) > coalesce(nullif(current_setting('scpo.officer_loads_bulk_rows', true), '')::int, 10000) THEN
        -- Many assignments (a register generated or imported): every join
        -- by hash or merge, whatever the statistics (see the header).
        nestloop := current_setting('enable_nestloop');
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM officer_loads_owner_moves(officer_ids, order_ids, forces, roles, ds);
        PERFORM set_config('enable_nestloop', nestloop, true);
    ELSIF officer_ids IS NOT NULL THEN
        PERFORM officer_loads_owner_moves(officer_ids, order_ids, forces, roles, ds);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION officer_loads_owners() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE officer_ids uuid[]; order_ids uuid[]; forces text[]; roles text[]; ds int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(officer_id), array_agg(order_id), array_agg(order_subject_force), array_agg(role), array_agg(1)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM new_rows WHERE ended_at IS NULL AND order_next_due IS NOT NULL AND order_subject_force IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(officer_id), array_agg(order_id), array_agg(order_subject_force), array_agg(role), array_agg(-1)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM old_rows WHERE ended_at IS NULL AND order_next_due IS NOT NULL AND order_subject_force IS NOT NULL;
    ELSE
        -- Only rows whose part in the counts changed: a new due date on a
        -- live order (most updates: a review recorded) moves nothing.
        SELECT array_agg(v.officer_id), array_agg(v.order_id), array_agg(v.force), array_agg(v.role), array_agg(v.d)
        INTO officer_ids, order_ids, forces, roles, ds
        FROM (SELECT o.id, o.officer_id AS o_officer, o.order_id AS o_order, o.order_subject_force AS o_force, o.role AS o_role,
                     o.ended_at IS NULL AND o.order_next_due IS NOT NULL AND o.order_subject_force IS NOT NULL AS o_live,
                     n.officer_id AS n_officer, n.order_id AS n_order, n.order_subject_force AS n_force, n.role AS n_role,
                     n.ended_at IS NULL AND n.order_next_due IS NOT NULL AND n.order_subject_force IS NOT NULL AS n_live
              FROM old_rows o JOIN new_rows n ON n.id = o.id) x
        CROSS JOIN LATERAL (VALUES (x.o_officer, x.o_order, x.o_force, x.o_role, -1, x.o_live),
                                   (x.n_officer, x.n_order, x.n_force, x.n_role, 1, x.n_live))
            AS v (officer_id, order_id, force, role, d, live)
        WHERE v.live AND (x.o_live IS DISTINCT FROM x.n_live
                          OR (x.o_officer, x.o_order, x.o_force, x.o_role) IS DISTINCT FROM (x.n_officer, x.n_order, x.n_force, x.n_role));
    END IF;
    IF officer_ids IS NOT NULL THEN
        PERFORM officer_loads_owner_moves(officer_ids, order_ids, forces, roles, ds);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION officer_loads_owner_moves(officer_ids uuid[], order_ids uuid[], forces text[], roles text[], ds int[])
RETURNS void LANGUAGE sql AS $$
    WITH m AS (SELECT * FROM unnest(officer_ids, order_ids, forces, roles, ds) AS m (officer_id, order_id, force, role, d)),
    r AS (SELECT m.officer_id, m.force, sum(m.d) FILTER (WHERE m.role = 'iom') AS iom,
                 sum(m.d) FILTER (WHERE m.role = 'lro') AS lro,
                 sum(m.d) FILTER (WHERE m.role = 'orders_officer') AS orders_officer
          FROM m GROUP BY 1, 2),
    t AS (SELECT p.officer_id, p.force, p.order_id,
                 (c.now_n > 0)::int - (c.now_n - p.d > 0)::int AS dt
          FROM (SELECT m.officer_id, m.force, m.order_id, sum(m.d) AS d FROM m GROUP BY 1, 2, 3) p
          CROSS JOIN LATERAL (SELECT count(*) AS now_n FROM owner_assignments a
                              WHERE a.officer_id = p.officer_id AND a.order_id = p.order_id AND a.ended_at IS NULL
                                AND a.order_next_due IS NOT NULL AND a.order_subject_force = p.force) c),
    o AS (SELECT t.officer_id, t.force, sum(t.dt) AS total,
                 sum(t.dt) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.order_id = t.order_id
                                                 AND f.kind IN ('review_overdue', 'check_overdue')
                                                 AND f.resolved_at IS NULL)) AS overdue,
                 sum(t.dt) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.order_id = t.order_id
                                                 AND f.resolved_at IS NULL)) AS flagged
          FROM t WHERE t.dt <> 0 GROUP BY 1, 2),
    d AS (SELECT coalesce(r.officer_id, o.officer_id) AS officer_id, coalesce(r.force, o.force) AS force,
                 coalesce(r.iom, 0) AS iom, coalesce(r.lro, 0) AS lro, coalesce(r.orders_officer, 0) AS orders_officer,
                 coalesce(o.total, 0) AS total, coalesce(o.overdue, 0) AS overdue, coalesce(o.flagged, 0) AS flagged
          FROM r FULL JOIN o ON o.officer_id = r.officer_id AND o.force = r.force)
    INSERT INTO officer_loads AS l (officer_id, force, iom, lro, orders_officer, total, overdue, flagged)
    SELECT * FROM d WHERE (iom, lro, orders_officer, total, overdue, flagged) <> (0, 0, 0, 0, 0, 0)
    ORDER BY officer_id, force
    ON CONFLICT (officer_id, force) DO UPDATE SET iom = l.iom + excluded.iom, lro = l.lro + excluded.lro,
        orders_officer = l.orders_officer + excluded.orders_officer, total = l.total + excluded.total,
        overdue = l.overdue + excluded.overdue, flagged = l.flagged + excluded.flagged
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION officer_loads_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE order_ids uuid[]; dos int[]; das int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
        FROM (SELECT order_id, count(*) FILTER (WHERE kind IN ('review_overdue', 'check_overdue'))::int AS o,
                     count(*)::int AS a
              FROM new_rows WHERE resolved_at IS NULL GROUP BY 1) g;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
        FROM (SELECT order_id, -count(*) FILTER (WHERE kind IN ('review_overdue', 'check_overdue'))::int AS o,
                     -count(*)::int AS a
              FROM old_rows WHERE resolved_at IS NULL GROUP BY 1) g;
    ELSE
        SELECT array_agg(order_id), array_agg(o), array_agg(a) INTO order_ids, dos, das
        FROM (SELECT v.order_id, sum(v.d) FILTER (WHERE v.kind IN ('review_overdue', 'check_overdue'))::int AS o,
                     sum(v.d)::int AS a
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              CROSS JOIN LATERAL (VALUES (o.order_id, o.kind, -1, o.resolved_at IS NULL),
                                         (n.order_id, n.kind, 1, n.resolved_at IS NULL)) AS v (order_id, kind, d, open)
              WHERE v.open
                AND ((o.resolved_at IS NULL) <> (n.resolved_at IS NULL) OR o.order_id <> n.order_id OR o.kind <> n.kind)
              GROUP BY 1) g;
    END IF;
    IF order_ids IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO officer_loads AS l (officer_id, force, overdue, flagged)
    SELECT h.officer_id, h.force, sum(h.dov), sum(h.dfl)
    FROM (SELECT DISTINCT a.officer_id, a.order_subject_force AS force, a.order_id,
                 (c.now_o > 0)::int - (c.now_o - coalesce(m.o, 0) > 0)::int AS dov,
                 (c.now_a > 0)::int - (c.now_a - m.a > 0)::int AS dfl
          FROM unnest(order_ids, dos, das) AS m (order_id, o, a)
          JOIN owner_assignments a ON a.order_id = m.order_id AND a.ended_at IS NULL
               AND a.order_next_due IS NOT NULL AND a.order_subject_force IS NOT NULL
          CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE f.kind IN ('review_overdue', 'check_overdue')) AS now_o,
                                     count(*) AS now_a
                              FROM flags f WHERE f.order_id = m.order_id AND f.resolved_at IS NULL) c
          WHERE (coalesce(m.o, 0), m.a) <> (0, 0)) h
    WHERE (h.dov, h.dfl) <> (0, 0)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (officer_id, force) DO UPDATE SET overdue = l.overdue + excluded.overdue,
        flagged = l.flagged + excluded.flagged;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP FUNCTION officer_loads_flag_moves(uuid[], int[], int[]);
