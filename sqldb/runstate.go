package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
)

// StartRun moves a queued run to running.
func (tx *Tx) StartRun(ctx context.Context, id string) error {
	_, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'running', started_at = $2, heartbeat_at = $2
		WHERE id = $1 AND status = 'queued'`, id, tx.db.ts(tx.Now))
	return err
}

// FinishRun gives an active run its terminal status. It reports false when the run was
// already finished, so finalization happens exactly once.
func (tx *Tx) FinishRun(ctx context.Context, id string, status leadrun.RunStatus, reason string) (bool, error) {
	if !status.Terminal() {
		return false, fmt.Errorf("finish run %s: %s is not a terminal status", id, status)
	}
	res, err := tx.ExecContext(ctx, `UPDATE runs SET status = $2, status_reason = $3, finished_at = $4
		WHERE id = $1 AND status IN ('queued','running')`, id, status, reason, tx.db.ts(tx.Now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateClientResult stores the (run, client) record.
func (tx *Tx) CreateClientResult(ctx context.Context, runID string, c *leadrun.Client) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at)
		VALUES ($1,$2,$3,$4)`, runID, c.ID, c.Name, tx.db.ts(tx.Now))
	return mapError(err, "client result "+leadrun.ClientRunID(runID, c.ID))
}

// CreateOperation stores an operation row, queued or already skipped.
func (tx *Tx) CreateOperation(ctx context.Context, op *leadrun.Operation) error {
	var finished any
	if op.Status.Terminal() {
		finished = tx.db.ts(tx.Now)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO operations (run_id, client_id, operation, status, skip_reason, item_limit, finished_at, last_error)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, op.RunID, op.ClientID, op.Kind, op.Status, op.SkipReason, op.Limit, finished, op.LastError)
	return mapError(err, "operation "+op.Key().String())
}

// FindOperation reads one operation in the transaction.
func (tx *Tx) FindOperation(ctx context.Context, k leadrun.OpKey) (*leadrun.Operation, error) {
	op, err := scanOperation(tx.QueryRowContext(ctx, `SELECT `+opColumns+` FROM operations
		WHERE run_id = $1 AND client_id = $2 AND operation = $3`, k.RunID, k.ClientID, k.Kind))
	return op, mapError(err, "operation "+k.String())
}

// StartOperation marks a queued (or interrupted running) operation running. It reports
// false when the operation is already terminal.
func (tx *Tx) StartOperation(ctx context.Context, k leadrun.OpKey) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE operations SET status = 'running', started_at = COALESCE(started_at, $4),
		heartbeat_at = $4 WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status IN ('queued','running')`,
		k.RunID, k.ClientID, k.Kind, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// RequeueOperation puts a running operation back to queued (a worker shutting down hands
// it over; the counts it committed stay).
func (tx *Tx) RequeueOperation(ctx context.Context, k leadrun.OpKey) error {
	_, err := tx.ExecContext(ctx, `UPDATE operations SET status = 'queued' WHERE run_id = $1 AND client_id = $2
		AND operation = $3 AND status = 'running'`, k.RunID, k.ClientID, k.Kind)
	return err
}

// FinishOperation gives a running or queued operation its terminal status. It reports
// false when it was already terminal (cancelled or abandoned meanwhile).
func (tx *Tx) FinishOperation(ctx context.Context, k leadrun.OpKey, status leadrun.OpStatus, lastError string) (bool, error) {
	return tx.finishOperation(ctx, k, status, "", lastError)
}

// SkipOperation ends a running operation skipped with a reason (e.g. budget_exceeded);
// what it committed before stays counted.
func (tx *Tx) SkipOperation(ctx context.Context, k leadrun.OpKey, reason, detail string) (bool, error) {
	return tx.finishOperation(ctx, k, leadrun.OpSkipped, reason, detail)
}

func (tx *Tx) finishOperation(ctx context.Context, k leadrun.OpKey, status leadrun.OpStatus, skipReason, lastError string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE operations SET status = $4, skip_reason = $5, last_error = $6, finished_at = $7
		WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status IN ('queued','running')`,
		k.RunID, k.ClientID, k.Kind, status, skipReason, lastError, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// TokensUsed sums the tokens a client's operations spent since each of the two times
