package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// echoServer answers every chat-completions request with a valid answer for the lead keys
// it was sent (100 prompt and 20 completion tokens each), or hangs until the caller gives
// up when hang is set.
type echoServer struct {
	srv  *httptest.Server
	hang atomic.Bool
	// script, when set, decides a reply from the call number and the keys sent; a zero
	// status means a normal answer built from the returned objects.
	script    func(call int64, keys []string) (status int, objs []map[string]any, refusal string)
	calls     atomic.Int64
	inFlight  atomic.Int64
	cancelled atomic.Int64
}

func newEchoServer(t *testing.T) *echoServer {
	e := &echoServer{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := e.calls.Add(1)
		raw, _ := io.ReadAll(r.Body) // read first: only then does the server notice a client hanging up
		if e.hang.Load() {
			e.inFlight.Add(1)
			<-r.Context().Done()
			e.cancelled.Add(1)
			return
		}
		var body struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || len(body.Messages) != 2 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		content := body.Messages[1].Content
		var user struct {
			Leads []struct{ Key string } `json:"leads"`
		}
		_ = json.Unmarshal([]byte(content[strings.IndexByte(content, '\n')+1:]), &user)
		var keys []string
		var objs []map[string]any
		for _, l := range user.Leads {
			keys = append(keys, l.Key)
			objs = append(objs, okObj(l.Key))
		}
		w.Header().Set("Content-Type", "application/json")
		if e.script != nil {
			status, scripted, refusal := e.script(call, keys)
			if status != 0 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(status)
				fmt.Fprint(w, `{"error":{"message":"scripted failure","type":"server_error"}}`)
				return
			}
			if refusal != "" {
				fmt.Fprint(w, completion(reply{refusal: refusal, prompt: 100, output: 20}))
				return
			}
			objs = scripted
		}
		fmt.Fprint(w, completion(reply{content: answer(objs...), prompt: 100, output: 20}))
	}))
	t.Cleanup(func() {
		e.srv.CloseClientConnections()
		e.srv.Close()
	})
	return e
}

func runWithOpenAI(t *testing.T, db *sqldb.DB, e *echoServer, leads int) *runner.Runner {
	t.Helper()
	return startScoringRunner(t, db, Config{BaseURL: e.srv.URL + "/v1", Model: "test-model", APIKey: "sk-test",
		Timeout: 30 * time.Second, MaxRetries: 2, Prices: map[string]Price{"test-model": {PromptPerMillion: 2, CompletionPerMillion: 8}}},
		testLeads(), leads)
}

// startScoringRunner creates client Guy-Wilson with the test rubric, the given leads and n
// more scorable ones, and starts a runner scoring with an OpenAI scorer of cfg (fast
// back-off), stopped at cleanup.
func startScoringRunner(t *testing.T, db *sqldb.DB, cfg Config, batch []*leadrun.Lead, n int) *runner.Runner {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Guy-Wilson", Stream: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRubric(ctx, "Guy-Wilson", testRubric()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		batch = append(batch, &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/lead-%d", i),
			Headline: "Founder", Experience: []leadrun.Job{{Title: "Founder", Company: "Acme"}}})
	}
	if _, err := db.UpsertLeads(ctx, "Guy-Wilson", batch); err != nil {
		t.Fatal(err)
	}
	scorer, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	scorer.backoffBase, scorer.backoffMax = time.Millisecond, 5*time.Millisecond
	r, err := runner.New(db, scorer, slog.New(slog.NewTextHandler(io.Discard, nil)),
		runner.Config{ChunkSize: 10, HeartbeatEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	})
	return r
}

