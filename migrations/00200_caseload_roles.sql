-- The caseload reads every current assignment of an officer (and of a
-- colleague they cover) with its role: through owner_assignments_officer_order
-- that was a heap visit per assignment, each on its own page (about 2,000
-- for the busiest officer at a million orders). The same index with the
-- role included answers it index-only, and serves ?owner= as before.

-- +goose Up
CREATE INDEX owner_assignments_officer_roles ON owner_assignments (officer_id, order_id) INCLUDE (role)
    WHERE ended_at IS NULL;
DROP INDEX owner_assignments_officer_order;

-- +goose Down
CREATE INDEX owner_assignments_officer_order ON owner_assignments (officer_id, order_id) WHERE ended_at IS NULL;
DROP INDEX owner_assignments_officer_roles;
