package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// smallClients makes n clients on stream 1: with a few leads each, their operations are
// small, and with more than 64 of them they share group jobs.
func smallClients(n int) []*leadrun.Client {
	clients := make([]*leadrun.Client, n)
	for i := range clients {
		clients[i] = &leadrun.Client{ID: fmt.Sprintf("G%03d", i), Stream: 1}
	}
	return clients
}

// jobsByKind counts the run's operation jobs by kind.
func jobsByKind(t *testing.T, db *sqldb.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT kind, COUNT(*) FROM river_job WHERE kind IN ('run_operation', 'run_operation_group') GROUP BY kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			t.Fatal(err)
		}
		out[kind] = n
	}
	return out
}

// assertOpsMatchLeads checks Σ operations == lead states over the given runs: every lead
// counted once, by the operation that wrote it.
func assertOpsMatchLeads(t *testing.T, db *sqldb.DB, clients []*leadrun.Client, runs ...*leadrun.Run) {
	t.Helper()
	ctx := context.Background()
	var sum leadrun.Totals
	for _, run := range runs {
		sum.Add(run.Totals)
	}
	var scored, skipped, failed, due int64
	for _, c := range clients {
		counts, err := db.CountLeadsByStatus(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		scored += counts[leadrun.StatusScored]
		skipped += counts[leadrun.StatusSkippedMissingData]
		failed += counts[leadrun.StatusFailed]
		due += counts[leadrun.StatusToBeScored]
	}
	if sum.LeadsScored != scored || sum.LeadsSkipped != skipped || sum.LeadsFailed != failed || due != 0 ||
		sum.LeadsExamined != scored+skipped+failed {
		t.Errorf("operations counted %d examined, %d scored, %d skipped, %d failed; leads table %d scored, %d skipped, %d failed, %d still due",
			sum.LeadsExamined, sum.LeadsScored, sum.LeadsSkipped, sum.LeadsFailed, scored, skipped, failed, due)
	}
}

// Seventy small clients: their operations share group jobs, yet each keeps its own
// status, counts and progress-log lines; one client's operation fails (its scorer
// calls fail) without stopping the others in its group; the counts are exact.
func TestGroupedOperations(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clients := smallClients(70)
		mustFixture(t, db, 3, clients...)
		scorer := &keywordScorer{failIf: func(l *leadrun.Lead) bool { return l.ClientID == "G005" }}
		r := newRunner(t, db, scorer, runner.Config{Workers: 4, ChunkSize: 5})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompletedWithErrors || run.Totals.ClientsTotal != 70 || run.Totals.LeadsExamined != 70*3 {
			t.Fatalf("run %s (%s), totals %+v; want completed_with_errors, 70 clients, 210 leads", run.Status, run.StatusReason, run.Totals)
		}
		jobs := jobsByKind(t, db)
		if jobs["run_operation_group"] == 0 || jobs["run_operation"]+jobs["run_operation_group"] >= 70 {
			t.Errorf("jobs %v: want the 70 small operations grouped into fewer jobs", jobs)
		}
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range results {
			op := cr.Operations[0]
			want := leadrun.OpSucceeded
			if cr.ClientID == "G005" {
				want = leadrun.OpFailed
			}
			if op.Kind != leadrun.OpLeadScoring || op.Status != want || op.Examined != 3 {
				t.Errorf("%s: %s %s, %d examined; want %s, 3 examined", cr.ClientID, op.Kind, op.Status, op.Examined, want)
			}
		}
		events, err := db.FindEvents(ctx, run.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		started, finished := map[string]int{}, map[string]int{}
		for _, ev := range events {
			switch {
			case strings.HasPrefix(ev.Message, "Lead scoring: started on worker"):
				started[ev.ClientID]++
			case strings.HasPrefix(ev.Message, "Lead scoring: succeeded"), strings.HasPrefix(ev.Message, "Lead scoring: failed"):
				finished[ev.ClientID]++
			}
		}
		for _, c := range clients {
			if started[c.ID] != 1 || finished[c.ID] != 1 {
				t.Errorf("%s: %d started and %d finished lines, want one each", c.ID, started[c.ID], finished[c.ID])
			}
		}
		assertOpsMatchLeads(t, db, clients, run)
		if n := maxJobAttempt(t, db); n > 1 {
			t.Errorf("an operation job was attempted %d times", n)
		}
	})
}

