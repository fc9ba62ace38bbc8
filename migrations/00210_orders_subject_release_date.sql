-- The pre-release report counted and ranked its orders through their
-- subjects: subjects_custody_release found a force's subjects in custody
-- released by the date asked, and each was a subject heap visit and an
-- orders_subject probe to find its live orders (at a million orders about
-- 1,150 of each for one force, 7 ms warm and 200 ms cold; for every force
-- together 250 ms). Each order now carries its subject's expected release
-- date while the subject is in custody (NULL otherwise), beside the copy of
-- its force that 00160 keeps, and the report reads both from an index of
-- the live orders with a date: the count is an index-only range, the page
-- an index range in its order. (At a million orders, filling the copy for
-- the 250,000 in custody took about 35 s here, with orders locked.)
--
-- The subject's row is still the one fact; the copies are kept by the
-- triggers below in the transactions that insert an order or change its
-- subject, and that move a subject (a transfer, a PATCH), release or
-- recall it, or give it a new release date. The service never writes
-- them. One trigger on each side now keeps both copies, so that an order
-- insert reads its subject once and a subject change updates its orders
-- once.

-- +goose Up
ALTER TABLE orders ADD COLUMN subject_release_date date;
-- A subject in the community has no release date
-- (subjects_community_has_no_release), so only custody needs a copy.
UPDATE orders o SET subject_release_date = s.release_date
FROM subjects s WHERE s.id = o.subject_id AND s.custody_status = 'custody' AND s.release_date IS NOT NULL;

DROP TRIGGER orders_subject_force ON orders;
DROP FUNCTION orders_subject_force();
DROP TRIGGER subjects_force_to_orders ON subjects;
DROP FUNCTION subjects_force_to_orders();

-- The order's copies of its subject, set from the subject on every insert
-- and on every update that names the subject or a copy (so a stray write
-- of a copy is put right, not kept).
-- +goose StatementBegin
CREATE FUNCTION orders_subject_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.force, CASE WHEN s.custody_status = 'custody' THEN s.release_date END
      INTO NEW.subject_force, NEW.subject_release_date
      FROM subjects s WHERE s.id = NEW.subject_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER orders_subject_copies BEFORE INSERT OR UPDATE OF subject_id, subject_force, subject_release_date ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_subject_copies();

-- A subject's change of force, custody or release date, carried to its
-- orders (whose own trigger above then reads the subject as changed).
-- +goose StatementBegin
CREATE FUNCTION subjects_copies_to_orders() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    released date := CASE WHEN NEW.custody_status = 'custody' THEN NEW.release_date END;
BEGIN
    UPDATE orders SET subject_force = NEW.force, subject_release_date = released
    WHERE subject_id = NEW.id AND (subject_force, subject_release_date) IS DISTINCT FROM (NEW.force, released);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER subjects_copies_to_orders AFTER UPDATE OF force, custody_status, release_date ON subjects
    FOR EACH ROW
    WHEN ((OLD.force, OLD.custody_status, OLD.release_date) IS DISTINCT FROM (NEW.force, NEW.custody_status, NEW.release_date))
    EXECUTE FUNCTION subjects_copies_to_orders();

-- One force's report (and a few forces' for a regional role): its live
-- orders whose subject is in custody, by release date then order.
CREATE INDEX orders_pre_release_force ON orders (subject_force, subject_release_date, id)
    WHERE status IN ('pending', 'active') AND subject_release_date IS NOT NULL;
-- Every force's report (an administrator asking for no force): the same
-- orders by release date across forces, the force included so that a
-- scope's forces are picked out of the index without visiting the orders.
CREATE INDEX orders_pre_release ON orders (subject_release_date, id) INCLUDE (subject_force)
    WHERE status IN ('pending', 'active') AND subject_release_date IS NOT NULL;

-- +goose Down
DROP INDEX orders_pre_release;
DROP INDEX orders_pre_release_force;
DROP TRIGGER subjects_copies_to_orders ON subjects;
DROP FUNCTION subjects_copies_to_orders();
DROP TRIGGER orders_subject_copies ON orders;
DROP FUNCTION orders_subject_copies();
ALTER TABLE orders DROP COLUMN subject_release_date;

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
