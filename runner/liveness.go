package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// activeOps are the operations this process is executing, with the functions that stop them.
type activeOps struct {
	mu  sync.Mutex
	ops map[leadrun.OpKey]context.CancelCauseFunc
}

func (a *activeOps) add(k leadrun.OpKey, cancel context.CancelCauseFunc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ops[k] = cancel
}

func (a *activeOps) remove(k leadrun.OpKey) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.ops, k)
}

func (a *activeOps) keys() []leadrun.OpKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	keys := make([]leadrun.OpKey, 0, len(a.ops))
	for k := range a.ops {
		keys = append(keys, k)
	}
	return keys
}

func (a *activeOps) cancel(k leadrun.OpKey, cause error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.ops[k]; c != nil {
		c(cause)
	}
}

func (a *activeOps) cancelRun(runID string, cause error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, c := range a.ops {
		if k.RunID == runID {
			c(cause)
		}
	}
}

func (a *activeOps) cancelAll(cause error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.ops {
		c(cause)
	}
}

// heartbeatLoop proves this process alive — the process itself and each operation it
// executes — and stops operations that were cancelled or abandoned elsewhere (so a cancel
// from another process takes effect within one heartbeat).
func (r *Runner) heartbeatLoop(ctx context.Context) {
	defer r.loops.Done()
	ticker := time.NewTicker(r.cfg.HeartbeatEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		r.health.observe(r.log, r.db.HeartbeatWorker(ctx, r.workerID))
		keys := r.active.keys()
		if len(keys) == 0 {
			continue
		}
		stopped, err := r.db.HeartbeatOperations(ctx, keys)
		if r.health.observe(r.log, err) != nil {
			continue
		}
		for _, k := range stopped {
			r.active.cancel(k, errStopped)
		}
	}
}

// reapLoop periodically gives away the work of dead workers and finalizes runs.
func (r *Runner) reapLoop(ctx context.Context) {
	defer r.loops.Done()
	ticker := time.NewTicker(r.cfg.ReapEvery)
	defer ticker.Stop()
	for {
		if err := r.Reap(ctx); err != nil && ctx.Err() == nil {
			r.health.observe(r.log, err)
		}
		if err := r.checkQuietClients(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("quiet-client check failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Reap deals with work whose owner died, so that no stream stays blocked longer than the
// stale limit: running operations without a heartbeat end abandoned (their run finalizes
// and releases its stream); jobs that a dead worker process had picked up — a run it was
// planning, an operation it had not started yet, the job of work just abandoned — are made
// available to live workers at once. A process that itself lost the database recently
// judges no one: everybody's heartbeats stopped during the outage. Safe to run in any
// number of processes at once.
func (r *Runner) Reap(ctx context.Context) error {
	if !r.health.steadyFor(r.cfg.StaleAfter) {
		return nil
	}
	staleBefore := r.db.Now().Add(-r.cfg.StaleAfter)
	stale, err := r.db.FindStaleOperations(ctx, staleBefore)
	if err != nil {
		return err
	}
	for _, so := range stale {
		if err := r.abandon(ctx, so, staleBefore); err != nil {
			return err
		}
	}
	if err := r.releaseOrphans(ctx, staleBefore); err != nil {
		return err
	}
	ids, err := r.db.UnfinalizedRuns(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
			if run, err := tx.LockRun(ctx, id); err != nil || run.Status.Terminal() {
				return err
			}
			return r.finalizeRun(ctx, tx, id)
		}); err != nil {
			return err
		}
	}
	return nil
}

// abandon ends a stale running operation abandoned, naming its worker and when it was
// last heard of.
func (r *Runner) abandon(ctx context.Context, so leadrun.StaleOperation, staleBefore time.Time) error {
	worker := so.WorkerID
	if worker == "" {
		worker = "(unknown)"
	}
	reason := fmt.Sprintf("worker %s stopped (crash, SIGKILL or lost database connection); last heartbeat %s",
		worker, so.LastBeat.Format("2006-01-02 15:04:05 UTC"))
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.LockRun(ctx, so.Key.RunID); err != nil {
			return err
		}
		done, err := tx.AbandonOperation(ctx, so.Key, staleBefore, reason)
		if err != nil || !done {
			return err
		}
		r.log.Warn("abandoned a stale operation", "run_id", so.Key.RunID, "client_id", so.Key.ClientID,
			"operation", string(so.Key.Kind), "worker", worker, "stale_after", r.cfg.StaleAfter)
		return r.afterEnd(ctx, tx, so.Key, opEnd{from: leadrun.OpRunning, status: leadrun.OpAbandoned, message: reason,
			level: leadrun.LevelError, line: opTitle(so.Key.Kind) + ": abandoned: " + reason}, "reaper on "+r.workerID)
	})
}

// releaseOrphans makes the jobs that dead worker processes had picked up available again.
func (r *Runner) releaseOrphans(ctx context.Context, staleBefore time.Time) error {
	orphans, err := r.db.FindOrphanJobs(ctx, staleBefore, planArgs{}.Kind(), operationArgs{}.Kind(), groupArgs{}.Kind())
	if err != nil {
		return err
	}
	for _, j := range orphans {
		released, err := r.db.ReleaseOrphanJob(ctx, j.ID)
		if err != nil {
			return err
		}
		if released {
			r.log.Warn("released a job of a dead worker", "job_id", j.ID, "kind", j.Kind, "worker", j.WorkerID)
		}
	}
	return nil
}
