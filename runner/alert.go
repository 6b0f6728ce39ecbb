package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// alertArgs is the job that tells the alert webhook about a run that did not complete
// cleanly. It is enqueued in the transaction that finalizes the run, so the alert is sent
// once, and retried by the job engine until the webhook takes it.
type alertArgs struct {
	RunID    string `json:"run_id,omitempty" river:"unique"`
	ClientID string `json:"client_id,omitempty" river:"unique"`
	Message  string `json:"message,omitempty" river:"unique"` // for alerts that are not about a run
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
	body, err := w.message(ctx, job.Args)
	if err != nil {
		return err
	}
	// The webhook URL is a secret (Slack puts the token in the path): River keeps the
	// errors a job returns in river_job.errors, so none of them may quote it.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.r.cfg.AlertWebhookURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("alert webhook: LEADRUN_ALERT_WEBHOOK_URL is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return redactedError(err, w.r.cfg.AlertWebhookURL)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("alert webhook answered %s", leadrun.Truncate(resp.Status, 100))
	}
	return nil
}

func (w *alertWorker) message(ctx context.Context, a alertArgs) ([]byte, error) {
	if a.RunID == "" {
		return json.Marshal(map[string]any{"text": "leadrun: " + slackEscape(a.Message), "client_id": a.ClientID})
	}
	run, err := w.r.db.FindRunByID(ctx, a.RunID)
	if err != nil {
		return nil, err
	}
	t := run.Totals
	text := fmt.Sprintf("leadrun: run %s on stream %d ended %s — %s. Leads: %d scored, %d failed (success rate %s).",
		run.ID, run.Stream, run.Status, run.StatusReason, t.LeadsScored, t.LeadsFailed,
		leadrun.FormatSuccessRate(t.LeadsScored, t.LeadsFailed))
	return json.Marshal(map[string]any{"text": slackEscape(text), "run_id": run.ID, "stream": run.Stream,
		"status": run.Status, "status_reason": run.StatusReason, "totals": t})
}

// checkQuietClients alerts once for each active client with no lead scored for the quiet
// limit (72 h by default), and clears the condition when it scores again.
func (r *Runner) checkQuietClients(ctx context.Context) error {
	if r.cfg.AlertWebhookURL == "" {
		return nil
	}
	quiet, err := r.db.QuietClients(ctx, r.db.Now().Add(-r.cfg.QuietAfter))
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, q := range quiet {
		key := "quiet:" + q.ClientID
		keep[key] = true
		last := "never"
		if q.LastScored != nil {
			last = q.LastScored.UTC().Format(time.RFC3339)
		}
		msg := fmt.Sprintf("client %s has had no lead scored for %s (last scored: %s).", q.ClientID, r.cfg.QuietAfter, last)
		err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
			raised, err := tx.RaiseCondition(ctx, key)
			if err != nil || !raised {
				return err
			}
			_, err = tx.InsertJob(ctx, r.jobs, alertArgs{ClientID: q.ClientID, Message: msg},
				&river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}})
			return err
		})
		if err != nil {
			return err
		}
	}
	return r.db.ClearConditions(ctx, "quiet:", keep)
}

// SenderAlertEvery is how often the same wrong Linked Helper sender of a client is alerted
// (the original platform's 6 hours).
const SenderAlertEvery = 6 * time.Hour

// AlertSenderMismatch alerts, at most once per client and sender every SenderAlertEvery
// (across processes: the condition is in the database), that a client's Linked Helper
// webhook received items from another sender than the one it expects.
func (r *Runner) AlertSenderMismatch(ctx context.Context, c *leadrun.Client, m leadrun.SenderMismatch, mode string) error {
	if r.cfg.AlertWebhookURL == "" {
		return nil
	}
	msg := fmt.Sprintf("client %s received %d Linked Helper item(s) from %s, not from its expected sender %s (guard %s: %d blocked). Check that campaign's webhook URL.",
		c.ID, m.Items, leadrun.Truncate(m.Sender, leadrun.MaxEmailLen), leadrun.NormalizeSender(c.LHSenderEmail), mode, m.Blocked)
	return r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		raised, err := tx.RaiseConditionEvery(ctx, "lh_sender:"+c.ID+":"+m.Sender, SenderAlertEvery)
		if err != nil || !raised {
			return err
		}
		_, err = tx.InsertJob(ctx, r.jobs, alertArgs{ClientID: c.ID, Message: msg}, &river.InsertOpts{MaxAttempts: 10})
		return err
	})
}

// enqueueAlert adds the alert job for a run that ended badly, if alerts are configured.
func (r *Runner) enqueueAlert(ctx context.Context, tx *sqldb.Tx, runID string, status leadrun.RunStatus) error {
	if r.cfg.AlertWebhookURL == "" || status == leadrun.RunCompleted || status == leadrun.RunCancelled {
		return nil
	}
	_, err := tx.InsertJob(ctx, r.jobs, alertArgs{RunID: runID}, &river.InsertOpts{MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// redactedError describes a failed delivery without the webhook URL: a *url.Error quotes
// the URL, so only its cause is kept, and any leftover copy of the URL (or of its path and
// query, which hold the secret) is replaced.
func redactedError(err error, secretURL string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if u, perr := url.Parse(secretURL); perr == nil {
		for _, part := range []string{secretURL, u.Path, u.RawQuery, u.User.String()} {
			if len(part) > 1 {
				msg = strings.ReplaceAll(msg, part, "[redacted]")
			}
		}
	} else if secretURL != "" {
		msg = strings.ReplaceAll(msg, secretURL, "[redacted]")
	}
	return fmt.Errorf("alert webhook: delivery failed: %s", leadrun.Truncate(msg, 500))
}

// slackEscape escapes the three characters Slack reads as markup (&, <, >), so a value
// from outside (a Linked Helper my_email, a client name) cannot ping a channel
// (<!channel>) or make a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
