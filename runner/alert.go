package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// alertArgs is the job that tells the alert webhook about a run that did not complete
// cleanly. It is enqueued in the transaction that finalizes the run, so the alert is sent
// once, and retried by the job engine until the webhook takes it.
type alertArgs struct {
	RunID string `json:"run_id" river:"unique"`
}

// Kind names the job.
func (alertArgs) Kind() string { return "run_alert" }

// alertWorker posts a Slack-compatible JSON message ({"text": …} plus the run's fields).
type alertWorker struct {
	river.WorkerDefaults[alertArgs]
	r *Runner
}

// Timeout bounds one delivery attempt.
func (w *alertWorker) Timeout(*river.Job[alertArgs]) time.Duration { return 30 * time.Second }

// Work sends the alert; an error makes River retry with back-off.
func (w *alertWorker) Work(ctx context.Context, job *river.Job[alertArgs]) error {
	run, err := w.r.db.FindRunByID(ctx, job.Args.RunID)
	if err != nil {
		return err
	}
	t := run.Totals
	text := fmt.Sprintf("leadrun: run %s on stream %d ended %s — %s. Leads: %d scored, %d failed (success rate %s).",
		run.ID, run.Stream, run.Status, run.StatusReason, t.LeadsScored, t.LeadsFailed,
		leadrun.FormatSuccessRate(t.LeadsScored, t.LeadsFailed))
	body, _ := json.Marshal(map[string]any{"text": text, "run_id": run.ID, "stream": run.Stream,
		"status": run.Status, "status_reason": run.StatusReason, "totals": t})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.r.cfg.AlertWebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("alert webhook answered %s", resp.Status)
	}
	return nil
}

// enqueueAlert adds the alert job for a run that ended badly, if alerts are configured.
func (r *Runner) enqueueAlert(ctx context.Context, tx *sqldb.Tx, runID string, status leadrun.RunStatus) error {
	if r.cfg.AlertWebhookURL == "" || status == leadrun.RunCompleted || status == leadrun.RunCancelled {
		return nil
	}
	_, err := r.jobs.InsertTx(ctx, tx.Tx, alertArgs{RunID: runID}, &river.InsertOpts{MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}
