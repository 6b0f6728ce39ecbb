package runner

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/leadrun/leadrun"
)

// Rerun starts a new run on a finished run's stream for exactly the clients that failed or
// were abandoned in it, with the same limits. The new run's log says who asked and that it
// is a rerun of runID. A run still active is ECONFLICT; one with no failed client is
// EINVALID; a busy stream is *leadrun.StreamBusyError (the active run's ID).
func (r *Runner) Rerun(ctx context.Context, runID string, trigger leadrun.Trigger, by string) (*leadrun.Run, error) {
	run, err := r.db.FindRunByID(ctx, runID)
	if err != nil {
		return nil, err
	}
	if !run.Status.Terminal() {
		return nil, leadrun.Errorf(leadrun.ECONFLICT, "run %s is still %s: wait for it to finish (or cancel it), then rerun its failed clients", runID, run.Status)
	}
	results, err := r.db.FindClientResults(ctx, runID)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, cr := range results {
		if st := cr.Status(); st == leadrun.OpFailed || st == leadrun.OpAbandoned {
			failed = append(failed, cr.ClientID)
		}
	}
	if len(failed) == 0 {
		return nil, leadrun.Errorf(leadrun.EINVALID, "run %s has no failed or abandoned client to rerun (it is %s)", runID, run.Status)
	}
	requested := fmt.Sprintf("rerun of %s: %d failed client(s)", runID, len(failed))
	who := strings.TrimSpace(by)
	if who != "" && who != string(trigger) { // the trigger is shown beside it anyway
		requested = who + ", " + requested
	}
	params := leadrun.RunParams{LeadLimit: run.Params.LeadLimit, PostLimit: run.Params.PostLimit, ClientFilter: failed}
	next, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: run.Stream, Trigger: trigger, Params: params, RequestedBy: requested})
	if err != nil {
		return nil, err
	}
	r.log.Info("rerun of a run's failed clients", "run_id", next.ID, "rerun_of", runID, "clients", len(failed), "by", cmp.Or(who, string(trigger)))
	return next, nil
}
