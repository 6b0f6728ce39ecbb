package openai

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func TestScoreLeads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		leads      []*leadrun.Lead
		script     []reply
		edit       func(*Config)
		want       map[int64]string // lead → "ok" or reason; nil when the chunk fails
		wantErr    leadrun.Reason   // reason of the *ScoreError
		wantCalls  int
		wantTokens [2]int64 // prompt, completion
		wantKeys   [][]string
		check      func(t *testing.T, s *Scorer, res *leadrun.LeadResult)
	}{
		{
			name:   "valid",
			leads:  testLeads(1, 2),
			script: []reply{{content: answer(okObj("L1"), okObj("L2")), prompt: 1000, output: 200}},
			want:   map[int64]string{1: "ok", 2: "ok"}, wantCalls: 1, wantTokens: [2]int64{1000, 200},
			wantKeys: [][]string{{"L1", "L2"}},
			check: func(t *testing.T, s *Scorer, res *leadrun.LeadResult) {
				a := res.Outcomes[0].Assessment
				if a.Points["A"] != 8 || a.Points["B"] != 3 || a.Points["N1"] != 0 || a.Reasons["A"] != "because A" ||
					!a.ContactReadiness || a.Summary != "Assessment of L1" {
					t.Errorf("assessment = %+v", a)
				}
				if res.Usage.CostMicros != 1000*2+200*8 {
					t.Errorf("cost = %d µ$", res.Usage.CostMicros)
				}
			},
		},
		{
			name:  "reordered leads are matched by key",
			leads: testLeads(1, 2),
			script: []reply{{content: answer(
				leadObj("L2", map[string]any{"A": 2}, nil), leadObj("L1", map[string]any{"A": 9}, nil)), prompt: 10, output: 5}},
			want: map[int64]string{1: "ok", 2: "ok"}, wantCalls: 1, wantTokens: [2]int64{10, 5},
			check: func(t *testing.T, s *Scorer, res *leadrun.LeadResult) {
				for _, o := range res.Outcomes {
					if want := map[int64]int{1: 9, 2: 2}[o.LeadID]; o.Assessment.Points["A"] != want {
						t.Errorf("lead %d: A = %d, want %d", o.LeadID, o.Assessment.Points["A"], want)
					}
				}
			},
		},
		{
			name:  "a missing lead is retried alone",
			leads: testLeads(1, 2, 3),
			script: []reply{
				{content: answer(okObj("L1"), okObj("L2")), prompt: 300, output: 60},
				{content: answer(okObj("L3")), prompt: 100, output: 20},
			},
			want: map[int64]string{1: "ok", 2: "ok", 3: "ok"}, wantCalls: 2, wantTokens: [2]int64{400, 80},
			wantKeys: [][]string{{"L1", "L2", "L3"}, {"L3"}},
		},
		{
			name:  "leads missing down to one fail",
			leads: testLeads(1, 2, 3, 4),
			script: []reply{
				{content: answer(okObj("L1")), prompt: 1, output: 1},
				{content: answer(okObj("L2")), prompt: 1, output: 1}, // asked L2, L3
				{content: answer(), prompt: 1, output: 1},            // asked L3
				{content: answer(okObj("L4")), prompt: 1, output: 1}, // asked L4
			},
			want:      map[int64]string{1: "ok", 2: "ok", 3: "invalid_ai_response", 4: "ok"},
			wantCalls: 4, wantTokens: [2]int64{4, 4},
			wantKeys: [][]string{{"L1", "L2", "L3", "L4"}, {"L2", "L3"}, {"L3"}, {"L4"}},
		},
		{
			name:   "an extra unknown key is ignored and counted",
			leads:  testLeads(1),
			script: []reply{{content: answer(okObj("L1"), okObj("L99"), map[string]any{"key": 7}), prompt: 5, output: 5}},
			want:   map[int64]string{1: "ok"}, wantCalls: 1, wantTokens: [2]int64{5, 5},
			check: func(t *testing.T, s *Scorer, _ *leadrun.LeadResult) {
				if got := s.Stats().UnknownKeys; got != 2 {
					t.Errorf("unknown keys = %d, want 2", got)
				}
			},
		},
		{
			name:  "bad scores fail their lead only",
			leads: testLeads(1, 2, 3, 4, 5, 6, 7),
			script: []reply{{content: answer(
				okObj("L1"),
				leadObj("L2", map[string]any{"A": 11}, nil),           // above max
				leadObj("L3", map[string]any{"A": "7"}, nil),          // wrong type
				leadObj("L4", map[string]any{"Z": 1}, nil),            // unknown attribute
				leadObj("L5", nil, map[string]any{"N1": 2}),           // positive penalty
				leadObj("L6", map[string]any{"A": 2.5}, nil),          // not an integer
				leadObj("L7", map[string]any{"N1": -1}, nil)), prompt: 7, output: 7}}, // wrong category
			want: map[int64]string{1: "ok", 2: "invalid_ai_response", 3: "invalid_ai_response",
				4: "invalid_ai_response", 5: "invalid_ai_response", 6: "invalid_ai_response", 7: "invalid_ai_response"},
			wantCalls: 1, wantTokens: [2]int64{7, 7},
		},
		{
			name:   "markdown-fenced JSON",
			leads:  testLeads(1),
			script: []reply{{content: "```json\n" + answer(okObj("L1")) + "\n```", prompt: 3, output: 3}},
			want:   map[int64]string{1: "ok"}, wantCalls: 1, wantTokens: [2]int64{3, 3},
		},
		{
			name:  "truncated answer is retried in halves",
			leads: testLeads(1, 2),
			script: []reply{
				{content: `{"leads":[{"key":"L1","positive_scores":{"A":`, finish: "length", prompt: 50, output: 100},
				{content: answer(okObj("L1")), prompt: 30, output: 40},
				{content: answer(okObj("L2")), prompt: 30, output: 40},
			},
			want: map[int64]string{1: "ok", 2: "ok"}, wantCalls: 3, wantTokens: [2]int64{110, 180},
			wantKeys: [][]string{{"L1", "L2"}, {"L1"}, {"L2"}},
		},
		{
			name:    "truncated single lead fails the chunk",
			leads:   testLeads(1),
			script:  []reply{{content: `{"leads":[`, finish: "length", prompt: 5, output: 9}},
			wantErr: leadrun.ReasonInvalidAIResponse, wantCalls: 1, wantTokens: [2]int64{5, 9},
		},
		{
			name:    "empty content",
			leads:   testLeads(1, 2),
			script:  []reply{{content: "  ", prompt: 8, output: 0}},
			wantErr: leadrun.ReasonEmptyAIResponse, wantCalls: 1, wantTokens: [2]int64{8, 0},
		},
		{
			name:    "refusal",
			leads:   testLeads(1),
			script:  []reply{{refusal: "I can't help with that.", prompt: 8, output: 4}},
			wantErr: leadrun.ReasonSafetyBlock, wantCalls: 1, wantTokens: [2]int64{8, 4},
		},
		{
			name:    "unparseable",
			leads:   testLeads(1),
			script:  []reply{{content: "Here are the scores: L1 is great", prompt: 8, output: 4}},
			wantErr: leadrun.ReasonParseError, wantCalls: 1, wantTokens: [2]int64{8, 4},
		},
		{
			name:  "429 honours Retry-After",
			leads: testLeads(1),
			script: []reply{
				{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`},
				{content: answer(okObj("L1")), prompt: 10, output: 10},
			},
			want: map[int64]string{1: "ok"}, wantCalls: 2, wantTokens: [2]int64{10, 10},
		},
		{
			name:  "429 exhausted",
			leads: testLeads(1),
			script: []reply{
				{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`},
				{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`},
				{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`},
			},
			wantErr: leadrun.ReasonProviderUnavailable, wantCalls: 3,
		},
		{
			name:  "500 then success",
			leads: testLeads(1),
			script: []reply{
				{status: 500, body: `{"error":{"message":"boom","type":"server_error","code":null}}`},
				{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>bad gateway</html>"},
				{content: answer(okObj("L1")), prompt: 10, output: 10},
			},
			want: map[int64]string{1: "ok"}, wantCalls: 3, wantTokens: [2]int64{10, 10},
		},
		{
			name:    "a hang past the timeout",
			leads:   testLeads(1),
			script:  []reply{{hang: true}, {hang: true}},
			edit:    func(c *Config) { c.Timeout, c.MaxRetries = 150*time.Millisecond, 1 },
			wantErr: leadrun.ReasonProviderUnavailable, wantCalls: 2,
		},
		{
			name:    "a hang is retried once, whatever the retry limit",
			leads:   testLeads(1),
			script:  []reply{{hang: true}, {hang: true}, {hang: true}},
			edit:    func(c *Config) { c.Timeout, c.MaxRetries = 100*time.Millisecond, 4 },
			wantErr: leadrun.ReasonProviderUnavailable, wantCalls: 2,
		},
		{
			name:    "401 is the provider's, not retried, never shows the key",
			leads:   testLeads(1),
			script:  []reply{{status: 401, body: `{"error":{"message":"Incorrect API key provided: sk-test-secret-key","type":"invalid_request_error","code":"invalid_api_key"}}`}},
			wantErr: leadrun.ReasonProviderUnavailable, wantCalls: 1,
		},
		{
			name:    "Ollama-style error body",
			leads:   testLeads(1),
			script:  []reply{{status: 404, body: `{"error":"model \"test-model\" not found, try pulling it first"}`}},
			wantErr: leadrun.ReasonProviderUnavailable, wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeServer(t, tt.script...)
			s := MustScorer(t, f, tt.edit)
			res, err := scoreLeads(t, s, tt.leads)
			usage := checkResult(t, res, err, tt.want, tt.wantErr)
			if got := [2]int64{usage.PromptTokens, usage.CompletionTokens}; got != tt.wantTokens {
				t.Errorf("tokens = %v, want %v", got, tt.wantTokens)
			}
			reqs := f.requests()
			if len(reqs) != tt.wantCalls || s.Stats().Calls != int64(tt.wantCalls) {
				t.Errorf("calls = %d (stats %d), want %d", len(reqs), s.Stats().Calls, tt.wantCalls)
			}
			for i, body := range reqs {
				checkRequest(t, body, "json_schema")
				if i < len(tt.wantKeys) && !equal(userKeys(t, body), tt.wantKeys[i]) {
					t.Errorf("request %d keys = %v, want %v", i, userKeys(t, body), tt.wantKeys[i])
				}
			}
			if err != nil && strings.Contains(err.Error(), "sk-test-secret-key") {
				t.Errorf("error shows the API key: %v", err)
			}
			if tt.check != nil && res != nil {
				tt.check(t, s, res)
			}
		})
	}
}

