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
	queued, err := r.planClients(ctx, tx, run, clients)
	if err != nil {
		return err
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

// planClients creates the client results and their two operations each, with their
// log lines, in a few multi-row statements; it returns the operations that have due work
// and were queued. The others are recorded as skipped with their reason. Rubrics are
// read planBatch clients at a time, so memory does not grow with the number of clients.
func (r *Runner) planClients(ctx context.Context, tx *sqldb.Tx, run *leadrun.Run, clients []*leadrun.Client) ([]*leadrun.Operation, error) {
	ids := make([]string, len(clients))
	for i, c := range clients {
		ids[i] = c.ID
	}
	leadsDue, postsDue, err := tx.CountDueByClient(ctx, ids, r.cfg.MaxAttempts)
	if err != nil {
		return nil, err
	}
	ops := make([]*leadrun.Operation, 0, 2*len(clients))
	events := make([]leadrun.RunEvent, 0, 2*len(clients))
	var queued []*leadrun.Operation
	for first := 0; first < len(clients); first += planBatch {
		batch := clients[first:min(len(clients), first+planBatch)]
		rubrics, err := tx.FindRubrics(ctx, ids[first:first+len(batch)])
		if err != nil {
			return nil, err
		}
		for _, c := range batch {
			overspent, err := r.overspent(ctx, tx, c)
			if err != nil {
				return nil, fmt.Errorf("plan client %s: %w", c.ID, err)
			}
			for _, op := range r.planClient(run, c, rubrics[c.ID], leadsDue[c.ID], postsDue[c.ID], overspent) {
				ops = append(ops, op)
				events = append(events, leadrun.RunEvent{RunID: run.ID, ClientID: c.ID, Operation: op.Kind,
					Level: leadrun.LevelInfo, Message: planLine(op)})
				if op.Status == leadrun.OpQueued {
					queued = append(queued, op)
				}
			}
		}
	}
	if err := tx.CreateClientResults(ctx, run.ID, clients); err != nil {
		return nil, err
	}
	if err := tx.CreateOperations(ctx, ops); err != nil {
		return nil, err
	}
	return queued, tx.AddEvents(ctx, events)
}

// planBatch is how many clients' rubrics planning holds at once.
const planBatch = 200

// planLine is the progress-log line of a planned operation.
func planLine(op *leadrun.Operation) string {
	if op.Status != leadrun.OpSkipped {
		return fmt.Sprintf("%s: queued (%s)", opTitle(op.Kind), dueText(op))
	}
	msg := fmt.Sprintf("%s: skipped (%s)", opTitle(op.Kind), op.SkipReason)
	if op.LastError != "" {
		msg += ": " + op.LastError
	}
	return msg
}

// overspent reports whether a client with a token budget has spent it.
func (r *Runner) overspent(ctx context.Context, tx *sqldb.Tx, c *leadrun.Client) (bool, error) {
	if c.DailyTokenBudget == 0 && c.MonthlyTokenBudget == 0 { // no budget: nothing to sum
		return false, nil
	}
	day, month := c.BudgetWindows(tx.Now)
	today, thisMonth, err := tx.TokensUsed(ctx, c.ID, day, month)
	if err != nil {
		return false, err
	}
	_, over := c.BudgetExceeded(today, thisMonth)
	return over, nil
}

// planClient returns the client's two operations, queued or skipped with their reason.
func (r *Runner) planClient(run *leadrun.Run, c *leadrun.Client, rubric *leadrun.Rubric, leadsDue, postsDue int64, overspent bool) []*leadrun.Operation {
	lead := &leadrun.Operation{RunID: run.ID, ClientID: c.ID, Kind: leadrun.OpLeadScoring, Status: leadrun.OpQueued,
		Limit: firstPositive(run.Params.LeadLimit, c.LeadScoringLimit), Due: leadsDue}
	switch {
	case rubric == nil:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipNoRubric
	case overspent && leadsDue > 0:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipBudgetExceeded
	case leadsDue == 0:
		lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipNoLeadsToScore
	}
	post := &leadrun.Operation{RunID: run.ID, ClientID: c.ID, Kind: leadrun.OpPostScoring, Status: leadrun.OpQueued,
		Limit: firstPositive(run.Params.PostLimit, c.PostScoringLimit), Due: postsDue}
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
	r.skipUnscorable(c, rubric, lead, post)
	return []*leadrun.Operation{lead, post}
}

func dueText(op *leadrun.Operation) string {
	due, unit := op.Due, "leads"
	if op.Kind == leadrun.OpPostScoring {
		unit = "posts"
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
