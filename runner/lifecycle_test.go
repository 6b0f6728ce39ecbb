package runner_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// recorder is a lifecycle hook that keeps every event as "kind entity from→to".
type recorder struct {
	mu     sync.Mutex
	events []leadrun.LifecycleEvent
}

func (rec *recorder) hook(_ context.Context, tx *sqldb.Tx, ev leadrun.LifecycleEvent) error {
	if tx == nil {
		return fmt.Errorf("hook called outside a transaction")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.events = append(rec.events, ev)
	return nil
}

// transitions lists the run's status transitions in order, progress left out.
func (rec *recorder) transitions(runID string) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, ev := range rec.events {
		if ev.RunID != runID || ev.Kind == leadrun.EventOperationProgressed {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s→%s", ev.Kind, ev.From, ev.To))
	}
	return out
}

// Every transition of docs/ARCHITECTURE.md's lifecycle table, walked on both databases:
// each emits exactly its event, inside its transaction, in this order.
func TestLifecycleTransitions(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 60, &leadrun.Client{ID: "A", Stream: 1}, &leadrun.Client{ID: "B", Stream: 2})
		rec := &recorder{}
		slow := &keywordScorer{delay: 30 * time.Millisecond}
		r := newRunner(t, db, slow, liveCfg(2))
		r.Subscribe(rec.hook)
		mustStart(t, r)
		ctx := context.Background()

		// queued → running → (operation queued → running → succeeded; post scoring skipped at plan) → completed
		done := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{LeadLimit: 10}).ID)
		wantSeq(t, rec.transitions(done.ID), []string{
			"run_queued →queued", "run_started queued→running", "operation_started queued→running",
			"operation_finished running→succeeded", "client_finished running→succeeded", "run_finished running→completed"})

		// running → cancelled: the operation and the run, by whoever asked.
		run := trigger(t, r, 1, leadrun.RunParams{})
		waitFor(t, func() bool { got, _ := db.FindRunByID(ctx, run.ID); return got.Totals.LeadsExamined > 0 })
		if _, err := r.Cancel(ctx, run.ID, "operator asked", "dashboard"); err != nil {
			t.Fatal(err)
		}
		wantSeq(t, rec.transitions(run.ID), []string{
			"run_queued →queued", "run_started queued→running", "operation_started queued→running",
			"operation_finished →cancelled", "run_finished running→cancelled"})
		if got, _ := db.FindRunByID(ctx, run.ID); !strings.Contains(eventsText(t, db, run.ID), "Cancelled by dashboard") {
			t.Errorf("cancel not recorded with who asked: %s", got.StatusReason)
		}

		// running → queued (hand-over on shutdown) → running again on the next worker.
		run = trigger(t, r, 2, leadrun.RunParams{})
		waitFor(t, func() bool { got, _ := db.FindRunByID(ctx, run.ID); return got.Totals.LeadsExamined > 0 })
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := r.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		next := newRunner(t, db, slow, liveCfg(2))
		next.Subscribe(rec.hook)
		mustStart(t, next)
		mustWait(t, next, run.ID)
		wantSeq(t, rec.transitions(run.ID), []string{
			"run_queued →queued", "run_started queued→running", "operation_started queued→running",
			"operation_requeued running→queued", "operation_started queued→running",
			"operation_finished running→succeeded", "client_finished running→succeeded", "run_finished running→completed"})

		// queued → failed (planning failed for good).
		var failed *leadrun.Run
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			var err error
			failed, err = tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 2, Trigger: leadrun.TriggerAPI})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		runner.FailRun(next, ctx, failed.ID, "planning failed: test")
		wantSeq(t, rec.transitions(failed.ID), []string{"run_finished queued→failed"})
		if got, _ := db.FindRunByID(ctx, failed.ID); got.Status != leadrun.RunFailed || got.StatusReason != "planning failed: test" {
			t.Errorf("failed run: %s (%s)", got.Status, got.StatusReason)
		}
	})
}

func wantSeq(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lifecycle events:\n  got  %q\n  want %q", got, want)
	}
}

func eventsText(t *testing.T, db *sqldb.DB, runID string) string {
	t.Helper()
	events, err := db.FindEvents(context.Background(), runID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range events {
		b.WriteString(ev.Message + "\n")
	}
	return b.String()
}
