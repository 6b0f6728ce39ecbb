-- +goose Up
-- Dashboard sessions. Only the SHA-256 of the session cookie is stored, with the session's
-- own CSRF token for its forms; logging out deletes the row, so a copied cookie dies too.
CREATE TABLE dashboard_sessions (
    id_hash    TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

-- The dashboard's client health reads each client's latest result.
CREATE INDEX client_results_client_created ON client_results (client_id, created_at);

-- +goose Down
SELECT 'forward-only';
