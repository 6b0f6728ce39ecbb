package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// saveLeadExtras stores what a lead carries beyond its profile: the Sales Navigator link
// and connection date (an empty value never blanks a stored one) and its messages, each
// added once to the lead's history. It writes nothing for a lead without any.
func (db *DB) saveLeadExtras(ctx context.Context, tx *Tx, l *leadrun.Lead) error {
	if l.SalesNavigatorURL != "" || l.ConnectedAt != nil {
		_, err := tx.raw.ExecContext(ctx, `INSERT INTO lead_linkedhelper (lead_id, sales_navigator_url, connected_at)
			VALUES ($1, $2, $3) ON CONFLICT (lead_id) DO UPDATE SET
			sales_navigator_url = CASE WHEN excluded.sales_navigator_url <> '' THEN excluded.sales_navigator_url
				ELSE lead_linkedhelper.sales_navigator_url END,
			connected_at = COALESCE(excluded.connected_at, lead_linkedhelper.connected_at)`,
			l.ID, l.SalesNavigatorURL, db.tsp(l.ConnectedAt))
		if err != nil {
			return fmt.Errorf("linked helper details: %w", err)
		}
	}
	for _, m := range l.Messages {
		if strings.TrimSpace(m) == "" {
			continue
		}
		sum := sha256.Sum256([]byte(m))
		_, err := tx.raw.ExecContext(ctx, `INSERT INTO lead_messages (lead_id, text_hash, text, received_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (lead_id, text_hash) DO NOTHING`,
			l.ID, hex.EncodeToString(sum[:]), m, db.ts(tx.Now))
		if err != nil {
			return fmt.Errorf("lead message: %w", err)
		}
	}
	return nil
}

// LoadLeadExtras fills in a stored lead's Sales Navigator link, connection date, message
// history (oldest first) and export time.
func (db *DB) LoadLeadExtras(ctx context.Context, l *leadrun.Lead) error {
	var (
		nav                 sql.NullString
		connected, exported sql.NullTime
	)
	err := db.db.QueryRowContext(ctx, `SELECT x.sales_navigator_url, x.connected_at, l.exported_at
		FROM leads l LEFT JOIN lead_linkedhelper x ON x.lead_id = l.id WHERE l.id = $1 AND l.client_id = $2`,
		l.ID, l.ClientID).Scan(&nav, &connected, &exported)
	if err != nil {
		return mapError(err, fmt.Sprintf("lead %d of client %s", l.ID, l.ClientID))
	}
	l.SalesNavigatorURL, l.ConnectedAt, l.ExportedAt = nav.String, utcPtr(connected), utcPtr(exported)
	l.Messages, err = collect(ctx, db.db, func(s scanner) (string, error) {
		var m string
		return m, s.Scan(&m)
	}, `SELECT text FROM lead_messages WHERE lead_id = $1 ORDER BY id`, l.ID)
	return err
}

func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
