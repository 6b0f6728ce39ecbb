package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/leadrun/leadrun"
)

// Session is a dashboard session: its cookie value (shown once, stored hashed) and the
// CSRF token its forms must carry.
type Session struct {
	Cookie    string
	CSRFToken string
	ExpiresAt time.Time
}

func randomToken(prefix string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

// CreateSession starts a dashboard session lasting ttl, and removes expired ones.
func (db *DB) CreateSession(ctx context.Context, ttl time.Duration) (*Session, error) {
	cookie, err := randomToken("lrs_")
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken("")
	if err != nil {
		return nil, err
	}
	s := &Session{Cookie: cookie, CSRFToken: csrf}
	err = db.InTx(ctx, func(tx *Tx) error {
		s.ExpiresAt = tx.Now.Add(ttl)
		if _, err := tx.raw.ExecContext(ctx, `DELETE FROM dashboard_sessions WHERE expires_at < $1`, db.ts(tx.Now)); err != nil {
			return err
		}
		_, err := tx.raw.ExecContext(ctx, `INSERT INTO dashboard_sessions (id_hash, csrf_token, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, hashToken(cookie), csrf, db.ts(tx.Now), db.ts(s.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// FindSession returns the live session a cookie belongs to, or ENOTFOUND when there is
// none (unknown, logged out or expired). The lookup is by the cookie's SHA-256, so
// comparing it leaks nothing about stored values.
func (db *DB) FindSession(ctx context.Context, cookie string) (*Session, error) {
	if cookie == "" {
		return nil, noSession()
	}
	s := &Session{Cookie: cookie}
	var expires any
	err := db.db.QueryRowContext(ctx, `SELECT csrf_token, expires_at FROM dashboard_sessions
		WHERE id_hash = $1 AND expires_at > $2`, hashToken(cookie), db.ts(db.Now())).Scan(&s.CSRFToken, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSession()
	}
	if err != nil {
		return nil, err
	}
	if t := parseMaybeTime(expires); t != nil {
		s.ExpiresAt = *t
	}
	return s, nil
}

// noSession is FindSession's "not found"; it names no cookie, as a cookie is a secret.
func noSession() error { return leadrun.Errorf(leadrun.ENOTFOUND, "no live dashboard session") }

// DeleteSession ends a session (logout).
func (db *DB) DeleteSession(ctx context.Context, cookie string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.raw.ExecContext(ctx, `DELETE FROM dashboard_sessions WHERE id_hash = $1`, hashToken(cookie))
		return err
	})
}
