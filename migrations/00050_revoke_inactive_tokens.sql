-- Deactivating an officer now revokes their tokens (so reactivation does
-- not revive them). Officers deactivated before this change still hold
-- unrevoked tokens; revoke those too.

-- +goose Up
UPDATE officer_tokens SET revoked_at = now()
WHERE revoked_at IS NULL AND officer_id IN (SELECT id FROM officers WHERE NOT active);

-- +goose Down
SELECT 1;
