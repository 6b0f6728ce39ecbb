-- +goose Up
-- The leads a lead-scoring operation left failed or skipped, kept as the operation ends
-- (the first 100 per reason; the exact counts are in operation_reasons), so a run's page
-- and report show what that run saw even after later runs retried or scored them.
CREATE TABLE affected_leads (
    run_id    TEXT NOT NULL,
    client_id TEXT NOT NULL,
    reason    TEXT NOT NULL,
    lead_id   BIGINT NOT NULL,
    status    TEXT NOT NULL,
    attempts  INTEGER NOT NULL,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, client_id, reason, lead_id)
);
-- 1 once the operation's affected leads are kept; 0 on operations of older runs.
ALTER TABLE operations ADD COLUMN affected_kept INTEGER NOT NULL DEFAULT 0;
-- Finding an operation's affected leads reads only that client's failed or skipped leads
-- of that run (partial: scored leads, the hot path's writes, are not in it).
CREATE INDEX leads_affected ON leads (client_id, last_run_id, last_reason, id)
    WHERE scoring_status IN ('failed', 'skipped_missing_data');

-- +goose Down
SELECT 'forward-only';
