package runner_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// liveCfg is a runner configuration with a short stale limit, so liveness tests take seconds.
func liveCfg(workers int) runner.Config {
	return runner.Config{Workers: workers, ChunkSize: 5, StaleAfter: 2 * time.Second}
}

// blockAt makes r stop at the step as a crashed process would: the job stays picked up
// and nothing more happens in it. It returns a channel that receives once it stopped.
func blockAt(t *testing.T, r *runner.Runner, step string) <-chan struct{} {
	t.Helper()
	reached := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	runner.SetFailpoint(r, func(ctx context.Context, s string) error {
		if s != step {
			return nil
		}
		once.Do(func() { reached <- struct{}{} })
		select {
		case <-release:
		case <-ctx.Done():
		}
		return context.Canceled
	})
	t.Cleanup(func() { close(release) })
	return reached
}

func mustReach(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not reached within 30s", what)
	}
}

// waitTerminal waits for the run to end within the stale limit plus 10 seconds after the
// owner died (the bound), polling.
func waitTerminal(t *testing.T, db *sqldb.DB, runID string, within time.Duration) *leadrun.Run {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		run, err := db.FindRunByID(context.Background(), runID)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status.Terminal() {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s after %s", runID, run.Status, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dieAt starts a worker that stops at the step as a crashed process would (its job stays
// picked up, its heartbeats end), triggers a run on stream 1, and starts a live worker.
func dieAt(t *testing.T, db *sqldb.DB, step, what string) (run *leadrun.Run, dead, live *runner.Runner) {
	t.Helper()
	dead = newRunner(t, db, &keywordScorer{}, liveCfg(1))
	reached := blockAt(t, dead, step)
	mustStart(t, dead)
	run = trigger(t, dead, 1, leadrun.RunParams{})
	mustReach(t, reached, what)
	runner.Freeze(dead)
	live = newRunner(t, db, &keywordScorer{}, liveCfg(4))
	mustStart(t, live)
	return run, dead, live
}

// A worker that dies after picking up the planning job (before planning commits) does not
// block the stream: another worker plans the run within the stale limit.
func TestDeadPlannerDoesNotBlockStream(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 20, &leadrun.Client{ID: "A", Stream: 1})
		run, _, live := dieAt(t, db, "plan", "planning")
		got := waitTerminal(t, db, run.ID, 2*time.Second+10*time.Second)
		if got.Status != leadrun.RunCompleted || got.Totals.LeadsExamined != 20 {
			t.Fatalf("run %s (%s), %d examined; want completed with 20", got.Status, got.StatusReason, got.Totals.LeadsExamined)
		}
		assertNoRunningJobs(t, db)
		trigger(t, live, 1, leadrun.RunParams{}) // the stream is free
	})
}

// A worker that dies between picking up an operation and starting it leaves the operation
// queued; its job is given to a live worker, which does the work.
func TestDeadWorkerAtPickUp(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 20, &leadrun.Client{ID: "A", Stream: 1})
		run, _, _ := dieAt(t, db, "operation", "operation pick-up")
		got := waitTerminal(t, db, run.ID, 2*time.Second+10*time.Second)
		if got.Status != leadrun.RunCompleted || got.Totals.LeadsExamined != 20 || got.Totals.LeadsScored != 18 {
			t.Fatalf("run %s (%s), totals %+v; want completed, 20 examined, 18 scored", got.Status, got.StatusReason, got.Totals)
		}
		assertNoRunningJobs(t, db)
	})
}

// A worker that dies mid-operation: the operation ends abandoned with a reason naming the
// worker, the run releases its stream, the job of the abandoned work is finished, and the
// next run scores only what is left: nothing lost, nothing counted twice. (300 leads: more
// than one commit's worth, so that the first commit does not also end the operation.)
func TestDeadWorkerMidOperation(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		const leads = 300
		mustFixture(t, db, leads, &leadrun.Client{ID: "A", Stream: 1})
		run, dead, live := dieAt(t, db, "chunk", "first chunk committed")
		first := waitTerminal(t, db, run.ID, 2*time.Second+10*time.Second)
		if first.Status != leadrun.RunAbandoned {
			t.Fatalf("run %s (%s), want abandoned", first.Status, first.StatusReason)
		}
		for _, want := range []string{"1 of 1 clients abandoned", "worker " + dead.WorkerID() + " stopped", "last heartbeat"} {
			if !strings.Contains(first.StatusReason, want) {
				t.Errorf("reason %q does not say %q", first.StatusReason, want)
			}
		}
		waitFor(t, func() bool { return countRunningJobs(t, db) == 0 })
		second := mustWait(t, live, trigger(t, live, 1, leadrun.RunParams{}).ID)
		if second.Status != leadrun.RunCompleted {
			t.Fatalf("next run %s (%s)", second.Status, second.StatusReason)
		}
		if n := first.Totals.LeadsExamined + second.Totals.LeadsExamined; n != leads || first.Totals.LeadsExamined == 0 {
			t.Errorf("examined %d + %d, want %d in all with some in the first run", first.Totals.LeadsExamined, second.Totals.LeadsExamined, leads)
		}
		counts, err := db.CountLeadsByStatus(context.Background(), "A")
		if err != nil {
			t.Fatal(err)
		}
		if scored := first.Totals.LeadsScored + second.Totals.LeadsScored; scored != counts[leadrun.StatusScored] || counts[leadrun.StatusToBeScored] != 0 {
			t.Errorf("runs scored %d, leads table %v", scored, counts)
		}
	})
}

