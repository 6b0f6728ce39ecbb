package sqldb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// The guarded primitives of sqldb/lifecycle.go, directly, on both databases: each moves a
// row only from the statuses its transition allows and says whether it did; a missing
// run or operation is ENOTFOUND, never an empty result.

// clock is a settable test clock for db.Now.
type clock struct{ now time.Time }

func mustClock(db *sqldb.DB, start time.Time) *clock {
	c := &clock{now: start}
	db.Now = func() time.Time { return c.now }
	return c
}

func (c *clock) advance(d time.Duration) time.Time { c.now = c.now.Add(d); return c.now }

// mustTx runs fn in a transaction and fails the test on error.
func mustTx(t *testing.T, db *sqldb.DB, fn func(tx *sqldb.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// mustPlanRun creates a queued run on stream with, for each client (created on the stream
// when missing), a client result and a queued lead-scoring and post-scoring operation.
func mustPlanRun(t *testing.T, db *sqldb.DB, stream int, clients ...string) string {
	t.Helper()
	ctx := context.Background()
	for _, id := range clients {
		if _, err := db.FindClientByID(ctx, id); leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			if err := db.CreateClient(ctx, &leadrun.Client{ID: id, Name: "Client " + id, Stream: stream}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var runID string
	mustTx(t, db, func(tx *sqldb.Tx) error {
		run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerAPI})
		if err != nil {
			return err
		}
		runID = run.ID
		for _, id := range clients {
			if err := tx.CreateClientResult(ctx, runID, &leadrun.Client{ID: id, Name: "Client " + id}); err != nil {
				return err
			}
			for _, kind := range []leadrun.OperationKind{leadrun.OpLeadScoring, leadrun.OpPostScoring} {
				op := &leadrun.Operation{RunID: runID, ClientID: id, Kind: kind, Status: leadrun.OpQueued, Due: 5}
				if err := tx.CreateOperation(ctx, op); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return runID
}

func opKey(runID, clientID string, kind leadrun.OperationKind) leadrun.OpKey {
	return leadrun.OpKey{RunID: runID, ClientID: clientID, Kind: kind}
}

// guard runs one guarded primitive in its own transaction and checks what it reported.
func guard(t *testing.T, db *sqldb.DB, what string, want bool, fn func(tx *sqldb.Tx) (bool, error)) {
	t.Helper()
	var got bool
	mustTx(t, db, func(tx *sqldb.Tx) error {
		var err error
		got, err = fn(tx)
		return err
	})
	if got != want {
		t.Errorf("%s reported %v, want %v", what, got, want)
	}
}

func mustFindOp(t *testing.T, db *sqldb.DB, k leadrun.OpKey) *leadrun.Operation {
	t.Helper()
	var op *leadrun.Operation
	mustTx(t, db, func(tx *sqldb.Tx) error {
		var err error
		op, err = tx.FindOperation(context.Background(), k)
		return err
	})
	return op
}

func wantNotFound(t *testing.T, what string, v any, err error) {
	t.Helper()
	if leadrun.ErrorCode(err) != leadrun.ENOTFOUND || !reflect.ValueOf(v).IsZero() {
		t.Errorf("%s: %v, %v; want nothing and ENOTFOUND", what, v, err)
	}
}

// staleOf is FindStaleOperations restricted to one run: the suite's cases share a database.
func staleOf(ctx context.Context, db *sqldb.DB, runID string, before time.Time) ([]leadrun.StaleOperation, error) {
	all, err := db.FindStaleOperations(ctx, before)
	var out []leadrun.StaleOperation
	for _, so := range all {
		if so.Key.RunID == runID {
			out = append(out, so)
		}
	}
	return out, err
}

// A run and its operations through every guarded transition, including the refused ones.
func testLifecycleRunAndOperation(t *testing.T, db *sqldb.DB, u uniq) {
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"))
	lifecycleNotFound(t, db, u, runID)
	started := lifecycleStartRun(t, db, clk, runID)
	finished := lifecycleOperations(t, db, clk, runID, u.id("A"), started)
	lifecycleFinishRun(t, db, u, runID, finished)
}

// lifecycleNotFound: a missing run or operation is ENOTFOUND, never an empty result.
func lifecycleNotFound(t *testing.T, db *sqldb.DB, u uniq, runID string) {
	ctx := context.Background()
	mustTx(t, db, func(tx *sqldb.Tx) error {
		r, err := tx.LockRun(ctx, "SR-000101-404-S1")
		wantNotFound(t, "LockRun of a missing run", r, err)
		op, err := tx.FindOperation(ctx, opKey(runID, u.id("B"), leadrun.OpLeadScoring))
		wantNotFound(t, "FindOperation of a missing operation", op, err)
		left, err := tx.OperationsDone(ctx, "SR-000101-404-S1", 1)
		wantNotFound(t, "OperationsDone of a missing run", left, err)
		return nil
	})
	status, err := db.FindRunStatus(ctx, "SR-000101-404-S1")
	wantNotFound(t, "FindRunStatus of a missing run", status, err)
	if status, err := db.FindRunStatus(ctx, runID); status != leadrun.RunQueued || err != nil {
		t.Errorf("FindRunStatus %q %v, want queued", status, err)
	}
}

// lifecycleStartRun starts the queued run once, and returns when.
func lifecycleStartRun(t *testing.T, db *sqldb.DB, clk *clock, runID string) time.Time {
	ctx := context.Background()
	started := clk.advance(time.Second)
	guard(t, db, "StartRun of a queued run", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartRun(ctx, runID, 2) })
	guard(t, db, "StartRun of a running run", false, func(tx *sqldb.Tx) (bool, error) { return tx.StartRun(ctx, runID, 9) })
	mustTx(t, db, func(tx *sqldb.Tx) error {
		r, err := tx.LockRun(ctx, runID)
		if err != nil {
			return err
		}
		if r.Status != leadrun.RunRunning || r.StartedAt == nil || !r.StartedAt.Equal(started) || r.ID != runID {
			t.Errorf("locked run %+v, want running since %v", r, started)
		}
		return nil
	})
	return started
}

// lifecycleOperations walks the client's operations through start, resume, hand-over and
// finish, and returns when they finished.
func lifecycleOperations(t *testing.T, db *sqldb.DB, clk *clock, runID, client string, started time.Time) time.Time {
	ctx := context.Background()
	lead, post := opKey(runID, client, leadrun.OpLeadScoring), opKey(runID, client, leadrun.OpPostScoring)
	guard(t, db, "StartOperation on w1", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w1") })
	guard(t, db, "StartOperation on w2 while w1 runs it", false, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w2") })
	clk.advance(time.Second)
	guard(t, db, "StartOperation resumed on w1", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w1") })
	if op := mustFindOp(t, db, lead); op.Status != leadrun.OpRunning || op.WorkerID != "w1" || op.StartedAt == nil || !op.StartedAt.Equal(started) {
		t.Errorf("started operation %+v, want running on w1 since %v (a resume keeps the start)", op, started)
	}

	guard(t, db, "RequeueOperation of a running operation", true, func(tx *sqldb.Tx) (bool, error) { return tx.RequeueOperation(ctx, lead) })
	guard(t, db, "RequeueOperation of a queued operation", false, func(tx *sqldb.Tx) (bool, error) { return tx.RequeueOperation(ctx, lead) })
	if op := mustFindOp(t, db, lead); op.Status != leadrun.OpQueued || op.WorkerID != "" {
		t.Errorf("requeued operation %+v, want queued without a worker", op)
	}
	guard(t, db, "StartOperation on w2 after the hand-over", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w2") })

	mustTx(t, db, func(tx *sqldb.Tx) error {
		if ok, err := tx.FinishOperation(ctx, lead, leadrun.OpRunning, "", ""); ok || err == nil {
			t.Errorf("FinishOperation to running: %v %v, want an error", ok, err)
		}
		if ok, err := tx.FinishRun(ctx, runID, leadrun.RunRunning, ""); ok || err == nil {
			t.Errorf("FinishRun to running: %v %v, want an error", ok, err)
		}
		return nil
	})
	finished := clk.advance(time.Second)
	guard(t, db, "FinishOperation of a running operation", true, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishOperation(ctx, lead, leadrun.OpSucceededWithErrors, "", "2 failed")
	})
	guard(t, db, "FinishOperation of a finished operation", false, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishOperation(ctx, lead, leadrun.OpFailed, "", "late")
	})
	guard(t, db, "StartOperation of a finished operation", false, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w2") })
	guard(t, db, "FinishOperation of a queued operation (skipped)", true, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishOperation(ctx, post, leadrun.OpSkipped, "no_posts", "")
	})
	return finished
}

// lifecycleFinishRun counts the operations done and finishes the run once.
func lifecycleFinishRun(t *testing.T, db *sqldb.DB, u uniq, runID string, finished time.Time) {
	ctx := context.Background()
	mustTx(t, db, func(tx *sqldb.Tx) error {
		ops, err := tx.ClientOperations(ctx, runID, u.id("A"))
		if err != nil {
			return err
		}
		if len(ops) != 2 || ops[0].Kind != leadrun.OpLeadScoring || ops[0].Status != leadrun.OpSucceededWithErrors ||
			ops[0].LastError != "2 failed" || ops[0].FinishedAt == nil || !ops[0].FinishedAt.Equal(finished) ||
			ops[1].Kind != leadrun.OpPostScoring || ops[1].Status != leadrun.OpSkipped || ops[1].SkipReason != "no_posts" {
			t.Errorf("client operations %+v", ops)
		}
		if none, err := tx.ClientOperations(ctx, runID, u.id("B")); len(none) != 0 || err != nil {
			t.Errorf("operations of a client without a result: %v %v", none, err)
		}
		for want := int64(1); want >= 0; want-- {
			if left, err := tx.OperationsDone(ctx, runID, 1); left != want || err != nil {
				t.Errorf("OperationsDone left %d %v, want %d", left, err, want)
			}
		}
		return nil
	})

	guard(t, db, "FinishRun of a running run", true, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishRun(ctx, runID, leadrun.RunCompletedWithErrors, "1 of 1 client with errors")
	})
	guard(t, db, "FinishRun of a finished run", false, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishRun(ctx, runID, leadrun.RunCancelled, "late")
	})
	guard(t, db, "StartRun of a finished run", false, func(tx *sqldb.Tx) (bool, error) { return tx.StartRun(ctx, runID, 1) })
	run, err := db.FindRunByID(ctx, runID)
	if err != nil || run.Status != leadrun.RunCompletedWithErrors || run.StatusReason != "1 of 1 client with errors" ||
		run.FinishedAt == nil || !run.FinishedAt.Equal(finished) {
		t.Errorf("finished run %+v %v", run, err)
	}
	if status, err := db.FindRunStatus(ctx, runID); status != leadrun.RunCompletedWithErrors || err != nil {
		t.Errorf("FindRunStatus %q %v", status, err)
	}
}

// CancelOperations ends the queued and running operations of one run, returns exactly
// those, and leaves finished ones and other runs alone.
func testLifecycleCancelOperations(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"), u.id("B"))
	other := mustPlanRun(t, db, u.stream(2), u.id("C"))
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if _, err := tx.StartOperation(ctx, opKey(runID, u.id("A"), leadrun.OpLeadScoring), "w1"); err != nil {
			return err
		}
		_, err := tx.FinishOperation(ctx, opKey(runID, u.id("B"), leadrun.OpLeadScoring), leadrun.OpSucceeded, "", "")
		return err
	})
	mustTx(t, db, func(tx *sqldb.Tx) error {
		ops, err := tx.CancelOperations(ctx, runID, "cancelled by ops")
		if err != nil {
			return err
		}
		got := map[leadrun.OpKey]bool{}
		for _, op := range ops {
			got[op.Key()] = true
			if op.Status != leadrun.OpCancelled || op.LastError != "cancelled by ops" || op.FinishedAt == nil {
				t.Errorf("cancelled operation %+v", op)
			}
		}
		want := map[leadrun.OpKey]bool{opKey(runID, u.id("A"), leadrun.OpLeadScoring): true,
			opKey(runID, u.id("A"), leadrun.OpPostScoring): true, opKey(runID, u.id("B"), leadrun.OpPostScoring): true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cancelled %v, want %v", got, want)
		}
		if again, err := tx.CancelOperations(ctx, runID, "again"); len(again) != 0 || err != nil {
			t.Errorf("second cancel returned %v %v, want nothing", again, err)
		}
		return nil
	})
	if op := mustFindOp(t, db, opKey(runID, u.id("B"), leadrun.OpLeadScoring)); op.Status != leadrun.OpSucceeded {
		t.Errorf("finished operation became %s", op.Status)
	}
	if op := mustFindOp(t, db, opKey(other, u.id("C"), leadrun.OpLeadScoring)); op.Status != leadrun.OpQueued {
		t.Errorf("another run's operation became %s", op.Status)
	}
}

// FindStaleOperations lists running operations by heartbeat; AbandonOperation re-checks
// the staleness under lock, so a heartbeat that came in between saves the operation.
func testLifecycleStaleAndAbandon(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := mustClock(db, t0)
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"))
	lead, post := opKey(runID, u.id("A"), leadrun.OpLeadScoring), opKey(runID, u.id("A"), leadrun.OpPostScoring)
	guard(t, db, "StartRun", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartRun(ctx, runID, 2) })
	guard(t, db, "StartOperation", true, func(tx *sqldb.Tx) (bool, error) { return tx.StartOperation(ctx, lead, "w1") })
	clk.advance(10 * time.Minute)

	stale, err := staleOf(ctx, db, runID, t0.Add(5*time.Minute))
	want := []leadrun.StaleOperation{{Key: lead, WorkerID: "w1", LastBeat: t0}}
	if err != nil || !reflect.DeepEqual(stale, want) {
		t.Fatalf("stale %+v %v, want %+v (the queued one is not running)", stale, err, want)
	}
	if fresh, err := staleOf(ctx, db, runID, t0); len(fresh) != 0 || err != nil {
		t.Errorf("stale before its heartbeat: %+v %v", fresh, err)
	}

	// The worker heartbeats after the reaper read the list and before it abandons.
	beat := clk.advance(time.Minute)
	if stopped, err := db.HeartbeatOperations(ctx, []leadrun.OpKey{lead}); len(stopped) != 0 || err != nil {
		t.Fatalf("heartbeat: stopped %v %v", stopped, err)
	}
	guard(t, db, "AbandonOperation after a heartbeat", false, func(tx *sqldb.Tx) (bool, error) {
		return tx.AbandonOperation(ctx, lead, t0.Add(5*time.Minute), "no heartbeat")
	})
	guard(t, db, "AbandonOperation of a queued operation", false, func(tx *sqldb.Tx) (bool, error) {
		return tx.AbandonOperation(ctx, post, beat.Add(time.Hour), "no heartbeat")
	})
	clk.advance(10 * time.Minute)
	guard(t, db, "AbandonOperation of a stale operation", true, func(tx *sqldb.Tx) (bool, error) {
		return tx.AbandonOperation(ctx, lead, beat.Add(time.Second), "worker w1 stopped heartbeating")
	})
	if op := mustFindOp(t, db, lead); op.Status != leadrun.OpAbandoned || op.LastError != "worker w1 stopped heartbeating" || op.FinishedAt == nil {
		t.Errorf("abandoned operation %+v", op)
	}
	if stale, err := staleOf(ctx, db, runID, clk.now); len(stale) != 0 || err != nil {
		t.Errorf("stale after abandoning: %+v %v", stale, err)
	}
}

// HeartbeatOperations refreshes running operations and their run, and returns the keys
// that are not running (any more): finished, cancelled or unknown.
func testLifecycleHeartbeatOperations(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := mustClock(db, t0)
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"), u.id("B"))
	running, done := opKey(runID, u.id("B"), leadrun.OpLeadScoring), opKey(runID, u.id("A"), leadrun.OpLeadScoring)
	unknown := opKey(runID, u.id("Z"), leadrun.OpLeadScoring)
	queued := opKey(runID, u.id("A"), leadrun.OpPostScoring)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if _, err := tx.StartRun(ctx, runID, 4); err != nil {
			return err
		}
		for _, k := range []leadrun.OpKey{running, done} {
			if ok, err := tx.StartOperation(ctx, k, "w1"); !ok || err != nil {
				t.Errorf("start %s: %v %v", k, ok, err)
			}
		}
		_, err := tx.FinishOperation(ctx, done, leadrun.OpSucceeded, "", "")
		return err
	})
	if stopped, err := db.HeartbeatOperations(ctx, nil); len(stopped) != 0 || err != nil {
		t.Errorf("heartbeat of nothing: %v %v", stopped, err)
	}
	beat := clk.advance(time.Minute)
	stopped, err := db.HeartbeatOperations(ctx, []leadrun.OpKey{unknown, running, queued, done})
	if err != nil {
		t.Fatal(err)
	}
	stoppedSet := map[leadrun.OpKey]bool{}
	for _, k := range stopped {
		stoppedSet[k] = true
	}
	if len(stopped) != 3 || !stoppedSet[unknown] || !stoppedSet[queued] || !stoppedSet[done] {
		t.Errorf("stopped %v, want the finished, queued and unknown operations", stopped)
	}
	stale, err := staleOf(ctx, db, runID, beat.Add(time.Second))
	if err != nil || len(stale) != 1 || stale[0].Key != running || !stale[0].LastBeat.Equal(beat) {
		t.Errorf("after the heartbeat: %+v %v, want %s beaten at %v", stale, err, running, beat)
	}
	run, err := db.FindRunByID(ctx, runID)
	if err != nil || run.HeartbeatAt == nil || !run.HeartbeatAt.Equal(beat) {
		t.Errorf("run heartbeat %v %v, want %v", run.HeartbeatAt, err, beat)
	}
}

