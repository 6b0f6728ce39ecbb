package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A run over several clients completes; its totals equal the sums of its client results,
// which equal what the leads table says.
func TestRunCompletesAndTotalsAgree(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 130,
			&leadrun.Client{ID: "Guy-Wilson", Name: "Guy Wilson", Stream: 1, ServiceLevel: 2},
			&leadrun.Client{ID: "Dean-Hobin", Stream: 1},
			&leadrun.Client{ID: "Other-Stream", Stream: 2})
		r := newRunner(t, db, &keywordScorer{}, runner.Config{ChunkSize: 40})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompleted {
			t.Fatalf("status = %s (%s), want completed", run.Status, run.StatusReason)
		}
		ctx := context.Background()
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 2 {
			t.Fatalf("%d client results, want 2 (stream 1 only)", len(results))
		}
		var sum leadrun.Totals
		for _, cr := range results {
			sum.Add(cr.Totals())
			counts, err := db.CountLeadsByStatus(ctx, cr.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			ct := cr.Totals()
			if ct.LeadsScored != counts[leadrun.StatusScored] || ct.LeadsSkipped != counts[leadrun.StatusSkippedMissingData] ||
				counts[leadrun.StatusToBeScored] != 0 || ct.LeadsExamined != 130 {
				t.Errorf("%s: totals %+v disagree with leads table %v", cr.ClientID, ct, counts)
			}
			if ct.PromptTokens != 10*ct.LeadsScored {
				t.Errorf("%s: prompt tokens %d, want %d", cr.ClientID, ct.PromptTokens, 10*ct.LeadsScored)
			}
		}
		if sum != run.Totals {
			t.Errorf("run totals %+v != sum of client results %+v", run.Totals, sum)
		}
		if run.Totals.LeadsSkipped != 26 || run.Totals.LeadsScored != 234 {
			t.Errorf("scored %d skipped %d, want 234 and 26", run.Totals.LeadsScored, run.Totals.LeadsSkipped)
		}
		if run.Totals.PostsScored != 44 || run.Totals.PostsExamined != 88 {
			t.Errorf("posts examined %d scored %d, want 88 and 44", run.Totals.PostsExamined, run.Totals.PostsScored)
		}
		lead, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson", Limit: 1})
		if err != nil || lead[0].TopPostID == nil || lead[0].Score == nil || *lead[0].Score != 93.75 {
			t.Errorf("first lead: top post %v score %v, want a top post and 93.75 (Founder and Coach: 15 of 10+5+4×0.25)", lead[0].TopPostID, *lead[0].Score)
		}
		// A second run finds nothing left to do.
		again := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if again.Status != leadrun.RunCompleted || again.Totals.LeadsExamined != 0 || again.Totals.ClientsSkipped != 2 {
			t.Errorf("second run: %s, %+v; want completed with both clients skipped", again.Status, again.Totals)
		}
	})
}

// 20 simultaneous triggers for one stream give exactly one run; the others learn its ID.
// Two streams triggered together both run.
func TestOneActiveRunPerStream(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 5, &leadrun.Client{ID: "A", Stream: 1}, &leadrun.Client{ID: "B", Stream: 2})
		r := newRunner(t, db, &keywordScorer{}, runner.Config{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []string
		busy := map[string]int{}
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run, err := r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
				mu.Lock()
				defer mu.Unlock()
				var be *leadrun.StreamBusyError
				switch {
				case err == nil:
					won = append(won, run.ID)
				case errors.As(err, &be):
					busy[be.RunID]++
				default:
					t.Errorf("trigger: %v", err)
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 || busy[won[0]] != 19 {
			t.Fatalf("winners %v, losers by named run %v; want 1 winner named by 19", won, busy)
		}
		other := trigger(t, r, 2, leadrun.RunParams{})
		mustStart(t, r)
		for _, id := range []string{won[0], other.ID} {
			if run := mustWait(t, r, id); run.Status != leadrun.RunCompleted {
				t.Errorf("%s: %s", id, run.Status)
			}
		}
		// Once finished, the stream takes a new run.
		trigger(t, r, 1, leadrun.RunParams{})
	})
}

