package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Provenance: a run records the scorer configuration it was requested with, and its
// operations go to the job queue named after that configuration (ScorerInfo.Queue), which
// only workers offering the same scorer, host and model serve. Workers record the queue
// they serve in their row of workers; a run whose configuration no live worker offers fails after
// Config.WorkerWait with a reason naming the scorer, instead of waiting forever or being
// scored by another scorer.

// workerSeenWithin is how recent a worker's heartbeat (every Config.HeartbeatEvery) must
// be for the worker to count as serving its scorer queue.
const workerSeenWithin = 15 * time.Second

// runQueue is the job queue of a run's operations; runs recorded before provenance
// existed use the default queue.
func runQueue(run *leadrun.Run) string {
	if run.Scorer.Name == "" {
		return river.QueueDefault
	}
	return run.Scorer.Queue()
}

// offered checks, before a run is planned, that some live worker offers its scorer
// configuration. It returns a snooze error while waiting, or the reason to fail the run
// once Config.WorkerWait has passed since the run was created.
func (r *Runner) offered(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run) (failReason string, err error) {
	q := runQueue(run)
	if q == river.QueueDefault || q == r.info.Queue() {
		return "", nil // every worker serves the default queue; this one serves its own
	}
	seen, err := tx.QueueServed(ctx, q, tx.Now.Add(-workerSeenWithin))
	if err != nil || seen {
		return "", err
	}
	if tx.Now.Sub(run.CreatedAt) < r.cfg.WorkerWait {
		return "", river.JobSnooze(250 * time.Millisecond)
	}
	host := ""
	if run.Scorer.Host != "" {
		host = " at " + run.Scorer.Host
	}
	return fmt.Sprintf("no worker offers scorer %s%s (waited %s; workers here offer %s)", run.Scorer, host,
		r.cfg.WorkerWait, r.info), nil
}

// providerStopped ends an operation whose provider failed: nothing of the failed chunk is
// written (its leads stay due, attempts unchanged), and the operation ends failed with
// the provider's message and the failure code provider_unavailable.
func (r *Runner) providerStopped(ex *execution, pe *leadrun.ProviderError) {
	ex.fail(pe)
	ex.log.Warn("AI provider unavailable: operation stopped, its leads stay due", "error", pe.Error(), "status", pe.Status)
}

// recordProviderStatus records the provider's status in the transaction that finished an
// operation: unavailable when it failed the operation, OK when it answered it.
func (r *Runner) recordProviderStatus(ctx context.Context, tx *sqldb.Tx, ex *execution, op *leadrun.Operation) error {
	pe := leadrun.AsProviderError(ex.cause())
	if pe == nil {
		if ex.cause() != nil || r.info.Host == "" || op.PromptTokens+op.CompTokens == 0 {
			return nil
		}
		// The provider answered this operation: it is up (again).
		return tx.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: r.info, OK: true,
			Message: "OK: answered the calls of " + ex.key.String(), Source: "run " + ex.key.RunID})
	}
	return tx.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: r.info, OK: false, Message: pe.Error(),
		Source: "run " + ex.key.RunID})
}

// ScorerInfo is the scorer configuration this runner scores with.
func (r *Runner) ScorerInfo() leadrun.ScorerInfo { return r.info }
