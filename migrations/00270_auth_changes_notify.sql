-- A process keeps the officer each bearer token proves, and may trust what
-- it kept only until officers or their tokens change (domain/postgres
-- authcache.go). Every statement that changes either notifies channel
-- scpo_auth; the notification is sent when its transaction commits, so a
-- listening process drops what it kept as the change becomes visible,
-- whichever replica (or person at psql) made it.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION scpo_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scpo_auth', TG_TABLE_NAME);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER officers_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON officers
    FOR EACH STATEMENT EXECUTE FUNCTION scpo_auth_changed();
CREATE TRIGGER officer_tokens_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON officer_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION scpo_auth_changed();

-- +goose Down
DROP TRIGGER officer_tokens_auth_changed ON officer_tokens;
DROP TRIGGER officers_auth_changed ON officers;
DROP FUNCTION scpo_auth_changed();
