-- Notifications: events written in the transaction of the change that
-- causes them (the outbox), each officer's preference, and the mail
-- messages a worker delivers (several replicas at once: SKIP LOCKED).

-- +goose Up
CREATE TABLE notification_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('flag_raised', 'order_allocated', 'action_assigned', 'action_overdue',
                                              'pre_release', 'owner_removed')),
    officer_id  uuid NOT NULL REFERENCES officers (id),
    order_id    uuid REFERENCES orders (id),
    subject     text,
    due_on      date,
    created_at  timestamptz NOT NULL,
    -- The message that carried it (a digest or an immediate email); null
    -- while it waits.
    message_id  bigint
);
CREATE INDEX notification_events_waiting ON notification_events (officer_id, id) WHERE message_id IS NULL;
-- An event of a kind about the same thing is told once a day at most.
CREATE UNIQUE INDEX notification_events_once ON notification_events (officer_id, kind, order_id, subject, ((created_at AT TIME ZONE 'UTC')::date));

CREATE TABLE notification_prefs (
    officer_id uuid PRIMARY KEY REFERENCES officers (id),
    mode       text NOT NULL CHECK (mode IN ('digest', 'immediate', 'off')),
    updated_at timestamptz NOT NULL
);

CREATE TABLE mail_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    officer_id      uuid NOT NULL REFERENCES officers (id),
    kind            text NOT NULL CHECK (kind IN ('digest', 'immediate')),
    -- A digest is one a day per officer, whatever the number of replicas.
    digest_day      date,
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    CONSTRAINT mail_digest_day CHECK ((kind = 'digest') = (digest_day IS NOT NULL))
);
CREATE UNIQUE INDEX mail_messages_digest_once ON mail_messages (officer_id, digest_day) WHERE kind = 'digest';
CREATE INDEX mail_messages_due ON mail_messages (next_attempt_at, id) WHERE status = 'pending';
ALTER TABLE notification_events ADD CONSTRAINT notification_events_message FOREIGN KEY (message_id) REFERENCES mail_messages (id);

-- +goose Down
DROP TABLE notification_events;
DROP TABLE mail_messages;
DROP TABLE notification_prefs;
