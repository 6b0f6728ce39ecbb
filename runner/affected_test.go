package runner_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A run keeps the leads it left failed as its operations end: after a later run retries
// and scores them, the first run's page and report still list them as that run left them
// (recomputing from the leads' current state would find none).
func TestAffectedLeadsKeptWithRun(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustFixture(t, db, 30, &leadrun.Client{ID: "A", Stream: 1})
		scorer := &keywordScorer{failIf: func(l *leadrun.Lead) bool { return l.LastName == "5" }}
		r := newRunner(t, db, scorer, runner.Config{ChunkSize: 10})
		mustStart(t, r)
		first := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		op := mustOp(t, db, first.ID, "A")
		failed := op.FailedBy[string(leadrun.ReasonAPIError)]
		if first.Status != leadrun.RunCompletedWithErrors || failed == 0 {
			t.Fatalf("first run: %s, %d failed", first.Status, failed)
		}
		kept := func(runID string) []sqldb.AffectedLead {
			t.Helper()
			leads, ok, err := db.KeptAffectedLeads(ctx, runID, "A", leadrun.ReasonAPIError, 100)
			if err != nil || !ok {
				t.Fatalf("kept leads of %s: %v %v", runID, ok, err)
			}
			return leads
		}
		before := kept(first.ID)
		if int64(len(before)) != failed || before[0].Status != leadrun.StatusFailed || before[0].Attempts != 1 || before[0].Name == "" {
			t.Fatalf("kept %d leads (%+v), want %d failed", len(before), before, failed)
		}

		scorer.failIf = nil
		second := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if second.Status != leadrun.RunCompleted {
			t.Fatalf("second run: %s", second.Status)
		}
		if now, _ := db.AffectedLeads(ctx, first.ID, "A", leadrun.ReasonAPIError, 100); len(now) != 0 {
			t.Fatalf("recomputed from the leads' state: %d leads, want 0 after the retry", len(now))
		}
		after := kept(first.ID)
		if len(after) != len(before) || after[0].ID != before[0].ID || after[0].Status != leadrun.StatusFailed {
			t.Errorf("after a later run: kept %+v, want %+v", after, before)
		}
		if none := kept(second.ID); len(none) != 0 {
			t.Errorf("the clean run kept %d leads", len(none))
		}
		rep, err := report.LoadRunReport(ctx, db, first.ID, db.Now())
		if err != nil || !rep.AffectedLeadsKept {
			t.Fatalf("report: kept %v, %v", rep.AffectedLeadsKept, err)
		}
		byReason := map[leadrun.Reason]int64{}
		for _, l := range rep.AffectedLeads {
			byReason[l.Reason]++
			if l.Reason == leadrun.ReasonAPIError && l.Status != leadrun.StatusFailed {
				t.Errorf("report lists %+v", l)
			}
		}
		for reason, n := range op.SkippedBy {
			if byReason[leadrun.Reason(reason)] != n {
				t.Errorf("report: %d leads skipped for %s, the operation counted %d", byReason[leadrun.Reason(reason)], reason, n)
			}
		}
		if byReason[leadrun.ReasonAPIError] != failed {
			t.Errorf("report: %d leads failed for api_error, want %d", byReason[leadrun.ReasonAPIError], failed)
		}
	})
}

// mustOp returns the client's lead-scoring operation of a run.
func mustOp(t *testing.T, db *sqldb.DB, runID, clientID string) *leadrun.Operation {
	t.Helper()
	results, err := db.FindClientResults(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, cr := range results {
		for _, op := range cr.Operations {
			if cr.ClientID == clientID && op.Kind == leadrun.OpLeadScoring {
				return op
			}
		}
	}
	t.Fatalf("no lead scoring of %s in %s", clientID, runID)
	return nil
}
