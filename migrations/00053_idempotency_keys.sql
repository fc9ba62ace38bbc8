-- Idempotency-Key on POST: a key (per officer) is claimed in the same
-- transaction as the change it guards, and the answer stored after, for 24
-- hours, so a client that lost the answer can retry without repeating the
-- change.

-- +goose Up
CREATE TABLE idempotency_keys (
    officer_id   uuid NOT NULL REFERENCES officers (id),
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer,
    content_type text,
    location     text,
    body         bytea,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (officer_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
