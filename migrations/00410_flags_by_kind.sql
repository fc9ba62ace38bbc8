-- GET /flags?kind= lists a kind's flags oldest first (by id). With only
-- the primary key in id order, PostgreSQL walked it from the start and
-- filtered on kind, expecting the kind's flags spread evenly; they are not:
-- ids are time-ordered and a kind is raised in bulk by its own sweep, so a
-- kind raised last (pre_release, by the custody sweep) sits behind every
-- other. At a million orders ?kind=pre_release&force=dorset read 1.5
-- million flags for its first page (0.5-1 s), and every force-bound reader
-- filtering by kind does the same. This index holds a kind's flags in id
-- order, with the force and whether open at hand so the page's ids are
-- found index-only (ListFlags picks them before reading the rows: 2 ms).

-- +goose Up
CREATE INDEX flags_kind ON flags (kind, id) INCLUDE (force, resolved_at);

-- +goose Down
DROP INDEX flags_kind;
