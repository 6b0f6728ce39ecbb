-- +goose Up
-- One ingest token per client for the Linked Helper webhook, stored as its SHA-256.
CREATE TABLE ingest_tokens (
    client_id  TEXT PRIMARY KEY REFERENCES clients (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
SELECT 'forward-only';
