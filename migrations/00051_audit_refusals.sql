-- Refused requests are on the audit trail too (status: the 4xx sent; 0 for
-- a request carried out), and so are a request's search terms and filters
-- (query: its query string, parameters sorted by name).

-- +goose Up
ALTER TABLE audit_log ADD COLUMN query text NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN status integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN status;
ALTER TABLE audit_log DROP COLUMN query;
