package sqldb_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A running run's totals follow every chunk; a finished run's totals are kept, and still
// equal what its operations say.
func TestRunTotalsWhileRunningAndFinished(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		client := &leadrun.Client{ID: "A", Stream: 1}
		if err := db.CreateClient(ctx, client); err != nil {
			t.Fatal(err)
		}
		run, err := createRun(ctx, db, 1)
		if err != nil {
			t.Fatal(err)
		}
		key := leadrun.OpKey{RunID: run.ID, ClientID: "A", Kind: leadrun.OpLeadScoring}
		inTx := func(fn func(tx *sqldb.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		inTx(func(tx *sqldb.Tx) error {
			if _, err := tx.StartRun(ctx, run.ID, 1); err != nil {
				return err
			}
			if err := tx.CreateClientResult(ctx, run.ID, client); err != nil {
				return err
			}
			if err := tx.CreateOperation(ctx, &leadrun.Operation{RunID: run.ID, ClientID: "A", Kind: leadrun.OpLeadScoring,
				Status: leadrun.OpQueued}); err != nil {
				return err
			}
			_, err := tx.StartOperation(ctx, key, "w1")
			return err
		})
		scored := func() int64 {
			t.Helper()
			runs, err := db.FindRuns(ctx, leadrun.RunFilter{})
			if err != nil || len(runs) != 1 {
				t.Fatalf("runs: %v %v", runs, err)
			}
			return runs[0].Totals.LeadsScored
		}
		for chunk := int64(1); chunk <= 3; chunk++ {
			inTx(func(tx *sqldb.Tx) error {
				_, err := tx.AddOperationCounts(ctx, key, leadrun.OpDelta{Examined: 10, Scored: 10})
				return err
			})
			if got := scored(); got != chunk*10 {
				t.Fatalf("after chunk %d the running run shows %d scored, want %d", chunk, got, chunk*10)
			}
		}
		inTx(func(tx *sqldb.Tx) error {
			if _, err := tx.FinishOperation(ctx, key, leadrun.OpSucceeded, "", ""); err != nil {
				return err
			}
			_, err := tx.FinishRun(ctx, run.ID, leadrun.RunCompleted, "")
			return err
		})
		for range 2 { // computed, then remembered
			got, err := db.FindRunByID(ctx, run.ID)
			if err != nil || got.Totals.LeadsScored != 30 || got.Totals.ClientsSucceeded != 1 || scored() != 30 {
				t.Fatalf("finished run totals: %+v %v", got.Totals, err)
			}
		}
	})
}
