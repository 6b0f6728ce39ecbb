package sqldb

import (
	"context"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
)

// HeartbeatOperations refreshes the heartbeat of operations a worker is executing, and of
// their runs. It returns the keys that are no longer running (cancelled, abandoned or
// finished elsewhere): their work must stop.
func (db *DB) HeartbeatOperations(ctx context.Context, keys []leadrun.OpKey) (stopped []leadrun.OpKey, err error) {
	// A fixed order keeps concurrent heartbeats from deadlocking each other on PostgreSQL.
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	err = db.InTx(ctx, func(tx *Tx) error {
		stopped = stopped[:0]
		runs := map[string]bool{}
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, `UPDATE operations SET heartbeat_at = $4 WHERE run_id = $1 AND client_id = $2
				AND operation = $3 AND status = 'running'`, k.RunID, k.ClientID, k.Kind, db.ts(tx.Now))
			alive, err := affectedOne(res, err)
			if err != nil {
				return err
			}
			if !alive {
				stopped = append(stopped, k)
				continue
			}
			runs[k.RunID] = true
		}
		for id := range runs {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'`,
				id, db.ts(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
	return stopped, err
}

// CancelRun cancels an active run: the run ends cancelled with the reason, and its queued
// and running operations end cancelled. Work already committed stays. Workers notice at
// their next heartbeat and stop.
func (db *DB) CancelRun(ctx context.Context, id, reason string) (*leadrun.Run, error) {
	// Operations first, then the run: the same lock order as heartbeats and finalization,
	// so PostgreSQL never deadlocks them.
	err := db.InTx(ctx, func(tx *Tx) error {
		run, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
		if err != nil {
			return mapError(err, "run "+id)
		}
		if run.Status.Terminal() {
			return leadrun.Errorf(leadrun.ECONFLICT, "run %s is already %s", id, run.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE operations SET status = 'cancelled', finished_at = $2,
			last_error = $3 WHERE run_id = $1 AND status IN ('queued','running')`, id, db.ts(tx.Now), reason); err != nil {
			return err
		}
		finished, err := tx.FinishRun(ctx, id, leadrun.RunCancelled, reason)
		if err != nil {
			return err
		}
		if !finished {
			return leadrun.Errorf(leadrun.ECONFLICT, "run %s finished while it was being cancelled", id)
		}
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: id, Level: leadrun.LevelWarn, Message: "Run cancelled: " + reason})
	})
	if err != nil {
		return nil, err
	}
	return db.FindRunByID(ctx, id)
}

// AbandonStaleOperations marks running operations whose heartbeat is older than staleBefore
// as abandoned (their worker died) and returns the runs they belong to, which the caller
// must finalize. The staleness is checked in the UPDATE itself, so a heartbeat that commits
// meanwhile saves its operation.
func (db *DB) AbandonStaleOperations(ctx context.Context, staleBefore time.Time) ([]string, error) {
	var runIDs []string
	reason := "worker stopped heartbeating (no heartbeat since " + staleBefore.UTC().Format(time.RFC3339) + ")"
	err := db.InTx(ctx, func(tx *Tx) error {
		runIDs = runIDs[:0]
		stale, err := collect(ctx, tx, scanOpKey, `UPDATE operations SET status = 'abandoned', last_error = $2,
			finished_at = $3 WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)
			RETURNING run_id, client_id, operation`, db.ts(staleBefore), reason, db.ts(tx.Now))
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, k := range stale {
			if err := tx.AddEvent(ctx, leadrun.RunEvent{RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind,
				Level: leadrun.LevelError, Message: "Abandoned: " + reason}); err != nil {
				return err
			}
			if !seen[k.RunID] {
				seen[k.RunID] = true
				runIDs = append(runIDs, k.RunID)
			}
		}
		return nil
	})
	return runIDs, err
}

func scanOpKey(s scanner) (leadrun.OpKey, error) {
	var k leadrun.OpKey
	err := s.Scan(&k.RunID, &k.ClientID, &k.Kind)
	return k, err
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
