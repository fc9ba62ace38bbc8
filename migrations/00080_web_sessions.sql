-- The web interface's sessions, kept server-side: the browser holds only a
-- random ID in a cookie; the table keeps its SHA-256 hash, the officer, the
-- session's CSRF token and when it began and was last used (the idle and
-- absolute timeouts are measured from these). One-time sign-in links (the
-- demo personas') are kept the same way, by hash.
--
-- Deactivating an officer ends their sessions and unused links at once:
-- a trigger deletes them in the deactivating transaction, whatever code
-- path made the change (and the session look-up also requires an active
-- officer).

-- +goose Up
CREATE TABLE web_sessions (
    id_hash      text PRIMARY KEY,
    officer_id   uuid NOT NULL REFERENCES officers (id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_officer ON web_sessions (officer_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

CREATE TABLE sign_in_links (
    token_hash text PRIMARY KEY,
    officer_id uuid NOT NULL REFERENCES officers (id),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sign_in_links_officer ON sign_in_links (officer_id);

-- +goose StatementBegin
CREATE FUNCTION end_web_sessions_of_inactive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.active THEN
        DELETE FROM web_sessions WHERE officer_id = NEW.id;
        DELETE FROM sign_in_links WHERE officer_id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER officers_end_web_sessions AFTER UPDATE OF active ON officers
    FOR EACH ROW WHEN (NOT NEW.active) EXECUTE FUNCTION end_web_sessions_of_inactive();

-- +goose Down
DROP TRIGGER officers_end_web_sessions ON officers;
DROP FUNCTION end_web_sessions_of_inactive();
DROP TABLE sign_in_links;
DROP TABLE web_sessions;
