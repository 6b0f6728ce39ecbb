package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
)

// TokensUsed sums the tokens a client's operations spent since each of the two times
// (an operation counts from when it started).
func (db *DB) TokensUsed(ctx context.Context, clientID string, sinceA, sinceB time.Time) (a, b int64, err error) {
	return tokensUsed(ctx, db.db, db, clientID, sinceA, sinceB)
}

// TokensUsed is DB.TokensUsed inside the transaction.
func (tx *Tx) TokensUsed(ctx context.Context, clientID string, sinceA, sinceB time.Time) (a, b int64, err error) {
	return tokensUsed(ctx, tx.cached(), tx.db, clientID, sinceA, sinceB)
}

func tokensUsed(ctx context.Context, q querier, db *DB, clientID string, sinceA, sinceB time.Time) (a, b int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN started_at >= $2 THEN prompt_tokens + completion_tokens ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN started_at >= $3 THEN prompt_tokens + completion_tokens ELSE 0 END), 0)
		FROM operations WHERE client_id = $1 AND started_at >= $4`,
		clientID, db.ts(sinceA), db.ts(sinceB), db.ts(minTime(sinceA, sinceB))).Scan(&a, &b)
	return a, b, err
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// AddOperationCounts adds a chunk's counts to a running operation (counts are added, never
// overwritten) and refreshes its heartbeat. It reports false, writing nothing, when the
// operation is no longer running: the caller must then roll back the chunk.
func (tx *Tx) AddOperationCounts(ctx context.Context, k leadrun.OpKey, d leadrun.OpDelta) (*leadrun.Operation, error) {
	counts, err := tx.stmt(ctx, `UPDATE operations SET examined = examined + $4, scored = scored + $5,
		skipped = skipped + $6, failed = failed + $7, prompt_tokens = prompt_tokens + $8,
		completion_tokens = completion_tokens + $9, cost_micros = cost_micros + $10, heartbeat_at = $11
		WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status = 'running' RETURNING `+opColumns)
	if err != nil {
		return nil, err
	}
	op, err := scanOperation(counts.QueryRowContext(ctx, k.RunID, k.ClientID, k.Kind, d.Examined, d.Scored, d.Skipped, d.Failed,
		d.Usage.PromptTokens, d.Usage.CompletionTokens, d.Usage.CostMicros, tx.db.ts(tx.Now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for kind, m := range map[string]map[string]int64{"skipped": d.SkippedBy, "failed": d.FailedBy} {
		for _, reason := range sortedKeys(m) {
			if m[reason] == 0 {
				continue
			}
			if err := tx.addReasonCount(ctx, k, kind, reason, m[reason]); err != nil {
				return nil, err
			}
		}
	}
	return op, nil
}

func (tx *Tx) addReasonCount(ctx context.Context, k leadrun.OpKey, kind, reason string, n int64) error {
	add, err := tx.stmt(ctx, `INSERT INTO operation_reasons (run_id, client_id, operation, kind, reason, count)
		VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (run_id, client_id, operation, kind, reason)
		DO UPDATE SET count = operation_reasons.count + excluded.count`)
	if err != nil {
		return err
	}
	_, err = add.ExecContext(ctx, k.RunID, k.ClientID, k.Kind, kind, reason, n)
	return err
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// AddEvent appends a progress-log line. The lines a transaction adds are written when it
// commits, in one statement, in the order added (only other transactions read them): an
// operation's start, end and failure lines cost one statement, and a transaction that
// ends several small operations writes all their lines at once.
func (tx *Tx) AddEvent(ctx context.Context, ev leadrun.RunEvent) error {
	tx.events = append(tx.events, ev)
	return nil
}

// FindEvents returns a run's progress log after the given event ID, oldest first.
func (db *DB) FindEvents(ctx context.Context, runID string, afterID int64, limit int) ([]*leadrun.RunEvent, error) {
	if limit <= 0 || limit > 5000 {
		limit = 5000
	}
	return collect(ctx, db.db, scanEvent, `SELECT id, run_id, client_id, operation, level, message, counts, at
		FROM run_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`, runID, afterID, limit)
}

func scanEvent(s scanner) (*leadrun.RunEvent, error) {
	var ev leadrun.RunEvent
	var counts string
	if err := s.Scan(&ev.ID, &ev.RunID, &ev.ClientID, &ev.Operation, &ev.Level, &ev.Message, &counts, &ev.At); err != nil {
		return nil, err
	}
	if counts != "" {
		if err := json.Unmarshal([]byte(counts), &ev.Counts); err != nil {
			return nil, err
		}
	}
	ev.At = ev.At.UTC()
	return &ev, nil
}
