package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

// reply is one scripted answer of the fake chat-completions server.
type reply struct {
	status  int               // 0 = 200
	header  map[string]string // extra headers, e.g. Retry-After
	body    string            // raw body; when empty, a completion is built from the fields below
	content string
	refusal string
	finish  string // "" = "stop"
	prompt  int64
	output  int64
	hang    bool // block until the client gives up
}

// fakeServer speaks the chat-completions wire protocol with scripted replies, one per
// request, and records every request body.
type fakeServer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	script []reply
	bodies []map[string]any
	auth   []string
}

func newFakeServer(t *testing.T, script ...reply) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Errorf("request body is not JSON: %v", err)
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if r.URL.Path != "/v1/chat/completions" {
		f.t.Errorf("request path = %s", r.URL.Path)
	}
	if len(f.script) == 0 {
		f.mu.Unlock()
		f.t.Errorf("unexpected request %d", len(f.bodies))
		http.Error(w, `{"error":{"message":"no more scripted replies"}}`, http.StatusInternalServerError)
		return
	}
	rep := f.script[0]
	f.script = f.script[1:]
	f.mu.Unlock()
	if rep.hang {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.body == "" {
		rep.body = completion(rep)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(max(rep.status, http.StatusOK))
	_, _ = io.WriteString(w, rep.body)
}

// completion renders a chat completion response.
func completion(r reply) string {
	finish := r.finish
	if finish == "" {
		finish = "stop"
	}
	msg := map[string]any{"role": "assistant", "content": r.content}
	if r.refusal != "" {
		msg["content"], msg["refusal"] = nil, r.refusal
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1700000000, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": r.prompt, "completion_tokens": r.output, "total_tokens": r.prompt + r.output},
	})
	return string(b)
}

func (f *fakeServer) requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

// MustScorer returns a scorer for the fake server with fast back-off.
func MustScorer(t *testing.T, f *fakeServer, edit func(*Config)) *Scorer {
	t.Helper()
	cfg := Config{BaseURL: f.srv.URL + "/v1", Model: "test-model", APIKey: "sk-test-secret-key",
		Timeout: 2 * time.Second, MaxRetries: 2, HTTPClient: f.srv.Client(),
		Prices: map[string]Price{"test-model": {PromptPerMillion: 2, CompletionPerMillion: 8}}}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.backoffBase, s.backoffMax = time.Millisecond, 5*time.Millisecond
	return s
}

func boolPtr(b bool) *bool { return &b }

// testRubric has two positives (one bonus), one disqualifying negative and one inactive
// attribute, with instructions that keep their score bands and dashes.
func testRubric() *leadrun.Rubric {
	return &leadrun.Rubric{
		Preamble: "You score leads for Guy's coaching practice.",
		Attributes: []leadrun.Attribute{
			{ID: "A", Category: "positive", Heading: "Entrepreneurial attitude", MaxPoints: 10, MinToQualify: 2,
				Instructions: "0–3 pts = employee mindset\n4–7 pts = side projects - some evidence\n8–10 pts = founder <& owner>",
				Signals:      []string{"founder", "side hustle"}, Examples: "Founder of a SaaS → 9"},
			{ID: "B", Category: "positive", Heading: "AI curiosity", MaxPoints: 5, Bonus: true,
				Instructions: "- 5 pts: builds with AI\n- 0 pts: no mention"},
			{ID: "N1", Category: "negative", Heading: "Recruiter", Penalty: -5, Disqualifying: true,
				Instructions: "Apply −5 when the person is a recruiter."},
			{ID: "X", Category: "positive", Heading: "Retired", MaxPoints: 3, Instructions: "unused",
				Active: boolPtr(false)},
		},
	}
}

func testLeads(ids ...int64) []*leadrun.Lead {
	var out []*leadrun.Lead
	for _, id := range ids {
		l := &leadrun.Lead{ID: id, Headline: fmt.Sprintf("Founder %d", id), About: "Builds things with AI.",
			Experience: []leadrun.Job{{Title: "Founder", Company: "Acme"}}}
		for j := 0; j < 7; j++ {
			l.Experience = append(l.Experience, leadrun.Job{Title: fmt.Sprintf("Job %d", j), Company: "Co"})
		}
		out = append(out, l)
	}
	return out
}

// leadObj is one lead object of an answer.
func leadObj(key string, pos, neg map[string]any) map[string]any {
	reasons := map[string]any{}
	for id := range pos {
		reasons[id] = "because " + id
	}
	for id := range neg {
		reasons[id] = "because " + id
	}
	return map[string]any{"key": key, "positive_scores": pos, "negative_scores": neg,
		"attribute_reasoning": reasons, "contact_readiness": true, "unscored_attributes": []string{},
		"assessment": "Assessment of " + key, "ai_excluded": false, "exclude_details": ""}
}

// okObj is a valid lead object: A=8, B=3, N1=0.
func okObj(key string) map[string]any {
	return leadObj(key, map[string]any{"A": 8, "B": 3}, map[string]any{"N1": 0})
}

func answer(objs ...map[string]any) string {
	if objs == nil {
		objs = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"leads": objs})
	return string(b)
}

func scoreLeads(t *testing.T, s *Scorer, leads []*leadrun.Lead) (*leadrun.LeadResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: "Guy-Wilson", Rubric: testRubric(), Leads: leads})
}

// outcomes summarises a result as lead ID → "ok" or its reason.
func outcomes(res *leadrun.LeadResult) map[int64]string {
	m := map[int64]string{}
	for _, o := range res.Outcomes {
		if o.Assessment != nil && o.Reason == "" {
			m[o.LeadID] = "ok"
		} else {
			m[o.LeadID] = string(o.Reason)
		}
	}
	return m
}

// userKeys returns the lead keys sent in a request's user message.
func userKeys(t *testing.T, body map[string]any) []string {
	t.Helper()
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages = %v", body["messages"])
	}
	content, _ := msgs[1].(map[string]any)["content"].(string)
	var user struct {
		Leads []struct {
			Key string `json:"key"`
		} `json:"leads"`
	}
	if err := json.Unmarshal([]byte(content[strings.IndexByte(content, '\n')+1:]), &user); err != nil {
		t.Fatalf("user message: %v", err)
	}
	var keys []string
	for _, l := range user.Leads {
		keys = append(keys, l.Key)
	}
	return keys
}
