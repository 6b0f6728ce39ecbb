// Package openaifake is an in-process server speaking the chat-completions wire protocol,
// for benchmarks and end-to-end tests where no AI provider can be reached. After a fixed
// latency it answers every lead key (or post URL) it was sent with a valid, neutral
// verdict, and reports token usage.
package openaifake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"
)

// Server is the fake provider. Its URL plus "/v1" is the base URL to configure.
type Server struct {
	*httptest.Server
	latency     time.Duration
	calls       atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// New starts a fake provider that answers each call after latency.
func New(latency time.Duration) *Server {
	s := &Server{latency: latency}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Calls is how many requests the server received.
func (s *Server) Calls() int64 { return s.calls.Load() }

// MaxInFlight is the largest number of requests it served at once.
func (s *Server) MaxInFlight() int64 { return s.maxInFlight.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.maxInFlight.Load(); n > m && !s.maxInFlight.CompareAndSwap(m, n); m = s.maxInFlight.Load() {
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	select {
	case <-time.After(s.latency):
	case <-r.Context().Done():
		return
	}
	content, err := answer(raw)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, err.Error())
		return
	}
	body, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": "fake",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": len(raw) / 4, "completion_tokens": len(content) / 4,
			"total_tokens": len(raw)/4 + len(content)/4},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// answer builds a neutral verdict for every lead key or post URL of the user message.
func answer(raw []byte) (string, error) {
	var req struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &req); err != nil || len(req.Messages) < 2 {
		return "", fmt.Errorf("want a system and a user message")
	}
	user := req.Messages[len(req.Messages)-1].Content
	var items struct {
		Leads []struct {
			Key string `json:"key"`
		} `json:"leads"`
		Posts []struct {
			PostURL string `json:"post_url"`
		} `json:"posts"`
	}
	if err := json.Unmarshal([]byte(user[strings.IndexByte(user, '\n')+1:]), &items); err != nil {
		return "", fmt.Errorf("user message: %v", err)
	}
	out := map[string]any{}
	if items.Posts != nil {
		posts := []any{}
		for _, p := range items.Posts {
			posts = append(posts, map[string]any{"post_url": p.PostURL, "score": 0, "rationale": "neutral"})
		}
		out["posts"] = posts
	} else {
		leads := []any{}
		for _, l := range items.Leads {
			leads = append(leads, map[string]any{"key": l.Key, "positive_scores": map[string]any{},
				"negative_scores": map[string]any{}, "attribute_reasoning": map[string]any{},
				"contact_readiness": false, "unscored_attributes": []string{}, "assessment": "Neutral.",
				"ai_excluded": false, "exclude_details": ""})
		}
		out["leads"] = leads
	}
	b, err := json.Marshal(out)
	return string(b), err
}
