-- +goose Up
-- Finalization in O(1): a run counts its operations that are not yet terminal; the
-- operation that brings the count to 0 finalizes the run (no re-read of the whole run).
ALTER TABLE runs ADD COLUMN ops_pending BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET ops_pending = (SELECT COUNT(*) FROM operations o
    WHERE o.run_id = runs.id AND o.status IN ('queued','running'))
    WHERE status IN ('queued','running');
-- What was due when the run was planned (the dashboard's progress bar), and the worker
-- process executing the operation (named when it is abandoned).
ALTER TABLE operations ADD COLUMN due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN worker_id TEXT NOT NULL DEFAULT '';

-- Worker processes and their heartbeats: a process whose heartbeat is older than the
-- stale limit is dead, and whatever it had picked up (a planning job, an operation
-- queued or running) is given to another process.
CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          BIGINT NOT NULL,
    scorer       TEXT NOT NULL DEFAULT '',
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    stopped_at   TIMESTAMPTZ
);

-- +goose Down
SELECT 'forward-only';
