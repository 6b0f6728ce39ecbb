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

// deliverWorker runs a delivery pass. It always completes (never snoozes or errs): a
// scheduled or retried job would wait for the job engine's leader, and every process's
// Loop wakes the deliverer again while changes wait.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	m *Mirror
}

// Timeout leaves room for a full pass.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.m.cfg.PassFor + time.Minute
}

// Work delivers until the outbox is empty, the pass's time is up, or a failure makes the
// mirror wait (its retry time is in the database, which Loop reads).
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	if job.Args.Base != w.m.cfg.Base {
		return nil // a job of a base this process no longer mirrors
	}
	if _, err := w.m.Deliver(ctx, nil); err != nil {
		w.m.log.Warn("airtable delivery", "base", w.m.cfg.Base, "error", err)
	}
	return nil
}
