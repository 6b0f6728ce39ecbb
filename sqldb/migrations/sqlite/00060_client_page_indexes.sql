-- +goose Up
-- The dashboard's client page at 100,000 leads. Its best leads come from an index in score
-- order, which stops after the first page instead of sorting every scored lead; its counts
-- by status and last scoring time, and its lead list filtered by status (paged by ID), are
-- read from one index on (client, status, ID) that also holds the scoring time.
CREATE INDEX leads_top ON leads (client_id, score DESC, id) WHERE scoring_status = 'scored' AND exported_at IS NULL;
CREATE INDEX leads_client_status ON leads (client_id, scoring_status, id, scored_at);

-- +goose Down
SELECT 'forward-only';
