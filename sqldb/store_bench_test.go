package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// benchJobArgs is a job of the kind the runner's operations have, for FindJobStats.
type benchJobArgs struct{ N int }

func (benchJobArgs) Kind() string { return "run_operation" }

// TestBenchStore checks what `leadrun bench` measures through the store: the baseline
// write loop, River's job counters and the deadlock counter. Each backend gets a database
// of its own: the baseline rewrites every lead of it.
func TestBenchStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		must(t, db.CreateClient(ctx, &leadrun.Client{ID: "Bench", Name: "Bench", Status: leadrun.ClientActive}))
		ids := mustClientLeads(t, db, "Bench", 7)
		if _, err := db.NewBaseline(ctx); err == nil || !strings.Contains(err.Error(), "no scored lead") {
			t.Fatalf("baseline before any score: %v, want 'no scored lead'", err)
		}
		breakdown, err := sqldb.EncodeBreakdown(&leadrun.Breakdown{Items: []leadrun.BreakdownItem{{ID: "A", Points: 3, Max: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		score := 40.0
		applyLeads(t, db, "Bench", "SR-000101-001-S1", leadrun.LeadUpdate{LeadID: ids[0], Status: leadrun.StatusScored,
			Score: &score, Assessment: "ok", Breakdown: breakdown})

		loop, err := db.NewBaseline(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if loop.Leads() != len(ids) {
			t.Errorf("baseline leads %d, want %d", loop.Leads(), len(ids))
		}
		if counts := leadCounts(t, db, "Bench"); counts[leadrun.StatusToBeScored] != int64(len(ids)) {
			t.Errorf("after NewBaseline %v, want every lead due again", counts)
		}
		if err := loop.Run(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if counts := leadCounts(t, db, "Bench"); counts[leadrun.StatusScored] != int64(len(ids)) {
			t.Errorf("after the loop %v, want every lead scored", counts)
		}

		if err := db.Analyze(ctx); err != nil {
			t.Errorf("Analyze: %v", err)
		}
		if n, err := db.Deadlocks(ctx); err != nil || n != 0 {
			t.Errorf("Deadlocks = %d, %v; want 0 in a fresh database", n, err)
		}
		jobs, err := river.NewClient(db.JobDriver(), &river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		mustTx(t, db, func(tx *sqldb.Tx) error {
			for i := range 3 {
				if _, err := tx.InsertJob(ctx, jobs, benchJobArgs{N: i}, nil); err != nil {
					return err
				}
			}
			by := `ARRAY['proc-a','proc-b']`
			if db.Kind() == sqldb.SQLite {
				by = `'["proc-a","proc-b"]'`
			}
			// Two jobs finished on proc-b after a retry, one still available.
			return tx.ExecRaw(ctx, `UPDATE river_job SET state = 'completed', attempt = 2, finalized_at = created_at,
				attempted_by = `+by+` WHERE id IN (SELECT id FROM river_job WHERE kind = 'run_operation' ORDER BY id LIMIT 2)`)
		})
		st, err := db.FindJobStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Retries != 2 || len(st.ByProc) != 1 || st.ByProc["proc-b"] != 2 {
			t.Errorf("job stats %+v, want 2 retries and proc-b: 2", st)
		}
	})
}

// leadCounts counts a client's leads by scoring status.
func leadCounts(t *testing.T, db *sqldb.DB, clientID string) map[leadrun.ScoringStatus]int64 {
	t.Helper()
	out := map[leadrun.ScoringStatus]int64{}
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: clientID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		out[l.ScoringStatus]++
	}
	return out
}
