package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// providerCase is one provider behaviour driven through a real run.
type providerCase struct {
	name string
	// serve answers call number n (from 1); keys are the lead keys sent.
	serve func(w http.ResponseWriter, r *http.Request, n int64, keys []string)
	edit  func(*Config)
	// refuse: the base URL points at a closed port (connection refused).
	refuse bool
	status leadrun.RunStatus
	reason string // substring of the run's status reason
	scored int64
	// tokens: prompt tokens per call the server answered with usage, or -1 to skip.
	tokens int64
}

const providerLeads = 25

// keysOf reads the lead keys of a chat-completions request.
func keysOf(raw []byte) []string {
	var body struct {
		Messages []struct{ Content string } `json:"messages"`
	}
	if json.Unmarshal(raw, &body) != nil || len(body.Messages) < 2 {
		return nil
	}
	content := body.Messages[1].Content
	var user struct {
		Leads []struct{ Key string } `json:"leads"`
	}
	_ = json.Unmarshal([]byte(content[strings.IndexByte(content, '\n')+1:]), &user)
	var keys []string
	for _, l := range user.Leads {
		keys = append(keys, l.Key)
	}
	return keys
}

func allOK(keys []string) []map[string]any {
	var objs []map[string]any
	for _, k := range keys {
		objs = append(objs, okObj(k))
	}
	return objs
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "0")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"server_error"}}`, msg)
}

func providerCases() []providerCase {
	failedWith := func(status int, msg string) func(http.ResponseWriter, *http.Request, int64, []string) {
		return func(w http.ResponseWriter, _ *http.Request, _ int64, _ []string) { writeError(w, status, msg) }
	}
	return []providerCase{
		{name: "500 always", serve: failedWith(500, "upstream exploded"), status: leadrun.RunFailed,
			reason: "AI provider unavailable: HTTP 500 upstream exploded (after 3 tries)", tokens: 0},
		{name: "401 wrong key", serve: failedWith(401, "Incorrect API key provided: t"), status: leadrun.RunFailed,
			reason: "AI provider unavailable: HTTP 401 Incorrect API key provided: [redacted] (http://", tokens: 0},
		{name: "404 model", serve: failedWith(404, `The model "test-model" does not exist`), status: leadrun.RunFailed,
			reason: `HTTP 404 The model "test-model" does not exist`, tokens: 0},
		{name: "429 forever", serve: failedWith(429, "Rate limit reached"), status: leadrun.RunFailed,
			reason: "HTTP 429 Rate limit reached (after 3 tries)", tokens: 0},
		{name: "connection refused", refuse: true, status: leadrun.RunFailed, reason: "AI provider unavailable: request failed", tokens: 0},
		{name: "hang past timeout", edit: func(c *Config) { c.Timeout, c.MaxRetries = 200*time.Millisecond, 1 },
			serve:  func(_ http.ResponseWriter, r *http.Request, _ int64, _ []string) { <-r.Context().Done() },
			status: leadrun.RunFailed, reason: "no answer within 200ms (after 2 tries)", tokens: 0},
		{name: "huge body", edit: func(c *Config) { c.MaxResponseBytes = 64 << 10 },
			serve: func(w http.ResponseWriter, r *http.Request, _ int64, _ []string) {
				w.Header().Set("Content-Type", "application/json")
				chunk := []byte(strings.Repeat(" ", 64<<10))
				for i := 0; i < 1000 && r.Context().Err() == nil; i++ { // up to 64 MB
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			},
			status: leadrun.RunFailed, reason: "the answer is larger than 65536 bytes", tokens: 0},
		{name: "outage after paid calls", status: leadrun.RunFailed, reason: "HTTP 503 overloaded", scored: 10, tokens: 100,
			serve: func(w http.ResponseWriter, _ *http.Request, n int64, keys []string) {
				if n == 1 {
					fmt.Fprint(w, completion(reply{content: answer(allOK(keys)...), prompt: 100, output: 20}))
					return
				}
				writeError(w, 503, "overloaded")
			}},
		{name: "paid half answer then outage inside a chunk", status: leadrun.RunFailed, reason: "HTTP 502 bad gateway", tokens: 100,
			serve: func(w http.ResponseWriter, _ *http.Request, n int64, keys []string) {
				if n == 1 { // answers half the leads: the rest are asked again, and the provider is gone
					fmt.Fprint(w, completion(reply{content: answer(allOK(keys[:len(keys)/2])...), prompt: 100, output: 20}))
					return
				}
				writeError(w, 502, "bad gateway")
			}},
		{name: "NUL and invalid UTF-8 in the answer", status: leadrun.RunCompleted, scored: providerLeads, tokens: 100,
			serve: func(w http.ResponseWriter, _ *http.Request, _ int64, keys []string) {
				objs := allOK(keys)
				for _, o := range objs {
					o["assessment"] = "Nul\x00 here \xff and there"
					o["attribute_reasoning"] = map[string]any{"A": "reason\x00"}
				}
				fmt.Fprint(w, completion(reply{content: answer(objs...), prompt: 100, output: 20}))
			}},
		{name: "absurd usage", status: leadrun.RunCompleted, scored: providerLeads, tokens: -1,
			serve: func(w http.ResponseWriter, _ *http.Request, _ int64, keys []string) {
				body := completion(reply{content: answer(allOK(keys)...), prompt: 100, output: 20})
				body = strings.Replace(body, `"prompt_tokens":100`, `"prompt_tokens":9200000000000000000`, 1)
				body = strings.Replace(body, `"completion_tokens":20`, `"completion_tokens":-5`, 1)
				fmt.Fprint(w, body)
			}},
	}
}

// TestProviderFailuresEndTheRunNotTheLeads drives every provider failure mode through a
// real run on both databases: the run ends quickly with the right status and reason, no
// lead is failed and no attempt consumed, and the tokens of every paid call count once.
func TestProviderFailuresEndTheRunNotTheLeads(t *testing.T) {
	for _, tc := range providerCases() {
		t.Run(tc.name, func(t *testing.T) {
			sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
				checkProviderCase(t, db, tc)
			})
		})
	}
}

func checkProviderCase(t *testing.T, db *sqldb.DB, tc providerCase) {
	ctx := context.Background()
	var calls atomic.Int64
	url := closedURL(t)
	if !tc.refuse {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			tc.serve(w, r, calls.Add(1), keysOf(raw))
		}))
		t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
		url = srv.URL
	}
	cfg := Config{BaseURL: url + "/v1", Model: "test-model", APIKey: "t", Timeout: 5 * time.Second, MaxRetries: 2}
	if tc.edit != nil {
		tc.edit(&cfg)
	}
	r := startProviderRunner(t, db, cfg)
	start := time.Now()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if run, err = r.Wait(wctx, run.ID, 20*time.Millisecond, nil); err != nil {
		t.Fatalf("run not terminal within 60 s: %v", err)
	}
	t.Logf("terminal after %s: %s: %s", time.Since(start).Round(time.Millisecond), run.Status, run.StatusReason)
	if run.Status != tc.status || !strings.Contains(run.StatusReason, tc.reason) {
		t.Errorf("run %s %q; want %s containing %q", run.Status, run.StatusReason, tc.status, tc.reason)
	}
	if strings.Contains(run.StatusReason, "ups[redacted]") {
		t.Errorf("short key redacted inside words: %q", run.StatusReason)
	}
	tt := run.Totals
	if tt.LeadsFailed != 0 || tt.LeadsScored != tc.scored {
		t.Errorf("leads scored %d failed %d; want %d and 0", tt.LeadsScored, tt.LeadsFailed, tc.scored)
	}
	checkLeadsAfterProviderCase(t, db, tc)
	answered := calls.Load()
	switch {
	case tc.tokens == 0 && tt.PromptTokens != 0:
		t.Errorf("prompt tokens %d; no call was answered", tt.PromptTokens)
	case tc.tokens > 0 && tt.PromptTokens != tc.tokens*paidCalls(tc, answered):
		t.Errorf("prompt tokens %d after %d calls; want %d per paid call, once", tt.PromptTokens, answered, tc.tokens)
	case tc.tokens < 0 && (tt.PromptTokens <= 0 || tt.PromptTokens > 1_000_000 || tt.CompletionTokens != 0):
		t.Errorf("absurd usage counted as %d + %d tokens; want clamped to a plausible bound and 0", tt.PromptTokens, tt.CompletionTokens)
	}
	if st, err := db.ProviderStatuses(ctx); err != nil || len(st) != 1 || st[0].OK != (tc.status == leadrun.RunCompleted) ||
		(!st[0].OK && !strings.Contains(st[0].Message, strings.TrimPrefix(tc.reason, "AI provider unavailable: "))) {
		t.Errorf("provider status after the run: %v %v", st, err)
	}
	if tc.status == leadrun.RunFailed {
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil || results[0].Operations[0].FailureCode != leadrun.ReasonProviderUnavailable {
			t.Errorf("operation failure code: %+v %v", results[0].Operations[0], err)
		}
	}
}

// paidCalls is how many calls of the case returned usage.
func paidCalls(tc providerCase, calls int64) int64 {
	if tc.status == leadrun.RunFailed {
		return 1
	}
	return calls
}

// checkLeadsAfterProviderCase: unscored leads stay due with attempts unchanged; scored
// ones hold no NUL or invalid UTF-8 and name their scorer.
func checkLeadsAfterProviderCase(t *testing.T, db *sqldb.DB, tc providerCase) {
	t.Helper()
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: "Guy-Wilson"})
	if err != nil || len(leads) != providerLeads {
		t.Fatalf("leads: %d %v", len(leads), err)
	}
	for _, l := range leads {
		switch l.ScoringStatus {
		case leadrun.StatusToBeScored:
			if l.Attempts != 0 {
				t.Errorf("lead %d: due but %d attempts consumed", l.ID, l.Attempts)
			}
		case leadrun.StatusScored:
			if l.Attempts != 1 || l.ScoredBy != "openai/test-model" {
				t.Errorf("lead %d scored: attempts %d, scored by %q", l.ID, l.Attempts, l.ScoredBy)
			}
			if _, changed := leadrun.CleanText(l.Assessment); changed {
				t.Errorf("lead %d assessment kept NUL or invalid UTF-8: %q", l.ID, l.Assessment)
			}
		default:
			t.Errorf("lead %d ended %s (%s)", l.ID, l.ScoringStatus, l.LastReason)
		}
	}
}

// closedURL is the URL of a port that refuses connections.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func startProviderRunner(t *testing.T, db *sqldb.DB, cfg Config) *runner.Runner {
	t.Helper()
	return startScoringRunner(t, db, cfg, nil, providerLeads)
}

// The breaker is shared by the process's operations and outlives a run: after a 401 the
// next run fails at once with the same message and without calling the provider, until
// the cool-down lets one probe through.
func TestOpenBreakerFailsTheNextRunWithoutCalls(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			writeError(w, 401, "Incorrect API key provided")
		}))
		t.Cleanup(srv.Close)
		cfg := Config{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: "sk-test-secret-key", Timeout: 5 * time.Second}
		r := startProviderRunner(t, db, cfg)
		ctx := context.Background()
		var reasons []string
		for i := 0; i < 2; i++ {
			run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
			if err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			run, err = r.Wait(wctx, run.ID, 10*time.Millisecond, nil)
			cancel()
			if err != nil || run.Status != leadrun.RunFailed || run.Totals.LeadsFailed != 0 {
				t.Fatalf("run %d: %+v %v", i+1, run, err)
			}
			reasons = append(reasons, run.StatusReason)
		}
		if calls.Load() != 1 || reasons[0] != reasons[1] || !strings.Contains(reasons[1], "HTTP 401 Incorrect API key provided") {
			t.Errorf("%d calls; reasons %q", calls.Load(), reasons)
		}
	})
}
