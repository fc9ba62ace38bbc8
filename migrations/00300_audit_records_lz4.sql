-- A read's audit entry names every record it showed: an agenda's is
-- 300 orders and subjects, 18 KB of JSON, which PostgreSQL compresses
-- when it stores the row (TOAST). Storing 2,000 agenda entries (from
-- their text) took 0.79-0.83 s with its default compression, pglz, and
-- 0.40 s with lz4, which stores them in 10.6 KB each instead of 11.0
-- (measured at a million orders). Entries already written keep their
-- compression until they are rewritten; their content, and so their
-- chain, is unchanged.

-- +goose Up
-- The change takes the table's strongest lock, if only for a moment: it
-- gives up rather than keep every request's audit entry waiting behind a
-- long reader of the trail (the migration is then tried again at the next
-- start).
SET LOCAL lock_timeout = '10s';
ALTER TABLE audit_log ALTER COLUMN records SET COMPRESSION lz4;

-- +goose Down
ALTER TABLE audit_log ALTER COLUMN records SET COMPRESSION default;
