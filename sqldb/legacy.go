package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
)

// SetLegacyIngest opens (or moves the end of) a client's token-less Linked Helper window;
// until nil closes it. The counts survive a moved end and are dropped on closing.
func (db *DB) SetLegacyIngest(ctx context.Context, clientID string, until *time.Time) (*leadrun.LegacyIngest, error) {
	var out *leadrun.LegacyIngest
	err := db.InTx(ctx, func(tx *Tx) error {
		c, err := findClient(ctx, tx.raw, clientID)
		if err != nil {
			return err
		}
		if until == nil {
			_, err := tx.raw.ExecContext(ctx, `DELETE FROM legacy_ingest WHERE client_id = $1`, clientID)
			return err
		}
		if err := leadrun.CheckLegacyIngest(c, *until, tx.Now); err != nil {
			return err
		}
		_, err = tx.raw.ExecContext(ctx, `INSERT INTO legacy_ingest (client_id, open_until, set_at) VALUES ($1, $2, $3)
			ON CONFLICT (client_id) DO UPDATE SET open_until = excluded.open_until, set_at = excluded.set_at`,
			clientID, db.ts(*until), db.ts(tx.Now))
		if err != nil {
			return err
		}
		out, err = findLegacy(ctx, tx.raw, clientID)
		return err
	})
	return out, err
}

// FindLegacyIngest returns a client's token-less window (open or ended); ENOTFOUND when
// the client never had one or it was closed.
func (db *DB) FindLegacyIngest(ctx context.Context, clientID string) (*leadrun.LegacyIngest, error) {
	return findLegacy(ctx, db.db, clientID)
}

func findLegacy(ctx context.Context, q querier, clientID string) (*leadrun.LegacyIngest, error) {
	var l leadrun.LegacyIngest
	var last sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT client_id, open_until, requests, items, blocked, last_request_at, set_at
		FROM legacy_ingest WHERE client_id = $1`, clientID).Scan(&l.ClientID, &l.Until, &l.Requests, &l.Items,
		&l.Blocked, &last, &l.SetAt)
	if err != nil {
		return nil, mapError(err, fmt.Sprintf("token-less window of client %s", clientID))
	}
	l.Until, l.SetAt, l.LastRequestAt = l.Until.UTC(), l.SetAt.UTC(), utcPtr(last)
	return &l, nil
}

// RecordLegacyRequest counts one token-less request of a client with its items and how
// many the sender check refused. It is one statement, so concurrent requests add up.
func (db *DB) RecordLegacyRequest(ctx context.Context, clientID string, items, blocked int) error {
	_, err := db.db.ExecContext(ctx, `UPDATE legacy_ingest SET requests = requests + 1, items = items + $2,
		blocked = blocked + $3, last_request_at = $4 WHERE client_id = $1`, clientID, items, blocked, db.ts(db.Now()))
	return err
}
