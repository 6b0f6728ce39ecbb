-- +goose Up
-- One registry of worker processes: the scorer queue a process offers is a column of its
-- row in workers (heartbeat every second), instead of a second table with its own refresh.
ALTER TABLE workers ADD COLUMN queue TEXT NOT NULL DEFAULT '';
CREATE INDEX workers_queue ON workers (queue, heartbeat_at);
DROP TABLE scorer_workers;

-- +goose Down
SELECT 'forward-only';
