package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

const (
	secret = "whsec-test-5f1c2a"
	token  = "admin-test-9d8e7f"
)

type env struct {
	db   *sqldb.DB
	r    *runner.Runner
	srv  *httptest.Server
	logs *bytes.Buffer
}

// mustServe starts the real handler on a loopback port with sample clients loaded.
func mustServe(t *testing.T, db *sqldb.DB, cfg web.Config, startRunner bool) *env {
	t.Helper()
	return mustServeWith(t, db, cfg, rules.New(rules.Options{}), runner.Config{}, startRunner)
}

// mustServeWith is mustServe with a chosen scorer and runner configuration.
func mustServeWith(t *testing.T, db *sqldb.DB, cfg web.Config, scorer leadrun.Scorer, rcfg runner.Config, startRunner bool) *env {
	t.Helper()
	ctx := context.Background()
	ds := sample.Demo()
	for _, c := range ds.Clients {
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRubric(ctx, c.ID, ds.Rubrics[c.ID]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertLeads(ctx, c.ID, ds.Leads[c.ID]); err != nil {
			t.Fatal(err)
		}
	}
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, logs}, nil))
	r, err := runner.New(db, scorer, logger, rcfg)
	if err != nil {
		t.Fatal(err)
	}
	if startRunner {
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = r.Shutdown(sctx)
		})
	}
	cfg.Logger = logger
	if cfg.AICalls == nil {
		cfg.AICalls = web.NewAICalls()
		cfg.AICalls.Observe(1500*time.Millisecond, "ok")
	}
	s, err := web.NewServer(db, r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{db: db, r: r, srv: srv, logs: logs}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *env) do(t *testing.T, method, path string, header map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

var hook = map[string]string{"x-webhook-secret": secret}
var bearer = map[string]string{"Authorization": "Bearer " + token}

// The original cron command gets 202 and a run ID; the same call while it runs gets 409
// naming that run.
func TestCronWebhook(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		status, body := e.do(t, "POST", "/smart-resume-client-by-client", hook, `{"stream": 1}`)
		if status != http.StatusAccepted || body["status"] != "queued" || body["status_url"] != "/api/v1/runs/"+fmt.Sprint(body["run_id"]) {
			t.Fatalf("first call: %d %v", status, body)
		}
		status, again := e.do(t, "POST", "/smart-resume-client-by-client", hook, `{"stream": 1}`)
		if status != http.StatusConflict || again["running_run_id"] != body["run_id"] || again["started_at"] == "" {
			t.Fatalf("second call: %d %v", status, again)
		}
		// An empty body means stream 1, which is busy.
		if status, _ := e.do(t, "POST", "/smart-resume-client-by-client", hook, ``); status != http.StatusConflict {
			t.Errorf("empty body: %d, want 409", status)
		}
	})
}

