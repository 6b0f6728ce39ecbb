-- +goose Up
-- AI provider failures are the provider's, not the lead's (issue 10).
-- Why an operation failed, machine-readable (e.g. provider_unavailable), so the run's
-- status and reason can be derived from it.
ALTER TABLE operations ADD COLUMN failure_code TEXT NOT NULL DEFAULT '';
-- The scorer configuration a run was requested with (runs.scorer holds its name).
ALTER TABLE runs ADD COLUMN scorer_host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN scorer_model TEXT NOT NULL DEFAULT '';
-- The scorer and model that last scored (or failed) a lead, e.g. "openai/gpt-4o-mini".
ALTER TABLE leads ADD COLUMN scored_by TEXT NOT NULL DEFAULT '';
-- The last known status of each AI provider (scorer, host, model): pre-flight checks
-- and the outcome of real calls.
CREATE TABLE provider_status (
    provider   TEXT PRIMARY KEY,
    scorer     TEXT NOT NULL,
    host       TEXT NOT NULL,
    model      TEXT NOT NULL,
    ok         BOOLEAN NOT NULL DEFAULT FALSE,
    message    TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    checked_at TIMESTAMPTZ NOT NULL
);
-- Live worker processes and the scorer queue each offers, so a run asking for a scorer
-- no worker offers fails with a reason instead of waiting forever.
CREATE TABLE scorer_workers (
    worker  TEXT PRIMARY KEY,
    queue   TEXT NOT NULL,
    scorer  TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX scorer_workers_queue ON scorer_workers (queue, seen_at);

-- +goose Down
SELECT 'forward-only';
