package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// get fetches a path with the admin token and returns the status, headers and raw body.
func (e *env) get(t *testing.T, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// waitRun polls a run until it is terminal.
func waitRun(t *testing.T, db *sqldb.DB, id string) *leadrun.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		run, err := db.FindRunByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status.Terminal() {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s", id, run.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A finished run's report, as JSON and as CSV, adds up to the run's totals, groups skips
// by reason, and neutralises a client name a spreadsheet would run as a formula.
func TestRunReport(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, true)
		evil := &leadrun.Client{ID: "Evil-Co", Name: `=HYPERLINK("http://x.test","click")`, Stream: 1}
		evil.SetDefaults()
		if err := db.CreateClient(context.Background(), evil); err != nil {
			t.Fatal(err)
		}
		status, created := e.do(t, "POST", "/api/v1/runs", bearer, `{"stream":1,"lead_scoring_limit":30}`)
		if status != 202 {
			t.Fatalf("create: %d %v", status, created)
		}
		id := fmt.Sprint(created["run_id"])
		run := waitRun(t, db, id)

		status, _, raw := e.get(t, "/api/v1/runs/"+id+"/report")
		var rep report.RunReport
		if status != 200 || json.Unmarshal(raw, &rep) != nil {
			t.Fatalf("report: %d %s", status, raw)
		}
		if rep.Run.RunID != id || len(rep.Clients) != 3 || len(rep.Operations) != 2 {
			t.Fatalf("report: run %s, %d clients, %d operation kinds", rep.Run.RunID, len(rep.Clients), len(rep.Operations))
		}
		lead := rep.Operations[0]
		if lead.Operation != leadrun.OpLeadScoring || lead.Examined != run.Totals.LeadsExamined || lead.Examined != 60 ||
			lead.Scored != run.Totals.LeadsScored || lead.Skipped != run.Totals.LeadsSkipped || lead.Clients != 3 {
			t.Errorf("lead scoring summary %+v, run totals %+v", lead, run.Totals)
		}
		var skippedItems int64
		noRubric := false
		for _, r := range rep.Reasons {
			if r.Outcome == "skipped" && r.Operation == leadrun.OpLeadScoring {
				skippedItems += r.Items
			}
			if r.Reason == leadrun.SkipNoRubric && r.Operations >= 1 && len(r.Clients) == 1 && r.Clients[0] == "Evil-Co" {
				noRubric = true
			}
		}
		if skippedItems != run.Totals.LeadsSkipped || skippedItems == 0 || !noRubric {
			t.Errorf("reasons %+v: skipped items %d, want %d and Evil-Co skipped for no_rubric", rep.Reasons, skippedItems, run.Totals.LeadsSkipped)
		}

		status, h, raw := e.get(t, "/api/v1/runs/"+id+"/report?format=csv")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") ||
			!strings.Contains(h.Get("Content-Disposition"), id+"-report.csv") {
			t.Fatalf("CSV: %d %v", status, h)
		}
		rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if err != nil || len(rows) != 1+3*2 || strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
			t.Fatalf("CSV rows %d (%v):\n%s", len(rows), err, raw)
		}
		var examined int64
		for _, row := range rows[1:] {
			if row[4] == "lead_scoring" {
				n, _ := strconv.ParseInt(row[10], 10, 64)
				examined += n
			}
			if row[2] == "Evil-Co" && row[3] != `'`+evil.Name {
				t.Errorf("formula not neutralised: %q", row[3])
			}
		}
		if examined != 60 {
			t.Errorf("CSV lead rows examined %d, want 60", examined)
		}
	})
}

// The report refuses an unknown format or parameter and answers 404 for an unknown run,
// on both databases.
func TestRunReportRejects(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		_, created := e.do(t, "POST", "/api/v1/runs", bearer, `{"stream":1}`)
		id := fmt.Sprint(created["run_id"])
		for path, want := range map[string]int{
			"/api/v1/runs/" + id + "/report?format=xml":       400,
			"/api/v1/runs/" + id + "/report?fromat=csv":       400,
			"/api/v1/runs/SR-000101-001-S1/report":            404,
			"/api/v1/runs/SR-000101-001-S1/report?format=csv": 404,
			"/api/v1/runs/" + id + "/report":                  200, // a queued run has an empty report
		} {
			if status, _, raw := e.get(t, path); status != want {
				t.Errorf("GET %s: %d, want %d\n%s", path, status, want, raw)
			}
		}
	})
}

// POST /api/v1/runs takes snake_case, still accepts camelCase, and refuses a body that
// gives both spellings of a field with different values (nothing is started).
func TestRunCreateNames(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		for _, bad := range []struct{ body, names string }{
			{`{"stream":1,"lead_scoring_limit":5,"leadScoringLimit":6}`, "lead_scoring_limit"},
			{`{"stream":1,"post_scoring_limit":5,"postScoringLimit":0}`, "post_scoring_limit"},
			{`{"stream":1,"client_filter":["Guy-Wilson"],"clientFilter":["Dean-Hobin"]}`, "client_filter"},
			{`{"stream":1,"lead_limit":5}`, "lead_limit"},
			{`{"stream":1,"lead_scoring_limit":"five"}`, "lead_scoring_limit"},
			{`[1]`, "JSON object"},
		} {
			status, body := e.do(t, "POST", "/api/v1/runs", bearer, bad.body)
			if status != 400 || !strings.Contains(fmt.Sprint(body["error"]), bad.names) {
				t.Errorf("%s: %d %v, want 400 naming %s", bad.body, status, body, bad.names)
			}
		}
		if runs, _ := db.FindRuns(context.Background(), leadrun.RunFilter{Limit: 10}); len(runs) != 0 {
			t.Fatalf("refused bodies started %d runs", len(runs))
		}
		for i, good := range []string{
			`{"stream":1,"lead_scoring_limit":7,"post_scoring_limit":3,"client_filter":["Guy-Wilson"]}`,
			`{"stream":1,"leadScoringLimit":7,"postScoringLimit":3,"clientFilter":["Guy-Wilson"]}`,
			`{"stream":1,"lead_scoring_limit":7,"leadScoringLimit":7,"post_scoring_limit":3,"client_filter":["Guy-Wilson"],"clientFilter":["Guy-Wilson"]}`,
			`{"stream":"1","lead_scoring_limit":"7","postScoringLimit":3,"client_filter":"Guy-Wilson"}`,
			`{"leadScoringLimit":7,"post_scoring_limit":3,"clientId":"Guy-Wilson"}`,
		} {
			status, body := e.do(t, "POST", "/api/v1/runs", bearer, good)
			params, _ := body["params"].(map[string]any)
			if status != 202 || params["lead_scoring_limit"] != 7.0 || params["post_scoring_limit"] != 3.0 ||
				fmt.Sprint(params["client_filter"]) != "[Guy-Wilson]" || body["trigger"] != "api" {
				t.Fatalf("body %d %s: %d %v", i, good, status, body)
			}
			id := fmt.Sprint(body["run_id"])
			if status, cancelled := e.do(t, "POST", "/api/v1/runs/"+id+"/cancel", bearer, ""); status != 200 || cancelled["cancelled_by"] != "api:admin" {
				t.Fatalf("cancel: %d %v", status, cancelled)
			}
		}
	})
}
