package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// gatedScorer holds the chunks of the clients of stream 1 until their run is cancelled,
// so that a run stays active for as long as the cases need it.
type gatedScorer struct {
	*rules.Scorer
	hold map[string]bool
}

// failingClient is the client whose every lead gatedScorer refuses: its lead scoring fails.
const failingClient = "Failing-Co"

func (g gatedScorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	if g.hold[req.ClientID] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if len(req.Leads) > 0 && req.Leads[0].ClientID == failingClient {
		res := &leadrun.LeadResult{}
		for _, l := range req.Leads {
			res.Outcomes = append(res.Outcomes, leadrun.LeadOutcome{LeadID: l.ID, Reason: leadrun.ReasonSafetyBlock, Detail: "refused"})
		}
		return res, nil
	}
	return g.Scorer.ScoreLeads(ctx, req)
}

// TestOpenAPIValidated: see openapi_validate_test.go. Both databases.
func TestOpenAPIValidated(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		scorer := gatedScorer{Scorer: rules.New(rules.Options{}), hold: map[string]bool{"Guy-Wilson": true, "Dean-Hobin": true}}
		e := mustServeWith(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, scorer, runner.Config{}, true)
		_, _, raw := e.get(t, "/api/v1/openapi.json")
		v, doc := mustValidator(t, raw)
		f := mustAPIFixture(t, e)
		cases := apiCases(f)
		checkCoverage(t, documentedOps(t, doc), cases)

		// A second server with nothing configured (no secrets, no named tokens) and its
		// worker not started: the 503 answers.
		offDB := sqldbtest.MustOpen(t, db.Kind())
		r, err := runner.New(offDB, scorer, slog.New(slog.NewJSONHandler(io.Discard, nil)), runner.Config{})
		if err != nil {
			t.Fatal(err)
		}
		off, err := web.NewServer(offDB, r, web.Config{})
		if err != nil {
			t.Fatal(err)
		}
		offHTTP := httptest.NewServer(off.Handler())
		t.Cleanup(offHTTP.Close)
		for _, c := range cases {
			base := e.srv.URL
			if c.header != nil && c.header["X-Server"] == "off" {
				base = offHTTP.URL
			}
			runCase(t, v, base, c)
		}
	})
}

var (
	wrongKey = map[string]string{"Authorization": "Bearer not-the-token"}
	offSrv   = map[string]string{"X-Server": "off"}
)

// mustAPIFixture makes what the cases refer to.
func mustAPIFixture(t *testing.T, e *env) apiFixture {
	t.Helper()
	ctx := context.Background()
	f := apiFixture{ctx: ctx}
	done, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 2, Trigger: leadrun.TriggerCLI, RequestedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Wait(ctx, done.ID, 20*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	active, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI, RequestedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.doneRun, f.activeRun = done.ID, active.ID
	leads, err := e.db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Sarah-Chen", Limit: 1})
	if err != nil || len(leads) == 0 {
		t.Fatalf("no lead: %v", err)
	}
	f.leadID, f.profileURL = leads[0].ID, leads[0].ProfileURL
	if f.ingestToken, err = e.db.RotateIngestToken(ctx, "Sarah-Chen"); err != nil {
		t.Fatal(err)
	}
	rub, err := e.db.FindRubric(ctx, "Sarah-Chen")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rub)
	f.rubricJSON = string(b)
	paused := &leadrun.Client{ID: "Paused-Co", Name: "Paused Co", Status: leadrun.ClientPaused, Stream: 9}
	paused.SetDefaults()
	paused.Status = leadrun.ClientPaused
	must(t, e.db.CreateClient(ctx, paused))
	if f.pausedToken, err = e.db.RotateIngestToken(ctx, "Paused-Co"); err != nil {
		t.Fatal(err)
	}
	if f.namedToken, _, err = e.db.CreateAPIToken(ctx, "openapi-test"); err != nil {
		t.Fatal(err)
	}
	if f.revokedToken, _, err = e.db.CreateAPIToken(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}
	must(t, e.db.RevokeAPIToken(ctx, "revoked"))
	f.failedRun = mustFailedRun(t, e, rub)
	return f
}

