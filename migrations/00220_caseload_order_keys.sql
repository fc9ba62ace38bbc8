-- The caseload ranks every live order an officer holds (1,943 for the
-- busiest synthetic officer at a million orders) by its open flags, then
-- by its earliest review or check due, and counts them in scope. Reading
-- each held order's row for its status and force was a heap visit on its
-- own page (about 8 ms for those 1,943), and the schedule of every order
-- that could be on the page (hundreds on the first page, the whole group
-- of unflagged orders deeper in) was a review and a check probe each.
--
-- Each current assignment now carries a copy of two facts of its order:
-- order_next_due, the earliest of order_schedule's next review and next
-- check due (NULL when the order is not live: the view gives no schedule
-- then), and order_subject_force, the order's copy of its subject's force.
-- With them in the officer index, the held set, its scope, liveness and
-- the second part of the page's key are read index-only; only the open
-- flags are probed per held order (flags are written in bulk by the
-- sweeps, so nothing about them is copied).
--
-- The copies are kept by the transactions that change what they are
-- derived from: an assignment made (or made current again), the order's
-- liveness, dates, review interval or subject, its subject's custody (the
-- subject's force reaches the order's copy by 00160's trigger, and then
-- this one), the force's review policy, and the order's reviews and checks.
-- Reviews and checks are also written in bulk (import, the generator), so
-- their triggers are per statement. order_caseload_keys is the one place
-- that says what the copies are; a test holds them to it after each kind
-- of change (TestCaseloadKeysFollowTheirOrders). The service never writes
-- them. An ended assignment's copies are NULL.

-- +goose Up
ALTER TABLE owner_assignments ADD COLUMN order_next_due date, ADD COLUMN order_subject_force text;

-- An order's caseload keys, as its current assignments carry them.
CREATE VIEW order_caseload_keys AS
SELECT o.id AS order_id, LEAST(sch.next_review_due, sch.next_check_due) AS next_due, o.subject_force
FROM orders o JOIN order_schedule sch ON sch.order_id = o.id;

-- +goose StatementBegin
-- Brings the copies on the current assignments of the given orders up to
-- date. Orders without a current assignment (most, in a bulk write) are
-- left out before any schedule is computed, and with none left nothing is
-- written; rows already right are not rewritten. A trigger calls it on
-- every such write, mostly for one order: planning the schedule afresh
-- each time cost 1 ms, four times the work, so it keeps one generic plan
-- per session (index look-ups per order, for one order or thousands).
CREATE FUNCTION owner_assignments_copy_keys(order_ids uuid[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE held uuid[];
BEGIN
    held := ARRAY(SELECT DISTINCT c.order_id FROM owner_assignments c
                  WHERE c.order_id = ANY (order_ids) AND c.ended_at IS NULL);
    IF cardinality(held) = 0 THEN
        RETURN;
    END IF;
    UPDATE owner_assignments a SET order_next_due = k.next_due, order_subject_force = k.subject_force
    FROM order_caseload_keys k
    WHERE k.order_id = ANY (held) AND a.order_id = k.order_id AND a.ended_at IS NULL
      AND (a.order_next_due, a.order_subject_force) IS DISTINCT FROM (k.next_due, k.subject_force);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An assignment takes its order's keys as it is written; one that ends
-- drops them.
CREATE FUNCTION owner_assignments_order_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ended_at IS NULL THEN
        SELECT k.next_due, k.subject_force INTO NEW.order_next_due, NEW.order_subject_force
        FROM order_caseload_keys k WHERE k.order_id = NEW.order_id;
    ELSE
        NEW.order_next_due := NULL;
        NEW.order_subject_force := NULL;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER owner_assignments_order_keys BEFORE INSERT OR UPDATE OF order_id, ended_at ON owner_assignments
    FOR EACH ROW EXECUTE FUNCTION owner_assignments_order_keys();

-- +goose StatementBegin
-- The orders whose keys a statement may have changed: what order_schedule
-- reads from the order, and its subject_force. Only a change of liveness
-- counts, not every change of status: pending and active orders have the
-- same schedule, and the lifecycle sweep starts them in bulk. Per
-- statement, as the sweep also ends them in bulk (10,000 orders expiring
-- at a million: 1.0 s without this, 3.1 s refreshing order by order, 1.4 s
-- so).
CREATE FUNCTION orders_caseload_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE changed uuid[];
BEGIN
    changed := ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (o.status IN ('pending', 'active')) IS DISTINCT FROM (n.status IN ('pending', 'active'))
           OR (o.starts_on, o.made_on, o.review_interval_days, o.subject_id, o.subject_force)
              IS DISTINCT FROM (n.starts_on, n.made_on, n.review_interval_days, n.subject_id, n.subject_force));
    IF cardinality(changed) > 0 THEN
        PERFORM owner_assignments_copy_keys(changed);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER orders_caseload_keys AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_caseload_keys();

-- +goose StatementBegin
CREATE FUNCTION subjects_caseload_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM owner_assignments_copy_keys(ARRAY(SELECT o.id FROM orders o WHERE o.subject_id = NEW.id));
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- Custody sets the default review interval.
CREATE TRIGGER subjects_caseload_keys AFTER UPDATE ON subjects FOR EACH ROW
    WHEN (OLD.custody_status IS DISTINCT FROM NEW.custody_status)
    EXECUTE FUNCTION subjects_caseload_keys();

-- +goose StatementBegin
-- A force's review intervals reach every order of the force (rare: an
-- admin's change). A policy saved with the same intervals changes nothing.
CREATE FUNCTION force_policies_caseload_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE changed text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT n.force FROM new_rows n);
    ELSIF TG_OP = 'UPDATE' THEN
        changed := ARRAY(SELECT n.force FROM new_rows n JOIN old_rows d ON d.force = n.force
            WHERE (n.community_review_days, n.prison_review_days)
                  IS DISTINCT FROM (d.community_review_days, d.prison_review_days));
    ELSE
        changed := ARRAY(SELECT d.force FROM old_rows d);
    END IF;
    IF cardinality(changed) > 0 THEN
        PERFORM owner_assignments_copy_keys(ARRAY(SELECT o.id FROM orders o WHERE o.subject_force = ANY (changed)));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER force_policies_caseload_keys_ins AFTER INSERT ON force_policies REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_policies_caseload_keys();
