package runner

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun/sqldb"
)

// Extension adds job kinds of another package (e.g. the Airtable mirror's deliverer) to a
// Runner's job engine, so they run in every process that works runs.
type Extension interface {
	// Extend is called once by New, before the job engine is built: it adds its workers,
	// may Subscribe hooks, and returns its periodic jobs.
	Extend(r *Runner, workers *river.Workers) []*river.PeriodicJob
}

// Looper is an Extension with a loop of its own, run while this process works jobs (from
// Start until Shutdown): e.g. waking a job when there is work, in every process, without
// depending on the job engine's leader.
type Looper interface {
	Loop(ctx context.Context)
}

// startLoops starts the loops of the extensions that have one.
func (r *Runner) startLoops(ctx context.Context) {
	for _, e := range r.cfg.Extensions {
		if l, ok := e.(Looper); ok {
			r.loops.Add(1)
			go func() {
				defer r.loops.Done()
				l.Loop(ctx)
			}()
		}
	}
}

// extend lets each configured extension register its workers.
func (r *Runner) extend(workers *river.Workers) []*river.PeriodicJob {
	var periodic []*river.PeriodicJob
	for _, e := range r.cfg.Extensions {
		periodic = append(periodic, e.Extend(r, workers)...)
	}
	return periodic
}

// InsertJobTx enqueues a job of an extension inside a transaction (e.g. from a hook).
func (r *Runner) InsertJobTx(ctx context.Context, tx *sqldb.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := tx.InsertJob(ctx, r.jobs, args, opts)
	return err
}

// InsertJob enqueues a job of an extension.
func (r *Runner) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error { return r.InsertJobTx(ctx, tx, args, opts) })
}

// RaiseAlert sends message to the alert webhook once per key, until ClearAlerts clears the
// key (the condition is kept in the database, so once across processes). Without a
// webhook it does nothing.
func (r *Runner) RaiseAlert(ctx context.Context, key, message string) error {
	if r.cfg.AlertWebhookURL == "" {
		return nil
	}
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		raised, err := tx.RaiseCondition(ctx, key)
		if err != nil || !raised {
			return err
		}
		_, err = tx.InsertJob(ctx, r.jobs, alertArgs{Message: message}, &river.InsertOpts{MaxAttempts: 10})
		return err
	})
}

// ClearAlerts clears the raised alert conditions whose key starts with prefix, so that
// they alert again the next time they are raised.
func (r *Runner) ClearAlerts(ctx context.Context, prefix string) error {
	return r.db.ClearConditions(ctx, prefix, nil)
}
