-- An officer whose meeting action is cancelled because its subject moved
-- to another force (endActionsOnMove) is told so (action_cancelled): the
-- action left their list without a word.

-- +goose Up
ALTER TABLE notification_events DROP CONSTRAINT notification_events_kind_check;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_kind_check CHECK (kind IN ('flag_raised',
    'order_allocated', 'action_assigned', 'action_overdue', 'pre_release', 'owner_removed', 'cover_named',
    'action_cancelled'));

-- +goose Down
DELETE FROM notification_events WHERE kind = 'action_cancelled';
ALTER TABLE notification_events DROP CONSTRAINT notification_events_kind_check;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_kind_check CHECK (kind IN ('flag_raised',
    'order_allocated', 'action_assigned', 'action_overdue', 'pre_release', 'owner_removed', 'cover_named'));
