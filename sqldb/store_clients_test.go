package sqldb_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Conformance cases of what other packages' tests used to cover alone: rubrics, lead
// counts and exports, the active run, client results in a transaction, seeding, and
// migrating again.

var storeClientCases = []storeCase{
	{"Rubrics", testRubrics},
	{"LeadCountsAndTopLeads", testLeadCountsAndTopLeads},
	{"ActiveRunAndClientResults", testActiveRunAndClientResults},
	{"SeedAndMigrate", testSeedAndMigrate},
}

func conformanceRubric(heading string) *leadrun.Rubric {
	return &leadrun.Rubric{Preamble: "Score founders.", Attributes: []leadrun.Attribute{
		{ID: "A", Category: leadrun.CategoryPositive, Heading: heading, Instructions: "0-10", MaxPoints: 10},
		{ID: "N1", Category: leadrun.CategoryNegative, Heading: "Recruiter", Instructions: "-5", Penalty: -5},
	}}
}

// A rubric is validated, stored whole, replaced, read in and out of a transaction; a
// missing client or rubric is ENOTFOUND.
func testRubrics(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, bare := u.id("A"), u.id("bare")
	mustCreateClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, bare, u.stream(1))
	if err := db.SetRubric(ctx, a, &leadrun.Rubric{Attributes: []leadrun.Attribute{{ID: "A"}}}); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("invalid rubric: %v, want EINVALID", err)
	}
	if err := db.SetRubric(ctx, u.id("missing"), conformanceRubric("Founder")); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("rubric of a missing client: %v, want ENOTFOUND", err)
	}
	for _, heading := range []string{"Founder", "Owner"} { // the second replaces the first
		if err := db.SetRubric(ctx, a, conformanceRubric(heading)); err != nil {
			t.Fatal(err)
		}
	}
	want := conformanceRubric("Owner")
	if got, err := db.FindRubric(ctx, a); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("DB.FindRubric %+v %v, want %+v", got, err, want)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if got, err := tx.FindRubric(ctx, a); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Tx.FindRubric %+v %v, want %+v", got, err, want)
		}
		r, err := tx.FindRubric(ctx, bare)
		wantNotFound(t, "Tx.FindRubric of a client without one", r, err)
		if got, err := tx.FindRubrics(ctx, []string{bare, a}); err != nil || len(got) != 1 || !reflect.DeepEqual(got[a], want) {
			t.Errorf("Tx.FindRubrics %+v %v, want only %s's", got, err, a)
		}
		return nil
	})
	r, err := db.FindRubric(ctx, bare)
	wantNotFound(t, "DB.FindRubric of a client without one", r, err)
	r, err = db.FindRubric(ctx, u.id("missing"))
	wantNotFound(t, "DB.FindRubric of a missing client", r, err)
	// Many at once, over more than one statement: only the clients with a rubric are in
	// the map.
	ids := []string{bare, u.id("missing")}
	for i := range 300 {
		ids = append(ids, u.id(fmt.Sprintf("none%d", i)))
	}
	got, err := db.FindRubrics(ctx, append(ids, a))
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[a], want) {
		t.Errorf("DB.FindRubrics %+v %v, want only %s's", got, err, a)
	}
	if got, err := db.FindRubrics(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("DB.FindRubrics of none: %+v %v", got, err)
	}
}

// Leads counted by status; the best leads at or above the threshold exported once.
func testLeadCountsAndTopLeads(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b := u.id("A"), u.id("B")
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), a, b)
	threshold := 60.0
	if _, err := db.UpdateClient(ctx, a, leadrun.ClientUpdate{ScoreThreshold: &threshold}); err != nil {
		t.Fatal(err)
	}
	ids := mustClientLeads(t, db, a, 5)
	mustClientLeads(t, db, b, 2)
	s := []float64{70, 90, 59.5}
	applyLeads(t, db, a, runID,
		leadrun.LeadUpdate{LeadID: ids[0], Status: leadrun.StatusScored, Score: &s[0]},
		leadrun.LeadUpdate{LeadID: ids[1], Status: leadrun.StatusScored, Score: &s[1]},
		leadrun.LeadUpdate{LeadID: ids[2], Status: leadrun.StatusScored, Score: &s[2]},
		leadrun.LeadUpdate{LeadID: ids[3], Status: leadrun.StatusFailed, Reason: "ai_error"})
	counts, err := db.CountLeadsByStatus(ctx, a)
	want := map[leadrun.ScoringStatus]int64{leadrun.StatusScored: 3, leadrun.StatusFailed: 1, leadrun.StatusToBeScored: 1}
	if err != nil || !reflect.DeepEqual(counts, want) {
		t.Errorf("counts %v %v, want %v", counts, err, want)
	}
	if none, err := db.CountLeadsByStatus(ctx, u.id("missing")); len(none) != 0 || err != nil {
		t.Errorf("counts of a client without leads: %v %v", none, err)
	}

	top := func(limit int, mark bool, want []int64) {
		t.Helper()
		got, err := db.TopLeads(ctx, a, limit, mark)
		if err != nil || !reflect.DeepEqual(leadIDs(got), want) {
			t.Errorf("TopLeads(%d, mark %v) = %v %v, want %v", limit, mark, leadIDs(got), err, want)
		}
	}
	top(10, false, []int64{ids[1], ids[0]}) // best first, 59.5 is under the threshold
	top(10, false, []int64{ids[1], ids[0]}) // not marked: again
	top(1, true, []int64{ids[1]})
	top(10, true, []int64{ids[0]}) // the exported one is not repeated
	top(10, true, []int64{})
	if got, err := db.TopLeads(ctx, u.id("missing"), 10, false); leadrun.ErrorCode(err) != leadrun.ENOTFOUND || len(got) != 0 {
		t.Errorf("top leads of a missing client: %v %v, want ENOTFOUND", got, err)
	}
}

