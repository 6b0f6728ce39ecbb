-- +goose Up
-- Lists of runs filtered by a status (the dashboard's and the API's status filter), newest
-- first, without reading every run.
CREATE INDEX runs_status_created ON runs (status, created_at);

-- +goose Down
SELECT 'forward-only';
