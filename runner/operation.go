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
	examined int64
	// cursor is the last lead ID the operation went past: a lead that failed in this run is
	// not retried in it, also when the work resumes after a database outage.
	cursor       int64
	lastEvent    time.Time
	lastProgress time.Time
	ended        *opEnd // set when the operation cannot or need not go on
	chain        *chain // the group job's links, nil for an operation with a job of its own
	finished     bool   // its last commit also ended it (see commitChunk)
}

// fail ends the operation failed with the error's message; a provider's failure is
// recorded as such (failure code provider_unavailable), so the run's reason quotes it.
func (ex *execution) fail(err error) {
	if pe := leadrun.AsProviderError(err); pe != nil {
		ex.ended = &opEnd{status: leadrun.OpFailed, message: pe.Error(), failureCode: leadrun.ReasonProviderUnavailable, cause: pe}
		return
	}
	msg := leadrun.ErrorMessage(err)
	if leadrun.ErrorCode(err) == leadrun.EINTERNAL {
		msg = err.Error()
	}
	ex.ended = &opEnd{status: leadrun.OpFailed, message: msg, cause: err}
}

// cause is the error that ended the operation, if any.
func (ex *execution) cause() error {
	if ex.ended == nil {
		return nil
	}
	return ex.ended.cause
}

// skip ends the operation skipped with a reason; what it committed stays counted.
func (ex *execution) skip(reason, detail string) {
	ex.ended = &opEnd{status: leadrun.OpSkipped, skipReason: reason, message: detail}
}

// budgetLeft checks the client's token budgets before a chunk; when one is spent the
// operation ends skipped (budget_exceeded) with its leads still due.
func (r *Runner) budgetLeft(ctx context.Context, ex *execution) (bool, error) {
	c := ex.client
	if c.DailyTokenBudget == 0 && c.MonthlyTokenBudget == 0 {
		return true, nil
	}
	day, month := c.BudgetWindows(r.db.Now())
	today, thisMonth, err := r.db.TokensUsed(ctx, c.ID, day, month)
	if err != nil {
		return false, err
	}
	why, over := c.BudgetExceeded(today, thisMonth)
	if over {
		ex.skip(leadrun.SkipBudgetExceeded, why)
	}
	return !over, nil
}

// Work executes the operation.
func (w *operationWorker) Work(ctx context.Context, job *river.Job[operationArgs]) error {
	return w.r.workOperation(ctx, job.Args.key(), nil)
}

