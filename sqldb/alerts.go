package sqldb

import (
	"context"
	"time"

	"github.com/leadrun/leadrun"
)

// QuietClient is an active client with no lead scored since a point in time.
type QuietClient struct {
	ClientID   string
	LastScored *time.Time // nil when it never had a lead scored
}

// QuietClients returns the clients quiet since a point in time, by the domain's rule
// (leadrun.Client.QuietSince), ordered by ID.
func (db *DB) QuietClients(ctx context.Context, since time.Time) ([]QuietClient, error) {
	clients, err := findClients(ctx, db.db, leadrun.ClientFilter{})
	if err != nil {
		return nil, err
	}
	last, err := db.lastScoredLeads(ctx)
	if err != nil {
		return nil, err
	}
	var out []QuietClient
	for _, c := range clients {
		if c.QuietSince(since, last[c.ID]) {
			out = append(out, QuietClient{ClientID: c.ID, LastScored: last[c.ID]})
		}
	}
	return out, nil
}

// lastScoredLeads maps each client to when a lead of it was last scored (absent when
// none ever was).
func (db *DB) lastScoredLeads(ctx context.Context) (map[string]*time.Time, error) {
	type last struct {
		clientID string
		at       *time.Time
	}
	rows, err := collect(ctx, db.db, func(s scanner) (last, error) {
		var l last
		var at any
		err := s.Scan(&l.clientID, &at)
		l.at = parseMaybeTime(at)
		return l, err
	}, `SELECT c.id, (SELECT MAX(l.scored_at) FROM leads l WHERE l.client_id = c.id) FROM clients c`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*time.Time, len(rows))
	for _, l := range rows {
		if l.at != nil {
			out[l.clientID] = l.at
		}
	}
	return out, nil
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
	res, err := tx.raw.ExecContext(ctx, `INSERT INTO alert_conditions (key, raised_at) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, key, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// RaiseConditionEvery records a condition that may be alerted again once every period: it
// reports true when the key was not raised within the period before now.
func (tx *Tx) RaiseConditionEvery(ctx context.Context, key string, period time.Duration) (bool, error) {
	if _, err := tx.raw.ExecContext(ctx, `DELETE FROM alert_conditions WHERE key = $1 AND raised_at < $2`,
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
