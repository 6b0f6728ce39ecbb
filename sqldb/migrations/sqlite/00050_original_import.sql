-- +goose Up
-- What Linked Helper (and the original platform) knew about a lead beyond its profile:
-- the Sales Navigator link and when the person connected.
CREATE TABLE lead_linkedhelper (
    lead_id             INTEGER PRIMARY KEY REFERENCES leads (id),
    sales_navigator_url TEXT NOT NULL DEFAULT '',
    connected_at        TIMESTAMP
);

-- Messages Linked Helper carried with a lead, kept as history: a message is added once
-- (by its SHA-256) and never replaced by a later one.
CREATE TABLE lead_messages (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads (id),
    text_hash   TEXT NOT NULL,
    text        TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (lead_id, text_hash)
);

-- One row per lead imported from the original platform: the fingerprint of what was
-- imported, so a second import of the same data writes nothing.
CREATE TABLE import_records (
    client_id   TEXT NOT NULL REFERENCES clients (id),
    profile_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, profile_key)
);

-- +goose Down
SELECT 'forward-only';