// workOperation executes one operation under ctx, whose deadline is the operation's time
// limit. Transient database errors are waited out in the job (the operation keeps its
// heartbeat and its place); shutdown hands the operation over at once and returns a
// snooze, so the job goes back to the queue without spending an attempt. Within a group
// job, ch links it to the group's other operations (see chain); ch is nil otherwise.
func (r *Runner) workOperation(ctx context.Context, key leadrun.OpKey, ch *chain) error {
	ex, skip := ch.take(key)
	if skip {
		return nil // the previous operation's last transaction found it finished or taken
	}
	if r.draining.Load() {
		if ex != nil {
			return r.handOver(ctx, ex) // begun by the previous operation: give it back
		}
		return river.JobSnooze(0) // picked up while shutting down: straight back to the queue
	}
	if err := r.at(ctx, "operation"); err != nil {
		return err
	}
	if ex != nil {
		ex.log.Info("operation started", "already_examined", ex.op.Examined, "worker", r.workerID)
	} else {
		err := r.retryTransient(ctx, func() error {
			var err error
			ex, err = r.beginOperation(ctx, key, ch)
			return err
		})
		if err != nil || ex == nil {
			return ignoreCancel(ctx, err) // nil ex: the operation is finished (cancelled, abandoned, done)
		}
	}
	ex.chain = ch
	opCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.active.add(key, cancel)
	defer r.active.remove(key)

	err := r.retryTransient(opCtx, func() error { return r.execute(opCtx, ex) })
	if ex.finished {
		return nil // ended by its last commit
	}
	cause := context.Cause(opCtx)
	switch {
	case errors.Is(cause, errStopped) || errors.Is(err, errStopped):
		ex.log.Info("operation stopped", "reason", "no longer running")
		return nil
	case errors.Is(cause, errDraining):
		return r.handOver(ctx, ex)
	case errors.Is(cause, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		ex.ended = &opEnd{status: leadrun.OpFailed, message: fmt.Sprintf("timed out after %s (the operation time limit)",
			r.cfg.OperationTimeout)}
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		ex.fail(err) // not a passing database failure: report it, do not loop
	}
	if err := r.at(ctx, "finish"); err != nil {
		return err
	}
	return r.finishOperation(ctx, ex)
}

// execute scores the operation's due items.
func (r *Runner) execute(ctx context.Context, ex *execution) error {
	if ex.ended != nil {
		return nil
	}
	if ex.key.Kind == leadrun.OpPostScoring {
		return r.scorePosts(ctx, ex)
	}
	return r.scoreLeads(ctx, ex)
}

// retryTransient runs fn until it succeeds, fails with an error that is not a passing
// database failure, or ctx ends; between tries it waits with back-off (250 ms to 5 s).
func (r *Runner) retryTransient(ctx context.Context, fn func() error) error {
	wait := 250 * time.Millisecond
	for {
		err := fn()
		if !sqldb.IsTransient(err) || ctx.Err() != nil {
			if err == nil {
				r.health.observe(r.log, nil)
			}
			return err
		}
		r.health.observe(r.log, err)
		if leadrun.Sleep(ctx, wait) != nil {
			return err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// beginOperation marks the operation running on this worker and loads what it needs, in
// its own transaction. It returns nil when there is nothing to do.
func (r *Runner) beginOperation(ctx context.Context, key leadrun.OpKey, ch *chain) (*execution, error) {
	var ex *execution
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		ex, err = r.beginIn(ctx, tx, key, ch)
		return err
	})
	if err != nil || ex == nil {
		return nil, err
	}
	ex.log.Info("operation started", "already_examined", ex.op.Examined, "worker", r.workerID)
	return ex, nil
}

// beginIn marks the operation running on this worker and loads what it needs (the
// group's client and rubric when ch has them), in tx. It returns nil when the operation
// is finished or runs on another worker.
func (r *Runner) beginIn(ctx context.Context, tx *sqldb.Tx, key leadrun.OpKey, ch *chain) (*execution, error) {
	ex := &execution{key: key, started: time.Now(),
		log: r.log.With("run_id", key.RunID, "client_id", key.ClientID, "operation", string(key.Kind))}
	op, err := tx.FindOperation(ctx, key)
	if err != nil {
		return nil, err
	}
	started, err := r.startOperation(ctx, tx, key, op.Examined)
	if err != nil || !started {
		return nil, err
	}
	ex.op, ex.examined = op, op.Examined
	client, rubric := ch.loaded(key.ClientID)
	if client == nil {
		clients, err := tx.FindClients(ctx, leadrun.ClientFilter{IDs: []string{key.ClientID}})
		if err != nil || len(clients) == 0 {
			return nil, fmt.Errorf("client %s: %v", key.ClientID, err)
		}
		client = clients[0]
	}
	ex.client = client
	if ex.rubric = rubric; rubric == nil {
		if ex.rubric, err = tx.FindRubric(ctx, key.ClientID); err != nil {
			ex.fail(err)
		}
	}
	ex.lastEvent, ex.lastProgress = time.Now(), time.Now()
	return ex, nil
}

// remaining is how many items the operation may still examine, capped at n.
func (ex *execution) remaining(n int) int {
	if ex.op.Limit <= 0 {
		return n
	}
	return int(min(int64(n), max(0, int64(ex.op.Limit)-ex.examined)))
}

// commitGrace is how long a chunk that was scored may still take to commit once its
// operation is stopped (cancel, time limit, shutdown): finished work is kept, but a
// statement stuck behind a lock cannot hold the operation.
const commitGrace = 10 * time.Second

// commitChunk writes one chunk in a transaction that survives cancellation (finished work
// is kept) for at most commitGrace after it, refusing it if the operation stopped running
// meanwhile; a passing database failure is retried (the writes are guarded, so a retry
// never counts twice). Statements get a context that never ends, because the SQLite
// driver starts a watcher goroutine for every statement whose context can end (two per
// lead); the transaction's own context bounds them. A final chunk also ends the
// operation in its transaction (taking the run's lock first, the lock order).
func (r *Runner) commitChunk(ctx context.Context, ex *execution, final bool, write func(ctx context.Context, tx *sqldb.Tx) (leadrun.OpDelta, error)) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(commitGrace, cancel)
		context.AfterFunc(tctx, func() { t.Stop() })
	})
	defer stop()
	wctx := context.WithoutCancel(tctx)
	var delta leadrun.OpDelta
	err := r.retryTransient(tctx, func() error {
		return r.db.InTx(tctx, func(tx *sqldb.Tx) error {
			if final {
				if _, err := tx.LockRun(wctx, ex.key.RunID); err != nil {
					return err
				}
			}
			var err error
			if delta, err = write(wctx, tx); err != nil {
				return err
			}
			op, err := tx.AddOperationCounts(wctx, ex.key, delta)
			if err == nil && op == nil {
				err = errStopped
			}
			if err != nil {
				return err
			}
			if err := r.chunkEvents(wctx, tx, ex, delta); err != nil || !final {
				return err
			}
			return r.endLocked(wctx, tx, ex, op)
		})
	})
	switch {
	case err != nil:
		ex.chain.dropBegun()
	case final:
		ex.examined += delta.Examined
		ex.finished = true
		ex.chain.committed()
	default:
		ex.examined += delta.Examined
		err = r.at(ctx, "chunk")
	}
	return err
}

