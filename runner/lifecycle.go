package runner

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// This file is the only code that moves a run or an operation from one status to another
// (a client result's status is derived from its operations). Each transition is a named
// function that takes the reason, writes the progress-log line and emits one lifecycle
// event in the same transaction; sqldb holds only the guarded statements. The table of
// transitions is in docs/ARCHITECTURE.md and walked by TestLifecycleTransitions.

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
	if ev.By == "" {
		ev.By = "worker " + r.workerID
	}
	for _, h := range r.hooks {
		if err := h(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

// note appends a progress-log line.
func note(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, level leadrun.EventLevel, msg string) error {
	return tx.AddEvent(ctx, leadrun.RunEvent{RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind, Level: level, Message: msg})
}

// queueRun: (none) → queued. Allocates the run ID and enqueues the planning job.
func (r *Runner) queueRun(ctx context.Context, tx *sqldb.Tx, req leadrun.TriggerRequest) (*leadrun.Run, error) {
	run, err := tx.CreateRun(ctx, req)
	if err != nil {
		return nil, err
	}
	if run.Scorer = req.Scorer; run.Scorer.Name == "" {
		run.Scorer = r.info
	}
	if err := tx.SetRunScorer(ctx, run.ID, run.Scorer); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("Run queued by %s, scorer %s", req.Trigger, run.Scorer)
	if run.Scorer.Host != "" {
		msg += " at " + run.Scorer.Host
	}
	if req.RequestedBy != "" {
		msg += " (" + req.RequestedBy + ")"
	}
	if err := note(ctx, tx, leadrun.OpKey{RunID: run.ID}, leadrun.LevelInfo, msg); err != nil {
		return nil, err
	}
	if _, err := tx.InsertJob(ctx, r.jobs, planArgs{RunID: run.ID}, &river.InsertOpts{
		MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeJobStates}}); err != nil {
		return nil, err
	}
	by := string(req.Trigger)
	if req.RequestedBy != "" {
		by += " (" + req.RequestedBy + ")"
	}
	return run, r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventRunQueued, Entity: leadrun.EntityRun,
		RunID: run.ID, To: string(leadrun.RunQueued), Reason: msg, By: by})
}

// startRun: queued → running, once its client results and operations exist.
func (r *Runner) startRun(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run, clients, opsQueued int) error {
	started, err := tx.StartRun(ctx, run.ID, opsQueued)
	if err != nil || !started {
		return err
	}
	msg := fmt.Sprintf("Run started: %d active clients on stream %d, %d operations queued", clients, run.Stream, opsQueued)
	if err := note(ctx, tx, leadrun.OpKey{RunID: run.ID}, leadrun.LevelInfo, msg); err != nil {
		return err
	}
	return r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventRunStarted, Entity: leadrun.EntityRun, RunID: run.ID,
		From: string(leadrun.RunQueued), To: string(leadrun.RunRunning), Reason: msg})
}

// finishRun: queued | running → a terminal status, exactly once (the status guard), with
// its alert and summary line.
func (r *Runner) finishRun(ctx context.Context, tx *sqldb.Tx, runID string, from leadrun.RunStatus, status leadrun.RunStatus, reason, summary, by string) (bool, error) {
	done, err := tx.FinishRun(ctx, runID, status, reason)
	if err != nil || !done {
		return false, err
	}
	if err := r.enqueueAlert(ctx, tx, runID, status); err != nil {
		return false, err
	}
	level := leadrun.LevelInfo
	if status != leadrun.RunCompleted {
		level = leadrun.LevelWarn
	}
	msg := fmt.Sprintf("Run %s: %s.", status, reason)
	if summary != "" {
		msg += " " + summary
	}
	if err := note(ctx, tx, leadrun.OpKey{RunID: runID}, level, msg); err != nil {
		return false, err
	}
	r.log.Info("run finished", "run_id", runID, "status", status, "reason", reason)
	return true, r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventRunFinished, Entity: leadrun.EntityRun, RunID: runID,
		From: string(from), To: string(status), Reason: reason, By: by})
}