// A run scored by an OpenAI-compatible server completes, and the run counts each
// response's tokens and cost exactly once.
func TestRunWithOpenAIScorer(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEchoServer(t)
		r := runWithOpenAI(t, db, e, 95)
		run, err := r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		run, err = r.Wait(ctx, run.ID, 20*time.Millisecond, nil)
		if err != nil {
			t.Fatal(err)
		}
		calls := e.calls.Load()
		tt := run.Totals
		if run.Status != leadrun.RunCompleted || tt.LeadsScored != 95 || calls != 10 {
			t.Fatalf("run %s (%s): %d scored in %d calls; want completed, 95 in 10", run.Status, run.StatusReason, tt.LeadsScored, calls)
		}
		if tt.PromptTokens != 100*calls || tt.CompletionTokens != 20*calls || tt.CostMicros != 360*calls {
			t.Errorf("tokens %d+%d cost %d µ$, want %d+%d and %d", tt.PromptTokens, tt.CompletionTokens, tt.CostMicros,
				100*calls, 20*calls, 360*calls)
		}
	})
}

// Cancelling a run stops its in-flight AI calls within seconds.
func TestCancelStopsInFlightAICalls(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEchoServer(t)
		e.hang.Store(true)
		r := runWithOpenAI(t, db, e, 20)
		run, err := r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for e.inFlight.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no AI call started")
			}
			time.Sleep(10 * time.Millisecond)
		}
		start := time.Now()
		if _, err := r.Cancel(context.Background(), run.ID, "operator asked", "test"); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		for e.cancelled.Load() < e.inFlight.Load() {
			if time.Since(start) > 5*time.Second {
				once.Do(func() {
					t.Errorf("%d of %d AI calls still running 5 s after cancel", e.inFlight.Load()-e.cancelled.Load(), e.inFlight.Load())
				})
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		got, err := db.FindRunByID(context.Background(), run.ID)
		if err != nil || got.Status != leadrun.RunCancelled || got.Totals.LeadsFailed != 0 {
			t.Errorf("run after cancel: %+v %v; want cancelled with no lead failed", got, err)
		}
	})
}

// Scripted provider behaviours, driven through real runs: the right leads end scored, the
// others failed with the right reason, every response's tokens count once, and the run
// ends with the right status.
func TestRunOutcomesByProviderBehaviour(t *testing.T) {
	const poison = "L3" // the lead the scripts single out (lead IDs start at 1)
	only := func(keys []string, drop string) []map[string]any {
		var objs []map[string]any
		for _, k := range keys {
			if k != drop {
				objs = append(objs, okObj(k))
			}
		}
		return objs
	}
	has := func(keys []string, k string) bool {
		return strings.Contains(","+strings.Join(keys, ",")+",", ","+k+",")
	}
	cases := []struct {
		name     string
		script   func(call int64, keys []string) (int, []map[string]any, string)
		status   leadrun.RunStatus
		scored   int64
		failedBy map[string]int64
	}{
		{name: "valid", status: leadrun.RunCompleted, scored: 25,
			script: func(_ int64, keys []string) (int, []map[string]any, string) { return 0, only(keys, ""), "" }},
		{name: "one lead never answered", status: leadrun.RunCompletedWithErrors, scored: 24,
			failedBy: map[string]int64{"invalid_ai_response": 1},
			script:   func(_ int64, keys []string) (int, []map[string]any, string) { return 0, only(keys, poison), "" }},
		// A provider failure is not the leads': the operation stops at that chunk and
		// the run fails, with no lead failed (see provider_run_test.go).
		{name: "a chunk always 500", status: leadrun.RunFailed, scored: 0,
			script: func(_ int64, keys []string) (int, []map[string]any, string) {
				if has(keys, poison) {
					return 500, nil, ""
				}
				return 0, only(keys, ""), ""
			}},
		{name: "429 then fine", status: leadrun.RunCompleted, scored: 25,
			script: func(call int64, keys []string) (int, []map[string]any, string) {
				if call == 1 {
					return 429, nil, ""
				}
				return 0, only(keys, ""), ""
			}},
		{name: "every call refused", status: leadrun.RunFailed, scored: 0,
			failedBy: map[string]int64{"safety_block": 25},
			script:   func(int64, []string) (int, []map[string]any, string) { return 0, nil, "I can't help with that." }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := sqldbtest.MustOpen(t, sqldb.SQLite)
			e := newEchoServer(t)
			e.script = tc.script
			r := runWithOpenAI(t, db, e, 25)
			run, err := r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if run, err = r.Wait(ctx, run.ID, 20*time.Millisecond, nil); err != nil {
				t.Fatal(err)
			}
			results, _ := db.FindClientResults(ctx, run.ID)
			op := results[0].Operations[0]
			if run.Status != tc.status || run.Totals.LeadsScored != tc.scored || fmt.Sprint(op.FailedBy) != fmt.Sprint(tc.failedBy) {
				t.Errorf("run %s, %d scored, failed by %v; want %s, %d, %v", run.Status, run.Totals.LeadsScored, op.FailedBy,
					tc.status, tc.scored, tc.failedBy)
			}
			if rate, ok := run.Totals.SuccessRate(); ok && (rate < 0 || rate > 100) {
				t.Errorf("success rate %v", rate)
			}
			// Answered calls report 100 prompt tokens; errors (429, 500) report none.
			if run.Totals.PromptTokens%100 != 0 || run.Totals.PromptTokens > 100*e.calls.Load() {
				t.Errorf("prompt tokens %d after %d calls", run.Totals.PromptTokens, e.calls.Load())
			}
		})
	}
}

