package sqldb

import (
	"context"
	"time"
)

// QuietClient is an active client with no lead scored since a point in time.
type QuietClient struct {
	ClientID   string
	LastScored *time.Time // nil when it never had a lead scored
}

// QuietClients returns the active clients, older than since, with no lead scored since then.
func (db *DB) QuietClients(ctx context.Context, since time.Time) ([]QuietClient, error) {
	return collect(ctx, db.db, func(s scanner) (QuietClient, error) {
		var q QuietClient
		var last any
		if err := s.Scan(&q.ClientID, &last); err != nil {
			return q, err
		}
		q.LastScored = parseMaybeTime(last)
		return q, nil
	}, `SELECT c.id, (SELECT MAX(l.scored_at) FROM leads l WHERE l.client_id = c.id) FROM clients c
		WHERE c.status = 'active' AND c.created_at < $1 AND NOT EXISTS (
			SELECT 1 FROM leads l WHERE l.client_id = c.id AND l.scored_at >= $1)
		ORDER BY c.id`, db.ts(since))
}

// parseMaybeTime reads an aggregate time, which SQLite returns as text.
func parseMaybeTime(v any) *time.Time {
	switch t := v.(type) {
	case time.Time:
		u := t.UTC()
		return &u
	case string:
		if p, err := time.Parse(sqliteTime, t); err == nil {
			return &p
		}
	}
	return nil
}

// RaiseCondition records an alert condition; it reports true only the first time, until
// the condition is cleared, so each condition is alerted once.
func (tx *Tx) RaiseCondition(ctx context.Context, key string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_conditions (key, raised_at) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, key, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// RaiseConditionEvery records a condition that may be alerted again once every period: it
// reports true when the key was not raised within the period before now.
func (tx *Tx) RaiseConditionEvery(ctx context.Context, key string, period time.Duration) (bool, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM alert_conditions WHERE key = $1 AND raised_at < $2`,
		key, tx.db.ts(tx.Now.Add(-period))); err != nil {
		return false, err
	}
	return tx.RaiseCondition(ctx, key)
}

// ClearConditions removes the raised conditions with the prefix that are not in keep.
func (db *DB) ClearConditions(ctx context.Context, prefix string, keep map[string]bool) error {
	keys, err := collect(ctx, db.db, scanString, `SELECT key FROM alert_conditions WHERE key LIKE $1`, prefix+"%")
	if err != nil {
		return err
	}
	for _, k := range keys {
		if keep[k] {
			continue
		}
		if _, err := db.db.ExecContext(ctx, `DELETE FROM alert_conditions WHERE key = $1`, k); err != nil {
			return err
		}
	}
	return nil
}
