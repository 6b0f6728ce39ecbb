package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// Named API tokens are "who" in the API: a run started with token zapier is requested by
// api:zapier, cancelled with token ops it is cancelled by api:ops; client changes, lead
// exclusions and requeues are recorded the same way, and the run's progress log, the
// dashboard and the request log show it — never the token. Revoking a token refuses its next request at once and
// leaves the others working. Both databases.
func TestAPITokensAreWho(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		scorer := gatedScorer{Scorer: rules.New(rules.Options{}), hold: map[string]bool{"Guy-Wilson": true, "Dean-Hobin": true}}
		e := mustServeWith(t, db, web.Config{AdminToken: token}, scorer, runner.Config{}, true)
		zapier, _, err := db.CreateAPIToken(ctx, "zapier")
		must(t, err)
		ops, _, err := db.CreateAPIToken(ctx, "ops")
		must(t, err)
		as := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

		status, run := e.do(t, "POST", "/api/v1/runs", as(zapier), `{"stream": 1}`)
		if status != 202 || run["requested_by"] != "api:zapier" || run["trigger"] != "api" {
			t.Fatalf("start with zapier: %d %v", status, run)
		}
		id := fmt.Sprint(run["run_id"])
		status, cancelled := e.do(t, "POST", "/api/v1/runs/"+id+"/cancel", as(ops), "")
		if status != 200 || cancelled["cancelled_by"] != "api:ops" || !strings.Contains(fmt.Sprint(cancelled["status_reason"]), "api:ops") {
			t.Fatalf("cancel with ops: %d %v", status, cancelled)
		}
		events, err := db.FindEvents(ctx, id, 0, 0)
		must(t, err)
		var log strings.Builder
		for _, ev := range events {
			log.WriteString(ev.Message + "\n")
		}
		if !strings.Contains(log.String(), "(api:zapier)") || !strings.Contains(log.String(), "api:ops") {
			t.Errorf("the run's progress log does not say who started and cancelled it:\n%s", log.String())
		}
		if status, _ := e.do(t, "PATCH", "/api/v1/clients/Sarah-Chen", as(zapier), `{"score_threshold": 45}`); status != 200 {
			t.Fatalf("patch: %d", status)
		}
		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Sarah-Chen", Limit: 1})
		must(t, err)
		if status, _ := e.do(t, "POST", fmt.Sprintf("/api/v1/clients/Sarah-Chen/leads/%d/exclude", leads[0].ID), as(ops), ""); status != 200 {
			t.Fatalf("exclude: %d", status)
		}
		if status, _ := e.do(t, "POST", "/api/v1/clients/Sarah-Chen/leads/requeue", bearer, `{"all_failed": true}`); status != 200 {
			t.Fatalf("requeue: %d", status)
		}
		hist, err := db.FindActions(ctx, "Sarah-Chen", 0, 10)
		must(t, err)
		var by []string
		for _, a := range hist {
			by = append(by, string(a.Kind)+"="+a.By)
		}
		if got := strings.Join(by, " "); !strings.Contains(got, "lead_excluded=api:ops") || !strings.Contains(got, "client_changed=api:zapier") {
			t.Errorf("history: %s; want the exclusion by api:ops and the edit by api:zapier", got)
		}

		// The dashboard shows who.
		b := newBrowser(t, e.srv.URL)
		if b.login(token) != http.StatusSeeOther {
			t.Fatal("dashboard login failed")
		}
		if _, page, _ := b.get("/runs/" + id); !strings.Contains(page, "api:ops") || !strings.Contains(page, "api:zapier") {
			t.Errorf("the run page does not show who started (api:zapier) and cancelled (api:ops) the run")
		}
		if _, page, _ := b.get("/clients/Sarah-Chen"); !strings.Contains(page, "by api:zapier") {
			t.Errorf("the client page's history does not show api:zapier")
		}

		// Revoked: refused at once, the other token and the admin token still work.
		must(t, db.RevokeAPIToken(ctx, "zapier"))
		status, body := e.do(t, "GET", "/api/v1/runs", as(zapier), "")
		if status != 401 || !strings.Contains(fmt.Sprint(body["error"]), "revoked") {
			t.Errorf("revoked token: %d %v, want 401 saying revoked", status, body)
		}
		for _, h := range []map[string]string{as(ops), bearer} {
			if status, _ := e.do(t, "GET", "/api/v1/runs", h, ""); status != 200 {
				t.Errorf("a live token after another's revocation: %d", status)
			}
		}
		for _, h := range []map[string]string{nil, as(""), as("lrat_unknown"), {"Authorization": zapier}} {
			if status, _ := e.do(t, "GET", "/api/v1/runs", h, ""); status != 401 {
				t.Errorf("credentials %v: %d, want 401", h, status)
			}
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"who":"api:zapier"`) || !strings.Contains(logs, `"who":"api:ops"`) || !strings.Contains(logs, `"who":"api:admin"`) {
			t.Errorf("the request log does not say who: %s", leadrun.Truncate(logs, 2000))
		}
		for _, secret := range []string{zapier, ops, token} {
			if strings.Contains(logs, secret) {
				t.Errorf("a token is in the log")
			}
		}
		sqldbtest.MustNotStore(t, db, zapier, ops)
	})
}

// Without LEADRUN_ADMIN_TOKEN the API works with named tokens alone; with none of either
// it is disabled (503) and says how to enable it.
func TestAPITokensWithoutAdminToken(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{}, false)
		status, body := e.do(t, "GET", "/api/v1/clients", nil, "")
		if status != 503 || !strings.Contains(fmt.Sprint(body["error"]), "leadrun tokens add") {
			t.Errorf("no tokens at all: %d %v, want 503 naming leadrun tokens add", status, body)
		}
		tok, _, err := db.CreateAPIToken(context.Background(), "ci")
		must(t, err)
		if status, _ := e.do(t, "GET", "/api/v1/clients", map[string]string{"Authorization": "Bearer " + tok}, ""); status != 200 {
			t.Errorf("named token without an admin token: %d", status)
		}
		if status, _ := e.do(t, "GET", "/api/v1/clients", map[string]string{"Authorization": "Bearer x"}, ""); status != 401 {
			t.Errorf("wrong token: %d, want 401", status)
		}
	})
}
