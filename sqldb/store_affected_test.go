package sqldb_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// An ending lead-scoring operation keeps at most 100 affected leads per reason, only its
// client's and only its run's; later changes to the leads do not change the kept list;
// an operation that started but kept nothing (an older run) says so.
func testKeepAffectedLeads(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b := u.id("A"), u.id("B")
	ids := mustLeads(t, db, a, 110)
	other := mustLeads(t, db, b, 3)
	runID := mustPlanRun(t, db, u.stream(1), a, b)
	var updates []leadrun.LeadUpdate
	for i, id := range ids {
		switch {
		case i < 105:
			updates = append(updates, leadrun.LeadUpdate{LeadID: id, Status: leadrun.StatusFailed, Reason: leadrun.ReasonTimeout})
		case i < 108:
			updates = append(updates, leadrun.LeadUpdate{LeadID: id, Status: leadrun.StatusSkippedMissingData, Reason: leadrun.ReasonMissingCriticalData})
		}
	}
	mustApply(t, db, a, runID, 3, updates)
	mustApply(t, db, b, runID, 3, []leadrun.LeadUpdate{{LeadID: other[0], Status: leadrun.StatusFailed, Reason: leadrun.ReasonTimeout}})
	kA, kB := opKey(runID, a, leadrun.OpLeadScoring), opKey(runID, b, leadrun.OpLeadScoring)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		for _, k := range []leadrun.OpKey{kA, kB} {
			if _, err := tx.StartOperation(ctx, k, "w"); err != nil {
				return err
			}
		}
		return nil
	})

	if _, kept, err := db.KeptAffectedLeads(ctx, runID, a, leadrun.ReasonTimeout, 10); kept || err != nil {
		t.Fatalf("before the operation ended: kept %v %v", kept, err)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error {
		n, err := tx.KeepAffectedLeads(ctx, kA)
		if n != 103 {
			t.Errorf("kept %d leads, want 100 timeouts + 3 skipped", n)
		}
		if n, err := tx.KeepAffectedLeads(ctx, opKey(runID, a, leadrun.OpPostScoring)); n != 0 || err != nil {
			t.Errorf("post scoring kept %d %v", n, err)
		}
		return err
	})
	// The leads are retried and scored later: the kept list stays as the run left it.
	mustApply(t, db, a, "SR-later", 3, []leadrun.LeadUpdate{{LeadID: ids[0], Status: leadrun.StatusScored, Score: ptr(80.0),
		Breakdown: []byte(`{"items":[],"raw":1,"denominator":1,"score":80}`)}})
	got, kept, err := db.KeptAffectedLeads(ctx, runID, a, leadrun.ReasonTimeout, 0)
	if err != nil || !kept || len(got) != 100 || got[0].ID != ids[0] || got[0].Status != leadrun.StatusFailed || got[0].Attempts != 1 ||
		got[99].ID != ids[99] || got[0].ClientID != a {
		t.Fatalf("kept timeouts: %d %v %v, first %+v", len(got), kept, err, got)
	}
	if got, _, _ := db.KeptAffectedLeads(ctx, runID, a, leadrun.ReasonMissingCriticalData, 2); len(got) != 2 || got[0].Status != leadrun.StatusSkippedMissingData {
		t.Errorf("kept skipped, limit 2: %+v", got)
	}
	if _, _, err := db.KeptAffectedLeads(ctx, runID, u.id("nobody"), leadrun.ReasonTimeout, 10); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("a client not in the run: %v", err)
	}

	// B's operation started and never kept its list (as in a run from before): not all kept.
	all, allKept, err := db.RunKeptAffectedLeads(ctx, runID)
	if err != nil || allKept || len(all) != 103 {
		t.Fatalf("run's kept leads: %d %v %v", len(all), allKept, err)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error { _, err := tx.KeepAffectedLeads(ctx, kB); return err })
	all, allKept, err = db.RunKeptAffectedLeads(ctx, runID)
	if err != nil || !allKept || len(all) != 104 || all[0].ClientID != a || all[103].ClientID != b {
		t.Fatalf("after B kept: %d %v %v", len(all), allKept, err)
	}
}
