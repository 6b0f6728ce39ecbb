package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
)

// This file holds every statement that changes the status of a run or an operation (a
// client result's status is derived from its operations). Each is a guarded primitive:
// it moves a row only from the statuses the transition allows and reports whether it did.
// The decisions — which transition, why, what the progress log says — are the runner's
// lifecycle (runner/lifecycle.go).
//
// Lock order, on PostgreSQL, for every transaction that touches a run: the run row first
// (FOR NO KEY UPDATE, which does not conflict with the key-share locks that inserting its
// events or operations takes through their foreign keys), then its operations in key
// order, then everything else. Heartbeats lock their runs in ID order before their
// operations. With one order there is no cycle, so no deadlock.

// LockRun reads a run and, on PostgreSQL, locks its row until the transaction ends: the
// first statement of every transaction that changes the run or one of its operations'
// statuses. (SQLite transactions are already exclusive.)
func (tx *Tx) LockRun(ctx context.Context, id string) (*leadrun.Run, error) {
	q := `SELECT ` + runColumns + ` FROM runs WHERE id = $1`
	if tx.db.kind == Postgres {
		q += ` FOR NO KEY UPDATE`
	}
	r, err := scanRun(tx.cached().QueryRowContext(ctx, q, id))
	return r, mapError(err, "run "+id)
}

// StartRun moves a queued run to running with the number of operations it queued.
func (tx *Tx) StartRun(ctx context.Context, id string, opsQueued int) (bool, error) {
	res, err := tx.cached().ExecContext(ctx, `UPDATE runs SET status = 'running', started_at = $2, heartbeat_at = $2,
		ops_pending = $3 WHERE id = $1 AND status = 'queued'`, id, tx.db.ts(tx.Now), opsQueued)
	return affectedOne(res, err)
}