// blockAtNth is blockAt for the nth time the step is reached.
func blockAtNth(t *testing.T, r *runner.Runner, step string, nth int) <-chan struct{} {
	t.Helper()
	reached := make(chan struct{}, 1)
	release := make(chan struct{})
	var mu sync.Mutex
	seen := 0
	runner.SetFailpoint(r, func(ctx context.Context, s string) error {
		if s != step {
			return nil
		}
		mu.Lock()
		seen++
		n := seen
		mu.Unlock()
		if n != nth {
			return nil
		}
		reached <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return context.Canceled
	})
	t.Cleanup(func() { close(release) })
	return reached
}

// A worker that dies in the middle of a group of small operations scored by a provider —
// its first operation finished, its second started and not finished: the second is
// abandoned by the reaper (as a single job's would be), the group's job is released to a
// live worker, which passes over the two and works the rest. Nothing is lost or counted
// twice: the next run scores exactly the abandoned operation's leads.
func TestDeadWorkerMidGroup(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clients := smallClients(70)
		mustFixture(t, db, 3, clients...)
		remote := func() leadrun.Scorer {
			return namedScorer{&keywordScorer{}, leadrun.ScorerInfo{Name: "openai", Host: "api.example.com", Model: "m"}}
		}
		dead := newRunner(t, db, remote(), liveCfg(1))
		reached := blockAtNth(t, dead, "finish", 2)
		mustStart(t, dead)
		run := trigger(t, dead, 1, leadrun.RunParams{})
		mustReach(t, reached, "the second operation's finish")
		runner.Freeze(dead)
		live := newRunner(t, db, remote(), liveCfg(4))
		mustStart(t, live)
		first := waitTerminal(t, db, run.ID, 2*time.Second+20*time.Second)
		if first.Status != leadrun.RunAbandoned || !strings.Contains(first.StatusReason, "1 of 70 clients abandoned") {
			t.Fatalf("run %s (%s); want abandoned, 1 of 70 clients", first.Status, first.StatusReason)
		}
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[leadrun.OpStatus]int{}
		for _, cr := range results {
			statuses[cr.Operations[0].Status]++
		}
		if statuses[leadrun.OpAbandoned] != 1 || statuses[leadrun.OpSucceeded] != 69 {
			t.Errorf("operations %v; want 1 abandoned, 69 succeeded", statuses)
		}
		if first.Totals.LeadsExamined != 69*3 {
			t.Errorf("first run examined %d, want %d (the abandoned operation's leads were not committed)", first.Totals.LeadsExamined, 69*3)
		}
		waitFor(t, func() bool { return countRunningJobs(t, db) == 0 })
		second := mustWait(t, live, trigger(t, live, 1, leadrun.RunParams{}).ID)
		if second.Status != leadrun.RunCompleted || second.Totals.LeadsExamined != 3 {
			t.Errorf("next run %s, %d examined; want completed with the 3 left", second.Status, second.Totals.LeadsExamined)
		}
		assertOpsMatchLeads(t, db, clients, first, second)
	})
}

// With an in-process scorer a group's small operations are scored first and written
// together. A worker that dies before its second shared commit leaves the operations it
// scored queued, nothing of them written: nothing is abandoned, the group's job is
// released to a live worker, which works them again, and every lead is counted once, by
// the run's one operation of its client.
func TestDeadWorkerMidBatchedGroup(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		clients := smallClients(70)
		mustFixture(t, db, 3, clients...)
		dead := newRunner(t, db, &keywordScorer{}, liveCfg(1))
		reached := blockAtNth(t, dead, "finish", 2)
		mustStart(t, dead)
		run := trigger(t, dead, 1, leadrun.RunParams{})
		mustReach(t, reached, "the second shared commit")
		runner.Freeze(dead)
		live := newRunner(t, db, &keywordScorer{}, liveCfg(4))
		mustStart(t, live)
		got := waitTerminal(t, db, run.ID, 2*time.Second+20*time.Second)
		if got.Status != leadrun.RunCompleted || got.Totals.LeadsExamined != 70*3 {
			t.Fatalf("run %s (%s), %d examined; want completed, %d examined", got.Status, got.StatusReason,
				got.Totals.LeadsExamined, 70*3)
		}
		assertStartedOnce(t, db, run.ID, clients)
		assertOpsMatchLeads(t, db, clients, got)
	})
}