// A worker that dies at the operation's finish — after committing a first batch, before
// the last one, which also ends the operation: the operation is abandoned, the committed
// work stays counted once, none of the last batch is written, and the next run scores
// exactly what is left.
func TestDeadWorkerBetweenCommitAndFinish(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		perCommit := int64(runner.LeadsPerCommit(liveCfg(1).ChunkSize)) // leads of fast chunks that share a commit
		leads := perCommit + 5
		mustFixture(t, db, int(leads), &leadrun.Client{ID: "A", Stream: 1})
		run, _, live := dieAt(t, db, "finish", "the operation's finish")
		first := waitTerminal(t, db, run.ID, 2*time.Second+10*time.Second)
		if first.Status != leadrun.RunAbandoned || first.Totals.LeadsExamined != perCommit {
			t.Fatalf("run %s (%s), %d examined; want abandoned with its first %d leads counted", first.Status,
				first.StatusReason, first.Totals.LeadsExamined, perCommit)
		}
		second := mustWait(t, live, trigger(t, live, 1, leadrun.RunParams{}).ID)
		if second.Totals.LeadsExamined != leads-perCommit || second.Status != leadrun.RunCompleted {
			t.Errorf("next run examined %d (%s); want the %d left", second.Totals.LeadsExamined, second.Status, leads-perCommit)
		}
		counts, err := db.CountLeadsByStatus(context.Background(), "A")
		if err != nil {
			t.Fatal(err)
		}
		if scored := first.Totals.LeadsScored + second.Totals.LeadsScored; scored != counts[leadrun.StatusScored] || counts[leadrun.StatusToBeScored] != 0 {
			t.Errorf("runs scored %d, leads table %v", scored, counts)
		}
		waitFor(t, func() bool { return countRunningJobs(t, db) == 0 })
	})
}

// Rolling restarts: five workers in turn are stopped with SIGTERM's shutdown in the middle
// of one run. Each hands its operation over (no attempt spent, no back-off); the run ends
// completed, and its counts equal the leads table.
func TestRollingRestartsHandOver(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 300, &leadrun.Client{ID: "A", Stream: 1})
		slow := &keywordScorer{delay: 20 * time.Millisecond}
		ctx := context.Background()
		var runID string
		var examined int64
		for i := range 5 {
			r := newRunner(t, db, slow, liveCfg(2))
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				runID = trigger(t, r, 1, leadrun.RunParams{}).ID
			}
			waitFor(t, func() bool {
				run, _ := db.FindRunByID(ctx, runID)
				return run.Totals.LeadsExamined > examined
			})
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := r.Shutdown(sctx); err != nil {
				t.Fatalf("shutdown %d: %v", i, err)
			}
			cancel()
			run, _ := db.FindRunByID(ctx, runID)
			if run.Status.Terminal() {
				t.Fatalf("run ended %s during restart %d", run.Status, i)
			}
			examined = run.Totals.LeadsExamined
		}
		events, err := db.FindEvents(ctx, runID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		for _, ev := range events {
			if strings.Contains(ev.Message, "handed over by worker") {
				handed++
			}
		}
		if handed < 5 {
			t.Errorf("%d hand-over events, want 5", handed)
		}
		last := newRunner(t, db, slow, liveCfg(2))
		mustStart(t, last)
		run := mustWait(t, last, runID)
		counts, _ := db.CountLeadsByStatus(ctx, "A")
		if run.Status != leadrun.RunCompleted || run.Totals.LeadsExamined != 300 || run.Totals.LeadsScored != counts[leadrun.StatusScored] {
			t.Fatalf("run %s (%s), totals %+v, leads %v", run.Status, run.StatusReason, run.Totals, counts)
		}
		if n := maxJobAttempt(t, db); n > 1 {
			t.Errorf("a job was attempted %d times: a hand-over spent an attempt", n)
		}
	})
}

func countRunningJobs(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE state = 'running'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func assertNoRunningJobs(t *testing.T, db *sqldb.DB) {
	t.Helper()
	waitFor(t, func() bool { return countRunningJobs(t, db) == 0 })
}

func maxJobAttempt(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COALESCE(MAX(attempt), 0) FROM river_job WHERE kind = 'run_operation'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
