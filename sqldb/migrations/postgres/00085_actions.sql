-- +goose Up
-- What people did to a client or one of its leads (pause, resume, edit, exclude, include,
-- requeue), who did it and from where ("dashboard", "cli alice", "api"): the client's and
-- the lead's history. lead_id is NULL for actions on the client itself.
CREATE TABLE actions (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    lead_id   BIGINT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX actions_client ON actions (client_id, id);
CREATE INDEX actions_lead ON actions (lead_id, id) WHERE lead_id IS NOT NULL;

-- +goose Down
SELECT 'forward-only';
