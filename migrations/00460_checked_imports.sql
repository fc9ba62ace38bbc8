-- Files the import page has checked, kept on the server until they are
-- recorded: the page's confirming form carries only the check's random ID,
-- where it carried the whole file (base64, up to 11 MB) to the browser and
-- back. A check is its officer's alone, kept a day (expires_at), with the
-- SHA-256 of the bytes checked; rows are forgotten when recorded, and
-- swept when new ones are kept.

-- +goose Up
CREATE TABLE checked_imports (
    id         text PRIMARY KEY,
    officer_id uuid NOT NULL REFERENCES officers (id),
    force      text NOT NULL REFERENCES forces (code),
    file_name  text NOT NULL,
    data       bytea NOT NULL,
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL CHECK (expires_at > created_at)
);
CREATE INDEX checked_imports_expires ON checked_imports (expires_at);
CREATE INDEX checked_imports_officer ON checked_imports (officer_id, created_at);

-- +goose Down
DROP TABLE checked_imports;