// FinishRun gives an active run its terminal status. It reports false when the run was
// already finished, so finalization happens exactly once.
func (tx *Tx) FinishRun(ctx context.Context, id string, status leadrun.RunStatus, reason string) (bool, error) {
	if !status.Terminal() {
		return false, fmt.Errorf("finish run %s: %s is not a terminal status", id, status)
	}
	res, err := tx.raw.ExecContext(ctx, `UPDATE runs SET status = $2, status_reason = $3, finished_at = $4, ops_pending = 0
		WHERE id = $1 AND status IN ('queued','running')`, id, status, reason, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// OperationsDone subtracts n operations that became terminal from the run's pending
// count and returns what is left: 0 means the run is ready to be finalized.
func (tx *Tx) OperationsDone(ctx context.Context, runID string, n int) (left int64, err error) {
	s, err := tx.stmt(ctx, `UPDATE runs SET ops_pending = ops_pending - $2 WHERE id = $1 RETURNING ops_pending`)
	if err != nil {
		return 0, err
	}
	err = s.QueryRowContext(ctx, runID, n).Scan(&left)
	return left, mapError(err, "run "+runID)
}

// FindOperation reads one operation in the transaction.
func (tx *Tx) FindOperation(ctx context.Context, k leadrun.OpKey) (*leadrun.Operation, error) {
	op, err := scanOperation(tx.cached().QueryRowContext(ctx, `SELECT `+opColumns+` FROM operations
		WHERE run_id = $1 AND client_id = $2 AND operation = $3`, k.RunID, k.ClientID, k.Kind))
	return op, mapError(err, "operation "+k.String())
}

// FindOperations reads the operations of the given clients in a run, in one query (the
// group of small operations a job works reads its own this way), by client ID and kind.
func (db *DB) FindOperations(ctx context.Context, runID string, clientIDs []string) (map[leadrun.OpKey]*leadrun.Operation, error) {
	out := make(map[leadrun.OpKey]*leadrun.Operation, 2*len(clientIDs))
	for first := 0; first < len(clientIDs); first += planRowsPerStatement {
		in, args := inList(clientIDs[first:min(len(clientIDs), first+planRowsPerStatement)], 1)
		ops, err := collect(ctx, db.db, scanOperation, `SELECT `+opColumns+` FROM operations WHERE run_id = $1 AND client_id IN (`+in+`)`,
			append([]any{runID}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			out[op.Key()] = op
		}
	}
	return out, nil
}

// StartOperation marks a queued operation running on the given worker (or resumes one this
// worker was already running). It reports false when the operation is terminal or runs
// on another worker.
func (tx *Tx) StartOperation(ctx context.Context, k leadrun.OpKey, worker string) (bool, error) {
	res, err := tx.cached().ExecContext(ctx, `UPDATE operations SET status = 'running', started_at = COALESCE(started_at, $4),
		heartbeat_at = $4, worker_id = $5 WHERE run_id = $1 AND client_id = $2 AND operation = $3
		AND (status = 'queued' OR (status = 'running' AND worker_id = $5))`,
		k.RunID, k.ClientID, k.Kind, tx.db.ts(tx.Now), worker)
	return affectedOne(res, err)
}

// RequeueOperation puts a running operation back to queued (a worker shutting down hands
// it over; the counts it committed stay).
func (tx *Tx) RequeueOperation(ctx context.Context, k leadrun.OpKey) (bool, error) {
	res, err := tx.raw.ExecContext(ctx, `UPDATE operations SET status = 'queued', worker_id = '' WHERE run_id = $1
		AND client_id = $2 AND operation = $3 AND status = 'running'`, k.RunID, k.ClientID, k.Kind)
	return affectedOne(res, err)
}

// FinishOperation gives a running or queued operation its terminal status, with a skip
// reason (skipped only) and the last error. It reports false when it was already
// terminal (cancelled or abandoned meanwhile).
func (tx *Tx) FinishOperation(ctx context.Context, k leadrun.OpKey, status leadrun.OpStatus, skipReason, lastError string) (bool, error) {
	if !status.Terminal() {
		return false, fmt.Errorf("finish operation %s: %s is not a terminal status", k, status)
	}
	res, err := tx.cached().ExecContext(ctx, `UPDATE operations SET status = $4, skip_reason = $5, last_error = $6, finished_at = $7
		WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status IN ('queued','running')`,
		k.RunID, k.ClientID, k.Kind, status, skipReason, lastError, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// CancelOperations ends a run's queued and running operations cancelled and returns them.
func (tx *Tx) CancelOperations(ctx context.Context, runID, reason string) ([]*leadrun.Operation, error) {
	return collect(ctx, tx.raw, scanOperation, `UPDATE operations SET status = 'cancelled', finished_at = $2, last_error = $3
		WHERE run_id = $1 AND status IN ('queued','running') RETURNING `+opColumns, runID, tx.db.ts(tx.Now), reason)
}

// FindStaleOperations lists running operations without a heartbeat since staleBefore.
// It reads without locking; AbandonOperation re-checks under lock.
func (db *DB) FindStaleOperations(ctx context.Context, staleBefore time.Time) ([]leadrun.StaleOperation, error) {
	return collect(ctx, db.db, func(s scanner) (leadrun.StaleOperation, error) {
		var so leadrun.StaleOperation
		var beat sql.NullTime
		err := s.Scan(&so.Key.RunID, &so.Key.ClientID, &so.Key.Kind, &so.WorkerID, &beat)
		so.LastBeat = beat.Time.UTC()
		return so, err
	}, `SELECT run_id, client_id, operation, worker_id, heartbeat_at FROM operations
		WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1) ORDER BY run_id, client_id, operation`,
		db.ts(staleBefore))
}

// AbandonOperation ends a running operation abandoned if its heartbeat is still older
// than staleBefore (checked in the UPDATE, so a heartbeat that commits meanwhile saves it).
func (tx *Tx) AbandonOperation(ctx context.Context, k leadrun.OpKey, staleBefore time.Time, reason string) (bool, error) {
	res, err := tx.raw.ExecContext(ctx, `UPDATE operations SET status = 'abandoned', last_error = $5, finished_at = $6
		WHERE run_id = $1 AND client_id = $2 AND operation = $3 AND status = 'running'
		AND (heartbeat_at IS NULL OR heartbeat_at < $4)`,
		k.RunID, k.ClientID, k.Kind, tx.db.ts(staleBefore), reason, tx.db.ts(tx.Now))
	return affectedOne(res, err)
}

// HeartbeatOperations refreshes the heartbeat of operations a worker is executing, and of
// their runs. It returns the keys that are no longer running on this worker (cancelled,
// abandoned or finished elsewhere): their work must stop. Runs are locked before
// operations, each in a fixed order (see the lock order above).
func (db *DB) HeartbeatOperations(ctx context.Context, keys []leadrun.OpKey) (stopped []leadrun.OpKey, err error) {
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	var runs []string
	for i, k := range keys {
		if i == 0 || keys[i-1].RunID != k.RunID {
			runs = append(runs, k.RunID)
		}
	}
	sort.Strings(runs)
	err = db.InTx(ctx, func(tx *Tx) error {
		stopped = stopped[:0]
		for _, id := range runs {
			if _, err := tx.raw.ExecContext(ctx, `UPDATE runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'`,
				id, db.ts(tx.Now)); err != nil {
				return err
			}
		}
		for _, k := range keys {
			res, err := tx.raw.ExecContext(ctx, `UPDATE operations SET heartbeat_at = $4 WHERE run_id = $1 AND client_id = $2
				AND operation = $3 AND status = 'running'`, k.RunID, k.ClientID, k.Kind, db.ts(tx.Now))
			alive, err := affectedOne(res, err)
			if err != nil {
				return err
			}
			if !alive {
				stopped = append(stopped, k)
			}
		}
		return nil
	})
	return stopped, err
}

// UnfinalizedRuns returns running runs none of whose operations is still queued or
// running: they only wait for finalization (a safety net for the reaper).
func (db *DB) UnfinalizedRuns(ctx context.Context) ([]string, error) {
	return collect(ctx, db.db, scanString, `SELECT id FROM runs WHERE status = 'running' AND NOT EXISTS (
		SELECT 1 FROM operations o WHERE o.run_id = runs.id AND o.status IN ('queued','running'))`)
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

func affectedOne(res interface{ RowsAffected() (int64, error) }, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClientOperations reads the operations of one client result in the transaction.
func (tx *Tx) ClientOperations(ctx context.Context, runID, clientID string) ([]*leadrun.Operation, error) {
	return collect(ctx, tx.cached(), scanOperation, `SELECT `+opColumns+` FROM operations WHERE run_id = $1 AND client_id = $2
		ORDER BY operation`, runID, clientID)
}
