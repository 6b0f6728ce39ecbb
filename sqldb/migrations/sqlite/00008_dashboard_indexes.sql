-- +goose Up
-- The dashboard's client overview: a client's last scoring run, found from the newest
-- end (each operation moves in this index once, when it finishes), and the tokens spent
-- this month (operations by start time; budgets read it too).
CREATE INDEX operations_client_finished ON operations (client_id, operation, finished_at);
CREATE INDEX operations_started ON operations (started_at);

-- +goose Down
SELECT 'forward-only';
