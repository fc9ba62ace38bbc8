-- The order page now reads every meeting's decisions on the order's agenda
-- items (GET /orders/{id}/decisions) by item. The only index holding the
-- item had the meeting first, so each read walked all of it: an index by
-- item alone.

-- +goose Up
CREATE INDEX meeting_decisions_item ON meeting_decisions (item_id);

-- +goose Down
DROP INDEX meeting_decisions_item;
