-- Reads at national scale (a million orders):
--
-- * searches by name and alias through a trigram index, not a scan;
-- * the tasking agenda pages from the open flags, worst first, through an
--   index on (force, kind, agenda_rank, order_id);
-- * the region report and the agenda's section counts read force_counts,
--   kept current by statement-level triggers in the same transactions that
--   change orders, subjects, owners and flags.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- +goose StatementBegin
-- The text a subject is found by: names, full name and aliases, lowercased.
CREATE FUNCTION subject_search_text(first_names text, last_name text, aliases text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(first_names || ' ' || last_name || ' ' || array_to_string(aliases, ' '))
$$;
-- +goose StatementEnd
CREATE INDEX subjects_search_trgm ON subjects
    USING gin (subject_search_text(first_names, last_name, aliases) gin_trgm_ops);
CREATE INDEX subjects_pnc_id_pattern ON subjects (pnc_id text_pattern_ops);
CREATE INDEX subjects_custody_release ON subjects (force, release_date) WHERE custody_status = 'custody';

-- +goose StatementBegin
-- Where an open flag stands on the agenda: the date its problem started or
-- will happen (due date, release date, end date, outcome date, else the day
-- it was raised). Earlier is worse, so every section reads it ascending.
-- Dates in details are ISO (YYYY-MM-DD), which reads the same under every
-- DateStyle, so the function is immutable and can be indexed.
CREATE FUNCTION agenda_rank(kind text, details jsonb, raised_at timestamptz)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE kind
        WHEN 'check_overdue' THEN (details ->> 'due_on')::date
        WHEN 'review_overdue' THEN (details ->> 'due_on')::date
        WHEN 'pre_release' THEN (details ->> 'release_date')::date
        WHEN 'release_date_passed' THEN (details ->> 'release_date')::date
        WHEN 'expiring' THEN (details ->> 'ends_on')::date
        WHEN 'compliance_concern' THEN (details ->> 'on')::date
    END, (raised_at AT TIME ZONE 'UTC')::date)
$$;
-- +goose StatementEnd
CREATE INDEX flags_agenda ON flags (force, kind, agenda_rank(kind, details, raised_at), order_id)
    WHERE resolved_at IS NULL;
-- ?flag= on the order list walks the open flags of a kind in order id order.
CREATE INDEX flags_open_kind_order ON flags (kind, order_id) WHERE resolved_at IS NULL;
-- ?owner= on the order list reads the officer's current assignments.
CREATE INDEX owner_assignments_officer_order ON owner_assignments (officer_id, order_id) WHERE ended_at IS NULL;

-- Counts per force, kept current by the triggers below. Metrics:
-- live:community, live:prison (pending or active orders by case type),
-- owned (live orders with a current owner), flag:<kind> (open flags).
CREATE TABLE force_counts (
    force  text NOT NULL REFERENCES forces (code),
    metric text NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (force, metric)
);

-- +goose StatementBegin
-- Adds deltas (force, metric, d) in key order, so concurrent writers take
-- the rows' locks in one order.
CREATE FUNCTION force_counts_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO force_counts (force, metric, n)
    SELECT x.force, x.metric, sum(x.d) FROM jsonb_to_recordset(deltas) AS x (force text, metric text, d bigint)
    GROUP BY x.force, x.metric HAVING sum(x.d) <> 0 ORDER BY x.force, x.metric
    ON CONFLICT (force, metric) DO UPDATE SET n = force_counts.n + excluded.n
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION force_counts_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', 1)) INTO deltas
        FROM new_rows WHERE resolved_at IS NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(x) INTO deltas FROM (
            SELECT jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', -1) AS x
            FROM old_rows WHERE resolved_at IS NULL
            UNION ALL
            SELECT jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', 1)
            FROM new_rows WHERE resolved_at IS NULL) u;
    ELSE
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', -1)) INTO deltas
        FROM old_rows WHERE resolved_at IS NULL;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER force_counts_flags_ins AFTER INSERT ON flags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_flags();
CREATE TRIGGER force_counts_flags_upd AFTER UPDATE ON flags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_flags();
CREATE TRIGGER force_counts_flags_del AFTER DELETE ON flags REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_flags();

-- An order's part in the counts: its force and case type (from its
-- subject as now stored) when it is live, and whether it is owned.
-- +goose StatementBegin
CREATE FUNCTION force_counts_orders_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', metric, 'd', 1)) INTO deltas FROM (
        SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END AS metric
        FROM new_rows n JOIN subjects s ON s.id = n.subject_id WHERE n.status IN ('pending', 'active')
        UNION ALL
        SELECT s.force, 'owned' FROM new_rows n JOIN subjects s ON s.id = n.subject_id
        WHERE n.status IN ('pending', 'active')
          AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = n.id AND a.ended_at IS NULL)) p;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION force_counts_orders_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    WITH changed AS (
        SELECT n.id, n.subject_id, n.status, 1 AS d FROM new_rows n
        UNION ALL
        SELECT o.id, o.subject_id, o.status, -1 FROM old_rows o
    )
    SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', metric, 'd', d)) INTO deltas FROM (
        SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END AS metric, c.d
        FROM changed c JOIN subjects s ON s.id = c.subject_id WHERE c.status IN ('pending', 'active')
        UNION ALL
        SELECT s.force, 'owned', c.d FROM changed c JOIN subjects s ON s.id = c.subject_id
        WHERE c.status IN ('pending', 'active')
          AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = c.id AND a.ended_at IS NULL)) p;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION force_counts_orders_del() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', metric, 'd', -1)) INTO deltas FROM (
        SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END AS metric
        FROM old_rows o JOIN subjects s ON s.id = o.subject_id WHERE o.status IN ('pending', 'active')
        UNION ALL
        SELECT s.force, 'owned' FROM old_rows o JOIN subjects s ON s.id = o.subject_id
        WHERE o.status IN ('pending', 'active')
          AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id AND a.ended_at IS NULL)) p;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER force_counts_orders_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_orders_ins();
