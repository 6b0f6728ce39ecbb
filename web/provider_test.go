package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// failLead records n failed attempts of a lead with a reason.
func failLead(t *testing.T, db *sqldb.DB, clientID string, id int64, reason leadrun.Reason, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
			_, err := tx.ApplyLeadUpdates(context.Background(), clientID, "SR-T", 3,
				[]leadrun.LeadUpdate{{LeadID: id, Status: leadrun.StatusFailed, Reason: reason, ScoredBy: "openai/m"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func firstLeads(t *testing.T, db *sqldb.DB, clientID string, n int) []*leadrun.Lead {
	t.Helper()
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: clientID, Limit: n})
	if err != nil || len(leads) < n {
		t.Fatalf("leads: %d %v", len(leads), err)
	}
	return leads
}

// Failed leads are retried on request: by reason or all, through the API and the
// dashboard's CSRF-protected button; bad requests change nothing.
func TestLeadRequeue(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		leads := firstLeads(t, db, "Guy-Wilson", 2)
		failLead(t, db, "Guy-Wilson", leads[0].ID, leadrun.ReasonAPIError, 3)
		failLead(t, db, "Guy-Wilson", leads[1].ID, leadrun.ReasonTimeout, 1)
		attempts := func(id int64) int {
			l, err := db.FindLeadByID(ctx, "Guy-Wilson", id)
			if err != nil {
				t.Fatal(err)
			}
			return l.Attempts
		}
		path := "/api/v1/clients/Guy-Wilson/leads/requeue"
		for _, bad := range []struct {
			body   string
			status int
		}{{`{}`, 400}, {`{"reason":"nope"}`, 400}, {`{"reason":1}`, 400}, {`{"all_failed":true,"x":1}`, 400}} {
			if status, _ := e.do(t, "POST", path, bearer, bad.body); status != bad.status {
				t.Errorf("POST %s: %d, want %d", bad.body, status, bad.status)
			}
		}
		if status, _ := e.do(t, "POST", path, nil, `{"all_failed":true}`); status != http.StatusUnauthorized {
			t.Errorf("without the admin token: %d", status)
		}
		if status, _ := e.do(t, "POST", "/api/v1/clients/Nobody/leads/requeue", bearer, `{"all_failed":true}`); status != http.StatusNotFound {
			t.Errorf("unknown client: %d", status)
		}
		if attempts(leads[0].ID) != 3 || attempts(leads[1].ID) != 1 {
			t.Fatal("a refused request changed attempts")
		}
		status, body := e.do(t, "POST", path, bearer, `{"reason":"api_error"}`)
		if status != 200 || body["requeued"] != 1.0 || attempts(leads[0].ID) != 0 || attempts(leads[1].ID) != 1 {
			t.Fatalf("requeue api_error: %d %v; attempts %d, %d", status, body, attempts(leads[0].ID), attempts(leads[1].ID))
		}
		due, err := db.DueLeads(ctx, "Guy-Wilson", 0, 3, 1000)
		if err != nil || !hasLead(due, leads[0].ID) {
			t.Errorf("requeued lead not due: %v", err)
		}

		other := firstLeads(t, db, "Dean-Hobin", 1)[0]
		failLead(t, db, "Dean-Hobin", other.ID, leadrun.ReasonTimeout, 3)
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		form := url.Values{"all_failed": {"1"}, "back": {"https://evil.example/"}}
		if status, _, _ := b.post("/clients/Guy-Wilson/leads/requeue", form); status != http.StatusForbidden || attempts(leads[1].ID) != 1 {
			t.Errorf("button without CSRF: %d, attempts %d", status, attempts(leads[1].ID))
		}
		form.Set("csrf_token", b.csrf)
		status, _, h := b.post("/clients/Guy-Wilson/leads/requeue", form)
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/clients/Guy-Wilson?notice=requeued") || attempts(leads[1].ID) != 0 {
			t.Errorf("button: %d to %q, attempts %d", status, h.Get("Location"), attempts(leads[1].ID))
		}
		if l, err := db.FindLeadByID(ctx, "Dean-Hobin", other.ID); err != nil || l.Attempts != 3 {
			t.Errorf("requeueing Guy-Wilson's leads touched another client's: %+v %v", l, err)
		}
	})
}

func hasLead(leads []*leadrun.Lead, id int64) bool {
	for _, l := range leads {
		if l.ID == id {
			return true
		}
	}
	return false
}

