package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// fakeProvider answers every chat-completions call with status (and OpenAI's error body)
// or, for 200, a tiny completion.
func fakeProvider(t *testing.T, status int, msg string) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if status != 200 {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":%q}}`, msg)
			return
		}
		fmt.Fprint(w, `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"length",`+
			`"message":{"role":"assistant","content":"OK"}}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// `leadrun check ai` reports OK or the provider's exact error (exit 1), never the key,
// and stores the status for the dashboard.
func TestCheckAI(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	t.Setenv("LEADRUN_OPENAI_API_KEY", "sk-cli-test-secret")
	good, _ := fakeProvider(t, 200, "")
	out := mustCLI(t, "check", "ai", "--db", dbURL, "--scorer", "openai", "--openai-base-url", good.URL+"/v1", "--openai-model", "m")
	if !strings.HasPrefix(out, "OK: scorer openai/m at 127.0.0.1:") {
		t.Errorf("check against a working provider: %q", out)
	}
	bad, _ := fakeProvider(t, 401, "Incorrect API key provided: sk-cli-test-secret")
	code, out, errOut := cli(t, "check", "ai", "--db", dbURL, "--scorer", "openai", "--openai-base-url", bad.URL+"/v1", "--openai-model", "m")
	if code != exitError || !strings.Contains(out, "FAILED: scorer openai/m at 127.0.0.1") ||
		!strings.Contains(out, "AI provider unavailable: HTTP 401 Incorrect API key provided: [redacted]") ||
		strings.Contains(out+errOut, "sk-cli-test-secret") {
		t.Errorf("check with a wrong key: exit %d\n%s%s", code, out, errOut)
	}
	if out := mustCLI(t, "check", "ai", "--db", dbURL); !strings.Contains(out, "scorer rules works offline") {
		t.Errorf("check with the rules scorer: %q", out)
	}
	db := openDB(t, dbURL)
	st, err := db.ProviderStatuses(context.Background())
	if err != nil || len(st) != 2 {
		t.Fatalf("stored statuses: %d %v", len(st), err)
	}
}

// The demo with the openai scorer says so, and a wrong key ends the run failed with the
// provider's message at once, with no lead failed and no attempt spent.
func TestDemoWithOpenAIWrongKey(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	t.Setenv("LEADRUN_OPENAI_API_KEY", "sk-cli-test-secret")
	bad, calls := fakeProvider(t, 401, "Incorrect API key provided")
	code, out, errOut := cli(t, "demo", "--db", dbURL, "--scorer", "openai", "--openai-base-url", bad.URL+"/v1", "--openai-model", "gpt-4o-mini")
	if code != exitRunFailed || !strings.Contains(out, "with the openai/gpt-4o-mini scorer at 127.0.0.1:") ||
		!strings.Contains(errOut, "ended failed: AI provider unavailable: HTTP 401 Incorrect API key provided") {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	// Calls already in flight when the first 401 came back (at most the 4 allowed at once)
	// end too; after that the open breaker makes no more.
	if n := calls.Load(); n < 1 || n > 4 {
		t.Errorf("%d calls to a provider refusing the key; want at most the 4 in flight when the breaker opened", n)
	}
	db := openDB(t, dbURL)
	for _, client := range []string{"Guy-Wilson", "Dean-Hobin"} {
		counts, err := db.CountLeadsByStatus(context.Background(), client)
		if err != nil || counts[leadrun.StatusFailed] != 0 || counts[leadrun.StatusScored] != 0 {
			t.Errorf("%s leads after the failed run: %v %v", client, counts, err)
		}
	}
}

// `leadrun leads requeue` resets failed leads' attempts by reason or all, and refuses to
// guess.
func TestLeadsRequeueCLI(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	mustCLI(t, "migrate", "--db", dbURL)
	db := openDB(t, dbURL)
	ctx := context.Background()
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "A", Stream: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertLeads(ctx, "A", []*leadrun.Lead{{ProfileURL: "https://linkedin.com/in/a", Headline: "x"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ApplyLeadUpdates(ctx, "A", "SR-T", 3, []leadrun.LeadUpdate{{LeadID: 1, Status: leadrun.StatusFailed, Reason: leadrun.ReasonTimeout}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := cli(t, "leads", "requeue", "A", "--db", dbURL); code != exitError || !strings.Contains(errOut, "--all-failed") {
		t.Errorf("requeue without a selection: exit %d %s", code, errOut)
	}
	if out := mustCLI(t, "leads", "requeue", "A", "--reason", "api_error", "--db", dbURL); !strings.HasPrefix(out, "0 failed leads") {
		t.Errorf("requeue another reason: %q", out)
	}
	if out := mustCLI(t, "leads", "requeue", "A", "--reason", "timeout", "--db", dbURL); !strings.HasPrefix(out, "1 failed leads of A requeued") {
		t.Errorf("requeue timeout: %q", out)
	}
	lead, err := db.FindLeadByID(ctx, "A", 1)
	if err != nil || lead.Attempts != 0 || lead.ScoringStatus != leadrun.StatusFailed {
		t.Errorf("lead after requeue: %+v %v", lead, err)
	}
}

// openDB opens a database the command line made (already migrated).
func openDB(t *testing.T, dbURL string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
