-- The daily ownership sweep set flag_unowned over every live order
-- against the open unowned flags: 1.5 s at a million orders, every day,
-- to find the handful whose answer had changed. Whether an order is
-- unowned changes only when something it is read from changes, or on a
-- day that one of its own dates (made, ended, end) or one of its owners'
-- (assigned, ended) passes. The database now records the first: every
-- change to what flag_unowned reads adds the orders it affects to
-- unowned_rechecks, in the changing transaction, whichever code made it
-- (the service, an import, scpod generate, or SQL by hand). A sweep takes
-- those rows and the orders whose dates fell since its previous run, and
-- runs the one rule for them alone (see sweeps.go, sweepUnownedSince).
--
-- No key: a write only appends, so two writes marking the same order
-- never wait for each other; the sweep reads ids distinct.

-- +goose Up
CREATE TABLE unowned_rechecks (order_id uuid NOT NULL);
-- What changed before this migration was not recorded: every order is to
-- be rechecked once (a register this size is swept in full instead).
INSERT INTO unowned_rechecks (order_id) SELECT id FROM orders;

-- A sweep with no previous run (the first, after a load) empties it at
-- once; the service role holds the table's other rights by default.
GRANT TRUNCATE ON unowned_rechecks TO scpo_service;

-- The dates a sweep looks for, since its previous run's day.
CREATE INDEX orders_made_on ON orders (made_on);
CREATE INDEX orders_ended_on ON orders (ended_on) WHERE ended_on IS NOT NULL;
-- An expired order is live to its end (an on-release order whose end came
-- before its release expires at once): orders_live_end covers the others.
CREATE INDEX orders_expired_end ON orders ((coalesce(extended_to, ends_on)))
    WHERE status = 'expired' AND NOT extension_pending;
CREATE INDEX owner_assignments_assigned_at ON owner_assignments (assigned_at);
CREATE INDEX owner_assignments_ended_at ON owner_assignments (ended_at) WHERE ended_at IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION unowned_recheck_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' THEN
        INSERT INTO unowned_rechecks (order_id) SELECT id FROM new_rows;
    ELSE
        INSERT INTO unowned_rechecks (order_id) SELECT order_id FROM new_rows;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Emptying a table the rule reads (SQL by hand: the service may not)
-- marks every order.
CREATE FUNCTION unowned_recheck_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unowned_rechecks (order_id) SELECT id FROM orders;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION unowned_recheck_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' THEN
        INSERT INTO unowned_rechecks (order_id) VALUES (NEW.id);
    ELSIF TG_TABLE_NAME = 'owner_assignments' THEN
        -- (inserts: unowned_recheck_new_rows)
        INSERT INTO unowned_rechecks (order_id) VALUES (OLD.order_id);
        IF TG_OP = 'UPDATE' AND NEW.order_id <> OLD.order_id THEN
            INSERT INTO unowned_rechecks (order_id) VALUES (NEW.order_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'officers' THEN
        INSERT INTO unowned_rechecks (order_id)
        SELECT DISTINCT a.order_id FROM owner_assignments a WHERE a.officer_id = NEW.id;
    ELSIF TG_TABLE_NAME = 'force_policies' THEN
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO unowned_rechecks (order_id) SELECT o.id FROM orders o WHERE o.subject_force = NEW.force;
        END IF;
        IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' AND OLD.force <> NEW.force THEN
            INSERT INTO unowned_rechecks (order_id) SELECT o.id FROM orders o WHERE o.subject_force = OLD.force;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Orders: every new one, and a change to a column live_orders_on or
-- flag_unowned reads (statement-level for inserts, so loading a million
-- orders is one insert here, not a million calls). subject_id is listed
-- because a column list sees only what the UPDATE names, not what a
-- BEFORE trigger changes (orders_subject_force copies the force).
CREATE TRIGGER orders_unowned_recheck_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unowned_recheck_new_rows();
CREATE TRIGGER orders_unowned_recheck_update
    AFTER UPDATE OF status, subject_id, subject_force, made_on, ends_on, extended_to, extension_pending, ended_on
    ON orders
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.subject_force IS DISTINCT FROM NEW.subject_force
          OR OLD.made_on IS DISTINCT FROM NEW.made_on OR OLD.ends_on IS DISTINCT FROM NEW.ends_on
          OR OLD.extended_to IS DISTINCT FROM NEW.extended_to
          OR OLD.extension_pending IS DISTINCT FROM NEW.extension_pending
          OR OLD.ended_on IS DISTINCT FROM NEW.ended_on)
    EXECUTE FUNCTION unowned_recheck_row();

-- Owners: every assignment made, changed or removed.
CREATE TRIGGER owner_assignments_unowned_recheck_insert AFTER INSERT ON owner_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unowned_recheck_new_rows();
CREATE TRIGGER owner_assignments_unowned_recheck_change AFTER UPDATE OR DELETE ON owner_assignments
    FOR EACH ROW EXECUTE FUNCTION unowned_recheck_row();

-- Officers: whether they can own (active, force, roles) for every order
-- they have been assigned to.
CREATE TRIGGER officers_unowned_recheck AFTER UPDATE OF active, force, roles ON officers
    FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.force IS DISTINCT FROM NEW.force
          OR OLD.roles IS DISTINCT FROM NEW.roles)
    EXECUTE FUNCTION unowned_recheck_row();

-- Policies: the roles a force requires, for every order of the force.
CREATE TRIGGER force_policies_unowned_recheck AFTER INSERT OR DELETE ON force_policies
    FOR EACH ROW EXECUTE FUNCTION unowned_recheck_row();
CREATE TRIGGER force_policies_unowned_recheck_update AFTER UPDATE OF force, required_roles ON force_policies
    FOR EACH ROW
    WHEN (OLD.force IS DISTINCT FROM NEW.force OR OLD.required_roles IS DISTINCT FROM NEW.required_roles)
    EXECUTE FUNCTION unowned_recheck_row();

CREATE TRIGGER owner_assignments_unowned_recheck_truncate AFTER TRUNCATE ON owner_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION unowned_recheck_all();
CREATE TRIGGER officers_unowned_recheck_truncate AFTER TRUNCATE ON officers
    FOR EACH STATEMENT EXECUTE FUNCTION unowned_recheck_all();
CREATE TRIGGER force_policies_unowned_recheck_truncate AFTER TRUNCATE ON force_policies
    FOR EACH STATEMENT EXECUTE FUNCTION unowned_recheck_all();

-- +goose Down
DROP TRIGGER force_policies_unowned_recheck_truncate ON force_policies;
DROP TRIGGER officers_unowned_recheck_truncate ON officers;
DROP TRIGGER owner_assignments_unowned_recheck_truncate ON owner_assignments;
DROP TRIGGER force_policies_unowned_recheck_update ON force_policies;
DROP TRIGGER force_policies_unowned_recheck ON force_policies;
DROP TRIGGER officers_unowned_recheck ON officers;
DROP TRIGGER owner_assignments_unowned_recheck_change ON owner_assignments;
DROP TRIGGER owner_assignments_unowned_recheck_insert ON owner_assignments;
DROP TRIGGER orders_unowned_recheck_update ON orders;
DROP TRIGGER orders_unowned_recheck_insert ON orders;
DROP FUNCTION unowned_recheck_row();
DROP FUNCTION unowned_recheck_new_rows();
DROP FUNCTION unowned_recheck_all();
DROP INDEX owner_assignments_ended_at;
DROP INDEX owner_assignments_assigned_at;
DROP INDEX orders_expired_end;
DROP INDEX orders_ended_on;
DROP INDEX orders_made_on;
DROP TABLE unowned_rechecks;
