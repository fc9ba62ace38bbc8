-- The audit trail (Data Protection Act 2018 s.62): who collected, altered,
-- consulted, disclosed or erased which records, when, from where and why.
-- Append-only: the table refuses UPDATE, DELETE and TRUNCATE, and each
-- entry carries a SHA-256 hash chained to the entry before it, so an edit
-- made by someone who switches the guard off still shows.

-- +goose Up
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    officer_id uuid REFERENCES officers (id),
    action     text NOT NULL CHECK (action IN ('collection', 'alteration', 'consultation', 'disclosure', 'erasure')),
    method     text NOT NULL,
    route      text NOT NULL,
    records    jsonb NOT NULL DEFAULT '[]',
    client_ip  text NOT NULL,
    purpose    text NOT NULL,
    request_id text NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL UNIQUE
);
CREATE INDEX audit_log_officer ON audit_log (officer_id, id);
CREATE INDEX audit_log_records ON audit_log USING gin (records jsonb_path_ops);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
