package runner

import (
	"context"
	"sync"
	"time"

	"github.com/leadrun/leadrun"
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

// heartbeatLoop proves this process alive for the operations it executes, and stops those
// that were cancelled or abandoned elsewhere (so a cancel from another process takes
// effect within one heartbeat).
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
		keys := r.active.keys()
		if len(keys) == 0 {
			continue
		}
		stopped, err := r.db.HeartbeatOperations(ctx, keys)
		if err != nil {
			r.log.Warn("heartbeat failed", "error", err)
			continue
		}
		for _, k := range stopped {
			r.active.cancel(k, errStopped)
		}
	}
}

// reapLoop periodically abandons operations whose worker died and finalizes their runs.
func (r *Runner) reapLoop(ctx context.Context) {
	defer r.loops.Done()
	ticker := time.NewTicker(r.cfg.ReapEvery)
	defer ticker.Stop()
	for {
		if err := r.Reap(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reaper failed", "error", err)
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

// Reap marks operations without a heartbeat for the stale limit as abandoned, releasing
// their streams, and finalizes every run whose operations are all finished. Safe to run in
// any number of processes at once.
func (r *Runner) Reap(ctx context.Context) error {
	staleBefore := r.db.Now().Add(-r.cfg.StaleAfter)
	abandoned, err := r.db.AbandonStaleOperations(ctx, staleBefore)
	if err != nil {
		return err
	}
	for _, id := range abandoned {
		r.log.Warn("abandoned stale operations", "run_id", id, "stale_after", r.cfg.StaleAfter)
	}
	ids, err := r.db.UnfinalizedRuns(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.finalize(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