// A lead that keeps failing is retried by later runs until it has used its attempts
// (3), then stays failed and is not tried again.
func TestFailingLeadStopsAfterMaxAttempts(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := newEchoServer(t)
	e.script = func(_ int64, keys []string) (int, []map[string]any, string) {
		var objs []map[string]any
		for _, k := range keys {
			if k != "L2" {
				objs = append(objs, okObj(k))
			}
		}
		return 0, objs, ""
	}
	r := runWithOpenAI(t, db, e, 5)
	ctx := context.Background()
	examined := []int64{}
	for i := 0; i < 4; i++ {
		run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		run, err = r.Wait(wctx, run.ID, 20*time.Millisecond, nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		examined = append(examined, run.Totals.LeadsExamined)
	}
	if fmt.Sprint(examined) != "[5 1 1 0]" {
		t.Errorf("leads examined per run %v, want [5 1 1 0]", examined)
	}
	lead, err := db.FindLeadByID(ctx, "Guy-Wilson", 2)
	if err != nil || lead.ScoringStatus != leadrun.StatusFailed || lead.Attempts != 3 || lead.LastReason != leadrun.ReasonInvalidAIResponse {
		t.Errorf("lead 2: %+v %v", lead, err)
	}
}

// The requests-per-minute limit spaces calls out: at 120 per minute with one call in
// flight, three calls take at least a second.
func TestRequestsPerMinuteLimit(t *testing.T) {
	e := newEchoServer(t)
	s, err := New(Config{BaseURL: e.srv.URL + "/v1", Model: "m", APIKey: "k", Concurrency: 1, RequestsPerMinute: 120})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := int64(1); i <= 3; i++ {
		if _, err := s.ScoreLeads(context.Background(), leadrun.LeadRequest{ClientID: "A", Rubric: testRubric(), Leads: testLeads(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("3 calls at 120/min took %s, want ≥ 1 s", took)
	}
}

// ObserveCall hears every call with its outcome.
func TestObserveCall(t *testing.T) {
	e := newEchoServer(t)
	var mu sync.Mutex
	outcomes := map[string]int{}
	s, err := New(Config{BaseURL: e.srv.URL + "/v1", Model: "m", APIKey: "k", ObserveCall: func(d time.Duration, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("latency %s", d)
		}
		outcomes[outcome]++
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScoreLeads(context.Background(), leadrun.LeadRequest{ClientID: "A", Rubric: testRubric(), Leads: testLeads(1)}); err != nil {
		t.Fatal(err)
	}
	if outcomes["ok"] != 1 {
		t.Errorf("outcomes %v", outcomes)
	}
}
