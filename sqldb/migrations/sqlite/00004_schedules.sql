-- +goose Up
-- The last schedule slot each stream started a run for, so that processes agree on it
-- and a slot missed during downtime starts at most one catch-up run.
CREATE TABLE schedule_slots (
    stream    INTEGER PRIMARY KEY,
    last_slot TIMESTAMP NOT NULL
);

-- +goose Down
SELECT 'forward-only';