// The last provider status shows in JSON and on the dashboard; a lead's scorer shows on
// its page and in its JSON; a lead with no attempts left says so and offers a retry.
func TestProviderStatusAndLeadProvenance(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		msg := "FAILED: scorer openai/gpt-4o-mini at api.example.com: AI provider unavailable: HTTP 401 Incorrect API key provided"
		if err := db.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: leadrun.ScorerInfo{Name: "openai",
			Host: "api.example.com", Model: "gpt-4o-mini"}, Message: msg + "\x00", Source: "leadrun check ai"}); err != nil {
			t.Fatal(err)
		}
		status, body := e.do(t, "GET", "/api/v1/provider-status", bearer, "")
		providers, _ := body["providers"].([]any)
		if status != 200 || len(providers) != 1 || providers[0].(map[string]any)["message"] != msg || providers[0].(map[string]any)["ok"] != false {
			t.Fatalf("provider status: %d %v", status, body)
		}
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		if _, page, _ := b.get("/provider-status"); !strings.Contains(page, "HTTP 401 Incorrect API key provided") || !strings.Contains(page, "unavailable") {
			t.Errorf("provider fragment:\n%s", page)
		}
		lead := firstLeads(t, db, "Guy-Wilson", 1)[0]
		failLead(t, db, "Guy-Wilson", lead.ID, leadrun.ReasonInvalidAIResponse, 3)
		status, body = e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads/"+strconv.FormatInt(lead.ID, 10), bearer, "")
		if status != 200 || body["scored_by"] != "openai/m" {
			t.Errorf("lead JSON: %d scored_by %v", status, body["scored_by"])
		}
		_, page, _ := b.get("/clients/Guy-Wilson/leads/" + strconv.FormatInt(lead.ID, 10))
		if !strings.Contains(page, `id="scored-by"`) || !strings.Contains(page, "openai/m") || !strings.Contains(page, "none left") ||
			!strings.Contains(page, `action="/clients/Guy-Wilson/leads/requeue"`) {
			t.Errorf("lead page lacks the scorer or the truth about attempts")
		}
	})
}

// refusingScorer answers every lead with a safety block (a lead's failure) and names
// itself openai, so the run's scorer shows.
type refusingScorer struct{}

func (refusingScorer) Name() string { return "openai" }
func (refusingScorer) Info() leadrun.ScorerInfo {
	return leadrun.ScorerInfo{Name: "openai", Host: "api.example.com", Model: "gpt-4o-mini"}
}
func (refusingScorer) ScoreLeads(_ context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	res := &leadrun.LeadResult{}
	for _, l := range req.Leads {
		res.Outcomes = append(res.Outcomes, leadrun.LeadOutcome{LeadID: l.ID, Reason: leadrun.ReasonSafetyBlock, Detail: "refused"})
	}
	return res, nil
}
func (refusingScorer) ScorePosts(_ context.Context, req leadrun.PostRequest) (*leadrun.PostResult, error) {
	return &leadrun.PostResult{}, nil
}

// A run's page names the scorer it asked for, and its failure group offers "Retry these
// leads" (a CSRF-protected form) that makes the failed leads due again.
func TestRunPageRetryButton(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServeWith(t, db, web.Config{AdminToken: token}, refusingScorer{}, runner.Config{}, true)
	run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI,
		Params: leadrun.RunParams{LeadLimit: 5, ClientFilter: []string{"Guy-Wilson"}}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if run, err = e.r.Wait(wctx, run.ID, 20*time.Millisecond, nil); err != nil || run.Totals.LeadsFailed == 0 {
		t.Fatalf("run %+v %v", run, err)
	}
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	_, page, _ := b.get("/runs/" + run.ID)
	for _, want := range []string{`id="run-scorer">openai/gpt-4o-mini at api.example.com`, `action="/clients/Guy-Wilson/leads/requeue"`,
		`name="reason" value="safety_block"`, "Retry these leads"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	failed := leadrun.StatusFailed
	before, _ := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson", ScoringStatus: &failed})
	status, _, _ := b.post("/clients/Guy-Wilson/leads/requeue", url.Values{"csrf_token": {b.csrf}, "reason": {"safety_block"},
		"back": {"/runs/" + run.ID}})
	after, _ := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson", ScoringStatus: &failed})
	if status != http.StatusSeeOther || len(after) != len(before) || len(after) == 0 {
		t.Fatalf("retry button: %d; failed leads %d → %d", status, len(before), len(after))
	}
	for _, l := range after {
		if l.Attempts != 0 {
			t.Errorf("lead %d still has %d attempts", l.ID, l.Attempts)
		}
	}
}
