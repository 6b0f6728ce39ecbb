package mirror

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// deliverArgs is the job that works the Airtable outbox. It is unique per base while
// available, scheduled or running, so one deliverer runs cluster-wide; a lease in the
// database backs that up (e.g. against `leadrun airtable backfill`).
type deliverArgs struct {
	Base string `json:"base" river:"unique"`
}

// Kind names the job.
func (deliverArgs) Kind() string { return "airtable_deliver" }

func deliverOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: 1000, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// deliverWorker runs delivery passes. A pass that must wait (failing, back-off, another
// deliverer) snoozes the job until then, so a failing base costs one request a minute.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	m *Mirror
}

// Timeout leaves room for a full pass.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.m.cfg.PassFor + time.Minute
}

// Work delivers until the outbox is empty, then completes; the next change enqueues it
// again (the hook), and the periodic job catches anything missed.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	if job.Args.Base != w.m.cfg.Base {
		return nil // a job of a base this process no longer mirrors
	}
	p, err := w.m.Deliver(ctx, nil)
	if err != nil {
		// The database failed, not Airtable. Snooze instead of erring: the job engine's
		// retry back-off grows to hours, and a retryable job blocks the next one.
		w.m.log.Warn("airtable delivery", "base", w.m.cfg.Base, "error", err)
		return river.JobSnooze(time.Second)
	}
	if !p.RetryAt.IsZero() {
		return river.JobSnooze(max(time.Until(p.RetryAt), 100*time.Millisecond))
	}
	n, _, err := w.m.db.AirtablePending(ctx)
	if err != nil {
		return err
	}
	if n > 0 { // changes came in at the end of the pass, or it ran out of time
		return river.JobSnooze(10 * time.Millisecond)
	}
	return nil
}
