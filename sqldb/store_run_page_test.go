package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// A run's client results come a page at a time, both ways, with their operations and
// counts by reason; the run's reasons are listed over all clients; runs page newer too.
func testClientResultsPage(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b, c, d := u.id("a"), u.id("b"), u.id("c"), u.id("d")
	runID := mustPlanRun(t, db, u.stream(1), a, b, c, d)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if err := tx.ExecRaw(ctx, `INSERT INTO operation_reasons (run_id, client_id, operation, kind, reason, count)
			VALUES ($1, $2, 'lead_scoring', 'failed', 'timeout', 3), ($1, $3, 'lead_scoring', 'skipped', 'missing_critical_data', 2)`, runID, b, d); err != nil {
			return err
		}
		_, err := tx.FinishOperation(ctx, opKey(runID, c, leadrun.OpLeadScoring), leadrun.OpSkipped, leadrun.SkipBudgetExceeded, "")
		if err != nil {
			return err
		}
		_, err = tx.FinishOperation(ctx, opKey(runID, a, leadrun.OpPostScoring), leadrun.OpSkipped, leadrun.SkipServiceLevel, "")
		return err
	})
	page := func(p sqldb.ClientResultPage) string {
		t.Helper()
		crs, err := db.FindClientResultsPage(ctx, runID, p)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cr := range crs {
			if len(cr.Operations) != 2 {
				t.Errorf("%s has %d operations", cr.ClientID, len(cr.Operations))
			}
			ids = append(ids, cr.ClientID)
		}
		return strings.Join(ids, ",")
	}
	for name, c := range map[string]struct {
		p    sqldb.ClientResultPage
		want string
	}{
		"first":     {sqldb.ClientResultPage{Limit: 2}, a + "," + b},
		"after b":   {sqldb.ClientResultPage{After: b, Limit: 2}, c + "," + d},
		"before d":  {sqldb.ClientResultPage{Before: d, Limit: 2}, b + "," + c},
		"one":       {sqldb.ClientResultPage{ClientID: c}, c},
		"all":       {sqldb.ClientResultPage{}, strings.Join([]string{a, b, c, d}, ",")},
		"after all": {sqldb.ClientResultPage{After: d}, ""},
	} {
		if got := page(c.p); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
	crs, err := db.FindClientResultsPage(ctx, runID, sqldb.ClientResultPage{ClientID: b})
	if err != nil || crs[0].Operations[0].FailedBy["timeout"] != 3 {
		t.Errorf("b's reasons: %+v %v", crs[0].Operations[0], err)
	}

	counts, err := db.RunReasonCounts(ctx, runID)
	if err != nil || len(counts) != 3 {
		t.Fatalf("reason counts: %+v %v", counts, err)
	}
	want := []sqldb.ReasonCount{
		{ClientID: b, ClientName: "Client " + b, Operation: leadrun.OpLeadScoring, Failed: true, Reason: "timeout", Count: 3},
		{ClientID: c, ClientName: "Client " + c, Operation: leadrun.OpLeadScoring, Reason: leadrun.SkipBudgetExceeded, Whole: true},
		{ClientID: d, ClientName: "Client " + d, Operation: leadrun.OpLeadScoring, Reason: "missing_critical_data", Count: 2},
	}
	for i, w := range want {
		if counts[i] != w {
			t.Errorf("reason count %d: %+v, want %+v", i, counts[i], w)
		}
	}

	// Runs: the page of newer runs than one, newest first.
	stream := u.stream(1)
	mustTx(t, db, func(tx *sqldb.Tx) error { _, err := tx.FinishRun(ctx, runID, leadrun.RunCompleted, "done"); return err })
	r2 := mustPlanRun(t, db, stream, a)
	newer, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &stream, AfterID: &runID, Limit: 5})
	if err != nil || len(newer) != 1 || newer[0].ID != r2 {
		t.Errorf("runs after %s: %v %v", runID, newer, err)
	}
	older, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &stream, BeforeID: &r2, Limit: 5})
	if err != nil || len(older) != 1 || older[0].ID != runID {
		t.Errorf("runs before %s: %v %v", r2, older, err)
	}
}
