package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Reading a client's top leads (the dashboard's client page) never takes the write
// transaction: it answers while another transaction holds SQLite's only writer, and it
// reads in index order (best first, ties by ID).
func TestTopLeadsReadOnly(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ids := mustLeads(t, db, "A", 4)
		var updates []leadrun.LeadUpdate
		for i, score := range []float64{60, 90, 90, 10} {
			updates = append(updates, leadrun.LeadUpdate{LeadID: ids[i], Status: leadrun.StatusScored, Score: ptr(score)})
		}
		mustApply(t, db, "A", "SR-1", 3, updates)
		got := make(chan []*leadrun.Lead, 1)
		errs := make(chan error, 1)
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			go func() {
				leads, err := db.TopLeads(ctx, "A", 3, false)
				errs <- err
				got <- leads
			}()
			select {
			case err := <-errs:
				return err
			case <-time.After(30 * time.Second):
				t.Fatal("TopLeads waited for the write transaction")
				return nil
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		leads := <-got
		if len(leads) != 3 || leads[0].ID != ids[1] || leads[1].ID != ids[2] || leads[2].ID != ids[0] {
			t.Errorf("top leads = %v, want leads 1, 2, 0 by score then ID (3 is below the threshold)", leadIDs(leads))
		}
		// Exporting stamps them: the next read skips them.
		if _, err := db.TopLeads(ctx, "A", 2, true); err != nil {
			t.Fatal(err)
		}
		if rest, err := db.TopLeads(ctx, "A", 10, false); err != nil || len(rest) != 1 || rest[0].ID != ids[0] {
			t.Errorf("after export: %v %v, want lead 0 only", leadIDs(rest), err)
		}
	})
}

func leadIDs(leads []*leadrun.Lead) []int64 {
	out := make([]int64, len(leads))
	for i, l := range leads {
		out[i] = l.ID
	}
	return out
}
