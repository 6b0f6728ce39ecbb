-- +goose Up
-- A client's token-less window for the Linked Helper webhook (campaigns set up on the
-- original platform keep their URL until it ends), with every request it accepted counted.
-- No row: the client is token-only (the default).
CREATE TABLE legacy_ingest (
    client_id       TEXT PRIMARY KEY REFERENCES clients (id),
    open_until      TIMESTAMPTZ NOT NULL,
    requests        INTEGER NOT NULL DEFAULT 0,
    items           INTEGER NOT NULL DEFAULT 0,
    blocked         INTEGER NOT NULL DEFAULT 0,
    last_request_at TIMESTAMPTZ,
    set_at          TIMESTAMPTZ NOT NULL
);

-- +goose Down
SELECT 'forward-only';
