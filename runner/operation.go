package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// operationArgs is the job that executes one (run, client, operation).
type operationArgs struct {
	RunID     string                `json:"run_id"`
	ClientID  string                `json:"client_id"`
	Operation leadrun.OperationKind `json:"operation"`
}

// Kind names the job.
func (operationArgs) Kind() string { return "run_operation" }

func (a operationArgs) key() leadrun.OpKey {
	return leadrun.OpKey{RunID: a.RunID, ClientID: a.ClientID, Kind: a.Operation}
}

// operationWorker scores a client's due items in chunks; each chunk's results and count
// increments commit in one transaction.
type operationWorker struct {
	river.WorkerDefaults[operationArgs]
	r *Runner
}

// Timeout is the per-operation time limit (River's one-minute default is far too short).
func (w *operationWorker) Timeout(*river.Job[operationArgs]) time.Duration {
	return w.r.cfg.OperationTimeout
}

// execution is the state of one operation being executed.
type execution struct {
	key     leadrun.OpKey
	client  *leadrun.Client
	rubric  *leadrun.Rubric
	op      *leadrun.Operation // as committed when the execution began
	log     *slog.Logger
	started time.Time
	// examined counts items examined by this operation across attempts, for its limit.
	examined  int64
	lastEvent time.Time
	fatal     error  // set when the operation cannot go on (e.g. no rubric)
	overspent string // set when the client's token budget stopped the operation
}

// budgetLeft checks the client's token budgets before a chunk; when one is spent it
// records why and reports false, and the operation ends skipped with its leads still due.
func (r *Runner) budgetLeft(ctx context.Context, ex *execution) (bool, error) {
	c := ex.client
	if c.DailyTokenBudget == 0 && c.MonthlyTokenBudget == 0 {
		return true, nil
	}
	day, month := leadrun.BudgetWindows(r.db.Now())
	today, thisMonth, err := r.db.TokensUsed(ctx, c.ID, day, month)
	if err != nil {
		return false, err
	}
	why, over := c.BudgetExceeded(today, thisMonth)
	if over {
		ex.overspent = why
	}
	return !over, nil
}

// Work executes the operation.
func (w *operationWorker) Work(ctx context.Context, job *river.Job[operationArgs]) error {
	r := w.r
	key := job.Args.key()
	ex, err := r.beginOperation(ctx, key)
	if err != nil || ex == nil {
		return err // nil ex: the operation is already finished (cancelled, abandoned, done)
	}
	opCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.active.add(key, cancel)
	defer r.active.remove(key)

	if key.Kind == leadrun.OpPostScoring {
		err = r.scorePosts(opCtx, ex)
	} else {
		err = r.scoreLeads(opCtx, ex)
	}
	cause := context.Cause(opCtx)
	switch {
	case err != nil && !errors.Is(err, errStopped) && opCtx.Err() == nil:
		return err // a storage error: River retries; committed chunks stay
	case errors.Is(cause, errStopped) || errors.Is(err, errStopped):
		ex.log.Info("operation stopped", "reason", "no longer running")
		return nil
	case errors.Is(cause, errDraining):
		return r.handOver(ctx, ex)
	case errors.Is(cause, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		ex.fatal = fmt.Errorf("timed out after %s", r.cfg.OperationTimeout)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return r.finishOperation(ctx, job, ex)
}

// beginOperation marks the operation running and loads what it needs. It returns nil when
// there is nothing to do.
func (r *Runner) beginOperation(ctx context.Context, key leadrun.OpKey) (*execution, error) {
	ex := &execution{key: key, started: time.Now(),
		log: r.log.With("run_id", key.RunID, "client_id", key.ClientID, "operation", string(key.Kind))}
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		started, err := tx.StartOperation(ctx, key)
		if err != nil || !started {
			ex = nil
			return err
		}
		if ex.op, err = tx.FindOperation(ctx, key); err != nil {
			return err
		}
		clients, err := tx.FindClients(ctx, leadrun.ClientFilter{IDs: []string{key.ClientID}})
		if err != nil || len(clients) == 0 {
			return fmt.Errorf("client %s: %v", key.ClientID, err)
		}
		ex.client = clients[0]
		ex.examined = ex.op.Examined
		if ex.rubric, err = tx.FindRubric(ctx, key.ClientID); err != nil {
			ex.fatal = err
		}
		msg := opTitle(key.Kind) + ": started"
		if ex.op.Examined > 0 {
			msg = fmt.Sprintf("%s: resumed (%d already examined)", opTitle(key.Kind), ex.op.Examined)
		}
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: key.RunID, ClientID: key.ClientID, Operation: key.Kind, Message: msg})
	})
	if err != nil {
		return nil, err
	}
	if ex != nil {
		ex.lastEvent = time.Now()
		ex.log.Info("operation started", "already_examined", ex.op.Examined)
	}
	return ex, nil
}

// remaining is how many items the operation may still examine, capped at n.
func (ex *execution) remaining(n int) int {
	if ex.op.Limit <= 0 {
		return n
	}
	return int(min(int64(n), max(0, int64(ex.op.Limit)-ex.examined)))
}

