package sqldb

import (
	"context"
	"database/sql"
	"time"
)

// A worker process registers itself and heartbeats; the job engine knows it by the same
// ID (it records the ID of the process that picked each job up). A process whose
// heartbeat is older than the stale limit is dead: the jobs it had picked up are made
// available again, so nothing it held — a run still being planned, an operation not yet
// started — blocks its stream.

// RegisterWorker records a starting worker process, the scorer configuration it scores
// with and the job queue of that configuration it serves.
func (db *DB) RegisterWorker(ctx context.Context, id, host string, pid int, scorer, queue string) error {
	now := db.ts(db.Now())
	_, err := db.cached().ExecContext(ctx, `INSERT INTO workers (id, host, pid, scorer, queue, started_at, heartbeat_at)
		VALUES ($1,$2,$3,$4,$5,$6,$6) ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
		scorer = excluded.scorer, queue = excluded.queue, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
		id, host, pid, scorer, queue, now)
	return err
}

// QueueServed reports whether a running worker process serving queue has heartbeaten
// since the given time.
func (tx *Tx) QueueServed(ctx context.Context, queue string, since time.Time) (bool, error) {
	var one int
	err := tx.raw.QueryRowContext(ctx, `SELECT 1 FROM workers WHERE queue = $1 AND heartbeat_at >= $2
		AND stopped_at IS NULL LIMIT 1`, queue, tx.db.ts(since)).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// HeartbeatWorker proves a worker process alive.
func (db *DB) HeartbeatWorker(ctx context.Context, id string) error {
	_, err := db.cached().ExecContext(ctx, `UPDATE workers SET heartbeat_at = $2 WHERE id = $1 AND stopped_at IS NULL`,
		id, db.ts(db.Now()))
	return err
}

// StopWorker records that a worker process stopped cleanly.
func (db *DB) StopWorker(ctx context.Context, id string) error {
	_, err := db.cached().ExecContext(ctx, `UPDATE workers SET stopped_at = $2 WHERE id = $1`, id, db.ts(db.Now()))
	return err
}

// OrphanJob is a job that the job engine shows as running in a worker process that is no
// longer alive.
type OrphanJob struct {
	ID       int64
	Kind     string
	WorkerID string
}

// FindOrphanJobs lists running jobs of the given kinds that were picked up before
// staleBefore by a worker process that has not heartbeaten since staleBefore (or stopped,
// or never registered).
func (db *DB) FindOrphanJobs(ctx context.Context, staleBefore time.Time, kinds ...string) ([]OrphanJob, error) {
	lastAttempt := `attempted_by[array_length(attempted_by, 1)]`
	if db.kind == SQLite {
		lastAttempt = `json_extract(json(attempted_by), '$[#-1]')`
	}
	in, args := inList(kinds, 1)
	args = append([]any{db.ts(staleBefore)}, args...)
	return collect(ctx, db.db, func(s scanner) (OrphanJob, error) {
		var j OrphanJob
		var worker *string
		err := s.Scan(&j.ID, &j.Kind, &worker)
		if worker != nil {
			j.WorkerID = *worker
		}
		return j, err
	}, `SELECT j.id, j.kind, j.worker FROM (SELECT id, kind, `+lastAttempt+` AS worker, attempted_at FROM river_job
		WHERE state = 'running' AND kind IN (`+in+`)) j
		WHERE j.attempted_at < $1 AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = j.worker
			AND w.stopped_at IS NULL AND w.heartbeat_at >= $1)
		ORDER BY j.id`, args...)
}

// ReleaseOrphanJob makes a job of a dead worker available to the live ones at once (what
// the job engine's own rescuer does after its much longer timeout). It reports false if
// the job is no longer running.
func (db *DB) ReleaseOrphanJob(ctx context.Context, id int64) (bool, error) {
	var released bool
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.raw.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE id = $1 AND state = 'running'`, id)
		released, err = affectedOne(res, err)
		return err
	})
	return released, err
}