// UnfinalizedRuns lists running runs that have nothing queued or running left.
func testLifecycleUnfinalizedRuns(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	waiting := mustPlanRun(t, db, u.stream(1), u.id("A"))  // running, every operation finished
	working := mustPlanRun(t, db, u.stream(2), u.id("B"))  // running, an operation queued
	queued := mustPlanRun(t, db, u.stream(3), u.id("C"))   // not started
	finished := mustPlanRun(t, db, u.stream(4), u.id("D")) // finished
	noOps := mustPlanRun(t, db, u.stream(5))               // running without operations
	mustTx(t, db, func(tx *sqldb.Tx) error {
		for _, id := range []string{waiting, working, finished, noOps} {
			if _, err := tx.StartRun(ctx, id, 2); err != nil {
				return err
			}
		}
		for _, k := range []leadrun.OpKey{opKey(waiting, u.id("A"), leadrun.OpLeadScoring), opKey(waiting, u.id("A"), leadrun.OpPostScoring),
			opKey(working, u.id("B"), leadrun.OpLeadScoring)} {
			if _, err := tx.FinishOperation(ctx, k, leadrun.OpSucceeded, "", ""); err != nil {
				return err
			}
		}
		if _, err := tx.CancelOperations(ctx, finished, "stop"); err != nil {
			return err
		}
		_, err := tx.FinishRun(ctx, finished, leadrun.RunCancelled, "stop")
		return err
	})
	all, err := db.UnfinalizedRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{} // of this case's runs: the database is shared with other cases
	for _, id := range all {
		if id == waiting || id == working || id == queued || id == finished || id == noOps {
			got[id] = true
		}
	}
	if want := map[string]bool{waiting: true, noOps: true}; !reflect.DeepEqual(got, want) {
		t.Errorf("unfinalized %v, want %s and %s (not %s, %s, %s)", got, waiting, noOps, working, queued, finished)
	}
}