// commitChunk writes one chunk in a transaction that survives cancellation (finished work
// is kept), refusing it if the operation stopped running meanwhile. The transaction is
// rolled back if it takes over a minute; its statements get a context that never ends,
// because the SQLite driver starts a watcher goroutine for every statement whose context
// can end (two per lead), which cost more than the statements.
func (r *Runner) commitChunk(ctx context.Context, ex *execution, write func(ctx context.Context, tx *sqldb.Tx) (sqldb.OpDelta, error)) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	wctx := context.WithoutCancel(tctx)
	var delta sqldb.OpDelta
	err := r.db.InTx(tctx, func(tx *sqldb.Tx) error {
		var err error
		if delta, err = write(wctx, tx); err != nil {
			return err
		}
		ok, err := tx.AddOperationCounts(wctx, ex.key, delta)
		if err == nil && !ok {
			err = errStopped
		}
		if err != nil {
			return err
		}
		return r.chunkEvents(wctx, tx, ex, delta)
	})
	if err == nil {
		ex.examined += delta.Examined
	}
	return err
}

// chunkEvents records failures at once and progress at most every 10 seconds.
func (r *Runner) chunkEvents(ctx context.Context, tx *sqldb.Tx, ex *execution, d sqldb.OpDelta) error {
	ev := leadrun.RunEvent{RunID: ex.key.RunID, ClientID: ex.key.ClientID, Operation: ex.key.Kind}
	for reason, n := range d.FailedBy {
		ev.Level, ev.Message = leadrun.LevelWarn, fmt.Sprintf("%s: %d failed (%s)", opTitle(ex.key.Kind), n, reason)
		if err := tx.AddEvent(ctx, ev); err != nil {
			return err
		}
	}
	if time.Since(ex.lastEvent) < 10*time.Second {
		return nil
	}
	ex.lastEvent = time.Now()
	ev.Level, ev.Message = leadrun.LevelInfo, fmt.Sprintf("%s: %d examined so far", opTitle(ex.key.Kind), ex.examined+d.Examined)
	return tx.AddEvent(ctx, ev)
}

// handOver puts an operation interrupted by shutdown back in the queue.
func (r *Runner) handOver(ctx context.Context, ex *execution) error {
	err := r.db.InTx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		if err := tx.RequeueOperation(ctx, ex.key); err != nil {
			return err
		}
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: ex.key.RunID, ClientID: ex.key.ClientID, Operation: ex.key.Kind,
			Message: opTitle(ex.key.Kind) + ": paused, worker shutting down; it resumes on the next worker"})
	})
	if err != nil {
		return err
	}
	ex.log.Info("operation handed over on shutdown")
	return river.JobSnooze(time.Second)
}

// finishOperation gives the operation its terminal status, finalizes the run if it was
// the last one, and completes the job, all in one transaction.
func (r *Runner) finishOperation(ctx context.Context, job *river.Job[operationArgs], ex *execution) error {
	wctx := context.WithoutCancel(ctx)
	return r.db.InTx(wctx, func(tx *sqldb.Tx) error {
		op, err := tx.FindOperation(wctx, ex.key)
		if err != nil {
			return err
		}
		status, lastErr := op.FinalStatus(), ""
		if ex.fatal != nil {
			status, lastErr = leadrun.OpFailed, leadrun.ErrorMessage(ex.fatal)
			if leadrun.ErrorCode(ex.fatal) == leadrun.EINTERNAL {
				lastErr = ex.fatal.Error()
			}
		}
		var finished bool
		if ex.overspent != "" {
			status, lastErr = leadrun.OpSkipped, ex.overspent
			finished, err = tx.SkipOperation(wctx, ex.key, leadrun.SkipBudgetExceeded, ex.overspent)
		} else {
			finished, err = tx.FinishOperation(wctx, ex.key, status, lastErr)
		}
		if err == nil && finished {
			err = r.recordFailureCode(wctx, tx, ex, op)
		}
		if err != nil {
			return err
		}
		if finished {
			if err := r.operationFinishedEvent(wctx, tx, ex, op, status, lastErr); err != nil {
				return err
			}
			if _, err := r.finalizeTx(wctx, tx, ex.key.RunID); err != nil {
				return err
			}
		}
		return completeTx(wctx, r.db.Kind(), tx.Tx, job)
	})
}

func (r *Runner) operationFinishedEvent(ctx context.Context, tx *sqldb.Tx, ex *execution, op *leadrun.Operation, status leadrun.OpStatus, lastErr string) error {
	elapsed := time.Since(ex.started).Round(time.Millisecond)
	msg := fmt.Sprintf("%s: %s (%d/%d scored, %d skipped, %d failed, %s, %d tokens)", opTitle(ex.key.Kind), status,
		op.Scored, op.Examined, op.Skipped, op.Failed, elapsed, op.PromptTokens+op.CompTokens)
	level := leadrun.LevelInfo
	if lastErr != "" {
		msg += ": " + lastErr
		level = leadrun.LevelError
	} else if status != leadrun.OpSucceeded {
		level = leadrun.LevelWarn
	}
	ex.log.Info("operation finished", "status", status, "examined", op.Examined, "scored", op.Scored,
		"skipped", op.Skipped, "failed", op.Failed, "elapsed", elapsed)
	return tx.AddEvent(ctx, leadrun.RunEvent{RunID: ex.key.RunID, ClientID: ex.key.ClientID, Operation: ex.key.Kind,
		Level: level, Message: msg, Counts: map[string]int64{"examined": op.Examined, "scored": op.Scored,
			"skipped": op.Skipped, "failed": op.Failed}})
}