// mustFailedRun finishes a run on stream 6 whose one client, failingClient, fails.
func mustFailedRun(t *testing.T, e *env, rub *leadrun.Rubric) string {
	t.Helper()
	ctx := context.Background()
	c := &leadrun.Client{ID: failingClient, Name: "Failing Co", Status: leadrun.ClientActive, Stream: 6}
	c.SetDefaults()
	must(t, e.db.CreateClient(ctx, c))
	must(t, e.db.SetRubric(ctx, failingClient, rub))
	if _, err := e.db.UpsertLeads(ctx, failingClient, []*leadrun.Lead{{ProfileURL: "https://www.linkedin.com/in/failing-1",
		FirstName: "Fay", LastName: "Lure", Headline: "CEO at Acme", Company: "Acme", JobTitle: "CEO",
		Experience: []leadrun.Job{{Title: "CEO", Company: "Acme"}}}}); err != nil {
		t.Fatal(err)
	}
	run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 6, Trigger: leadrun.TriggerCLI, RequestedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.r.Wait(ctx, run.ID, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Totals.ClientsFailed != 1 {
		t.Fatalf("run %s of %s: %d clients failed, want 1 (%s; %+v)", run.ID, failingClient, done.Totals.ClientsFailed, done.StatusReason, done.Totals)
	}
	return run.ID
}

// apiCases are the requests of TestOpenAPIValidated, in order (later cases see what
// earlier ones did).
func apiCases(f apiFixture) []apiCase {
	run, done := "/api/v1/runs/"+f.activeRun, "/api/v1/runs/"+f.doneRun
	sc := "/api/v1/clients/Sarah-Chen"
	lead := fmt.Sprintf("%s/leads/%d", sc, f.leadID)
	lh := "/lh-webhook/upsertLeadOnly?client=Sarah-Chen&token=" + f.ingestToken
	person := `{"profileUrl":"https://www.linkedin.com/in/new-person","firstName":"Ada","lastName":"Byron","headline":"CEO at Acme","currentCompanyName":"Acme","jobTitle":"CEO"}`
	big := `{"clientFilter": ["` + strings.Repeat("a", 6<<20) + `"]}` // over the 5 MB body limit
	until := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	return []apiCase{
		{op: "GET /healthz", path: "/healthz", status: 200},
		{op: "GET /healthz", path: "/healthz?x=%zz", status: 400},
		{op: "GET /readyz", path: "/readyz", status: 200},
		{op: "GET /readyz", path: "/readyz", header: offSrv, status: 503},
		{op: "GET /metrics", path: "/metrics", status: 200},
		{op: "GET /metrics", path: "/metrics?a=1;b", status: 400},
		{op: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json", status: 200},
		{op: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json?%", status: 400},

		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", header: hook, body: `{"stream": 1}`, status: 409},
		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", header: hook, body: `{"stream": 7, "leadScoringLimit": 5}`, status: 202},
		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", body: `{}`, status: 401, refused: true},
		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", header: hook, body: `{"stream": 0}`, status: 400, refused: true},
		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", header: hook, body: big, status: 413},
		{op: "POST /smart-resume-client-by-client", path: "/smart-resume-client-by-client", header: offSrv, body: `{}`, status: 503, refused: true},

		{op: "POST /lh-webhook/upsertLeadOnly", path: lh, body: person, status: 200},
		{op: "POST /lh-webhook/upsertLeadOnly", path: "/lh-webhook/upsertLeadOnly?client=Sarah-Chen&token=wrong", body: person, status: 401},
		{op: "POST /lh-webhook/upsertLeadOnly", path: "/lh-webhook/upsertLeadOnly?client=Paused-Co&token=" + f.pausedToken, body: person, status: 403},
		{op: "POST /lh-webhook/upsertLeadOnly", path: lh, body: `"not a person"`, status: 400, refused: true},

		{op: "GET /api/v1/runs", path: "/api/v1/runs?limit=5&status=completed", header: bearer, status: 200},
		{op: "GET /api/v1/runs", path: "/api/v1/runs?q=SR-", header: bearer, status: 200},
		{op: "GET /api/v1/runs", path: "/api/v1/runs?limit=0", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/runs", path: "/api/v1/runs", status: 401, refused: true},
		{op: "GET /api/v1/runs", path: "/api/v1/runs", header: offSrv, status: 503, refused: true},
		{op: "POST /api/v1/runs", path: "/api/v1/runs", header: bearer, body: `{"stream": 8, "lead_scoring_limit": 5}`, status: 202},
		{op: "POST /api/v1/runs", path: "/api/v1/runs", header: bearer, body: `{"stream": 1}`, status: 409},
		{op: "POST /api/v1/runs", path: "/api/v1/runs", header: bearer, body: `{"stream": 1, "streem": 2}`, status: 400, refused: true},
		{op: "POST /api/v1/runs", path: "/api/v1/runs", header: bearer, body: big, status: 413},
		{op: "GET /api/v1/runs/{id}", path: done, header: bearer, status: 200},
		{op: "GET /api/v1/runs/{id}", path: done + "?limit=1", header: bearer, status: 200},
		{op: "GET /api/v1/runs/{id}", path: done + "?limit=0", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/runs/{id}", path: "/api/v1/runs/SR-000101-001-S1", header: bearer, status: 404},
		{op: "GET /api/v1/runs/{id}/report", path: done + "/report", header: bearer, status: 200},
		{op: "GET /api/v1/runs/{id}/report", path: done + "/report?format=csv", header: bearer, status: 200},
		{op: "GET /api/v1/runs/{id}/report", path: done + "/report?format=xml", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/runs/{id}/report", path: "/api/v1/runs/SR-000101-001-S1/report", header: bearer, status: 404},
		{op: "GET /api/v1/runs/{id}/events", path: done + "/events?after=1", header: bearer, status: 200},
		{op: "GET /api/v1/runs/{id}/events", path: done + "/events?after=-1", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/runs/{id}/events", path: "/api/v1/runs/nope/events", header: bearer, status: 404},
		{op: "POST /api/v1/runs/{id}/rerun", path: run + "/rerun", header: bearer, status: 409},
		{op: "POST /api/v1/runs/{id}/rerun", path: done + "/rerun", header: bearer, status: 400},
		{op: "POST /api/v1/runs/{id}/rerun", path: "/api/v1/runs/" + f.failedRun + "/rerun", header: bearer, status: 202},
		{op: "POST /api/v1/runs/{id}/rerun", path: "/api/v1/runs/SR-000101-001-S1/rerun", header: bearer, status: 404},
		{op: "GET /api/v1/schedules", path: "/api/v1/schedules", header: bearer, status: 200},
		{op: "GET /api/v1/schedules", path: "/api/v1/schedules", status: 401, refused: true},
		{op: "POST /api/v1/runs/{id}/cancel", path: run + "/cancel", header: bearer, status: 200},
		{op: "POST /api/v1/runs/{id}/cancel", path: done + "/cancel", header: bearer, status: 409},

		{op: "GET /api/v1/clients", path: "/api/v1/clients?stream=1&status=active", header: bearer, status: 200},
		{op: "GET /api/v1/clients", path: "/api/v1/clients?q=sarah&limit=1", header: bearer, status: 200},
		{op: "GET /api/v1/clients", path: "/api/v1/clients?limit=501", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/clients", path: "/api/v1/clients?status=asleep", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/clients", path: "/api/v1/clients", header: map[string]string{"Authorization": "Bearer " + f.namedToken}, status: 200},
		{op: "GET /api/v1/clients", path: "/api/v1/clients", header: map[string]string{"Authorization": "Bearer " + f.revokedToken}, status: 401},
		{op: "POST /api/v1/clients", path: "/api/v1/clients", header: bearer, body: `{"client_id": "New-Co", "name": "New Co", "stream": 3}`, status: 201},
		{op: "POST /api/v1/clients", path: "/api/v1/clients", header: bearer, body: `{"client_id": "New-Co", "name": "New Co"}`, status: 409},
		{op: "POST /api/v1/clients", path: "/api/v1/clients", header: bearer, body: `{"client_id": "Bad-Co", "name": "Bad", "stream": "x"}`, status: 400, refused: true},
		{op: "GET /api/v1/clients/{id}", path: sc, header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}", path: "/api/v1/clients/Nobody", header: bearer, status: 404},
		{op: "PATCH /api/v1/clients/{id}", path: sc, header: bearer, body: `{"lh_sender_email": "sarah@example.com", "score_threshold": 40}`, status: 200},
		{op: "PATCH /api/v1/clients/{id}", path: sc, header: bearer, body: `{"colour": "red"}`, status: 400, refused: true},
		{op: "PATCH /api/v1/clients/{id}", path: "/api/v1/clients/Nobody", header: bearer, body: `{"name": "x"}`, status: 404},
		{op: "GET /api/v1/clients/{id}/rubric", path: sc + "/rubric", header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/rubric", path: "/api/v1/clients/Nobody/rubric", header: bearer, status: 404},
		{op: "PUT /api/v1/clients/{id}/rubric", path: sc + "/rubric", header: bearer, body: f.rubricJSON, status: 200},
		{op: "PUT /api/v1/clients/{id}/rubric", path: sc + "/rubric", header: bearer, body: `{"preamble": "x", "attributes": "none"}`, status: 400, refused: true},
		{op: "GET /api/v1/clients/{id}/leads", path: sc + "/leads?limit=2&status=scored&min_score=1", header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/leads", path: sc + "/leads?limit=501", header: bearer, status: 400, refused: true},
		{op: "POST /api/v1/clients/{id}/leads", path: sc + "/leads", header: bearer, body: "[" + person + "]", status: 200},
		{op: "POST /api/v1/clients/{id}/leads", path: sc + "/leads", header: bearer, ctype: "text/csv", body: "profile_url,first_name\nhttps://www.linkedin.com/in/csv-person,Cee\n", status: 200},
		{op: "POST /api/v1/clients/{id}/leads", path: "/api/v1/clients/Nobody/leads", header: bearer, body: "[]", status: 404},
		{op: "POST /api/v1/clients/{id}/leads", path: "/api/v1/clients/Paused-Co/leads", header: bearer, body: "[" + person + "]", status: 403},
		{op: "GET /api/v1/clients/{id}/leads/{lead_id}", path: lead, header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/leads/{lead_id}", path: sc + "/leads/abc", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/clients/{id}/leads/{lead_id}", path: sc + "/leads/999999999", header: bearer, status: 404},
		{op: "GET /api/v1/clients/{id}/top-leads", path: sc + "/top-leads?limit=3", header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/top-leads", path: sc + "/top-leads?format=csv&limit=2", header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/top-leads", path: sc + "/top-leads?mark=maybe", header: bearer, status: 400, refused: true},
		{op: "POST /api/v1/clients/{id}/posts", path: sc + "/posts", header: bearer, body: `[{"profile_url": "` + f.profileURL + `", "post_url": "https://www.linkedin.com/posts/p-1", "content": "Hello", "posted_at": "2026-01-02"}]`, status: 200},
		{op: "POST /api/v1/clients/{id}/posts", path: sc + "/posts", header: bearer, body: `42`, status: 400, refused: true},
		{op: "POST /api/v1/clients/{id}/ingest-token", path: "/api/v1/clients/Dean-Hobin/ingest-token", header: bearer, status: 201},
		{op: "POST /api/v1/clients/{id}/ingest-token", path: "/api/v1/clients/Nobody/ingest-token", header: bearer, status: 404},
		{op: "DELETE /api/v1/clients/{id}/ingest-token", path: "/api/v1/clients/Dean-Hobin/ingest-token", header: bearer, status: 204},
		{op: "DELETE /api/v1/clients/{id}/ingest-token", path: "/api/v1/clients/Dean-Hobin/ingest-token", header: bearer, status: 404},
		{op: "POST /api/v1/clients/{id}/leads/requeue", path: sc + "/leads/requeue", header: bearer, body: `{"reason": "api_error"}`, status: 200},
		{op: "POST /api/v1/clients/{id}/leads/requeue", path: sc + "/leads/requeue", header: bearer, body: `{"reason": "bored"}`, status: 400},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/exclude", path: lead + "/exclude", header: bearer, status: 200},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/exclude", path: lead + "/exclude", header: bearer, status: 409},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/exclude", path: sc + "/leads/0/exclude", header: bearer, status: 400, refused: true},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/include", path: lead + "/include", header: bearer, status: 200},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/include", path: lead + "/include", header: bearer, status: 409},
		{op: "POST /api/v1/clients/{id}/leads/{lead_id}/include", path: "/api/v1/clients/Nobody/leads/1/include", header: bearer, status: 404},
		{op: "GET /api/v1/clients/{id}/history", path: sc + "/history?lead_id=" + fmt.Sprint(f.leadID), header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/history", path: sc + "/history?lead_id=0", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/needs-attention", path: "/api/v1/needs-attention", header: bearer, status: 200},
		{op: "GET /api/v1/needs-attention", path: "/api/v1/needs-attention?limit=1&start=0", header: bearer, status: 200},
		{op: "GET /api/v1/needs-attention", path: "/api/v1/needs-attention?limit=0", header: bearer, status: 400, refused: true},
		{op: "GET /api/v1/needs-attention", path: "/api/v1/needs-attention", header: wrongKey, status: 401},
		{op: "GET /api/v1/provider-status", path: "/api/v1/provider-status", header: bearer, status: 200},
		{op: "GET /api/v1/provider-status", path: "/api/v1/provider-status?x=%zz", header: bearer, status: 400},
		{op: "GET /api/v1/clients/{id}/legacy-ingest", path: sc + "/legacy-ingest", header: bearer, status: 200},
		{op: "PUT /api/v1/clients/{id}/legacy-ingest", path: sc + "/legacy-ingest", header: bearer, body: `{"until": "` + until + `"}`, status: 200},
		{op: "PUT /api/v1/clients/{id}/legacy-ingest", path: sc + "/legacy-ingest", header: bearer, body: `{"until": "soon"}`, status: 400},
		{op: "GET /api/v1/clients/{id}/legacy-ingest", path: sc + "/legacy-ingest", header: bearer, status: 200},
		{op: "GET /api/v1/clients/{id}/legacy-ingest", path: "/api/v1/clients/Nobody/legacy-ingest", header: bearer, status: 404},
		{op: "DELETE /api/v1/clients/{id}/legacy-ingest", path: sc + "/legacy-ingest", header: bearer, status: 204},
		{op: "DELETE /api/v1/clients/{id}/legacy-ingest", path: "/api/v1/clients/Nobody/legacy-ingest", header: bearer, status: 404},
	}
}