// A scorer error for one chunk fails only that chunk's leads, with a reason code; the run
// completes with errors and its success rate stays within 0–100 %.
func TestChunkFailureFailsOnlyThatChunk(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 100, &leadrun.Client{ID: "A", Stream: 1})
		scorer := &keywordScorer{failIf: func(l *leadrun.Lead) bool { return l.LastName == "45" }}
		r := newRunner(t, db, scorer, runner.Config{ChunkSize: 20})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompletedWithErrors {
			t.Fatalf("status %s (%s), want completed_with_errors", run.Status, run.StatusReason)
		}
		// Leads 40–59 form the third chunk; two of them lack a headline and are skipped first.
		if run.Totals.LeadsFailed != 18 || run.Totals.LeadsScored != 72 || run.Totals.LeadsSkipped != 10 {
			t.Errorf("totals %+v; want 18 failed, 72 scored, 10 skipped", run.Totals)
		}
		rate, ok := run.Totals.SuccessRate()
		if !ok || rate < 0 || rate > 100 || rate != 80 {
			t.Errorf("success rate %v %v, want 80", rate, ok)
		}
		results, _ := db.FindClientResults(context.Background(), run.ID)
		if got := results[0].Operations[0].FailedBy["api_error"]; got != 18 {
			t.Errorf("failed by api_error = %d, want 18", got)
		}
		failed := leadrun.StatusFailed
		leads, _ := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: "A", ScoringStatus: &failed})
		if int64(len(leads)) != run.Totals.LeadsFailed {
			t.Errorf("leads table has %d failed leads, the run counted %d", len(leads), run.Totals.LeadsFailed)
		}
		if want := 10 * (run.Totals.LeadsScored + run.Totals.LeadsFailed); run.Totals.PromptTokens != want {
			t.Errorf("prompt tokens %d, want %d: a failed chunk's tokens count once", run.Totals.PromptTokens, want)
		}
		for _, l := range leads {
			if l.LastReason != leadrun.ReasonAPIError || l.Attempts != 1 {
				t.Errorf("lead %d: reason %q attempts %d", l.ID, l.LastReason, l.Attempts)
			}
		}
		// The next run retries the failed leads (attempts left) and they fail again.
		again := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if again.Totals.LeadsExamined != 18 {
			t.Errorf("second run examined %d, want the 18 failed leads", again.Totals.LeadsExamined)
		}
	})
}

// Cancel stops a running run within seconds; finished chunks stay committed.
func TestCancelStopsWork(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 400, &leadrun.Client{ID: "A", Stream: 1})
		scorer := &keywordScorer{delay: 100 * time.Millisecond}
		r := newRunner(t, db, scorer, runner.Config{ChunkSize: 10, HeartbeatEvery: 100 * time.Millisecond})
		mustStart(t, r)
		run := trigger(t, r, 1, leadrun.RunParams{})
		ctx := context.Background()
		waitFor(t, func() bool {
			got, _ := db.FindRunByID(ctx, run.ID)
			return got.Totals.LeadsExamined >= 20
		})
		start := time.Now()
		if _, err := r.Cancel(ctx, run.ID, "operator asked", "test"); err != nil {
			t.Fatal(err)
		}
		calls := scorer.calls.Load()
		time.Sleep(500 * time.Millisecond)
		if extra := scorer.calls.Load() - calls; extra > 1 {
			t.Errorf("%d scorer calls after cancel", extra)
		}
		got, _ := db.FindRunByID(ctx, run.ID)
		if got.Status != leadrun.RunCancelled || got.StatusReason != "operator asked" || time.Since(start) > 5*time.Second {
			t.Errorf("status %s %q", got.Status, got.StatusReason)
		}
		counts, _ := db.CountLeadsByStatus(ctx, "A")
		if done := counts[leadrun.StatusScored] + counts[leadrun.StatusSkippedMissingData]; done != got.Totals.LeadsExamined || done < 20 || done == 400 {
			t.Errorf("leads done %d, run examined %d", done, got.Totals.LeadsExamined)
		}
		if _, err := r.Cancel(ctx, run.ID, "again", "test"); leadrun.ErrorCode(err) != leadrun.ECONFLICT {
			t.Errorf("second cancel: %v, want conflict", err)
		}
		// The next run finishes the rest.
		next := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if next.Totals.LeadsExamined+got.Totals.LeadsExamined != 400 {
			t.Errorf("next run examined %d after %d", next.Totals.LeadsExamined, got.Totals.LeadsExamined)
		}
	})
}

