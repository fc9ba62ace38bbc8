-- The audit trail against its own database: the service works as a role
-- that may only read and append to the trail, and entries are numbered
-- one after another under the audit lock (previous + 1) instead of from a
-- sequence, so a gap can only be a removal and a crash leaves none. Each
-- entry names the key its HMAC was made with (NULL: an unkeyed SHA-256
-- entry written before keys were introduced).
--
-- scpo_service is cluster-wide and several databases of one cluster may be
-- migrated (the tests' clones), so it is created only when missing. It has
-- no login here; the private cluster gives it one, an external database's
-- administrator decides (see the README).

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scpo_service') THEN
        CREATE ROLE scpo_service NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created by another database's migration at the same moment
END
$$;
-- +goose StatementEnd

-- The owner may act as the service role (SET ROLE), so one DATABASE_URL
-- that owns the schema can still serve as scpo_service.
-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'scpo_service' AND NOT pg_has_role(current_user, 'scpo_service', 'MEMBER') THEN
        EXECUTE format('GRANT scpo_service TO %I', current_user);
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant scpo_service to %: connect with a login that is scpo_service or a member of it', current_user;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO scpo_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO scpo_service;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO scpo_service;
-- Tables and sequences later migrations create (as this same owner).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO scpo_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO scpo_service;

-- The trail: read and append, nothing else (no UPDATE, DELETE, TRUNCATE,
-- TRIGGER or REFERENCES).
REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE ALL ON audit_log FROM scpo_service;
GRANT SELECT, INSERT ON audit_log TO scpo_service;

ALTER TABLE audit_log ALTER COLUMN id DROP IDENTITY;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_positive CHECK (id > 0);
ALTER TABLE audit_log ADD COLUMN key_id text;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN key_id;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_positive;
ALTER TABLE audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
-- +goose StatementBegin
DO $$
BEGIN
    PERFORM setval(pg_get_serial_sequence('audit_log', 'id'), coalesce((SELECT max(id) FROM audit_log), 0) + 1, false);
END
$$;
-- +goose StatementEnd
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM scpo_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM scpo_service;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM scpo_service;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM scpo_service;
REVOKE USAGE ON SCHEMA public FROM scpo_service;
