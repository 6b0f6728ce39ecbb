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
	srv       *httptest.Server
	hang      atomic.Bool
	calls     atomic.Int64
	inFlight  atomic.Int64
	cancelled atomic.Int64
}

func newEchoServer(t *testing.T) *echoServer {
	e := &echoServer{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
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
		var objs []map[string]any
		for _, l := range user.Leads {
			objs = append(objs, okObj(l.Key))
		}
		w.Header().Set("Content-Type", "application/json")
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
	ctx := context.Background()
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Guy-Wilson", Stream: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRubric(ctx, "Guy-Wilson", testRubric()); err != nil {
		t.Fatal(err)
	}
	batch := testLeads()
	for i := 0; i < leads; i++ {
		batch = append(batch, &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/lead-%d", i),
			Headline: "Founder", Experience: []leadrun.Job{{Title: "Founder", Company: "Acme"}}})
	}
	if _, err := db.UpsertLeads(ctx, "Guy-Wilson", batch); err != nil {
		t.Fatal(err)
	}
	scorer, err := New(Config{BaseURL: e.srv.URL + "/v1", Model: "test-model", APIKey: "sk-test", Timeout: 30 * time.Second,
		Prices: map[string]Price{"test-model": {PromptPerMillion: 2, CompletionPerMillion: 8}}})
	if err != nil {
		t.Fatal(err)
	}
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
		if _, err := r.Cancel(context.Background(), run.ID, "operator asked"); err != nil {
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
