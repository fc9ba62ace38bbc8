-- A meeting's allocation of an owner names the holder of the role it
-- replaced (their assignment ended by it), so the minutes say who was
-- replaced and not only who was allocated.

-- +goose Up
ALTER TABLE meeting_decisions ADD COLUMN replaced_owner uuid REFERENCES officers (id);

-- +goose Down
ALTER TABLE meeting_decisions DROP COLUMN replaced_owner;