CREATE TRIGGER force_policies_caseload_keys_upd AFTER UPDATE ON force_policies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_policies_caseload_keys();
CREATE TRIGGER force_policies_caseload_keys_del AFTER DELETE ON force_policies REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION force_policies_caseload_keys();

-- +goose StatementBegin
-- The orders whose reviews or checks a statement wrote.
CREATE FUNCTION schedule_rows_caseload_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM owner_assignments_copy_keys(ARRAY(SELECT DISTINCT n.order_id FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM owner_assignments_copy_keys(ARRAY(
            SELECT n.order_id FROM new_rows n UNION SELECT d.order_id FROM old_rows d));
    ELSE
        PERFORM owner_assignments_copy_keys(ARRAY(SELECT DISTINCT d.order_id FROM old_rows d));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER reviews_caseload_keys_ins AFTER INSERT ON reviews REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();
CREATE TRIGGER reviews_caseload_keys_upd AFTER UPDATE ON reviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();
CREATE TRIGGER reviews_caseload_keys_del AFTER DELETE ON reviews REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();
CREATE TRIGGER checks_caseload_keys_ins AFTER INSERT ON checks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();
CREATE TRIGGER checks_caseload_keys_upd AFTER UPDATE ON checks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();
CREATE TRIGGER checks_caseload_keys_del AFTER DELETE ON checks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_rows_caseload_keys();

-- The triggers are in place (and hold their tables) before the copies are
-- filled, so no change made meanwhile is missed. The fill is one join over
-- the register; it changes no assignment's order or end, so the owned
-- counts' trigger (00070), which would compare every row written with
-- every other, is off while it runs.
ALTER TABLE owner_assignments DISABLE TRIGGER force_counts_owners_upd;
UPDATE owner_assignments a SET order_next_due = k.next_due, order_subject_force = k.subject_force
FROM order_caseload_keys k
WHERE k.order_id = a.order_id AND a.ended_at IS NULL;
ALTER TABLE owner_assignments ENABLE TRIGGER force_counts_owners_upd;

-- As 00200's index, with the copies: ?owner= reads it as before.
CREATE INDEX owner_assignments_officer_caseload ON owner_assignments (officer_id, order_id)
    INCLUDE (role, order_next_due, order_subject_force) WHERE ended_at IS NULL;
DROP INDEX owner_assignments_officer_roles;
-- The read is index-only where the table's pages are marked all-visible,
-- and each review or check recorded now rewrites its order's assignments:
-- vacuumed after 2% of the rows change rather than 20% (about 8,000
-- writes at a million orders), so few pages wait to be marked again.
ALTER TABLE owner_assignments SET (autovacuum_vacuum_scale_factor = 0.02);

-- +goose Down
ALTER TABLE owner_assignments RESET (autovacuum_vacuum_scale_factor);
CREATE INDEX owner_assignments_officer_roles ON owner_assignments (officer_id, order_id) INCLUDE (role)
    WHERE ended_at IS NULL;
DROP INDEX owner_assignments_officer_caseload;
DROP TRIGGER checks_caseload_keys_del ON checks;
DROP TRIGGER checks_caseload_keys_upd ON checks;
DROP TRIGGER checks_caseload_keys_ins ON checks;
DROP TRIGGER reviews_caseload_keys_del ON reviews;
DROP TRIGGER reviews_caseload_keys_upd ON reviews;
DROP TRIGGER reviews_caseload_keys_ins ON reviews;
DROP FUNCTION schedule_rows_caseload_keys();
DROP TRIGGER force_policies_caseload_keys_del ON force_policies;
DROP TRIGGER force_policies_caseload_keys_upd ON force_policies;
DROP TRIGGER force_policies_caseload_keys_ins ON force_policies;
DROP FUNCTION force_policies_caseload_keys();
DROP TRIGGER subjects_caseload_keys ON subjects;
DROP FUNCTION subjects_caseload_keys();
DROP TRIGGER orders_caseload_keys ON orders;
DROP FUNCTION orders_caseload_keys();
DROP TRIGGER owner_assignments_order_keys ON owner_assignments;
DROP FUNCTION owner_assignments_order_keys();
DROP FUNCTION owner_assignments_copy_keys(uuid[]);
DROP VIEW order_caseload_keys;
ALTER TABLE owner_assignments DROP COLUMN order_subject_force, DROP COLUMN order_next_due;
