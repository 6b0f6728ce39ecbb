package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A finished run's failed clients run again in a new run on the same stream, with exactly
// those clients and the same limits, recorded with who asked and "rerun of"; an active
// run, a run with nothing failed, a busy stream and an unknown run are refused.
func TestRerunFailedClients(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustFixture(t, db, 10, &leadrun.Client{ID: "A", Stream: 1}, &leadrun.Client{ID: "B", Stream: 1}, &leadrun.Client{ID: "C", Stream: 1})
		scorer := &keywordScorer{failIf: func(l *leadrun.Lead) bool { return l.ClientID == "B" }}
		r := newRunner(t, db, scorer, runner.Config{ChunkSize: 5})
		if _, err := r.Rerun(ctx, "SR-000101-001-S1", leadrun.TriggerCLI, "ops"); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("unknown run: %v", err)
		}
		first := trigger(t, r, 1, leadrun.RunParams{LeadLimit: 7})
		if _, err := r.Rerun(ctx, first.ID, leadrun.TriggerCLI, "ops"); leadrun.ErrorCode(err) != leadrun.ECONFLICT {
			t.Errorf("rerun of an active run: %v", err)
		}
		mustStart(t, r)
		first = mustWait(t, r, first.ID)
		results, err := db.FindClientResults(ctx, first.ID)
		must(t, err)
		for _, cr := range results {
			if want := cr.ClientID == "B"; (cr.Status() == leadrun.OpFailed) != want {
				t.Fatalf("client %s is %s", cr.ClientID, cr.Status())
			}
		}

		scorer.failIf = nil
		rerun, err := r.Rerun(ctx, first.ID, leadrun.TriggerCLI, "cli ops@box")
		if err != nil {
			t.Fatal(err)
		}
		if rerun.Stream != 1 || strings.Join(rerun.Params.ClientFilter, ",") != "B" || rerun.Params.LeadLimit != 7 ||
			!strings.Contains(rerun.RequestedBy, "cli ops@box, rerun of "+first.ID) {
			t.Fatalf("rerun: %+v", rerun)
		}
		// The stream is busy until the rerun ends.
		var busy *leadrun.StreamBusyError
		if _, err := r.Rerun(ctx, first.ID, leadrun.TriggerCLI, "ops"); !errors.As(err, &busy) || busy.RunID != rerun.ID {
			t.Errorf("rerun while the stream is busy: %v", err)
		}
		rerun = mustWait(t, r, rerun.ID)
		results, err = db.FindClientResults(ctx, rerun.ID)
		must(t, err)
		if rerun.Status != leadrun.RunCompleted || len(results) != 1 || results[0].ClientID != "B" {
			t.Fatalf("rerun ended %s with %d clients", rerun.Status, len(results))
		}
		events, err := db.FindEvents(ctx, rerun.ID, 0, 0)
		must(t, err)
		if len(events) == 0 || !strings.Contains(events[0].Message, "rerun of "+first.ID) || !strings.Contains(events[0].Message, "cli ops@box") {
			t.Errorf("the rerun's log does not say who asked and what it reruns: %+v", events[0])
		}
		if _, err := r.Rerun(ctx, rerun.ID, leadrun.TriggerCLI, "ops"); leadrun.ErrorCode(err) != leadrun.EINVALID ||
			!strings.Contains(err.Error(), "no failed or abandoned client") {
			t.Errorf("rerun of a clean run: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
