-- OpenID Connect sign-in in progress: between sending the browser to the
-- identity provider and its return, the service keeps the request's state
-- (by its SHA-256 hash), the nonce the ID token must carry, the PKCE code
-- verifier and where to go afterwards. A row is used up by the callback
-- (deleted as it is read), so a replayed callback finds nothing; rows are
-- short-lived and swept when new ones are made.

-- +goose Up
CREATE TABLE oidc_sign_ins (
    state_hash    text PRIMARY KEY,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    next          text NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_sign_ins_expires ON oidc_sign_ins (expires_at);

-- +goose Down
DROP TABLE oidc_sign_ins;
