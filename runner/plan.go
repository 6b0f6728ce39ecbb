package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// planArgs is the job that plans a run.
type planArgs struct {
	RunID string `json:"run_id" river:"unique"`
}

// Kind names the job.
func (planArgs) Kind() string { return "plan_run" }

// planWorker creates a run's client results and operations, all before any work starts,
// and enqueues one job per operation with due work, in one transaction: a crash leaves
// either nothing or the whole plan (a planning job that runs again finds the run no
// longer queued and does nothing).
type planWorker struct {
	river.WorkerDefaults[planArgs]
	r *Runner
}

// Timeout bounds planning.
func (w *planWorker) Timeout(*river.Job[planArgs]) time.Duration { return 5 * time.Minute }

// Work plans the run.
func (w *planWorker) Work(ctx context.Context, job *river.Job[planArgs]) error {
	r := w.r
	if err := r.at(ctx, "plan"); err != nil {
		return err
	}
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		run, err := tx.LockRun(ctx, job.Args.RunID)
		if err != nil {
			return err
		}
		if run.Status == leadrun.RunQueued {
			reason, err := r.offered(ctx, tx, run)
			if err != nil {
				return err
			}
			if reason != "" { // no worker offers the run's scorer
				_, err := r.finishRun(ctx, tx, run.ID, run.Status, leadrun.RunFailed, reason, "", "")
				return err
			}
			if err := r.plan(ctx, tx, run); err != nil {
				return err
			}
		}
		return nil
	})
	var snooze *rivertype.JobSnoozeError
	if err != nil && !errors.As(err, &snooze) && job.Attempt >= job.MaxAttempts {
		r.failRun(ctx, job.Args.RunID, "planning failed: "+err.Error())
	}
	return err
}

func (r *Runner) plan(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run) error {
	active := leadrun.ClientActive
	filter := leadrun.ClientFilter{Stream: &run.Stream, Status: &active}
	if len(run.Params.ClientFilter) > 0 {
		filter.IDs = run.Params.ClientFilter
	}
	clients, err := tx.FindClients(ctx, filter)
	if err != nil {
		return err
	}
	if err := r.noteUnmatchedFilter(ctx, tx, run, clients); err != nil {
		return err
	}
	var queued []*leadrun.Operation
	for _, c := range clients {
		ops, err := r.planClient(ctx, tx, run, c)
		if err != nil {
			return fmt.Errorf("plan client %s: %w", c.ID, err)
		}
		queued = append(queued, ops...)
	}
	if err := r.startRun(ctx, tx, run, len(clients), len(queued)); err != nil {
		return err
	}
	args := groupOperations(run.ID, queued)
	r.log.Info("run planned", "run_id", run.ID, "stream", run.Stream, "clients", len(clients), "operations", len(queued),
		"jobs", len(args))
	if len(queued) == 0 {
		return r.finalizeRun(ctx, tx, run.ID)
	}
	jobs := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		jobs[i] = river.InsertManyParams{Args: a, InsertOpts: &river.InsertOpts{MaxAttempts: 5, Queue: runQueue(run)}}
	}
	return tx.InsertJobs(ctx, r.jobs, jobs)
}

