package sqldb

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"time"

	"github.com/leadrun/leadrun"
)

// Named API tokens (leadrun tokens add|list|revoke). A token is shown once when it is
// made; only its SHA-256 is stored, so a copy of the database holds no usable token.

// apiTokenPrefix marks leadrun API tokens, so a leaked one is easy to recognise.
const apiTokenPrefix = "lrat_"

// lastUsedEvery bounds how often a token's last use is written: not on every request.
const lastUsedEvery = time.Minute

// CreateAPIToken makes a new API token named name and returns it with its record; a name
// in use is ECONFLICT.
func (db *DB) CreateAPIToken(ctx context.Context, name string) (string, *leadrun.APIToken, error) {
	if err := leadrun.ValidateTokenName(name); err != nil {
		return "", nil, err
	}
	token, err := randomToken(apiTokenPrefix)
	if err != nil {
		return "", nil, err
	}
	// One statement: the unique name decides between two concurrent adds.
	rec := &leadrun.APIToken{Name: name, CreatedAt: db.Now().UTC()}
	_, err = db.db.ExecContext(ctx, `INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3)`,
		name, hashToken(token), db.ts(rec.CreatedAt))
	if isUniqueViolation(err) {
		return "", nil, leadrun.Errorf(leadrun.ECONFLICT, "an API token named %s already exists: revoke it first (leadrun tokens revoke %s) or choose another name", name, name)
	}
	if err != nil {
		return "", nil, err
	}
	return token, rec, nil
}

// FindAPITokens lists the API tokens by name: names and times, never the tokens.
func (db *DB) FindAPITokens(ctx context.Context) ([]*leadrun.APIToken, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT name, created_at, last_used_at FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*leadrun.APIToken
	for rows.Next() {
		t := &leadrun.APIToken{}
		var last sql.NullTime
		if err := rows.Scan(&t.Name, &t.CreatedAt, &last); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if last.Valid {
			u := last.Time.UTC()
			t.LastUsedAt = &u
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken deletes the API token named name: it is refused from the next request
// on. An unknown name is ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, name string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE name = $1`, name)
	if ok, err := affectedOne(res, err); err != nil || !ok {
		if err == nil {
			err = leadrun.Errorf(leadrun.ENOTFOUND, "no API token named %q (leadrun tokens list shows them)", leadrun.Truncate(name, 80))
		}
		return err
	}
	return nil
}

// AuthenticateAPIToken returns the name of the API token token is, and notes its use (at
// most once a minute). An unknown or revoked token is EUNAUTHORIZED; the error never
// holds the token.
func (db *DB) AuthenticateAPIToken(ctx context.Context, token string) (string, error) {
	refused := leadrun.Errorf(leadrun.EUNAUTHORIZED, "unknown or revoked API token")
	if token == "" {
		return "", refused
	}
	hash := hashToken(token)
	var name, stored string
	var last sql.NullTime
	err := db.db.QueryRowContext(ctx, `SELECT name, token_hash, last_used_at FROM api_tokens WHERE token_hash = $1`, hash).
		Scan(&name, &stored, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return "", refused
	}
	if err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(hash)) != 1 {
		return "", refused
	}
	now := db.Now()
	if !last.Valid || now.Sub(last.Time) >= lastUsedEvery {
		if _, err := db.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE name = $2`, db.ts(now), name); err != nil {
			return "", err
		}
	}
	return name, nil
}
