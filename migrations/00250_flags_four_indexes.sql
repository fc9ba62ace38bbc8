-- Flags had five indexes, and a catch-up writes every flag into each: at a
-- million orders 1.57 million flags, about 19 us a flag in all. Two of them
-- held the same open flags keyed on the same two columns:
-- flags_one_open (order_id, kind), unique, and flags_open_kind_order
-- (kind, order_id) with the flag id, read by each kind's sweep. Uniqueness
-- does not depend on the order of the columns, so one unique index keyed
-- (kind, order_id) with the id serves both (ON CONFLICT (order_id, kind)
-- infers it all the same). What read the open flags by order (an order's
-- flags, the caseload's count, the refresh of a change, ?flag=) reads
-- flags_order, which now carries the kind and resolved_at, so those reads
-- stay index-only.

-- +goose Up
DROP INDEX flags_open_kind_order;
DROP INDEX flags_one_open;
CREATE UNIQUE INDEX flags_one_open ON flags (kind, order_id) INCLUDE (id) WHERE resolved_at IS NULL;
DROP INDEX flags_order;
CREATE INDEX flags_order ON flags (order_id) INCLUDE (kind, resolved_at);

-- +goose Down
DROP INDEX flags_order;
CREATE INDEX flags_order ON flags (order_id);
DROP INDEX flags_one_open;
CREATE UNIQUE INDEX flags_one_open ON flags (order_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX flags_open_kind_order ON flags (kind, order_id) INCLUDE (id) WHERE resolved_at IS NULL;
