package runner_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
)

// keywordScorer is a small deterministic scorer for these tests: each positive attribute
// earns full points when its first signal appears in the headline. failIf makes a whole
// chunk fail when it holds a lead the function picks; delay slows every call.
type keywordScorer struct {
	delay  time.Duration
	failIf func(*leadrun.Lead) bool
	calls  atomic.Int64
}

func (s *keywordScorer) Name() string { return "test" }

func (s *keywordScorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	s.calls.Add(1)
	if err := sleep(ctx, s.delay); err != nil {
		return nil, err
	}
	res := &leadrun.LeadResult{Usage: leadrun.Usage{PromptTokens: int64(10 * len(req.Leads)), CompletionTokens: int64(len(req.Leads))}}
	for _, l := range req.Leads {
		if s.failIf != nil && s.failIf(l) {
			return nil, &leadrun.ScoreError{Reason: leadrun.ReasonAPIError, Err: errors.New("HTTP 500 from provider"), Usage: res.Usage}
		}
	}
	for _, l := range req.Leads {
		a := &leadrun.Assessment{Points: map[string]int{}, Reasons: map[string]string{}, Summary: "test"}
		for _, attr := range req.Rubric.ActiveAttributes() {
			if attr.Category == leadrun.CategoryPositive && len(attr.Signals) > 0 && contains(l.Headline, attr.Signals[0]) {
				a.Points[attr.ID] = attr.MaxPoints
				a.Reasons[attr.ID] = "matched " + attr.Signals[0]
			}
		}
		res.Outcomes = append(res.Outcomes, leadrun.LeadOutcome{LeadID: l.ID, Assessment: a})
	}
	return res, nil
}

func (s *keywordScorer) ScorePosts(ctx context.Context, req leadrun.PostRequest) (*leadrun.PostResult, error) {
	if err := sleep(ctx, s.delay); err != nil {
		return nil, err
	}
	res := &leadrun.PostResult{}
	for _, p := range req.Posts {
		res.Outcomes = append(res.Outcomes, leadrun.PostOutcome{PostID: p.ID, Score: float64(len(p.Content) % 10), Rationale: "length"})
	}
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return &leadrun.ScoreError{Reason: leadrun.ReasonTimeout, Err: ctx.Err()}
	case <-time.After(d):
		return nil
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func testRubric() *leadrun.Rubric {
	return &leadrun.Rubric{
		Preamble: "Score coaching prospects.",
		Attributes: []leadrun.Attribute{
			{ID: "A", Category: "positive", Heading: "Founder", Instructions: "0-10", MaxPoints: 10, Signals: []string{"Founder"}},
			{ID: "B", Category: "positive", Heading: "Coach", Instructions: "0-5", MaxPoints: 5, Signals: []string{"Coach"}},
			{ID: "C", Category: "positive", Heading: "Speaker", Instructions: "bonus", MaxPoints: 4, Bonus: true, Signals: []string{"Speaker"}},
			{ID: "N1", Category: "negative", Heading: "Recruiter", Instructions: "-5", Penalty: -5, Signals: []string{"Recruiter"}},
		},
		Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{
			{ID: "P1", Category: "positive", Name: "AI", Instructions: "0-10", MaxScore: 10},
		}},
	}
}

type fixture struct {
	db      *sqldb.DB
	clients []*leadrun.Client
}

// mustFixture creates clients with n leads each; every 10th lead lacks a headline.
func mustFixture(t *testing.T, db *sqldb.DB, n int, clients ...*leadrun.Client) *fixture {
	t.Helper()
	ctx := context.Background()
	headlines := []string{"Founder and Coach", "Coach", "Founder", "Engineer", "Speaker and Founder"}
	for _, c := range clients {
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRubric(ctx, c.ID, testRubric()); err != nil {
			t.Fatal(err)
		}
		leads := make([]*leadrun.Lead, n)
		for i := range leads {
			leads[i] = &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/%s-%d/", c.ID, i),
				FirstName: "Lead", LastName: fmt.Sprint(i), Headline: headlines[i%len(headlines)],
				Experience: []leadrun.Job{{Title: "Owner", Company: "Acme"}}}
			if i%10 == 9 {
				leads[i].Headline = ""
			}
		}
		if _, err := db.UpsertLeads(ctx, c.ID, leads); err != nil {
			t.Fatal(err)
		}
		if c.ServiceLevel == 2 {
			var posts []leadrun.PostInput
			for i := 0; i < n; i += 3 {
				key, _ := leadrun.ProfileKey(leads[i].ProfileURL)
				posts = append(posts, leadrun.PostInput{ProfileKey: key, Post: leadrun.Post{
					PostURL: fmt.Sprintf("https://www.linkedin.com/posts/%s-%d", c.ID, i), Content: "A post about AI tools for coaches"}},
					leadrun.PostInput{ProfileKey: key, Post: leadrun.Post{PostURL: fmt.Sprintf("https://www.linkedin.com/posts/%s-%d-short", c.ID, i), Content: "hi"}})
			}
			if _, failed, err := db.UpsertPosts(ctx, c.ID, posts); err != nil || len(failed) > 0 {
				t.Fatal(err, failed)
			}
		}
	}
	return &fixture{db: db, clients: clients}
}

func newRunner(t *testing.T, db *sqldb.DB, scorer leadrun.Scorer, cfg runner.Config) *runner.Runner {
	t.Helper()
	r, err := runner.New(db, scorer, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustStart(t *testing.T, r *runner.Runner) {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	})
}

func mustWait(t *testing.T, r *runner.Runner, runID string) *leadrun.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := r.Wait(ctx, runID, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("wait for %s: %v (last status %v)", runID, err, run)
	}
	return run
}

func trigger(t *testing.T, r *runner.Runner, stream int, params leadrun.RunParams) *leadrun.Run {
	t.Helper()
	run, err := r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerCLI, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

var _ = sync.Mutex{}