// An operation whose worker stops heartbeating is abandoned by the reaper, its run ends
// abandoned with a reason, and the stream takes a new run.
func TestReaperAbandonsStaleRun(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 10, &leadrun.Client{ID: "A", Stream: 1})
		ctx := context.Background()
		var runID string
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
			if err != nil {
				return err
			}
			runID = run.ID
			c, _ := db.FindClientByID(ctx, "A")
			if _, err := tx.StartRun(ctx, run.ID, 1); err != nil {
				return err
			}
			if err := tx.CreateClientResult(ctx, run.ID, c); err != nil {
				return err
			}
			op := &leadrun.Operation{RunID: run.ID, ClientID: "A", Kind: leadrun.OpLeadScoring, Status: leadrun.OpQueued}
			if err := tx.CreateOperation(ctx, op); err != nil {
				return err
			}
			_, err = tx.StartOperation(ctx, op.Key(), "w-dead")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, &keywordScorer{}, runner.Config{StaleAfter: time.Minute})
		if err := r.Reap(ctx); err != nil {
			t.Fatal(err)
		}
		if run, _ := db.FindRunByID(ctx, runID); run.Status != leadrun.RunRunning {
			t.Fatalf("fresh heartbeat reaped: %s", run.Status)
		}
		db.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if err := r.Reap(ctx); err != nil {
			t.Fatal(err)
		}
		run, _ := db.FindRunByID(ctx, runID)
		if run.Status != leadrun.RunAbandoned || run.StatusReason == "" {
			t.Fatalf("status %s %q, want abandoned with a reason", run.Status, run.StatusReason)
		}
		trigger(t, r, 1, leadrun.RunParams{})
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A client's daily token budget stops its operation before the chunk that would exceed
// it: the operation ends skipped (budget_exceeded), the remaining leads stay due, and the
// run says so.
func TestTokenBudgetStopsOperation(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 100, &leadrun.Client{ID: "A", Stream: 1, DailyTokenBudget: 250})
		r := newRunner(t, db, &keywordScorer{}, runner.Config{ChunkSize: 10})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		// Each chunk of 10 holds 9 scorable leads = 99 tokens: 99, 198, 297 ≥ 250 → stop.
		if run.Totals.LeadsExamined != 30 || run.Totals.Tokens() != 297 {
			t.Fatalf("examined %d, tokens %d; want 30 and 297", run.Totals.LeadsExamined, run.Totals.Tokens())
		}
		results, _ := db.FindClientResults(context.Background(), run.ID)
		op := results[0].Operations[0]
		if op.Status != leadrun.OpSkipped || op.SkipReason != leadrun.SkipBudgetExceeded || run.Status != leadrun.RunCompletedWithErrors {
			t.Errorf("operation %s/%s, run %s; want skipped/budget_exceeded and completed_with_errors", op.Status, op.SkipReason, run.Status)
		}
		counts, _ := db.CountLeadsByStatus(context.Background(), "A")
		if counts[leadrun.StatusToBeScored] != 70 {
			t.Errorf("%d leads still due, want 70", counts[leadrun.StatusToBeScored])
		}
		// The next run the same day skips the client at planning.
		next := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		results, _ = db.FindClientResults(context.Background(), next.ID)
		if op := results[0].Operations[0]; op.SkipReason != leadrun.SkipBudgetExceeded || next.Totals.LeadsExamined != 0 {
			t.Errorf("next run: %s/%s, examined %d", op.Status, op.SkipReason, next.Totals.LeadsExamined)
		}
	})
}

