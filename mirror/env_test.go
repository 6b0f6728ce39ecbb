package mirror_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/mirror"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
)

const (
	testToken = "patSECRET.0123456789abcdef"
	testBase  = "appTESTBASE0001"
)

// newFake starts a fake Airtable with the base and both tables created by airtable.Init.
func newFake(t testing.TB) *airtabletest.Server {
	t.Helper()
	fake := airtabletest.New(airtabletest.Options{Token: testToken, Penalty: 300 * time.Millisecond})
	t.Cleanup(fake.Close)
	fake.AddBase(testBase)
	c := airtable.NewClient(fake.URL, testToken, testBase)
	if _, err := airtable.Init(context.Background(), c, airtable.DefaultTables); err != nil {
		t.Fatal(err)
	}
	s, err := c.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Table("Job Tracking")
	if _, err := c.CreateField(context.Background(), runs.ID, airtable.Field{Name: "Duration", Type: "formula"}); err != nil {
		t.Fatal(err)
	}
	fake.ResetCounts() // the setup's requests went outside leadrun's shared budget
	return fake
}

// fastConfig keeps Airtable's limits (5 requests per second) but makes waits short.
func fastConfig() mirror.Config {
	return mirror.Config{Base: testBase, Penalty: 300 * time.Millisecond, RetryAfter: 200 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond, PollEvery: 100 * time.Millisecond, SweepEvery: 200 * time.Millisecond}
}

// logBuffer collects a test's logs, to check that no secret leaks into them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a process: a mirror inside a started runner.
type env struct {
	db     *sqldb.DB
	mirror *mirror.Mirror
	runner *runner.Runner
	logs   *logBuffer
}

func newEnv(t testing.TB, db *sqldb.DB, fake *airtabletest.Server, cfg mirror.Config, rcfg ...runner.Config) *env {
	t.Helper()
	ctx := context.Background()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := airtable.NewClient(fake.URL, testToken, testBase)
	client.SetTimeout(500 * time.Millisecond)
	m, err := mirror.New(ctx, db, client, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	var rc runner.Config
	if len(rcfg) > 0 {
		rc = rcfg[0]
	}
	rc.Extensions = []runner.Extension{m}
	r, err := runner.New(db, rules.New(rules.Options{}), logger, rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, mirror: m, runner: r, logs: logs}
	t.Cleanup(func() {
		e.stop()
		if t.Failed() || os.Getenv("MIRROR_DUMP_LOGS") != "" {
			t.Logf("logs of the failed test:\n%s", tail(logs.String(), 6000))
		}
	})
	return e
}

func (e *env) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.runner.Shutdown(ctx)
}

// loadDemo loads the demo's clients, rubrics, leads and posts.
func loadDemo(t testing.TB, db *sqldb.DB) sample.Dataset {
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
		posts := make([]leadrun.PostInput, len(ds.Posts[c.ID]))
		for i, p := range ds.Posts[c.ID] {
			posts[i] = leadrun.PostInput{ProfileKey: p.ProfileKey, Post: p.Post}
		}
		if _, _, err := db.UpsertPosts(ctx, c.ID, posts); err != nil {
			t.Fatal(err)
		}
	}
	return ds
}

// runToEnd triggers a run on the stream and waits until it is terminal.
func (e *env) runToEnd(t testing.TB, stream int) *leadrun.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := e.runner.Trigger(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	run, err = e.runner.Wait(ctx, run.ID, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// emit calls the mirror's hook in a transaction, as the runner does for each lifecycle
// transition.
func emit(t testing.TB, db *sqldb.DB, m *mirror.Mirror, ev leadrun.LifecycleEvent) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *sqldb.Tx) error { return m.Hook(ctx, tx, ev) }); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			if os.Getenv("MIRROR_STACKS") != "" {
				buf := make([]byte, 1<<22)
				t.Logf("goroutines:\n%s", buf[:runtime.Stack(buf, true)])
			}
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drained waits until the outbox is empty.
func drained(t testing.TB, db *sqldb.DB, within time.Duration) {
	t.Helper()
	waitFor(t, within, "the Airtable outbox to drain", func() bool {
		n, _, err := db.AirtablePending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

// byKey indexes records by Run ID and fails on duplicates.
func byKey(t testing.TB, recs []airtable.Record) map[string]airtable.Record {
	t.Helper()
	out := map[string]airtable.Record{}
	for _, r := range recs {
		k, _ := r.Fields[airtable.KeyField].(string)
		if _, dup := out[k]; dup {
			t.Errorf("two records with Run ID %q", k)
		}
		out[k] = r
	}
	return out
}

// noSweep is fastConfig without the safety-net sweep: only the hook queues changes.
func noSweep() mirror.Config {
	c := fastConfig()
	c.SweepEvery = -1
	return c
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
