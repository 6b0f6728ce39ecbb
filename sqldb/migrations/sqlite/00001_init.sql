-- +goose Up
-- Times are UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (fixed width, so they sort and compare).
CREATE TABLE clients (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('active','paused','inactive')),
    service_level        INTEGER NOT NULL CHECK (service_level IN (1,2)),
    stream               INTEGER NOT NULL CHECK (stream >= 1),
    score_threshold      REAL NOT NULL,
    lead_scoring_limit   INTEGER NOT NULL DEFAULT 0,
    post_scoring_limit   INTEGER NOT NULL DEFAULT 0,
    daily_token_budget   INTEGER NOT NULL DEFAULT 0,
    monthly_token_budget INTEGER NOT NULL DEFAULT 0,
    timezone             TEXT NOT NULL DEFAULT 'UTC',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX clients_stream ON clients (stream, status);

CREATE TABLE rubrics (
    client_id  TEXT PRIMARY KEY REFERENCES clients (id),
    document   TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    client_id         TEXT NOT NULL REFERENCES clients (id),
    profile_key       TEXT NOT NULL,
    profile_url       TEXT NOT NULL,
    first_name        TEXT NOT NULL DEFAULT '',
    last_name         TEXT NOT NULL DEFAULT '',
    headline          TEXT NOT NULL DEFAULT '',
    job_title         TEXT NOT NULL DEFAULT '',
    company           TEXT NOT NULL DEFAULT '',
    location          TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    connection_status TEXT NOT NULL DEFAULT 'candidate',
    scoring_status    TEXT NOT NULL CHECK (scoring_status IN ('to_be_scored','scored','skipped_missing_data','failed','excluded')),
    score             REAL,
    scored_at         TIMESTAMP,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_reason       TEXT NOT NULL DEFAULT '',
    last_run_id       TEXT NOT NULL DEFAULT '',
    top_post_id       INTEGER,
    exported_at       TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (client_id, profile_key)
);
-- Runs walk a client's leads in ID order. No index holds the scoring status: scoring then
-- rewrites the row only (no index entry moves), which is most of a run's write cost.
CREATE INDEX leads_client ON leads (client_id, id);

-- The wide, rarely written parts of a lead live beside it, so that scoring rewrites a
-- narrow row: the profile text (written on ingest) and the assessment (written on scoring).
CREATE TABLE lead_profiles (
    lead_id    INTEGER PRIMARY KEY REFERENCES leads (id),
    about      TEXT NOT NULL DEFAULT '',
    experience TEXT NOT NULL DEFAULT '[]',
    raw        TEXT
);

CREATE TABLE lead_assessments (
    lead_id         INTEGER PRIMARY KEY REFERENCES leads (id),
    assessment      TEXT NOT NULL DEFAULT '',
    breakdown       TEXT,
    ai_excluded     INTEGER NOT NULL DEFAULT 0,
    exclude_details TEXT NOT NULL DEFAULT ''
);

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    lead_id         INTEGER NOT NULL REFERENCES leads (id),
    client_id       TEXT NOT NULL REFERENCES clients (id),
    post_url        TEXT NOT NULL,
    content         TEXT NOT NULL DEFAULT '',
    posted_at       TIMESTAMP,
    is_repost       INTEGER NOT NULL DEFAULT 0,
    original_author TEXT NOT NULL DEFAULT '',
    score           REAL,
    rationale       TEXT NOT NULL DEFAULT '',
    scored_at       TIMESTAMP,
    skip_reason     TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (lead_id, post_url)
);
CREATE INDEX posts_due ON posts (client_id, lead_id) WHERE scored_at IS NULL;

CREATE TABLE run_sequences (
    day      TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    day           TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    stream        INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued','running','completed','completed_with_errors','failed','cancelled','abandoned')),
    status_reason TEXT NOT NULL DEFAULT '',
    trigger       TEXT NOT NULL,
    requested_by  TEXT NOT NULL DEFAULT '',
    params        TEXT NOT NULL DEFAULT '{}',
    scorer        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    heartbeat_at  TIMESTAMP,
    UNIQUE (day, seq)
);
-- The database, not process memory, guarantees at most one active run per stream.
CREATE UNIQUE INDEX runs_one_active_per_stream ON runs (stream) WHERE status IN ('queued','running');
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_stream_created ON runs (stream, created_at);

CREATE TABLE client_results (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    client_id   TEXT NOT NULL REFERENCES clients (id),
    client_name TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, client_id)
);
CREATE INDEX client_results_client ON client_results (client_id, run_id);

CREATE TABLE operations (
    run_id            TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    operation         TEXT NOT NULL CHECK (operation IN ('lead_scoring','post_scoring')),
    status            TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','succeeded_with_errors','skipped','failed','cancelled','abandoned')),
    skip_reason       TEXT NOT NULL DEFAULT '',
    last_error        TEXT NOT NULL DEFAULT '',
    item_limit        INTEGER NOT NULL DEFAULT 0,
    examined          INTEGER NOT NULL DEFAULT 0,
    scored            INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micros       INTEGER NOT NULL DEFAULT 0,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    heartbeat_at      TIMESTAMP,
    PRIMARY KEY (run_id, client_id, operation),
    FOREIGN KEY (run_id, client_id) REFERENCES client_results (run_id, client_id)
);
CREATE INDEX operations_active ON operations (status) WHERE status IN ('queued','running');

CREATE TABLE operation_reasons (
    run_id    TEXT NOT NULL,
    client_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('skipped','failed')),
    reason    TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (run_id, client_id, operation, kind, reason)
);

CREATE TABLE run_events (
    id        INTEGER PRIMARY KEY,
    run_id    TEXT NOT NULL REFERENCES runs (id),
    client_id TEXT NOT NULL DEFAULT '',
    operation TEXT NOT NULL DEFAULT '',
    level     TEXT NOT NULL,
    message   TEXT NOT NULL,
    counts    TEXT NOT NULL DEFAULT '',
    at        TIMESTAMP NOT NULL
);
CREATE INDEX run_events_run ON run_events (run_id, id);

-- +goose Down
SELECT 'forward-only';