CREATE TRIGGER force_counts_orders_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_orders_upd();
CREATE TRIGGER force_counts_orders_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_orders_del();

-- +goose StatementBegin
-- A subject that moves force or custody moves its live orders' counts.
CREATE FUNCTION force_counts_subjects() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    WITH changed AS (
        SELECT n.id, n.force, n.custody_status, 1 AS d FROM new_rows n
        JOIN old_rows o ON o.id = n.id
        WHERE (o.force, o.custody_status) IS DISTINCT FROM (n.force, n.custody_status)
        UNION ALL
        SELECT o.id, o.force, o.custody_status, -1 FROM old_rows o
        JOIN new_rows n ON n.id = o.id
        WHERE (o.force, o.custody_status) IS DISTINCT FROM (n.force, n.custody_status)
    )
    SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', metric, 'd', d)) INTO deltas FROM (
        SELECT c.force, CASE WHEN c.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END AS metric, c.d
        FROM changed c JOIN orders ord ON ord.subject_id = c.id WHERE ord.status IN ('pending', 'active')
        UNION ALL
        SELECT c.force, 'owned', c.d FROM changed c JOIN orders ord ON ord.subject_id = c.id
        WHERE ord.status IN ('pending', 'active')
          AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = ord.id AND a.ended_at IS NULL)) p;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER force_counts_subjects_upd AFTER UPDATE ON subjects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_subjects();

-- Owned: a live order counts once while it has any current assignment, so
-- the count moves when the first one starts or the last one ends. Before
-- the statement, an order had a current assignment if one not written by
-- it is current, or one it changed or removed was.
-- +goose StatementBegin
CREATE FUNCTION force_counts_owners_ins() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION force_counts_owners_upd() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION force_counts_owners_del() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER force_counts_owners_ins AFTER INSERT ON owner_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_owners_ins();
CREATE TRIGGER force_counts_owners_upd AFTER UPDATE ON owner_assignments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_owners_upd();
CREATE TRIGGER force_counts_owners_del AFTER DELETE ON owner_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_counts_owners_del();

INSERT INTO force_counts (force, metric, n)
SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN 'live:prison' ELSE 'live:community' END, count(*)
FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.status IN ('pending', 'active') GROUP BY 1, 2
UNION ALL
SELECT s.force, 'owned', count(*) FROM orders o JOIN subjects s ON s.id = o.subject_id
WHERE o.status IN ('pending', 'active')
  AND EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = o.id AND a.ended_at IS NULL) GROUP BY 1
UNION ALL
SELECT force, 'flag:' || kind, count(*) FROM flags WHERE resolved_at IS NULL GROUP BY 1, 2;

-- +goose Down
DROP TRIGGER force_counts_owners_ins ON owner_assignments;
DROP TRIGGER force_counts_owners_upd ON owner_assignments;
DROP TRIGGER force_counts_owners_del ON owner_assignments;
DROP FUNCTION force_counts_owners_ins();
DROP FUNCTION force_counts_owners_upd();
DROP FUNCTION force_counts_owners_del();
DROP TRIGGER force_counts_subjects_upd ON subjects;
DROP FUNCTION force_counts_subjects();
DROP TRIGGER force_counts_orders_ins ON orders;
DROP TRIGGER force_counts_orders_upd ON orders;
DROP TRIGGER force_counts_orders_del ON orders;
DROP FUNCTION force_counts_orders_ins();
DROP FUNCTION force_counts_orders_upd();
DROP FUNCTION force_counts_orders_del();
DROP TRIGGER force_counts_flags_ins ON flags;
DROP TRIGGER force_counts_flags_upd ON flags;
DROP TRIGGER force_counts_flags_del ON flags;
DROP FUNCTION force_counts_flags();
DROP FUNCTION force_counts_add(jsonb);
DROP TABLE force_counts;
DROP INDEX owner_assignments_officer_order;
DROP INDEX flags_open_kind_order;
DROP INDEX flags_agenda;
DROP FUNCTION agenda_rank(text, jsonb, timestamptz);
DROP INDEX subjects_custody_release;
DROP INDEX subjects_pnc_id_pattern;
DROP INDEX subjects_search_trgm;
DROP FUNCTION subject_search_text(text, text, text[]);
