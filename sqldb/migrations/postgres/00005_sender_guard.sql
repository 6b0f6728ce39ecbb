-- +goose Up
-- The Linked Helper sender guard: each client may name the Linked Helper account (its
-- my_email) expected to send its leads; '' means no guard.
ALTER TABLE clients ADD COLUMN lh_sender_email TEXT NOT NULL DEFAULT '';

-- Items a client's webhook received from another sender, per sender (lower-cased), kept
-- here so counts survive restarts and every process reports the same numbers.
CREATE TABLE lh_sender_mismatches (
    client_id     TEXT NOT NULL REFERENCES clients (id),
    sender        TEXT NOT NULL,
    items         BIGINT NOT NULL,
    blocked       BIGINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, sender)
);

-- +goose Down
SELECT 'forward-only';