// A run that ends with errors sends one Slack-compatible alert through the job engine; a
// clean run sends none.
func TestAlertOnRunWithErrors(t *testing.T) {
	hook, got := newAlertHook(t)
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	mustFixture(t, db, 30, &leadrun.Client{ID: "A", Stream: 1})
	scorer := &keywordScorer{failIf: func(l *leadrun.Lead) bool { return l.LastName == "5" }}
	r := newRunner(t, db, scorer, runner.Config{ChunkSize: 10, AlertWebhookURL: hook.URL})
	mustStart(t, r)
	run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
	select {
	case body := <-got:
		if body["run_id"] != run.ID || body["status"] != "completed_with_errors" || !strings.Contains(fmt.Sprint(body["text"]), run.ID) {
			t.Errorf("alert: %v", body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no alert within 20 s")
	}
	scorer.failIf = nil
	mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID) // retries the failed leads cleanly
	select {
	case body := <-got:
		t.Errorf("alert for a clean run: %v", body)
	case <-time.After(500 * time.Millisecond):
	}
}

// An active client with no lead scored for the quiet limit is alerted once; once it scores
// again the condition clears, and a new quiet spell alerts again.
func TestQuietClientAlert(t *testing.T) {
	hook, got := newAlertHook(t)
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	mustFixture(t, db, 10, &leadrun.Client{ID: "Quiet-One", Stream: 1})
	r := newRunner(t, db, &keywordScorer{}, runner.Config{AlertWebhookURL: hook.URL, QuietAfter: 400 * time.Millisecond,
		StaleAfter: 200 * time.Millisecond})
	mustStart(t, r)
	expectAlert := func(what string) {
		t.Helper()
		select {
		case body := <-got:
			if body["client_id"] != "Quiet-One" || !strings.Contains(fmt.Sprint(body["text"]), "no lead scored") {
				t.Errorf("%s: %v", what, body)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: no alert", what)
		}
	}
	expectAlert("first quiet spell")
	select {
	case body := <-got:
		t.Fatalf("alerted twice for one condition: %v", body)
	case <-time.After(time.Second):
	}
	mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID) // scores leads: the condition clears
	expectAlert("second quiet spell")
}

// A schedule starts runs like the webhook; after downtime with several missed slots it
// starts one catch-up run, and two processes never start the same slot twice.
func TestSchedules(t *testing.T) {
	if _, err := runner.ParseSchedules("1=0 2 * * *; 0=* * * * *"); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("stream 0: %v", err)
	}
	if _, err := runner.ParseSchedules("1=every day"); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("bad cron: %v", err)
	}
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 5, &leadrun.Client{ID: "A", Stream: 1})
		ctx := context.Background()
		clock := time.Date(2026, 11, 28, 1, 0, 30, 0, time.UTC)
		var mu sync.Mutex
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		schedules, _ := runner.ParseSchedules("1=0 2 * * *")
		cfg := runner.Config{Schedules: schedules, ScheduleTick: 20 * time.Millisecond}
		a, b := newRunner(t, db, &keywordScorer{}, cfg), newRunner(t, db, &keywordScorer{}, cfg)
		mustStart(t, a)
		mustStart(t, b) // a second process with the same schedule
		scheduled := func() []*leadrun.Run {
			runs, _ := db.FindRuns(ctx, leadrun.RunFilter{})
			var out []*leadrun.Run
			for _, r := range runs {
				if r.Trigger == leadrun.TriggerSchedule {
					out = append(out, r)
				}
			}
			return out
		}
		time.Sleep(200 * time.Millisecond) // first sight: counts from now, no run
		if n := len(scheduled()); n != 0 {
			t.Fatalf("%d runs before the first slot", n)
		}
		advance(time.Hour) // 02:00:30: the 02:00 slot passed
		waitFor(t, func() bool { return len(scheduled()) == 1 })
		mustWait(t, a, scheduled()[0].ID)
		advance(72 * time.Hour) // downtime: three slots missed
		waitFor(t, func() bool { return len(scheduled()) == 2 })
		time.Sleep(300 * time.Millisecond)
		if runs := scheduled(); len(runs) != 2 || !strings.Contains(runs[0].RequestedBy, "2026-12-01T02:00:00Z") {
			t.Fatalf("after downtime: %d scheduled runs (want one catch-up), newest requested by %q", len(runs), runs[0].RequestedBy)
		}
	})
}

// newAlertHook is a receiver for alert webhooks; each alert's JSON body arrives on got.
func newAlertHook(t *testing.T) (*httptest.Server, chan map[string]any) {
	got := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		got <- body
	}))
	t.Cleanup(hook.Close)
	return hook, got
}
