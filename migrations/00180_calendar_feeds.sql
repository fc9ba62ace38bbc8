-- Calendar feeds: an officer's due dates (reviews and checks of the orders
-- they own, their open meeting actions) as an iCalendar file at a secret
-- address. One feed per officer; only the secret's SHA-256 hash is kept.
-- Making a new one replaces the old; deleting the row revokes it.

-- +goose Up
CREATE TABLE calendar_feeds (
    officer_id  uuid PRIMARY KEY REFERENCES officers (id),
    secret_hash bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE calendar_feeds;