// The progress log, written in and out of a transaction: the level defaults to info, the
// counts come back, the time is the transaction's.
func testLifecycleEvents(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"))
	inTx := clk.now
	mustTx(t, db, func(tx *sqldb.Tx) error {
		clk.advance(time.Hour) // the transaction keeps its stamp
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: runID, ClientID: u.id("A"), Operation: leadrun.OpLeadScoring,
			Message: "scored 3", Counts: map[string]int64{"scored": 3}})
	})
	mustTx(t, db, func(tx *sqldb.Tx) error {
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: runID, Level: leadrun.LevelWarn, Message: "slow"})
	})
	if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: "SR-000101-404-S1", Message: "orphan"})
	}); err == nil {
		t.Error("an event of a missing run was stored")
	}
	evs, err := db.FindEvents(ctx, runID, 0, 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events %v %v", evs, err)
	}
	if e := evs[0]; e.Level != leadrun.LevelInfo || e.ClientID != u.id("A") || e.Operation != leadrun.OpLeadScoring ||
		e.Counts["scored"] != 3 || !e.At.Equal(inTx) || e.Message != "scored 3" {
		t.Errorf("event in a transaction %+v, want info at %v", e, inTx)
	}
	if e := evs[1]; e.Level != leadrun.LevelWarn || e.Message != "slow" || !e.At.Equal(clk.now) || e.ID <= evs[0].ID {
		t.Errorf("event of a later transaction %+v, want warn at %v", e, clk.now)
	}
}