// finalizeRun derives the status of a run whose operations are all terminal from its
// client results (read once, by the operation that finished last) and finishes it.
func (r *Runner) finalizeRun(ctx context.Context, tx *sqldb.Tx, runID string) error {
	results, err := tx.ClientResults(ctx, runID)
	if err != nil {
		return err
	}
	var totals leadrun.Totals
	for _, cr := range results {
		if cr.Status() == leadrun.OpRunning {
			return nil // not all terminal: a count went wrong; the reaper's safety net retries
		}
		totals.Add(cr.Totals())
	}
	status, reason := leadrun.DeriveRunStatus(results)
	summary := fmt.Sprintf("Leads: %d examined, %d scored, %d skipped, %d failed (success rate %s).",
		totals.LeadsExamined, totals.LeadsScored, totals.LeadsSkipped, totals.LeadsFailed,
		leadrun.FormatSuccessRate(totals.LeadsScored, totals.LeadsFailed))
	_, err = r.finishRun(ctx, tx, runID, leadrun.RunRunning, status, reason, summary, "")
	return err
}

// failRun: queued | running → failed, when a run cannot be planned; its stream is released.
func (r *Runner) failRun(ctx context.Context, runID, reason string) {
	err := r.db.InTx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		run, err := tx.LockRun(ctx, runID)
		if err != nil || run.Status.Terminal() {
			return err
		}
		_, err = r.finishRun(ctx, tx, runID, run.Status, leadrun.RunFailed, reason, "", "")
		return err
	})
	if err != nil {
		r.log.Error("could not mark run failed", "run_id", runID, "error", err)
	}
}

// cancelRun: queued | running → cancelled, with every queued or running operation.
func (r *Runner) cancelRun(ctx context.Context, runID, reason, by string) error {
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		run, err := tx.LockRun(ctx, runID)
		if err != nil {
			return err
		}
		if run.Status.Terminal() {
			return leadrun.Errorf(leadrun.ECONFLICT, "run %s is already %s", runID, run.Status)
		}
		ops, err := tx.CancelOperations(ctx, runID, reason)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if _, err := tx.KeepAffectedLeads(ctx, op.Key()); err != nil {
				return err
			}
			if err := r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventOperationFinished, Entity: leadrun.EntityOperation,
				RunID: runID, ClientID: op.ClientID, Operation: op.Kind, To: string(leadrun.OpCancelled), Reason: reason, By: by}); err != nil {
				return err
			}
		}
		if len(ops) > 0 {
			if _, err := tx.OperationsDone(ctx, runID, len(ops)); err != nil {
				return err
			}
		}
		if err := tx.SetRunCancelledBy(ctx, runID, by); err != nil {
			return err
		}
		_, err = r.finishRun(ctx, tx, runID, run.Status, leadrun.RunCancelled, reason, "Cancelled by "+by+".", by)
		return err
	})
}

// startOperation: queued → running on this worker (or resumed by it).
func (r *Runner) startOperation(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, alreadyExamined int64) (bool, error) {
	started, err := tx.StartOperation(ctx, k, r.workerID)
	if err != nil || !started {
		return false, err
	}
	msg := opTitle(k.Kind) + ": started"
	if alreadyExamined > 0 {
		msg = fmt.Sprintf("%s: resumed (%d already examined)", opTitle(k.Kind), alreadyExamined)
	}
	if err := note(ctx, tx, k, leadrun.LevelInfo, msg+" on worker "+r.workerID); err != nil {
		return false, err
	}
	return true, r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventOperationStarted, Entity: leadrun.EntityOperation,
		RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind, From: string(leadrun.OpQueued), To: string(leadrun.OpRunning)})
}

