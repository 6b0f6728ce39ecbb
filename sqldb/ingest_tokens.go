package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"

	"github.com/leadrun/leadrun"
)

// RotateIngestToken gives a client a new ingest token for the Linked Helper webhook,
// replacing any previous one, and returns it. Only its SHA-256 is stored: the token is
// shown once.
func (db *DB) RotateIngestToken(ctx context.Context, clientID string) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := "lrit_" + base64.RawURLEncoding.EncodeToString(raw)
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		_, err := tx.raw.ExecContext(ctx, `INSERT INTO ingest_tokens (client_id, token_hash, created_at) VALUES ($1,$2,$3)
			ON CONFLICT (client_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			clientID, hashToken(token), db.ts(tx.Now))
		return err
	})
	return token, err
}

// RevokeIngestToken removes a client's ingest token: its webhook refuses everything until
// a new one is made.
func (db *DB) RevokeIngestToken(ctx context.Context, clientID string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM ingest_tokens WHERE client_id = $1`, clientID)
	if ok, err := affectedOne(res, err); err != nil || !ok {
		if err == nil {
			err = leadrun.Errorf(leadrun.ENOTFOUND, "client %s has no ingest token", clientID)
		}
		return err
	}
	return nil
}

// IngestTokenValid reports whether token is the client's ingest token (constant-time).
func (db *DB) IngestTokenValid(ctx context.Context, clientID, token string) (bool, error) {
	var stored string
	err := db.db.QueryRowContext(ctx, `SELECT token_hash FROM ingest_tokens WHERE client_id = $1`, clientID).Scan(&stored)
	if err == sql.ErrNoRows || token == "" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(stored), []byte(hashToken(token))) == 1, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
