-- A review loaded by an import is marked as imported. Its recorded_by is
-- the officer who ran the import and its created_at when, not who held the
-- review: the order page showed the importer as the reviewer.
--
-- The reviews imported before this column were written in one batch with
-- their order, so they share its created_at to the microsecond, and an
-- import carries no notes; a review recorded through the service is a later
-- request (another instant), and generated ones have notes.

-- +goose Up
ALTER TABLE reviews ADD COLUMN imported boolean NOT NULL DEFAULT false;
UPDATE reviews r SET imported = true
FROM orders o
WHERE o.id = r.order_id AND r.created_at = o.created_at AND r.notes IS NULL;

-- +goose Down
ALTER TABLE reviews DROP COLUMN imported;
