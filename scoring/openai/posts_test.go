package openai

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func testPostRubric() *leadrun.PostRubric {
	return &leadrun.PostRubric{
		Preamble: "Judge posts about AI for Guy.",
		Criteria: []leadrun.PostCriterion{
			{ID: "POST_AI_SENTIMENT", Category: "positive", Name: "Positive about AI", MaxScore: 20,
				Instructions:     "0–20: how positive – and insightful – the post is about AI",
				PositiveKeywords: []string{"AI", "LLM"}, Examples: "High: a thoughtful AI take"},
			{ID: "POST_PROMO", Category: "negative", Name: "Self-promotion", Penalty: -20,
				Instructions: "Apply −20 when the post is an ad.", NegativeKeywords: []string{"buy now"}},
		},
	}
}

func testPosts() []*leadrun.Post {
	at := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
	return []*leadrun.Post{
		{ID: 11, LeadID: 1, PostURL: "https://www.linkedin.com/posts/a-1", Content: "AI agents change coaching <fast> & cheap", PostedAt: &at},
		{ID: 12, LeadID: 1, PostURL: "https://www.linkedin.com/posts/a-2", Content: "Buy now: my course on prompts", IsRepost: true},
		{ID: 13, LeadID: 1, PostURL: "https://www.linkedin.com/posts/a-3", Content: "Thoughts on LLM evals in practice"},
	}
}

func postAnswer(items ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"posts": items})
	return string(b)
}

func TestScorePosts(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t,
		reply{content: postAnswer(
			map[string]any{"post_url": "https://www.linkedin.com/posts/a-2", "score": 25, "rationale": "too high"},
			map[string]any{"post_url": "https://www.linkedin.com/posts/a-1", "score": 17, "rationale": "insightful"},
			map[string]any{"post_url": "https://example.com/invented", "score": 3, "rationale": "?"}), prompt: 100, output: 30},
		reply{content: postAnswer(map[string]any{"post_url": "https://www.linkedin.com/posts/a-3", "score": 12, "rationale": "solid"}), prompt: 40, output: 10},
	)
	s := MustScorer(t, f, nil)
	res, err := s.ScorePosts(context.Background(), leadrun.PostRequest{ClientID: "Guy-Wilson",
		Rubric: testPostRubric(), Lead: testLeads(1)[0], Posts: testPosts()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, o := range res.Outcomes {
		if o.Reason == "" {
			got[o.PostID] = "ok"
			if want := map[int64]float64{11: 17, 13: 12}[o.PostID]; o.Score != want {
				t.Errorf("post %d score = %v, want %v", o.PostID, o.Score, want)
			}
		} else {
			got[o.PostID] = string(o.Reason)
		}
	}
	want := map[int64]string{11: "ok", 12: "invalid_ai_response", 13: "ok"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("post %d: %q, want %q", id, got[id], w)
		}
	}
	if len(res.Outcomes) != 3 || res.Usage.PromptTokens != 140 || res.Usage.CompletionTokens != 40 {
		t.Errorf("outcomes %d, usage %+v", len(res.Outcomes), res.Usage)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("calls = %d, want 2 (the missing post retried)", len(reqs))
	}
	checkRequest(t, reqs[0], "json_schema")
	if s.Stats().UnknownKeys != 1 {
		t.Errorf("unknown keys = %d", s.Stats().UnknownKeys)
	}
}

func TestScorePostsWholeFailure(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, reply{content: "", prompt: 9})
	s := MustScorer(t, f, nil)
	_, err := s.ScorePosts(context.Background(), leadrun.PostRequest{ClientID: "c", Rubric: testPostRubric(), Posts: testPosts()})
	var se *leadrun.ScoreError
	if !asScoreError(err, &se) || se.Reason != leadrun.ReasonEmptyAIResponse || se.Usage.PromptTokens != 9 {
		t.Errorf("error = %v", err)
	}
}

func asScoreError(err error, se **leadrun.ScoreError) bool {
	e, ok := err.(*leadrun.ScoreError)
	*se = e
	return ok
}