// (an operation counts from when it started).
func (db *DB) TokensUsed(ctx context.Context, clientID string, sinceA, sinceB time.Time) (a, b int64, err error) {
	return tokensUsed(ctx, db.db, db, clientID, sinceA, sinceB)
}

// TokensUsed is DB.TokensUsed inside the transaction.
func (tx *Tx) TokensUsed(ctx context.Context, clientID string, sinceA, sinceB time.Time) (a, b int64, err error) {
	return tokensUsed(ctx, tx, tx.db, clientID, sinceA, sinceB)
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

// OpDelta is what one chunk adds to an operation's counts.
type OpDelta struct {
	Examined, Scored, Skipped, Failed int64
	SkippedBy, FailedBy               map[string]int64
	Usage                             leadrun.Usage
}

// AddOperationCounts adds a chunk's counts to a running operation (counts are added, never
// overwritten) and refreshes its heartbeat. It reports false, writing nothing, when the
// operation is no longer running: the caller must then roll back the chunk.
func (tx *Tx) AddOperationCounts(ctx context.Context, k leadrun.OpKey, d OpDelta) (bool, error) {
	counts, err := tx.stmt(ctx, `UPDATE operations SET examined = examined + $4, scored = scored + $5,
		skipped = skipped + $6, failed = failed + $7, prompt_tokens = prompt_tokens + $8,
		completion_tokens = completion_tokens + $9, cost_micros = cost_micros + $10, heartbeat_at = $11
		WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status = 'running'`)
	if err != nil {
		return false, err
	}
	defer counts.Close()
	res, err := counts.ExecContext(ctx, k.RunID, k.ClientID, k.Kind, d.Examined, d.Scored, d.Skipped, d.Failed, d.Usage.PromptTokens,
		d.Usage.CompletionTokens, d.Usage.CostMicros, tx.db.ts(tx.Now))
	if ok, err := affectedOne(res, err); !ok || err != nil {
		return ok, err
	}
	for kind, m := range map[string]map[string]int64{"skipped": d.SkippedBy, "failed": d.FailedBy} {
		for _, reason := range sortedKeys(m) {
			if m[reason] == 0 {
				continue
			}
			if err := tx.addReasonCount(ctx, k, kind, reason, m[reason]); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func (tx *Tx) addReasonCount(ctx context.Context, k leadrun.OpKey, kind, reason string, n int64) error {
	add, err := tx.stmt(ctx, `INSERT INTO operation_reasons (run_id, client_id, operation, kind, reason, count)
		VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (run_id, client_id, operation, kind, reason)
		DO UPDATE SET count = operation_reasons.count + excluded.count`)
	if err != nil {
		return err
	}
	defer add.Close()
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

func affectedOne(res interface{ RowsAffected() (int64, error) }, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AddEvent appends a line to a run's progress log.
func (tx *Tx) AddEvent(ctx context.Context, ev leadrun.RunEvent) error {
	return addEvent(ctx, tx, tx.db, tx.Now, ev)
}

// AddEvent appends a line to a run's progress log outside any transaction.
func (db *DB) AddEvent(ctx context.Context, ev leadrun.RunEvent) error {
	return addEvent(ctx, db.db, db, db.Now().UTC(), ev)
}

func addEvent(ctx context.Context, q querier, db *DB, now time.Time, ev leadrun.RunEvent) error {
	if ev.Level == "" {
		ev.Level = leadrun.LevelInfo
	}
	counts := ""
	if len(ev.Counts) > 0 {
		b, err := json.Marshal(ev.Counts)
		if err != nil {
			return err
		}
		counts = string(b)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO run_events (run_id, client_id, operation, level, message, counts, at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, ev.RunID, ev.ClientID, ev.Operation, ev.Level, ev.Message, counts, db.ts(now))
	return err
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
