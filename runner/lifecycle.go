package runner

import (
	"context"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Hook reacts to a lifecycle event inside the transaction that made the transition: what
// it writes commits with the transition or not at all. A hook's error rolls the
// transition back, so hooks only record (e.g. a mirror task); slow work goes to a job.
type Hook func(ctx context.Context, tx *sqldb.Tx, ev leadrun.LifecycleEvent) error

// Subscribe adds a hook called for every lifecycle event of runs this Runner moves.
// Call it before Start.
func (r *Runner) Subscribe(h Hook) { r.hooks = append(r.hooks, h) }

// emit stamps the event and calls every hook in the transaction.
func (r *Runner) emit(ctx context.Context, tx *sqldb.Tx, ev leadrun.LifecycleEvent) error {
	if ev.At.IsZero() {
		ev.At = tx.Now
	}
	for _, h := range r.hooks {
		if err := h(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}
