-- +goose Up
-- Each process that runs schedules records them when it starts, so any process (the one
-- serving the dashboard may run none) can show a stream's cron, spot two processes that
-- disagree, and tell when a slot passed with no process left to start it.
CREATE TABLE schedule_declarations (
    stream      BIGINT NOT NULL,
    worker_id   TEXT NOT NULL,
    cron        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    declared_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (stream, worker_id)
);
-- What the last claimed slot led to: the run it started, or why none (busy, failed).
ALTER TABLE schedule_slots ADD COLUMN outcome TEXT NOT NULL DEFAULT 'started';
ALTER TABLE schedule_slots ADD COLUMN run_id TEXT;
ALTER TABLE schedule_slots ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE schedule_slots ADD COLUMN busy_skips INTEGER NOT NULL DEFAULT 0;

-- +goose Down
SELECT 'forward-only';