// requeueOperation: running → queued; another worker (or this one) resumes it.
func (r *Runner) requeueOperation(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, why string) (bool, error) {
	done, err := tx.RequeueOperation(ctx, k)
	if err != nil || !done {
		return false, err
	}
	if err := note(ctx, tx, k, leadrun.LevelInfo, fmt.Sprintf("%s: handed over by worker %s (%s); it resumes on the next free worker",
		opTitle(k.Kind), r.workerID, why)); err != nil {
		return false, err
	}
	return true, r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventOperationRequeued, Entity: leadrun.EntityOperation,
		RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind, From: string(leadrun.OpRunning), To: string(leadrun.OpQueued), Reason: why})
}

// endOperation: queued | running → its terminal status, in a transaction that already
// holds the run's lock (LockRun first: the lock order). When this was the run's last
// pending operation, the run is finalized in the same transaction. It reports false when
// the operation was already terminal.
func (r *Runner) endOperation(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, end opEnd, by string) (bool, error) {
	done, err := tx.FinishOperation(ctx, k, end.status, end.skipReason, end.message)
	if err != nil || !done {
		return false, err
	}
	if end.failureCode != "" {
		if err := tx.SetOperationFailureCode(ctx, k, end.failureCode); err != nil {
			return false, err
		}
	}
	return true, r.afterEnd(ctx, tx, k, end, by)
}

// afterEnd follows an operation's terminal transition: its affected leads kept with the
// run, its log line and event, the
// client result's event when it was the client's last, and the run's finalization when
// it was the run's last pending operation (a counter: no re-read of the run).
func (r *Runner) afterEnd(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, end opEnd, by string) error {
	// What the operation left failed or skipped stays with the run, whatever later runs do.
	if _, err := tx.KeepAffectedLeads(ctx, k); err != nil {
		return err
	}
	if end.line != "" {
		if err := note(ctx, tx, k, end.level, end.line); err != nil {
			return err
		}
	}
	if err := r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventOperationFinished, Entity: leadrun.EntityOperation,
		RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind, From: string(end.from), To: string(end.status),
		Reason: end.message, By: by}); err != nil {
		return err
	}
	if err := r.clientFinished(ctx, tx, k, by); err != nil {
		return err
	}
	left, err := tx.OperationsDone(ctx, k.RunID, 1)
	if err != nil || left > 0 {
		return err
	}
	return r.finalizeRun(ctx, tx, k.RunID)
}

// clientFinished emits EventClientFinished when the client result's operations are all
// terminal (two rows read: constant cost).
func (r *Runner) clientFinished(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, by string) error {
	ops, err := tx.ClientOperations(ctx, k.RunID, k.ClientID)
	if err != nil {
		return err
	}
	status := leadrun.DeriveStatus(ops)
	if !status.Terminal() {
		return nil
	}
	return r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventClientFinished, Entity: leadrun.EntityClientResult,
		RunID: k.RunID, ClientID: k.ClientID, From: string(leadrun.OpRunning), To: string(status), By: by})
}

// opEnd is how an operation ends: its status and why.
type opEnd struct {
	from        leadrun.OpStatus
	status      leadrun.OpStatus
	skipReason  string
	message     string         // last error or skip detail; empty when it ran to its end cleanly
	failureCode leadrun.Reason // machine-readable cause of a failure, e.g. provider_unavailable
	cause       error          // the error that ended it, if any
	level       leadrun.EventLevel
	line        string // the progress-log line
}

// progress emits EventOperationProgressed for a committed chunk.
func (r *Runner) progress(ctx context.Context, tx *sqldb.Tx, k leadrun.OpKey, examined int64) error {
	return r.emit(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventOperationProgressed, Entity: leadrun.EntityOperation,
		RunID: k.RunID, ClientID: k.ClientID, Operation: k.Kind, From: string(leadrun.OpRunning), To: string(leadrun.OpRunning),
		Reason: fmt.Sprintf("%d examined", examined)})
}
