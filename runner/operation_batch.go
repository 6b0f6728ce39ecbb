package runner

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// A scorer that runs in this process (the rules scorer: no provider, no tokens) scores a
// lead in microseconds, so a small operation's own bookkeeping — marking it running,
// committing, ending it — cost more than its leads, and a run of thousands of small
// clients cost far more per lead than one of a few big ones. With such a scorer, the
// small lead-scoring operations of a group job are scored first, without writing
// anything, and then written together: one transaction begins, fills and ends as many
// of them as one commit of leads holds (maxBatchLeads), each with its own transitions
// (queued → running → its end), counts, events and log lines, exactly as if it had run
// alone.
//
// Until that transaction commits, nothing of them is written and they stay queued:
//   - a crash loses only the scoring, which the job's next attempt (on a live worker,
//     once the dead one's job is released) does again; nothing is abandoned;
//   - an operation cancelled or taken meanwhile is found not queued by the transaction,
//     which passes over it and writes nothing of it;
//   - if the shared transaction fails for a reason that is not a passing database
//     failure, each of its operations is worked alone, and reports its own error.
//
// An operation scored by a provider keeps the one-at-a-time path (see chain): it shows
// running while the provider answers, and its tokens are committed chunk by chunk.
// Operations that do not fit this path — with a token budget or a chunk pause, post
// scoring, more due than one commit holds, already running — are worked alone too.

// parked is a small operation scored and not yet written.
type parked struct {
	ex *execution
	b  leadBatch
}

// scoresInProcess reports whether the scorer runs in this process, without a provider.
func (r *Runner) scoresInProcess() bool { return r.info.Host == "" }

// workBatched works a group's operations with an in-process scorer (see above).
func (r *Runner) workBatched(ctx context.Context, runID string, ops []groupedOp, ch *chain) error {
	ids := make([]string, len(ops))
	for i, op := range ops {
		ids[i] = op.ClientID
	}
	var rows map[leadrun.OpKey]*leadrun.Operation
	if err := r.retryTransient(ctx, func() error {
		var err error
		rows, err = r.db.FindOperations(ctx, runID, ids)
		return err
	}); err != nil {
		return err
	}
	var first error
	note := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	var batch []*parked
	leads := 0
	flush := func() {
		if len(batch) > 0 {
			note(r.commitParked(ctx, runID, batch))
		}
		batch, leads = nil, 0
	}
	for _, op := range ops {
		key := leadrun.OpKey{RunID: runID, ClientID: op.ClientID, Kind: op.Operation}
		if ctx.Err() != nil || r.draining.Load() {
			flush() // scored work is kept; the rest resumes on the next free worker
			if ctx.Err() != nil {
				return errors.Join(first, ctx.Err())
			}
			return errors.Join(first, river.JobSnooze(0))
		}
		opCtx, cancel := context.WithTimeout(ctx, r.cfg.OperationTimeout)
		p, alone, err := r.prescore(opCtx, rows[key], ch)
		if alone {
			flush()
			err = r.workOperation(opCtx, key, nil)
		}
		cancel()
		note(err)
		switch {
		case p == nil:
		case leads+len(p.b.updates) > maxBatchLeads:
			flush()
			fallthrough
		default:
			batch, leads = append(batch, p), leads+len(p.b.updates)
		}
	}
	flush()
	return first
}