// Bad requests get the documented status and message, and nothing is written.
func TestWebhookRejects(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
	cases := []struct {
		name   string
		header map[string]string
		body   string
		status int
		says   string
	}{
		{"no secret", nil, `{"stream":1}`, 401, "x-webhook-secret"},
		{"wrong secret", map[string]string{"x-webhook-secret": "nope"}, `{"stream":1}`, 401, "x-webhook-secret"},
		{"secret in a query is not accepted", nil, `{"stream":1}`, 401, "x-webhook-secret"},
		{"malformed JSON", hook, `{"stream":`, 400, "malformed JSON"},
		{"wrong type", hook, `{"stream":"one"}`, 400, "stream must be a whole number"},
		{"unknown field", hook, `{"stream":1,"streem":2}`, 400, "unknown field"},
		{"two values", hook, `{"stream":1}{"stream":2}`, 400, "more than one"},
		{"stream 0", hook, `{"stream":0}`, 400, "stream must be 1 or more"},
		{"bad client filter", hook, `{"clientFilter":["no spaces allowed"]}`, 400, "client filter"},
		{"6 MB body", hook, `{"clientFilter":["` + strings.Repeat("a", 6<<20) + `"]}`, 413, "over"},
	}
	for _, tc := range cases {
		path := "/smart-resume-client-by-client"
		if tc.name == "secret in a query is not accepted" {
			path += "?secret=" + secret
		}
		status, body := e.do(t, "POST", path, tc.header, tc.body)
		if status != tc.status || !strings.Contains(fmt.Sprint(body["error"]), tc.says) {
			t.Errorf("%s: %d %v; want %d saying %q", tc.name, status, body, tc.status, tc.says)
		}
	}
	if runs, _ := db.FindRuns(context.Background(), leadrun.RunFilter{}); len(runs) != 0 {
		t.Errorf("%d runs written by rejected requests", len(runs))
	}
	// Without a configured secret the webhook refuses everything.
	off := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false)
	if status, body := off.do(t, "POST", "/smart-resume-client-by-client", map[string]string{"x-webhook-secret": ""}, `{}`); status != 503 ||
		!strings.Contains(fmt.Sprint(body["error"]), "LEADRUN_WEBHOOK_SECRET") {
		t.Errorf("no secret configured: %d %v", status, body)
	}
}

// 100 concurrent trigger requests for one stream: exactly one 202, 99 × 409, one run.
func TestConcurrentWebhooks(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[int]int{}
		named := map[string]int{}
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body := e.do(t, "POST", "/smart-resume-client-by-client", hook, `{"stream":1}`)
				mu.Lock()
				defer mu.Unlock()
				counts[status]++
				named[fmt.Sprint(body["run_id"], body["running_run_id"])]++
			}()
		}
		wg.Wait()
		runs, _ := db.FindRuns(context.Background(), leadrun.RunFilter{})
		if counts[202] != 1 || counts[409] != 99 || len(runs) != 1 {
			t.Fatalf("statuses %v, %d runs; want 1×202, 99×409, 1 run", counts, len(runs))
		}
	})
}

// The admin API needs the bearer token, and never accepts the webhook secret instead.
func TestAdminAPIAuth(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + secret}, {"Authorization": token}} {
		if status, body := e.do(t, "GET", "/api/v1/runs", h, ""); status != 401 || fmt.Sprint(body["error"]) == "" {
			t.Errorf("%v: %d %v", h, status, body)
		}
	}
	off := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{WebhookSecret: secret}, false)
	if status, _ := off.do(t, "GET", "/api/v1/runs", map[string]string{"Authorization": "Bearer "}, ""); status != 503 {
		t.Errorf("no admin token configured: %d", status)
	}
	if status, body := e.do(t, "GET", "/readyz", nil, ""); status != 503 || body["reason"] != "the worker is not running" {
		t.Errorf("readyz without a running worker: %d %v", status, body)
	}
	if status, _ := e.do(t, "GET", "/api/v1/runs/SR-000000-001-S1", bearer, ""); status != 404 {
		t.Errorf("unknown run: %d", status)
	}
	if status, _ := e.do(t, "GET", "/api/v1/runs?status=bogus", bearer, ""); status != 400 {
		t.Errorf("bad filter: %d", status)
	}
}

