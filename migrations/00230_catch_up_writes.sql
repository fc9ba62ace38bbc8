-- The first catch-up at a million orders writes 1.57 million flags and
-- 390,000 outbox events. Measured in it:
--
-- * Each event checked its officer through the foreign key: a locking
--   SELECT per row on one of a few hundred officers' rows, 2.5 s of the
--   review sweep's 234,000 events. Events are written only by the service's
--   SQL, each from a row that names an existing officer (an owner
--   assignment, a meeting decision, a mail preference), and officers are
--   never deleted. The key goes, as the order's did (00190); a test holds
--   every event to an existing officer (flagsAgreeWithTheirOrders).
-- * ANALYZE of flags, after every run that raised many, built statistics
--   of the details column (jsonb, compared value by value) that no query
--   filters on; the agenda's rank has its own, from its index.

-- +goose Up
ALTER TABLE notification_events DROP CONSTRAINT notification_events_officer_id_fkey;
ALTER TABLE flags ALTER COLUMN details SET STATISTICS 0;

-- +goose Down
ALTER TABLE flags ALTER COLUMN details SET STATISTICS -1;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_officer_id_fkey
    FOREIGN KEY (officer_id) REFERENCES officers(id);
