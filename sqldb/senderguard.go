package sqldb

import (
	"context"

	"github.com/leadrun/leadrun"
)

// RecordSenderMismatches adds the Linked Helper items of one webhook call that came from
// another sender than the client expects to the client's counts, one row per sender
// (normalized). Each entry's Items and Blocked are added; its times are ignored: the
// transaction's time is the last (and, for a new sender, the first) seen time. The
// upsert is a single statement, so concurrent calls from several processes add up.
func (db *DB) RecordSenderMismatches(ctx context.Context, clientID string, seen []leadrun.SenderMismatch) error {
	if len(seen) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		for _, m := range seen {
			sender := leadrun.NormalizeSender(m.Sender)
			if sender == "" || m.Items <= 0 {
				continue
			}
			_, err := tx.raw.ExecContext(ctx, `INSERT INTO lh_sender_mismatches
				(client_id, sender, items, blocked, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)
				ON CONFLICT (client_id, sender) DO UPDATE SET items = lh_sender_mismatches.items + excluded.items,
				blocked = lh_sender_mismatches.blocked + excluded.blocked, last_seen_at = excluded.last_seen_at`,
				clientID, sender, m.Items, m.Blocked, db.ts(tx.Now))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// FindSenderMismatches returns a client's counts per unexpected sender, the most recently
// seen first. A client with none has an empty list.
func (db *DB) FindSenderMismatches(ctx context.Context, clientID string) ([]leadrun.SenderMismatch, error) {
	return collect(ctx, db.db, func(s scanner) (leadrun.SenderMismatch, error) {
		var m leadrun.SenderMismatch
		err := s.Scan(&m.Sender, &m.Items, &m.Blocked, &m.FirstSeenAt, &m.LastSeenAt)
		m.FirstSeenAt, m.LastSeenAt = m.FirstSeenAt.UTC(), m.LastSeenAt.UTC()
		return m, err
	}, `SELECT sender, items, blocked, first_seen_at, last_seen_at FROM lh_sender_mismatches
		WHERE client_id = $1 ORDER BY last_seen_at DESC, sender`, clientID)
}

// SenderMismatchTotal is a client's mismatched Linked Helper items over all senders.
type SenderMismatchTotal struct {
	ClientID string
	Items    int64 // every mismatched item
	Blocked  int64 // of which dropped in block mode
}

// SenderMismatchTotals returns the totals of every client that has any, by client ID
// (for /metrics).
func (db *DB) SenderMismatchTotals(ctx context.Context) ([]SenderMismatchTotal, error) {
	return collect(ctx, db.db, func(s scanner) (SenderMismatchTotal, error) {
		var t SenderMismatchTotal
		err := s.Scan(&t.ClientID, &t.Items, &t.Blocked)
		return t, err
	}, `SELECT client_id, SUM(items), SUM(blocked) FROM lh_sender_mismatches GROUP BY client_id ORDER BY client_id`)
}
