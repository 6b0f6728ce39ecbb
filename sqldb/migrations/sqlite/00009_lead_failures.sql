-- +goose Up
-- Every failed scoring attempt of a lead (the run and the reason), so a lead's page can
-- show its attempt history. Successes and skips are the lead's own final state; failures
-- are rare, so this costs the scoring path nothing in the common case.
CREATE TABLE lead_failures (
    id INTEGER PRIMARY KEY,
    lead_id   BIGINT NOT NULL REFERENCES leads (id),
    run_id    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_failures_lead ON lead_failures (lead_id, id);

-- +goose Down
SELECT 'forward-only';
