package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// refusingClientScorer refuses every lead of one client (a lead's failure) and scores the
// others with the rules scorer.
type refusingClientScorer struct {
	leadrun.Scorer
	client string
}

func (s refusingClientScorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	if len(req.Leads) == 0 || req.Leads[0].ClientID != s.client {
		return s.Scorer.ScoreLeads(ctx, req)
	}
	res := &leadrun.LeadResult{}
	for _, l := range req.Leads {
		res.Outcomes = append(res.Outcomes, leadrun.LeadOutcome{LeadID: l.ID, Reason: leadrun.ReasonSafetyBlock, Detail: "refused"})
	}
	return res, nil
}

// Rerunning a run's failed clients through the API (202, 409 when busy, 400 when nothing
// failed, 404) and the run page's button (a new run of those clients, "dashboard" recorded).
func TestRerunFailedClientsWeb(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServeWith(t, db, web.Config{AdminToken: token}, refusingClientScorer{rules.New(rules.Options{}), "Guy-Wilson"},
			runner.Config{}, true)
		run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Params: leadrun.RunParams{LeadLimit: 20}})
		must(t, err)
		run = waitRun(t, db, run.ID)
		clean, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Params: leadrun.RunParams{ClientFilter: []string{"Dean-Hobin"}}})
		must(t, err)
		clean = waitRun(t, db, clean.ID)
		if run.Totals.ClientsFailed != 1 || clean.Totals.ClientsFailed != 0 {
			t.Fatalf("runs: %+v, %+v", run.Totals, clean.Totals)
		}
		if status, got := e.do(t, "POST", "/api/v1/runs/"+clean.ID+"/rerun", bearer, ""); status != 400 ||
			!strings.Contains(got["error"].(map[string]any)["message"].(string), "no failed or abandoned client") {
			t.Errorf("rerun of a clean run: %d %v", status, got)
		}
		if status, _ := e.do(t, "POST", "/api/v1/runs/SR-000101-001-S1/rerun", bearer, ""); status != 404 {
			t.Errorf("rerun of an unknown run: %d", status)
		}
		if status, _ := e.do(t, "POST", "/api/v1/runs/"+run.ID+"/rerun", nil, ""); status != 401 {
			t.Errorf("rerun without the admin token: %d", status)
		}

		// The stream is busy (a run waiting for a worker with another scorer): 409 with its ID.
		active, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Scorer: leadrun.ScorerInfo{Name: "elsewhere"}})
		must(t, err)
		if status, got := e.do(t, "POST", "/api/v1/runs/"+run.ID+"/rerun", bearer, ""); status != 409 || got["running_run_id"] != active.ID {
			t.Errorf("rerun on a busy stream: %d %v", status, got)
		}
		if _, err := e.r.Cancel(ctx, active.ID, "test", "test"); err != nil {
			t.Fatal(err)
		}

		status, got := e.do(t, "POST", "/api/v1/runs/"+run.ID+"/rerun", bearer, "")
		if status != 202 || got["rerun_of"] != run.ID || got["stream"] != 1.0 {
			t.Fatalf("rerun: %d %v", status, got)
		}
		rerun := waitRun(t, db, got["run_id"].(string))
		if len(rerun.Params.ClientFilter) != 1 || rerun.Params.ClientFilter[0] != "Guy-Wilson" || rerun.Params.LeadLimit != 20 ||
			rerun.Trigger != leadrun.TriggerAPI || rerun.RequestedBy != "api:admin, rerun of "+run.ID+": 1 failed client(s)" {
			t.Errorf("rerun: %+v", rerun)
		}

		// The dashboard: the button on the failed run's page starts another rerun.
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		if _, body, _ := b.get("/runs/" + run.ID); !strings.Contains(body, `id="rerun-failed"`) {
			t.Fatalf("run page lacks the rerun button:\n%s", body)
		}
		if _, body, _ := b.get("/runs/" + clean.ID); strings.Contains(body, `id="rerun-failed"`) {
			t.Errorf("a clean run offers a rerun")
		}
		status, _, h := b.post("/runs/"+run.ID+"/rerun", url.Values{"csrf_token": {b.csrf}})
		if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=rerun") {
			t.Fatalf("rerun button: %d %q", status, h.Get("Location"))
		}
		second := strings.TrimPrefix(strings.Split(h.Get("Location"), "?")[0], "/runs/")
		dash := waitRun(t, db, second)
		if dash.Trigger != leadrun.TriggerDashboard || !strings.HasPrefix(dash.RequestedBy, "rerun of "+run.ID) {
			t.Errorf("dashboard rerun: %+v", dash)
		}
		if status, body, _ := b.post("/runs/"+clean.ID+"/rerun", url.Values{"csrf_token": {b.csrf}}); status == http.StatusSeeOther ||
			!strings.Contains(body, "no failed or abandoned client") {
			t.Errorf("rerun of a clean run from the dashboard: %d\n%s", status, body)
		}
	})
}

// mustFinishedRunWithFailure stores a finished run on the stream whose only client failed
// (as after a provider outage) and returns its ID.
func mustFinishedRunWithFailure(t *testing.T, db *sqldb.DB, stream int, clientID string) string {
	t.Helper()
	ctx := context.Background()
	var id string
	must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
		run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerCLI})
		if err != nil {
			return err
		}
		id = run.ID
		if err := tx.CreateClientResult(ctx, id, &leadrun.Client{ID: clientID, Name: clientID}); err != nil {
			return err
		}
		op := &leadrun.Operation{RunID: id, ClientID: clientID, Kind: leadrun.OpLeadScoring, Status: leadrun.OpFailed, LastError: "provider unavailable"}
		if err := tx.CreateOperation(ctx, op); err != nil {
			return err
		}
		_, err = tx.FinishRun(ctx, id, leadrun.RunFailed, "all 1 clients with work failed")
		return err
	}))
	return id
}
