package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Who cancelled a run is stored on its row, read back by every run query, bounded in
// length (valid UTF-8 kept), and touches no other run.
func testRunCancelledBy(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"))
	other := mustPlanRun(t, db, u.stream(2), u.id("B"))
	long := "cli " + strings.Repeat("é", 300) + "@host"
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.SetRunCancelledBy(ctx, runID, long) })
	run, err := db.FindRunByID(ctx, runID)
	if err != nil || !strings.HasPrefix(run.CancelledBy, "cli é") || len(run.CancelledBy) > 200 || !utf8.ValidString(run.CancelledBy) {
		t.Fatalf("cancelled_by %q (%d bytes), %v", run.CancelledBy, len(run.CancelledBy), err)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.SetRunCancelledBy(ctx, runID, "dashboard") })
	stream := u.stream(1)
	runs, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &stream, Limit: 5})
	if err != nil || len(runs) != 1 || runs[0].CancelledBy != "dashboard" {
		t.Fatalf("FindRuns: %+v %v", runs, err)
	}
	if o, err := db.FindRunByID(ctx, other); err != nil || o.CancelledBy != "" {
		t.Errorf("another run: %q %v", o.CancelledBy, err)
	}
}
