package runner

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadrun/leadrun"
)

// Small operations share a job. The job engine's own cost per job (fetching it, completing
// it: about half a millisecond of CPU on SQLite) is fixed, so a run of thousands of
// clients with a few dozen due leads each spent most of its time on it. A group job works
// several small operations of one run in turn; each keeps its own status, counts, events,
// lifecycle transitions and heartbeat, exactly as if it had a job of its own:
//   - a crash mid-group: the operation being worked is abandoned by the reaper (as a
//     single job's would be), the finished ones stay finished, and the job is released
//     to a live worker, which works the ones still queued;
//   - shutdown: the operation being worked is handed over and the job snoozed; the
//     group resumes with it on the next free worker;
//   - an operation that fails does not stop the others.
//
// Operations with more due items than one group holds keep a job of their own, so big
// operations still spread over every worker process.

// groupArgs is the job that executes several small operations of one run in turn.
type groupArgs struct {
	RunID string      `json:"run_id"`
	Ops   []groupedOp `json:"ops"`
}

// groupedOp is one operation of a group job.
type groupedOp struct {
	ClientID  string                `json:"client_id"`
	Operation leadrun.OperationKind `json:"operation"`
}

// Kind names the job.
func (groupArgs) Kind() string { return "run_operation_group" }

const (
	// groupMaxDue is the most due items an operation may have to share a job (one
	// commit's worth of fast chunks).
	groupMaxDue = maxBatchLeads
	// groupMaxItems is the most due items of one group in all.
	groupMaxItems = 5 * groupMaxDue
	// groupMaxOps is the most operations in one group. Each job costs a fetch and a
	// completion, and a worker slot that frees fetches again after a short cooldown: the
	// fewer jobs, the fewer fetches.
	groupMaxOps = 16
	// groupMinJobs: groups are made only as large as keeps at least this many jobs for a
	// run's small operations, so that a run of a few small clients still has one job per
	// operation and slow (AI) operations still run side by side on every worker.
	groupMinJobs = 64
)

// groupOperations turns a run's queued operations into job arguments: one job per
// operation with more than groupMaxDue items due, the small ones grouped (see
// groupMinJobs) in the order given.
func groupOperations(runID string, ops []*leadrun.Operation) []river.JobArgs {
	var jobs []river.JobArgs
	var small []*leadrun.Operation
	for _, op := range ops {
		if op.Due > groupMaxDue && (op.Limit <= 0 || op.Limit > groupMaxDue) {
			jobs = append(jobs, operationArgs{RunID: runID, ClientID: op.ClientID, Operation: op.Kind})
			continue
		}
		small = append(small, op)
	}
	size := min(groupMaxOps, (len(small)+groupMinJobs-1)/groupMinJobs)
	var group groupArgs
	var due int64
	flush := func() {
		switch len(group.Ops) {
		case 0:
		case 1:
			jobs = append(jobs, operationArgs{RunID: runID, ClientID: group.Ops[0].ClientID, Operation: group.Ops[0].Operation})
		default:
			jobs = append(jobs, group)
		}
		group, due = groupArgs{}, 0
	}
	for _, op := range small {
		n := op.Due
		if op.Limit > 0 {
			n = min(n, int64(op.Limit))
		}
		if len(group.Ops) >= size || (len(group.Ops) > 0 && due+n > groupMaxItems) {
			flush()
		}
		group.RunID = runID
		group.Ops = append(group.Ops, groupedOp{ClientID: op.ClientID, Operation: op.Kind})
		due += n
	}
	flush()
	return jobs
}

// groupWorker works a group's operations in turn.
type groupWorker struct {
	river.WorkerDefaults[groupArgs]
	r *Runner
}

// Timeout leaves each operation its own time limit (see Work). A group still working when
// the job engine's rescue of stuck jobs comes (an operation's time limit plus a minute)
// may be picked up by a second worker too: it passes over the operations the first one
// finished or is running (their status guards) and works only those still queued.
func (w *groupWorker) Timeout(job *river.Job[groupArgs]) time.Duration {
	return w.r.cfg.OperationTimeout * time.Duration(max(1, len(job.Args.Ops)))
}

// Work executes the group's operations one after another, each under its own time limit.
// Operations already terminal (finished before a crash or a hand-over) are passed over
// in a few statements. An error of one operation does not stop the others; the first
// one is returned at the end, so the job is retried for what is left. A hand-over on
// shutdown returns at once: the job is snoozed and resumes with the operation handed over.
func (w *groupWorker) Work(ctx context.Context, job *river.Job[groupArgs]) error {
	var ch *chain
	if err := w.r.retryTransient(ctx, func() error { // a passing database failure spends no attempt
		var err error
		ch, err = w.r.loadChain(ctx, job.Args.Ops)
		return err
	}); err != nil {
		return err
	}
	if w.r.scoresInProcess() {
		return w.r.workBatched(ctx, job.Args.RunID, job.Args.Ops, ch)
	}
	var first error
	for i, op := range job.Args.Ops {
		if ctx.Err() != nil {
			return errors.Join(first, w.handBack(ctx, ch), ctx.Err())
		}
		ch.next = nil
		if i+1 < len(job.Args.Ops) {
			ch.next = &leadrun.OpKey{RunID: job.Args.RunID, ClientID: job.Args.Ops[i+1].ClientID, Kind: job.Args.Ops[i+1].Operation}
		}
		key := leadrun.OpKey{RunID: job.Args.RunID, ClientID: op.ClientID, Kind: op.Operation}
		opCtx, cancel := context.WithTimeout(ctx, w.r.cfg.OperationTimeout)
		err := w.r.workOperation(opCtx, key, ch)
		cancel()
		var snooze *rivertype.JobSnoozeError
		if errors.As(err, &snooze) {
			return errors.Join(w.handBack(ctx, ch), err)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// handBack returns an operation begun for the group and not worked to the queue.
func (w *groupWorker) handBack(ctx context.Context, ch *chain) error {
	if ch.begun == nil {
		return nil
	}
	ex := ch.begun
	ch.begun = nil
	var snooze *rivertype.JobSnoozeError
	if err := w.r.handOver(ctx, ex); err != nil && !errors.As(err, &snooze) {
		return err
	}
	return nil
}
