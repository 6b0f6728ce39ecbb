package runner_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Fast chunks share transactions (here 7-lead chunks, LeadsPerCommit of them at most),
// yet a lead limit that falls inside a chunk is kept exactly and the counts agree with
// the leads table; a second run takes the next leads.
func TestBatchedChunksKeepTheLimit(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 300, &leadrun.Client{ID: "A", Stream: 1, LeadScoringLimit: 123})
		if n := runner.LeadsPerCommit(7); n < 200 || n%7 != 0 {
			t.Fatalf("LeadsPerCommit(7) = %d, want whole chunks of at least 200 leads", n)
		}
		r := newRunner(t, db, &keywordScorer{}, runner.Config{ChunkSize: 7})
		mustStart(t, r)
		ctx := context.Background()
		for i, want := range []int64{123, 246} {
			run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
			if run.Status != leadrun.RunCompleted || run.Totals.LeadsExamined != 123 {
				t.Fatalf("run %d: %s, %d examined; want completed with 123", i+1, run.Status, run.Totals.LeadsExamined)
			}
			counts, err := db.CountLeadsByStatus(ctx, "A")
			if err != nil {
				t.Fatal(err)
			}
			if done := counts[leadrun.StatusScored] + counts[leadrun.StatusSkippedMissingData]; done != want ||
				counts[leadrun.StatusToBeScored] != 300-want {
				t.Errorf("after run %d: leads %v, want %d done and %d still to be scored", i+1, counts, want, 300-want)
			}
		}
	})
}
