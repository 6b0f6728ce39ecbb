package runner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// namedScorer is a keywordScorer offering another configuration.
type namedScorer struct {
	*keywordScorer
	info leadrun.ScorerInfo
}

func (s namedScorer) Name() string             { return s.info.Name }
func (s namedScorer) Info() leadrun.ScorerInfo { return s.info }

// A run asked for a scorer configuration is worked only by a worker offering it: a worker
// with another scorer never scores it, and with no worker offering it the run fails after
// the bounded wait with a reason naming the scorer. Each scored lead names its scorer.
func TestRunWorkedOnlyByWorkerOfferingItsScorer(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db, 20, &leadrun.Client{ID: "A", Stream: 1})
		cfg := runner.Config{ChunkSize: 5, HeartbeatEvery: 50 * time.Millisecond, WorkerWait: 300 * time.Millisecond}
		rules := &keywordScorer{}
		mustStart(t, newRunner(t, f.db, rules, cfg))
		ai := namedScorer{&keywordScorer{}, leadrun.ScorerInfo{Name: "openai", Host: "api.example.com", Model: "gpt-4o-mini"}}
		asker := newRunner(t, f.db, ai, cfg) // triggers, does not work (yet)

		start := time.Now()
		run := mustWait(t, asker, trigger(t, asker, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunFailed || !strings.Contains(run.StatusReason, "no worker offers scorer openai/gpt-4o-mini at api.example.com") {
			t.Fatalf("run %s %q; want failed, no worker offers the scorer", run.Status, run.StatusReason)
		}
		t.Logf("failed after %s: %s", time.Since(start).Round(time.Millisecond), run.StatusReason)
		if rules.calls.Load() != 0 || run.Scorer != ai.info {
			t.Errorf("the rules worker scored %d chunks; run scorer %+v", rules.calls.Load(), run.Scorer)
		}

		mustStart(t, asker)
		start = time.Now()
		run = mustWait(t, asker, trigger(t, asker, 1, leadrun.RunParams{}).ID)
		t.Logf("second run after %s", time.Since(start))
		if run.Status != leadrun.RunCompleted || rules.calls.Load() != 0 || ai.calls.Load() == 0 {
			t.Fatalf("run %s %q; rules calls %d, ai calls %d", run.Status, run.StatusReason, rules.calls.Load(), ai.calls.Load())
		}
		leads, err := f.db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: "A"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leads {
			if l.ScoringStatus == leadrun.StatusScored && l.ScoredBy != "openai/gpt-4o-mini" {
				t.Errorf("lead %d scored by %q", l.ID, l.ScoredBy)
			}
		}
	})
}

// postOutageScorer scores leads but its provider fails every posts call, after spending
// 7 prompt tokens on an earlier call of the same request.
type postOutageScorer struct{ *keywordScorer }

func (s postOutageScorer) ScorePosts(context.Context, leadrun.PostRequest) (*leadrun.PostResult, error) {
	return nil, &leadrun.ProviderError{Status: 503, Message: "overloaded", BaseURL: "https://h/v1", Model: "m",
		Usage: leadrun.Usage{PromptTokens: 7}}
}

// A provider failure in post scoring stops that operation: its posts stay due, the tokens
// paid count once, and the run fails with the provider's message.
func TestPostProviderFailureKeepsPostsDue(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db, 12, &leadrun.Client{ID: "A", Stream: 1, ServiceLevel: 2})
		r := newRunner(t, f.db, postOutageScorer{&keywordScorer{}}, runner.Config{ChunkSize: 5, HeartbeatEvery: 50 * time.Millisecond})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunFailed || run.StatusReason != "AI provider unavailable: HTTP 503 overloaded (https://h/v1, model m) (1 operations stopped; 0 clients finished before)" &&
			!strings.HasPrefix(run.StatusReason, "AI provider unavailable: HTTP 503 overloaded (https://h/v1, model m)") {
			t.Errorf("run %s %q", run.Status, run.StatusReason)
		}
		results, err := f.db.FindClientResults(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range results[0].Operations {
			if op.Kind == leadrun.OpPostScoring && (op.Status != leadrun.OpFailed || op.FailureCode != leadrun.ReasonProviderUnavailable ||
				op.Failed != 0 || op.PromptTokens != 7) {
				t.Errorf("post operation %+v", op)
			}
		}
		lead, err := f.db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: "A", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		posts, err := f.db.DuePosts(context.Background(), "A", lead[0].ID, 3)
		if err != nil || len(posts) == 0 {
			t.Errorf("posts of lead %d no longer due: %d %v", lead[0].ID, len(posts), err)
		}
	})
}