// End to end: the real server triggers a run over HTTP, the run completes, and the API
// shows it with its client results; health and readiness answer; secrets never reach logs.
func TestEndToEnd(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, true)
		if status, _ := e.do(t, "GET", "/healthz", nil, ""); status != 200 {
			t.Errorf("healthz %d", status)
		}
		if status, body := e.do(t, "GET", "/readyz", nil, ""); status != 200 {
			t.Errorf("readyz %d %v", status, body)
		}
		status, created := e.do(t, "POST", "/api/v1/runs", bearer, `{"stream":1,"leadScoringLimit":30}`)
		if status != 202 {
			t.Fatalf("create: %d %v", status, created)
		}
		id := fmt.Sprint(created["run_id"])
		var detail map[string]any
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, detail = e.do(t, "GET", "/api/v1/runs/"+id, bearer, "")
			if detail["run"].(map[string]any)["status"] == "completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run not completed: %v", detail["run"])
			}
			time.Sleep(50 * time.Millisecond)
		}
		results := detail["client_results"].([]any)
		totals := detail["run"].(map[string]any)["totals"].(map[string]any)
		if len(results) != 2 || totals["leads_examined"].(float64) != 60 || len(detail["events"].([]any)) < 4 {
			t.Errorf("client results %d, totals %v", len(results), totals)
		}
		_, list := e.do(t, "GET", "/api/v1/runs?stream=1&limit=1", bearer, "")
		if runs := list["runs"].([]any); len(runs) != 1 || list["next_cursor"] != id {
			t.Errorf("list: %v", list)
		}
		if status, _ := e.do(t, "POST", "/api/v1/runs/"+id+"/cancel", bearer, ""); status != 409 {
			t.Errorf("cancelling a finished run: %d, want 409", status)
		}
		resp, err := http.Get(e.srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics := string(raw)
		scored := fmt.Sprintf(`leadrun_items_total{operation="lead_scoring",outcome="scored",reason=""} %v`, totals["leads_scored"])
		for _, want := range []string{`leadrun_runs{status="completed"} 1`, `leadrun_active_runs{stream="1"} 0`, scored,
			`leadrun_last_successful_run_timestamp_seconds{stream="1"}`, `leadrun_run_duration_seconds_count 1`,
			`leadrun_tokens_total{kind="prompt"} 0`, `leadrun_metrics_database_up 1`,
			`leadrun_ai_call_duration_seconds_bucket{outcome="ok",le="2.5"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q:\n%s", want, metrics)
			}
		}
		if logs := e.logs.String(); strings.Contains(logs, secret) || strings.Contains(logs, token) || !strings.Contains(logs, `"path":"/api/v1/runs"`) {
			t.Errorf("logs leak a secret or lack request lines:\n%s", logs)
		}
	})
}

// Every route the server answers is in the OpenAPI document, and the document is served.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
	status, doc := e.do(t, "GET", "/api/v1/openapi.json", nil, "")
	if status != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("%d %v", status, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	routes := []string{"POST /smart-resume-client-by-client", "GET /healthz", "GET /readyz", "GET /metrics",
		"GET /api/v1/runs", "POST /api/v1/runs", "GET /api/v1/runs/{id}", "GET /api/v1/runs/{id}/events",
		"POST /api/v1/runs/{id}/cancel", "GET /api/v1/clients", "POST /api/v1/clients", "GET /api/v1/clients/{id}",
		"PATCH /api/v1/clients/{id}", "GET /api/v1/clients/{id}/rubric", "PUT /api/v1/clients/{id}/rubric",
		"GET /api/v1/clients/{id}/leads", "POST /api/v1/clients/{id}/leads", "GET /api/v1/clients/{id}/leads/{lead_id}",
		"GET /api/v1/clients/{id}/top-leads", "POST /api/v1/clients/{id}/posts", "POST /lh-webhook/upsertLeadOnly",
		"POST /api/v1/clients/{id}/ingest-token", "DELETE /api/v1/clients/{id}/ingest-token"}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if item, ok := paths[path].(map[string]any); !ok || item[strings.ToLower(method)] == nil {
			t.Errorf("%s is not in the OpenAPI document", rt)
		}
		if path == "/metrics" {
			continue // not JSON; checked in TestEndToEnd
		}
		// and the server really answers it (anything but 405 from the mux).
		p := strings.NewReplacer("{id}", "SR-X", "{lead_id}", "1").Replace(path)
		if status, _ := e.do(t, method, p, nil, ""); status == http.StatusMethodNotAllowed {
			t.Errorf("%s: the server does not route it", rt)
		}
	}
}