// A run cancelled while a group's operations are scored and not yet written: the shared
// commit passes over the cancelled operations and writes nothing of them; their leads
// stay due, and what the run counted is exactly what it wrote.
func TestCancelMidBatchedGroup(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clients := smallClients(70)
		mustFixture(t, db, 3, clients...)
		r := newRunner(t, db, &keywordScorer{}, liveCfg(1))
		var runID atomic.Value
		var commits atomic.Int64
		runner.SetFailpoint(r, func(ctx context.Context, step string) error {
			if step == "finish" && commits.Add(1) == 2 { // scored, not written: cancel now
				_, err := r.Cancel(ctx, runID.Load().(string), "test", "test")
				return err
			}
			return nil
		})
		mustStart(t, r)
		run := trigger(t, r, 1, leadrun.RunParams{})
		runID.Store(run.ID)
		got := waitTerminal(t, db, run.ID, 20*time.Second)
		if got.Status != leadrun.RunCancelled || commits.Load() < 2 {
			t.Fatalf("run %s (%s) after %d shared commits; want cancelled at the second", got.Status, got.StatusReason, commits.Load())
		}
		waitFor(t, func() bool { return countRunningJobs(t, db) == 0 })
		got, err := db.FindRunByID(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		var examined, due int64
		for _, c := range clients {
			counts, err := db.CountLeadsByStatus(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			due += counts[leadrun.StatusToBeScored]
			examined += 3 - counts[leadrun.StatusToBeScored]
		}
		if got.Totals.LeadsExamined != examined || examined == 0 || due == 0 {
			t.Errorf("run counted %d examined; leads table: %d examined, %d still due (want equal counts, some of each)",
				got.Totals.LeadsExamined, examined, due)
		}
	})
}

// A shared commit that fails for a reason other than a passing database failure is
// rolled back whole, and each of its operations is then worked alone: the run completes,
// each operation started and counted once.
func TestFailedSharedCommitWorksEachAlone(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		clients := smallClients(70)
		mustFixture(t, db, 3, clients...)
		r := newRunner(t, db, &keywordScorer{}, liveCfg(2))
		var failed atomic.Int64
		runner.SetFailpoint(r, func(ctx context.Context, step string) error {
			if step == "batch-commit" && failed.Add(1) == 1 {
				return errors.New("injected failure of the shared commit")
			}
			return nil
		})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompleted || run.Totals.LeadsExamined != 70*3 || failed.Load() < 2 {
			t.Fatalf("run %s (%s), %d examined after %d shared commits; want completed, %d examined", run.Status,
				run.StatusReason, run.Totals.LeadsExamined, failed.Load(), 70*3)
		}
		assertStartedOnce(t, db, run.ID, clients)
		assertOpsMatchLeads(t, db, clients, run)
	})
}

// A lead limit holds in a group's shared commits: each small operation examines exactly
// its limit, the rest of its leads stay due, and the counts match the leads table.
func TestBatchedGroupKeepsLeadLimit(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clients := smallClients(70)
		mustFixture(t, db, 10, clients...)
		r := newRunner(t, db, &keywordScorer{}, runner.Config{Workers: 2, ChunkSize: 3})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{LeadLimit: 4}).ID)
		if run.Status != leadrun.RunCompleted || run.Totals.LeadsExamined != 70*4 {
			t.Fatalf("run %s (%s), %d examined; want completed, %d", run.Status, run.StatusReason, run.Totals.LeadsExamined, 70*4)
		}
		if jobs := jobsByKind(t, db); jobs["run_operation_group"] == 0 {
			t.Errorf("jobs %v: want the small operations grouped", jobs)
		}
		for _, c := range clients {
			counts, err := db.CountLeadsByStatus(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if counts[leadrun.StatusToBeScored] != 6 {
				t.Errorf("%s: %v, want 6 leads still due", c.ID, counts)
			}
		}
	})
}

// assertStartedOnce checks that the run's log has exactly one start line of each client's
// lead scoring.
func assertStartedOnce(t *testing.T, db *sqldb.DB, runID string, clients []*leadrun.Client) {
	t.Helper()
	events, err := db.FindEvents(context.Background(), runID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	started := map[string]int{}
	for _, ev := range events {
		if strings.HasPrefix(ev.Message, "Lead scoring: started on worker") {
			started[ev.ClientID]++
		}
	}
	for _, c := range clients {
		if started[c.ID] != 1 {
			t.Errorf("%s started %d times, want once", c.ID, started[c.ID])
		}
	}
}
