-- An officer named to cover an absent colleague's orders is told so
-- (cover_named), as one given an order or an action is.

-- +goose Up
ALTER TABLE notification_events DROP CONSTRAINT notification_events_kind_check;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_kind_check CHECK (kind IN ('flag_raised',
    'order_allocated', 'action_assigned', 'action_overdue', 'pre_release', 'owner_removed', 'cover_named'));

-- +goose Down
DELETE FROM notification_events WHERE kind = 'cover_named';
ALTER TABLE notification_events DROP CONSTRAINT notification_events_kind_check;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_kind_check CHECK (kind IN ('flag_raised',
    'order_allocated', 'action_assigned', 'action_overdue', 'pre_release', 'owner_removed'));