// prescore scores a queued small operation's due leads without writing anything. It
// returns alone when the operation is to be worked on its own (see above), and neither
// when it is finished or taken (nothing to do).
func (r *Runner) prescore(ctx context.Context, op *leadrun.Operation, ch *chain) (p *parked, alone bool, err error) {
	if op == nil || op.Status == leadrun.OpRunning || op.Kind != leadrun.OpLeadScoring || op.Planned() > maxBatchLeads {
		return nil, true, nil
	}
	if op.Status != leadrun.OpQueued {
		return nil, false, nil
	}
	client, rubric := ch.loaded(op.ClientID)
	if client == nil || client.DailyTokenBudget > 0 || client.MonthlyTokenBudget > 0 || r.cfg.ChunkPause > 0 {
		return nil, true, nil
	}
	if err := r.at(ctx, "operation"); err != nil {
		return nil, false, err
	}
	key := op.Key()
	now := time.Now()
	ex := &execution{key: key, client: client, rubric: rubric, op: op, examined: op.Examined, started: now,
		lastEvent: now, lastProgress: now,
		log: r.log.With("run_id", key.RunID, "client_id", key.ClientID, "operation", string(key.Kind))}
	p = &parked{ex: ex}
	var ahead dueReader
	// An in-process scorer has no prompt to keep small: a small operation's leads are
	// scored in one call (the scorer validates and compiles the rubric once per call).
	chunk := max(r.cfg.ChunkSize, maxBatchLeads)
	for {
		n := ex.remaining(chunk+len(p.b.updates)) - len(p.b.updates)
		if n <= 0 {
			return p, false, nil
		}
		var leads []*leadrun.Lead
		if err := r.retryTransient(ctx, func() error {
			var err error
			leads, err = ahead.next(ctx, r, ex, n)
			return err
		}); err != nil {
			return nil, ctx.Err() == nil, ctx.Err() // a read that fails: worked alone, it reports the error
		}
		if len(leads) == 0 {
			return p, false, nil
		}
		start := time.Now()
		updates, usage, err := r.scoreLeadChunk(ctx, ex, leads)
		if err != nil || ctx.Err() != nil {
			return nil, ctx.Err() == nil, ctx.Err() // a provider failure or a stop: the usual path deals with it
		}
		ex.cursor = leads[len(leads)-1].ID
		p.b.add(updates, usage, time.Since(start))
		if ahead.drained() {
			return p, false, nil
		}
		if len(p.b.updates) >= maxBatchLeads {
			return nil, true, nil // more became due than one commit holds
		}
	}
}

// commitParked writes the scored operations in one transaction (see above).
func (r *Runner) commitParked(ctx context.Context, runID string, batch []*parked) error {
	if err := r.at(ctx, "finish"); err != nil {
		return err
	}
	// As in commitChunk: the transaction is bounded by tctx, its statements get a context
	// that never ends (the SQLite driver watches every statement whose context can end
	// with a goroutine of its own: two per lead).
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	wctx := context.WithoutCancel(tctx)
	err := r.retryTransient(tctx, func() error {
		return r.db.InTx(tctx, func(tx *sqldb.Tx) error {
			if _, err := tx.LockRun(wctx, runID); err != nil {
				return err
			}
			for _, p := range batch {
				if err := r.commitOne(wctx, tx, p); err != nil {
					return err
				}
			}
			return r.at(wctx, "batch-commit")
		})
	})
	if err == nil {
		return nil
	}
	r.log.Warn("shared commit of small operations failed: working each alone", "run_id", runID,
		"operations", len(batch), "error", err)
	var first error
	for _, p := range batch {
		opCtx, cancel := context.WithTimeout(ctx, r.cfg.OperationTimeout)
		if err := r.workOperation(opCtx, p.ex.key, nil); err != nil && first == nil {
			first = err
		}
		cancel()
	}
	return first
}

// commitOne begins, fills and ends one scored operation in tx, which holds the run's
// lock; an operation no longer queued is passed over.
func (r *Runner) commitOne(ctx context.Context, tx *sqldb.Tx, p *parked) error {
	ex := p.ex
	started, err := r.startOperation(ctx, tx, ex.key, ex.op.Examined)
	if err != nil || !started {
		return err
	}
	applied, err := tx.ApplyLeadUpdates(ctx, ex.client.ID, ex.key.RunID, r.cfg.MaxAttempts, p.b.updates)
	if err != nil {
		return err
	}
	delta := leadDelta(p.b.updates, applied, p.b.usage)
	op, err := tx.AddOperationCounts(ctx, ex.key, delta)
	if err == nil && op == nil {
		err = errStopped // cannot be: it was started in this transaction, which holds the run's lock
	}
	if err != nil {
		return err
	}
	if err := r.chunkEvents(ctx, tx, ex, delta); err != nil {
		return err
	}
	return r.endLocked(ctx, tx, ex, op)
}