// checkResult asserts the outcomes or the chunk error and returns the usage reported.
func checkResult(t *testing.T, res *leadrun.LeadResult, err error, want map[int64]string, wantErr leadrun.Reason) leadrun.Usage {
	t.Helper()
	if wantErr == leadrun.ReasonProviderUnavailable {
		pe := leadrun.AsProviderError(err)
		if pe == nil {
			t.Fatalf("error = %v, want a ProviderError", err)
		}
		if strings.Contains(pe.Error(), "sk-test-secret-key") {
			t.Errorf("provider error shows the key: %v", pe)
		}
		return pe.Usage
	}
	if wantErr != "" {
		var se *leadrun.ScoreError
		if !errors.As(err, &se) || se.Reason != wantErr {
			t.Fatalf("error = %v, want a ScoreError with reason %s", err, wantErr)
		}
		return se.Usage
	}
	if err != nil {
		t.Fatalf("ScoreLeads: %v", err)
	}
	if got := outcomes(res); !maps.Equal(got, want) || len(res.Outcomes) != len(want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	rubric := testRubric()
	for _, o := range res.Outcomes {
		if o.Assessment != nil && rubric.CheckAssessment(o.Assessment) != nil {
			t.Errorf("lead %d: assessment fails the rubric check", o.LeadID)
		}
		if o.Assessment == nil && o.Detail == "" {
			t.Errorf("lead %d failed without detail", o.LeadID)
		}
	}
	return res.Usage
}

// checkRequest asserts the model, temperature 0 and the response format of a request.
func checkRequest(t *testing.T, body map[string]any, format string) {
	t.Helper()
	if body["model"] != "test-model" {
		t.Errorf("model = %v", body["model"])
	}
	if temp, ok := body["temperature"]; !ok || temp != 0.0 {
		t.Errorf("temperature = %v (present %v), want 0", temp, ok)
	}
	rf, _ := body["response_format"].(map[string]any)
	if rf["type"] != format {
		t.Errorf("response_format = %v, want type %s", rf, format)
	}
	if format == "json_schema" {
		js, _ := rf["json_schema"].(map[string]any)
		if js["strict"] != true || js["schema"] == nil || js["name"] == "" {
			t.Errorf("json_schema = %v", js)
		}
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t,
		reply{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"error":{"message":"slow down"}}`},
		reply{content: answer(okObj("L1"))})
	s := MustScorer(t, f, nil)
	start := time.Now()
	if _, err := scoreLeads(t, s, testLeads(1)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s, want ≥ 1s", d)
	}
	if s.Stats().Retries != 1 {
		t.Errorf("retries = %d", s.Stats().Retries)
	}
}

func TestSchemaFallback(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t,
		reply{status: 400, body: `{"error":{"message":"response_format type json_schema is not supported by this server","type":"invalid_request_error","code":null}}`},
		reply{content: answer(okObj("L1")), prompt: 5, output: 5},
		reply{content: answer(okObj("L2")), prompt: 5, output: 5})
	s := MustScorer(t, f, nil)
	for _, id := range []int64{1, 2} {
		res, err := scoreLeads(t, s, testLeads(id))
		checkResult(t, res, err, map[int64]string{id: "ok"}, "")
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("calls = %d, want 3", len(reqs))
	}
	checkRequest(t, reqs[0], "json_schema")
	checkRequest(t, reqs[1], "json_object")
	checkRequest(t, reqs[2], "json_object") // remembered by the Scorer
	if st := s.Stats(); st.Fallbacks != 1 || st.Retries != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestCancelStopsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, reply{hang: true})
	s := MustScorer(t, f, func(c *Config) { c.Timeout = 5 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := s.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: "c", Rubric: testRubric(), Leads: testLeads(1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("calls = %d, want 1 (no retry after cancel)", n)
	}
}

func TestRubricErrors(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	s := MustScorer(t, f, nil)
	_, err := s.ScoreLeads(context.Background(), leadrun.LeadRequest{ClientID: "c", Leads: testLeads(1)})
	if leadrun.FailureReason(err) != leadrun.ReasonRubricError {
		t.Errorf("nil rubric: %v", err)
	}
	bad := testRubric()
	bad.Attributes[0].MaxPoints = 0
	_, err = s.ScoreLeads(context.Background(), leadrun.LeadRequest{ClientID: "c", Rubric: bad, Leads: testLeads(1)})
	if leadrun.FailureReason(err) != leadrun.ReasonRubricError {
		t.Errorf("invalid rubric: %v", err)
	}
	_, err = s.ScorePosts(context.Background(), leadrun.PostRequest{ClientID: "c", Posts: testPosts()})
	if leadrun.FailureReason(err) != leadrun.ReasonRubricError {
		t.Errorf("nil post rubric: %v", err)
	}
}
