-- +goose Up
-- Named API tokens: each is a bearer token of the JSON API whose actions are recorded as
-- "api:NAME". Only the token's SHA-256 is stored; revoking deletes the row.
CREATE TABLE api_tokens (
    name         TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

-- +goose Down
SELECT 'forward-only';
