-- +goose Up
-- The Airtable mirror's outbox: one row per run (client_id '') or client result that changed
-- since it was last delivered. A lifecycle hook writes it in the transaction of the change;
-- the deliverer deletes a row only if its version did not move meanwhile.
CREATE TABLE airtable_outbox (
    run_id    TEXT NOT NULL,
    client_id TEXT NOT NULL DEFAULT '',
    version   INTEGER NOT NULL DEFAULT 1,
    dirty_at  TIMESTAMP NOT NULL, -- first undelivered change: the lag
    PRIMARY KEY (run_id, client_id)
);
CREATE INDEX airtable_outbox_dirty ON airtable_outbox (dirty_at);

-- Airtable record IDs of mirrored rows, per base and table, so links need no lookup.
CREATE TABLE airtable_records (
    base       TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    key        TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT '', -- the run's status when the record's state was read
    synced_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (base, tbl, key)
);

-- One row per base: the request budget shared by every process (send times of the last
-- requests, the 429 penalty), the deliverer's lease, and the mirror's health.
CREATE TABLE airtable_state (
    base            TEXT PRIMARY KEY,
    enabled_at      TIMESTAMP NOT NULL, -- runs created since then are mirrored without a backfill
    sent_ms         TEXT NOT NULL DEFAULT '',
    penalty_until   TIMESTAMP,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TIMESTAMP,
    last_sync_at    TIMESTAMP,
    failing_since   TIMESTAMP,
    failing_message TEXT NOT NULL DEFAULT '',
    retry_at        TIMESTAMP
);

-- +goose Down
SELECT 'forward-only';
