-- +goose Up
-- Conditions that have been alerted and not yet cleared: an alert is sent when its row is
-- inserted, and again only after the row was deleted because the condition cleared.
CREATE TABLE alert_conditions (
    key       TEXT PRIMARY KEY,
    raised_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
SELECT 'forward-only';