// The active run of a stream, ENOTFOUND once it finished; client results read in the
// transaction that creates them.
func testActiveRunAndClientResults(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	r, err := db.FindActiveRun(ctx, u.stream(1))
	wantNotFound(t, "FindActiveRun of an idle stream", r, err)
	runID := mustPlanRun(t, db, u.stream(1), u.id("B"), u.id("A"))
	if r, err := db.FindActiveRun(ctx, u.stream(1)); err != nil || r.ID != runID || r.Status != leadrun.RunQueued {
		t.Errorf("active run %+v %v, want %s queued", r, err, runID)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error {
		crs, err := tx.ClientResults(ctx, runID)
		if err != nil {
			return err
		}
		if len(crs) != 2 || crs[0].ClientID != u.id("A") || crs[1].ClientID != u.id("B") || len(crs[0].Operations) != 2 ||
			crs[0].Operations[0].Kind != leadrun.OpLeadScoring || crs[0].ClientName != "Client "+u.id("A") {
			t.Errorf("client results in the transaction %+v", crs)
		}
		if none, err := tx.ClientResults(ctx, "SR-000101-404-S1"); len(none) != 0 || err != nil {
			t.Errorf("client results of a missing run: %v %v", none, err)
		}
		if _, err := tx.CancelOperations(ctx, runID, "stop"); err != nil {
			return err
		}
		_, err = tx.FinishRun(ctx, runID, leadrun.RunCancelled, "stop")
		return err
	})
	r, err = db.FindActiveRun(ctx, u.stream(1))
	wantNotFound(t, "FindActiveRun after the run finished", r, err)
}

// Seeded history is what it says (finished runs, a client result per client, two
// operations each); migrating an up-to-date database again changes nothing.
func testSeedAndMigrate(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b := u.id("A"), u.id("B")
	mustCreateClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, b, u.stream(1))
	if err := db.SeedFinishedRuns(ctx, u.stream(1), 3, []string{a, b}, 1); err != nil {
		t.Fatal(err)
	}
	s := u.stream(1)
	runs, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &s})
	if err != nil || len(runs) != 3 {
		t.Fatalf("seeded runs %d %v, want 3", len(runs), err)
	}
	for _, r := range runs {
		if r.Status != leadrun.RunCompleted || !r.CreatedAt.Before(sqldb.SeedStart.Add(time.Hour)) || r.CreatedAt.Before(sqldb.SeedStart) ||
			r.Totals.ClientsTotal != 1 || r.Totals.LeadsExamined != 40 || r.Totals.PostsExamined != 40 {
			t.Errorf("seeded run %s: %s created %v, totals %+v", r.ID, r.Status, r.CreatedAt, r.Totals)
		}
	}
	if err := db.SeedFinishedRuns(ctx, u.stream(1), 1, []string{a}, 1); err == nil {
		t.Error("seeding the same run IDs twice succeeded")
	}
	if err := db.SeedFinishedRuns(ctx, u.stream(2), 1, []string{u.id("missing")}, 1); err == nil {
		t.Error("seeding a run of a missing client succeeded")
	}
	if runs, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &s}); err != nil || len(runs) != 3 {
		t.Errorf("a failed seed left %d runs %v, want 3", len(runs), err)
	}
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Errorf("schema after migrating again: %v", err)
	}
	if got, err := db.FindClientByID(ctx, a); err != nil || got.ID != a {
		t.Errorf("data after migrating again: %v %v", got, err)
	}
}
