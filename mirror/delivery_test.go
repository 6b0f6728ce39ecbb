package mirror_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// With Airtable failing at random — 429s, 500s, timeouts, and writes applied whose answer
// is lost — every run and client result ends up exactly once, in its final state.
func TestRandomFailuresEveryRowOnceFinalState(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := newFake(t)
		fake.SetFaults(airtabletest.Faults{RateLimited: 0.15, ServerError: 0.25, Timeout: 0.1,
			Hold: 700 * time.Millisecond, ApplyThenFail: true})
		loadDemo(t, db)
		e := newEnv(t, db, fake, fastConfig())
		var runs []*leadrun.Run
		for _, stream := range []int{1, 2, 1, 2, 1, 2} {
			runs = append(runs, e.runToEnd(t, stream))
		}
		clients := 0
		for _, run := range runs {
			results, err := db.FindClientResults(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			clients += len(results)
			waitMirrored(t, db, fake, run, len(results))
		}
		jt := byKey(t, fake.Records(testBase, "Job Tracking"))
		crr := byKey(t, fake.Records(testBase, "Client Run Results"))
		if len(jt) != len(runs) || len(crr) != clients {
			t.Fatalf("%d Job Tracking and %d Client Run Results records, want %d and %d", len(jt), len(crr), len(runs), clients)
		}
		for _, run := range runs {
			compare(t, run.ID, jt[run.ID].Fields, wantRun(run))
		}
		if st := fake.Stats(testBase); st.Faults == 0 {
			t.Errorf("no failure injected in %d requests: the test proved nothing", st.Requests)
		}
	})
}

// A change recorded by the hook survives the process that recorded it: the process stops
// before delivering (Airtable was down), a new one starts and delivers it. The sweep is off,
// so only the outbox written in the change's transaction can carry it over.
func TestCrashBeforeDeliveryDeliveredAfterRestart(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := newFake(t)
		fake.SetFaults(airtabletest.Faults{Down: true})
		loadDemo(t, db)
		cfg := fastConfig()
		cfg.SweepEvery = -1
		first := newEnv(t, db, fake, cfg)
		run := first.runToEnd(t, 1)
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The run's end as the runner reports it: it queues the run and its client results.
		emit(t, db, first.mirror, leadrun.LifecycleEvent{Kind: leadrun.EventRunFinished, Entity: leadrun.EntityRun, RunID: run.ID})
		first.stop()
		if n, _, _ := db.AirtablePending(ctx); n != 1+len(results) {
			t.Fatalf("%d outbox rows after the crash, want %d", n, 1+len(results))
		}
		if recs := fake.Records(testBase, "Job Tracking"); len(recs) != 0 {
			t.Fatalf("Airtable was down but has %d records", len(recs))
		}
		if err := db.AirtableRetryNow(ctx, testBase); err != nil {
			t.Fatal(err)
		}
		fake.SetFaults(airtabletest.Faults{})
		newEnv(t, db, fake, cfg)
		waitMirrored(t, db, fake, run, len(results))
		compare(t, run.ID, byKey(t, fake.Records(testBase, "Job Tracking"))[run.ID].Fields, wantRun(run))
	})
}

// Airtable down for a whole run: the run finishes normally, the mirror says it is failing
// (with the reason), and the backlog drains once Airtable is back.
func TestAirtableDownRunFinishesBacklogDrains(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := newFake(t)
		fake.SetFaults(airtabletest.Faults{Down: true})
		loadDemo(t, db)
		e := newEnv(t, db, fake, fastConfig())
		run := e.runToEnd(t, 1)
		if run.Status != leadrun.RunCompleted {
			t.Fatalf("run ended %s with Airtable down: %s", run.Status, run.StatusReason)
		}
		waitFor(t, 20*time.Second, "the mirror to report failing", func() bool {
			line, err := e.mirror.RunStatusLine(ctx, run.ID)
			return err == nil && strings.Contains(line, "pending") && strings.Contains(line, "failing: airtable 503")
		})
		fake.SetFaults(airtabletest.Faults{})
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		waitMirrored(t, db, fake, run, len(results))
		line, err := e.mirror.RunStatusLine(ctx, run.ID)
		if err != nil || strings.Contains(line, "failing") || strings.Contains(line, "pending") {
			t.Errorf("after recovery the status line is %q (%v)", line, err)
		}
	})
}
