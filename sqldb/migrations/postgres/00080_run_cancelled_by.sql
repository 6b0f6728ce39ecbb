-- +goose Up
-- Who cancelled a run ("dashboard", "api", "cli user@host"), shown on the run page and in
-- its report; empty for a run that was not cancelled.
ALTER TABLE runs ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';

-- +goose Down
SELECT 'forward-only';
