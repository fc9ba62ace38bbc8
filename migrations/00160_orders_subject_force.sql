-- The order list by force (?force=, and a force-bound officer's scope)
-- walked the order key joining every order's subject to find its force:
-- at 100,000 orders about 40 orders read per one kept, and a page took
-- 100-200 ms. Each order now carries its subject's force, kept by the
-- triggers below in the transactions that insert orders or move subjects
-- (a transfer), and the list reads the (subject_force, id) index in order.
-- The subject's force is still the one fact; this is its copy for the
-- index, never written by the service.

-- +goose Up
ALTER TABLE orders ADD COLUMN subject_force text;
UPDATE orders o SET subject_force = s.force FROM subjects s WHERE s.id = o.subject_id;
ALTER TABLE orders ALTER COLUMN subject_force SET NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION orders_subject_force() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.force INTO NEW.subject_force FROM subjects s WHERE s.id = NEW.subject_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER orders_subject_force BEFORE INSERT OR UPDATE OF subject_id, subject_force ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_subject_force();

-- +goose StatementBegin
CREATE FUNCTION subjects_force_to_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders SET subject_force = NEW.force WHERE subject_id = NEW.id AND subject_force <> NEW.force;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER subjects_force_to_orders AFTER UPDATE OF force ON subjects
    FOR EACH ROW WHEN (OLD.force IS DISTINCT FROM NEW.force) EXECUTE FUNCTION subjects_force_to_orders();

CREATE INDEX orders_subject_force ON orders (subject_force, id);

-- +goose Down
DROP TRIGGER subjects_force_to_orders ON subjects;
DROP FUNCTION subjects_force_to_orders();
DROP TRIGGER orders_subject_force ON orders;
DROP FUNCTION orders_subject_force();
ALTER TABLE orders DROP COLUMN subject_force;
