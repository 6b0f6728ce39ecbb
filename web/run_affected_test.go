package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A run's page and report list the leads it skipped as it left them, even after their
// state changed; a run whose operations kept nothing (from before) says so.
func TestRunPageKeepsAffectedLeads(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, true)
		run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		run = waitRun(t, db, run.ID)
		skipped, _, err := db.KeptAffectedLeads(ctx, run.ID, "Guy-Wilson", leadrun.ReasonMissingCriticalData, 100)
		if err != nil || len(skipped) == 0 {
			t.Fatalf("Guy-Wilson's skipped leads were not kept: %d %v", len(skipped), err)
		}
		link := fmt.Sprintf(`href="/clients/Guy-Wilson/leads/%d"`, skipped[0].ID)
		// Later the leads change (fixed and rescored, requeued): the run still shows them.
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'to_be_scored', last_run_id = '', last_reason = '' WHERE last_run_id = $1`, run.ID)
			return err
		}))
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/runs/" + run.ID)
		if !strings.Contains(body, link) || strings.Contains(body, "old-run") {
			t.Fatalf("run page lacks the kept lead %d:\n%s", skipped[0].ID, body)
		}
		rep := getReport(t, e, run.ID)
		if !rep.AffectedLeadsKept || len(rep.AffectedLeads) < len(skipped) {
			t.Errorf("report: kept %v, %d leads", rep.AffectedLeadsKept, len(rep.AffectedLeads))
		}
		if cell := csvAffected(t, e, run.ID, "Guy-Wilson"); !strings.Contains(cell, fmt.Sprintf("missing_critical_data: %d", skipped[0].ID)) {
			t.Errorf("CSV affected_lead_ids of Guy-Wilson: %q", cell)
		}

		// An older run: its operations kept nothing.
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE operations SET affected_kept = 0 WHERE run_id = $1`, run.ID)
			return err
		}))
		if _, body, _ := b.get("/runs/" + run.ID); !strings.Contains(body, `class="sub old-run"`) {
			t.Errorf("an older run's page does not say its leads are recomputed:\n%s", body)
		}
		if rep := getReport(t, e, run.ID); rep.AffectedLeadsKept || rep.AffectedLeadsNote == "" {
			t.Errorf("older run's report: kept %v, note %q", rep.AffectedLeadsKept, rep.AffectedLeadsNote)
		}
		if cell := csvAffected(t, e, run.ID, "Guy-Wilson"); cell != "not kept (older run)" {
			t.Errorf("older run's CSV cell: %q", cell)
		}
	})
}

func getReport(t *testing.T, e *env, runID string) report.RunReport {
	t.Helper()
	status, _, raw := e.get(t, "/api/v1/runs/"+runID+"/report")
	var rep report.RunReport
	if status != 200 || json.Unmarshal(raw, &rep) != nil {
		t.Fatalf("report: %d %s", status, raw)
	}
	return rep
}

// csvAffected is the affected_lead_ids cell of the client's lead-scoring row of the CSV report.
func csvAffected(t *testing.T, e *env, runID, clientID string) string {
	t.Helper()
	_, _, raw := e.get(t, "/api/v1/runs/"+runID+"/report?format=csv")
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := len(report.CSVHeader) - 1
	for _, row := range rows[1:] {
		if row[2] == clientID && row[4] == string(leadrun.OpLeadScoring) {
			return row[col]
		}
	}
	t.Fatalf("no lead scoring row of %s in the CSV", clientID)
	return ""
}
