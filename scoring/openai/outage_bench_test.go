package openai

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// outageMode is how the provider breaks in the middle of a run.
type outageMode struct {
	name    string
	timeout time.Duration // per-call timeout (default 60 s when zero)
	fail    func(w http.ResponseWriter, r *http.Request)
	refuse  bool // the server goes away: connections are refused
}

// BenchmarkProviderOutageToTerminal measures the time from a provider outage in the middle
// of a run (4 clients × 200 leads, chunks of 20, 4 calls in flight, 20 ms per answer) to
// the run being terminal, with the default retries (4) and back-off (1 s doubling, with
// jitter). Run with:
//
//	go test -run '^$' -bench ProviderOutageToTerminal -benchtime 3x ./scoring/openai/
func BenchmarkProviderOutageToTerminal(b *testing.B) {
	modes := []outageMode{
		{name: "HTTP_500", fail: func(w http.ResponseWriter, _ *http.Request) {
			// No Retry-After: the client backs off on its own (1 s, 2 s, 4 s, 8 s with jitter).
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":{"message":"upstream exploded"}}`)
		}},
		{name: "HTTP_401", fail: func(w http.ResponseWriter, _ *http.Request) { writeError(w, 401, "Incorrect API key provided") }},
		{name: "refused", refuse: true, fail: func(http.ResponseWriter, *http.Request) {
			panic(http.ErrAbortHandler) // a call already on an open connection: cut it
		}},
		{name: "hang_timeout_10s", timeout: 10 * time.Second, fail: func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
	}
	for _, kind := range []sqldb.Kind{sqldb.SQLite, sqldb.Postgres} {
		for _, m := range modes {
			b.Run(string(kind)+"/"+m.name, func(b *testing.B) {
				var total time.Duration
				for i := 0; i < b.N; i++ {
					total += outageOnce(b, kind, m)
				}
				b.ReportMetric(total.Seconds()/float64(b.N), "s_outage_to_terminal")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

func outageOnce(b *testing.B, kind sqldb.Kind, m outageMode) time.Duration {
	ctx := context.Background()
	db := sqldbtest.MustOpen(b, kind)
	var down atomic.Bool
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if down.Load() {
			m.fail(w, r)
			return
		}
		time.Sleep(20 * time.Millisecond) // the answer's latency
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, completion(reply{content: answer(allOK(keysOf(raw))...), prompt: 100, output: 20}))
	}))
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	for c := 0; c < 4; c++ {
		id := fmt.Sprintf("C%d", c)
		if err := db.CreateClient(ctx, &leadrun.Client{ID: id, Stream: 1}); err != nil {
			b.Fatal(err)
		}
		if err := db.SetRubric(ctx, id, testRubric()); err != nil {
			b.Fatal(err)
		}
		var leads []*leadrun.Lead
		for i := 0; i < 200; i++ {
			leads = append(leads, &leadrun.Lead{ProfileURL: fmt.Sprintf("https://linkedin.com/in/%s-%d", id, i),
				Headline: "Founder", Experience: []leadrun.Job{{Title: "Founder", Company: "Acme"}}})
		}
		if _, err := db.UpsertLeads(ctx, id, leads); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k", Timeout: m.timeout})
	if err != nil {
		b.Fatal(err)
	}
	r, err := runner.New(db, s, slog.New(slog.NewTextHandler(io.Discard, nil)), runner.Config{ChunkSize: 20, Workers: 4})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); calls.Load() < 8; {
		if time.Now().After(deadline) {
			b.Fatal("the run did not get going")
		}
		time.Sleep(5 * time.Millisecond)
	}
	outage := time.Now()
	down.Store(true)
	if m.refuse {
		srv.CloseClientConnections()
		srv.Listener.Close()
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	final, err := r.Wait(wctx, run.ID, 10*time.Millisecond, nil)
	took := time.Since(outage)
	if err != nil || final.Status != leadrun.RunFailed || final.Totals.LeadsFailed != 0 {
		b.Fatalf("run %v %v", final, err)
	}
	return took
}