// noteUnmatchedFilter records clients named in the filter that are not active clients of
// the stream, so a typo is visible instead of silently doing nothing.
func (r *Runner) noteUnmatchedFilter(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run, clients []*leadrun.Client) error {
	found := map[string]bool{}
	for _, c := range clients {
		found[c.ID] = true
	}
	var missing []string
	for _, id := range run.Params.ClientFilter {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return tx.AddEvent(ctx, leadrun.RunEvent{RunID: run.ID, Level: leadrun.LevelWarn, Message: fmt.Sprintf(
		"Client filter names clients that are not active on stream %d: %s", run.Stream, strings.Join(missing, ", "))})
}

// planClient creates the client result and its two operations; it returns the operations
// that have due work and were queued. The others are recorded as skipped with their reason.
func (r *Runner) planClient(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run, c *leadrun.Client) ([]*leadrun.Operation, error) {
	if err := tx.CreateClientResult(ctx, run.ID, c); err != nil {
		return nil, err
	}
	rubric, err := tx.FindRubric(ctx, c.ID)
	if err != nil && leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		return nil, err
	}
	leadsDue, postsDue, err := tx.CountDue(ctx, c.ID, r.cfg.MaxAttempts)
	if err != nil {
		return nil, err
	}
	var overspent bool
	if c.DailyTokenBudget > 0 || c.MonthlyTokenBudget > 0 { // no budget: nothing to sum
		day, month := c.BudgetWindows(tx.Now)
		today, thisMonth, err := tx.TokensUsed(ctx, c.ID, day, month)
		if err != nil {
			return nil, err
		}
		_, overspent = c.BudgetExceeded(today, thisMonth)
	}
	lead := &leadrun.Operation{RunID: run.ID, ClientID: c.ID, Kind: leadrun.OpLeadScoring, Status: leadrun.OpQueued,
		Limit: firstPositive(run.Params.LeadLimit, c.LeadScoringLimit)}
	switch {
	case rubric == nil:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipNoRubric
	case overspent && leadsDue > 0:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipBudgetExceeded
	case leadsDue == 0:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipNoLeadsToScore
	}
	post := &leadrun.Operation{RunID: run.ID, ClientID: c.ID, Kind: leadrun.OpPostScoring, Status: leadrun.OpQueued,
		Limit: firstPositive(run.Params.PostLimit, c.PostScoringLimit)}
	switch {
	case c.ServiceLevel < leadrun.ServicePostScoring:
		post.Status, post.SkipReason = leadrun.OpSkipped, leadrun.SkipServiceLevel
	case rubric == nil || rubric.Post == nil:
		post.Status, post.SkipReason = leadrun.OpSkipped, leadrun.SkipNoRubric
	case overspent && postsDue > 0:
		post.Status, post.SkipReason = leadrun.OpSkipped, leadrun.SkipBudgetExceeded
	case postsDue == 0:
		post.Status, post.SkipReason = leadrun.OpSkipped, leadrun.SkipNoPostsToScore
	}
	lead.Due, post.Due = leadsDue, postsDue
	r.skipUnscorable(c, rubric, lead, post)
	var queued []*leadrun.Operation
	for _, op := range []*leadrun.Operation{lead, post} {
		if err := tx.CreateOperation(ctx, op); err != nil {
			return nil, err
		}
		msg := fmt.Sprintf("%s: queued (%s)", opTitle(op.Kind), dueText(op, leadsDue, postsDue))
		if op.Status == leadrun.OpSkipped {
			msg = fmt.Sprintf("%s: skipped (%s)", opTitle(op.Kind), op.SkipReason)
			if op.LastError != "" {
				msg += ": " + op.LastError
			}
		} else {
			queued = append(queued, op)
		}
		if err := note(ctx, tx, op.Key(), leadrun.LevelInfo, msg); err != nil {
			return nil, err
		}
	}
	return queued, nil
}

func dueText(op *leadrun.Operation, leadsDue, postsDue int64) string {
	due, unit := leadsDue, "leads"
	if op.Kind == leadrun.OpPostScoring {
		due, unit = postsDue, "posts"
	}
	if op.Limit > 0 {
		return fmt.Sprintf("%d %s due, limit %d", due, unit, op.Limit)
	}
	return fmt.Sprintf("%d %s due", due, unit)
}

func opTitle(k leadrun.OperationKind) string {
	if k == leadrun.OpPostScoring {
		return "Post scoring"
	}
	return "Lead scoring"
}

func firstPositive(vals ...int) int {
	for _, v := range vals {
		if v > 0 {
			return v
		}
	}
	return 0
}