// chunkEvents records failures at once, progress in the log at most every 10 seconds,
// and a progress lifecycle event at most every 3 seconds.
func (r *Runner) chunkEvents(ctx context.Context, tx *sqldb.Tx, ex *execution, d leadrun.OpDelta) error {
	ev := leadrun.RunEvent{RunID: ex.key.RunID, ClientID: ex.key.ClientID, Operation: ex.key.Kind}
	for reason, n := range d.FailedBy {
		ev.Level, ev.Message = leadrun.LevelWarn, fmt.Sprintf("%s: %d failed (%s)", opTitle(ex.key.Kind), n, reason)
		if err := tx.AddEvent(ctx, ev); err != nil {
			return err
		}
	}
	if time.Since(ex.lastProgress) >= 3*time.Second {
		ex.lastProgress = time.Now()
		if err := r.progress(ctx, tx, ex.key, ex.examined+d.Examined); err != nil {
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

// handOver puts an operation interrupted by shutdown back in the queue and its job back
// to available at once (a snooze spends no attempt), so another worker resumes it.
func (r *Runner) handOver(ctx context.Context, ex *execution) error {
	wctx := context.WithoutCancel(ctx)
	err := r.retryTransient(wctx, func() error {
		return r.db.InTx(wctx, func(tx *sqldb.Tx) error {
			_, err := r.requeueOperation(wctx, tx, ex.key, "worker shutting down")
			return err
		})
	})
	if err != nil {
		return err
	}
	ex.log.Info("operation handed over on shutdown")
	return river.JobSnooze(0)
}

// finishOperation gives the operation its terminal status and finalizes the run if it was
// the last one, in one transaction. The job engine then completes the job with others in
// a batch: a job whose operation is already terminal does nothing if it runs again, so
// the job's completion need not be in this transaction (doing it there cost more than
// the rest of an operation's bookkeeping on SQLite).
func (r *Runner) finishOperation(ctx context.Context, ex *execution) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	wctx := context.WithoutCancel(tctx) // statements: see commitChunk
	err := r.retryTransient(tctx, func() error {
		return r.db.InTx(tctx, func(tx *sqldb.Tx) error {
			if _, err := tx.LockRun(wctx, ex.key.RunID); err != nil {
				return err
			}
			return r.endLocked(wctx, tx, ex, nil)
		})
	})
	if err != nil {
		ex.chain.dropBegun()
		return err
	}
	ex.chain.committed()
	return nil
}

// endLocked ends the operation from its committed counts (or as it was stopped) in a
// transaction that holds the run's lock, records the provider's status, and begins the
// group's next operation (see chain). op is the operation as this transaction last wrote
// it, nil to read it.
func (r *Runner) endLocked(ctx context.Context, tx *sqldb.Tx, ex *execution, op *leadrun.Operation) error {
	if op == nil {
		var err error
		if op, err = tx.FindOperation(ctx, ex.key); err != nil {
			return err
		}
	}
	end := r.operationEnd(ex, op)
	finished, err := r.endOperation(ctx, tx, ex.key, end, "")
	if err != nil {
		return err
	}
	if finished {
		if err := r.recordProviderStatus(ctx, tx, ex, op); err != nil {
			return err
		}
	}
	return r.beginNext(ctx, tx, ex.chain)
}

// operationEnd is how an operation that ran ends: as it was stopped, or from its counts.
func (r *Runner) operationEnd(ex *execution, op *leadrun.Operation) opEnd {
	end := opEnd{from: op.Status, status: op.FinalStatus()}
	if ex.ended != nil {
		end.status, end.skipReason, end.message = ex.ended.status, ex.ended.skipReason, ex.ended.message
		end.failureCode = ex.ended.failureCode
	}
	elapsed := time.Since(ex.started).Round(time.Millisecond)
	end.line = fmt.Sprintf("%s: %s (%d/%d scored, %d skipped, %d failed, %s, %d tokens)", opTitle(ex.key.Kind), end.status,
		op.Scored, op.Examined, op.Skipped, op.Failed, elapsed, op.PromptTokens+op.CompTokens)
	end.level = leadrun.LevelInfo
	switch {
	case end.message != "" && end.status == leadrun.OpFailed:
		end.line += ": " + end.message
		end.level = leadrun.LevelError
	case end.message != "":
		end.line += ": " + end.message
		end.level = leadrun.LevelWarn
	case end.status != leadrun.OpSucceeded:
		end.level = leadrun.LevelWarn
	}
	ex.log.Info("operation finished", "status", end.status, "examined", op.Examined, "scored", op.Scored,
		"skipped", op.Skipped, "failed", op.Failed, "elapsed", elapsed)
	return end
}
