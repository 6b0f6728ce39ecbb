package runner

import (
	"context"
	"fmt"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// finalize finalizes a run if all its operations are terminal, in its own transaction.
func (r *Runner) finalize(ctx context.Context, runID string) error {
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := r.finalizeTx(ctx, tx, runID)
		return err
	})
}

// finalizeTx gives the run its derived terminal status when every operation is terminal.
// The run row is locked first, so of two operations finishing at once exactly one sees
// the other finished and finalizes; FinishRun's status guard makes it exactly once.
func (r *Runner) finalizeTx(ctx context.Context, tx *sqldb.Tx, runID string) (bool, error) {
	run, err := tx.LockRun(ctx, runID)
	if err != nil || run.Status.Terminal() {
		return false, err
	}
	results, err := tx.ClientResults(ctx, runID)
	if err != nil {
		return false, err
	}
	var totals leadrun.Totals
	for _, cr := range results {
		for _, op := range cr.Operations {
			if !op.Status.Terminal() {
				return false, nil
			}
		}
		totals.Add(cr.Totals())
	}
	status, reason := leadrun.DeriveRunStatus(results)
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
	msg := fmt.Sprintf("Run %s: %s. Leads: %d examined, %d scored, %d skipped, %d failed (success rate %s).",
		status, reason, totals.LeadsExamined, totals.LeadsScored, totals.LeadsSkipped, totals.LeadsFailed,
		leadrun.FormatSuccessRate(totals.LeadsScored, totals.LeadsFailed))
	if err := tx.AddEvent(ctx, leadrun.RunEvent{RunID: runID, Level: level, Message: msg}); err != nil {
		return false, err
	}
	r.log.Info("run finished", "run_id", runID, "status", status, "reason", reason,
		"leads_scored", totals.LeadsScored, "leads_failed", totals.LeadsFailed)
	return true, nil
}
