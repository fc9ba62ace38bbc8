-- The workload view (GET /reports/workload, and the meeting page that marks
-- owners away) counted, for each owning officer of a force, every live
-- order they hold there and set those against the force's open review and
-- check flags: at a million orders, 9,300 assignments and 17,000 flags a
-- force, 19-26 ms a request at one client and 165-390 ms at sixteen. The
-- counts now come from officer_loads, kept current, as force_counts
-- (migration 00070) is, by statement-level triggers in the transactions
-- that change assignments and flags.
--
-- A row per officer and force of the orders held:
--   iom, lro, orders_officer  current assignments in that role to a live
--                             order (order_next_due is set: migration 00220)
--                             whose subject is in that force;
--   total                     distinct such orders;
--   overdue                   those of them with an open review_overdue or
--                             check_overdue flag;
--   flagged                   those of them with any flag open (the
--                             caseload's summary; counting them probed the
--                             open flags of every order held, 1,943 for the
--                             busiest synthetic officer).
-- A change of liveness, force or owner reaches the counts through the
-- assignment's copies (the copies are rewritten by the transaction that
-- changes the order or subject). officer_loads_recount() says what the
-- counts are; the migration fills the table from it and
-- TestForceCountsMatchARecount holds the kept counts to it after each kind
-- of change.

-- +goose Up
CREATE TABLE officer_loads (
    officer_id     uuid NOT NULL,
    force          text NOT NULL,
    iom            integer NOT NULL DEFAULT 0,
    lro            integer NOT NULL DEFAULT 0,
    orders_officer integer NOT NULL DEFAULT 0,
    total          integer NOT NULL DEFAULT 0,
    overdue        integer NOT NULL DEFAULT 0,
    flagged        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (officer_id, force)
);

-- +goose StatementBegin
CREATE FUNCTION officer_loads_recount()
RETURNS TABLE (officer_id uuid, force text, iom integer, lro integer, orders_officer integer, total integer, overdue integer,
               flagged integer)
LANGUAGE sql STABLE AS $$
    SELECT p.officer_id, p.force, sum(p.iom)::int, sum(p.lro)::int, sum(p.orders_officer)::int, count(*)::int,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.order_id = p.order_id
                                          AND f.kind IN ('review_overdue', 'check_overdue') AND f.resolved_at IS NULL))::int,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.order_id = p.order_id AND f.resolved_at IS NULL))::int
    FROM (SELECT a.officer_id, a.order_subject_force AS force, a.order_id,
                 count(*) FILTER (WHERE a.role = 'iom') AS iom, count(*) FILTER (WHERE a.role = 'lro') AS lro,
                 count(*) FILTER (WHERE a.role = 'orders_officer') AS orders_officer
          FROM owner_assignments a
          WHERE a.ended_at IS NULL AND a.order_next_due IS NOT NULL AND a.order_subject_force IS NOT NULL
          GROUP BY 1, 2, 3) p
    GROUP BY 1, 2
$$;
-- +goose StatementEnd

INSERT INTO officer_loads SELECT * FROM officer_loads_recount();

-- +goose StatementBegin
-- Adds the moves of the live assignments a statement on owner_assignments
-- changed. Each array entry is one assignment row: d = +1 for a row as it
-- now is (the statement's new row), -1 for a row as it was (its old row),
-- and only rows that hold a live order count. The role counts move by the
-- rows; total and overdue by the (officer, order, force) triples whose
-- count of such rows went from none to some or back: the number now is
-- read through the officer's index, the number before is that less the
-- statement's moves.
CREATE FUNCTION officer_loads_owner_moves(officer_ids uuid[], order_ids uuid[], forces text[], roles text[], ds int[])
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
CREATE FUNCTION officer_loads_owners() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER officer_loads_owners_ins AFTER INSERT ON owner_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_owners();
CREATE TRIGGER officer_loads_owners_upd AFTER UPDATE ON owner_assignments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_owners();
CREATE TRIGGER officer_loads_owners_del AFTER DELETE ON owner_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_owners();

-- +goose StatementBegin
-- A statement on flags moves 'overdue' and 'flagged' for the holders of
-- each order whose open review and check flags, or open flags of any
-- kind, went from none to some or back: do and da are the numbers of such
-- flags the statement opened less those it closed, so the order had
-- now - d before. Only orders someone holds are looked at (the sweeps'
-- first catch-up raises flags on most orders, most of them unowned).
CREATE FUNCTION officer_loads_flags() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER officer_loads_flags_ins AFTER INSERT ON flags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_flags();
CREATE TRIGGER officer_loads_flags_upd AFTER UPDATE ON flags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_flags();
CREATE TRIGGER officer_loads_flags_del AFTER DELETE ON flags REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officer_loads_flags();

-- +goose Down
DROP TRIGGER officer_loads_flags_del ON flags;
DROP TRIGGER officer_loads_flags_upd ON flags;
DROP TRIGGER officer_loads_flags_ins ON flags;
DROP FUNCTION officer_loads_flags();
DROP TRIGGER officer_loads_owners_del ON owner_assignments;
DROP TRIGGER officer_loads_owners_upd ON owner_assignments;
DROP TRIGGER officer_loads_owners_ins ON owner_assignments;
DROP FUNCTION officer_loads_owners();
DROP FUNCTION officer_loads_owner_moves(uuid[], uuid[], text[], text[], int[]);
DROP FUNCTION officer_loads_recount();
DROP TABLE officer_loads;
