package openai

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func TestCheck(t *testing.T) {
	ok := newFakeServer(t, reply{content: "OK", prompt: 5, output: 1})
	if _, err := MustScorer(t, ok, nil).Check(context.Background()); err != nil {
		t.Errorf("check against a working server: %v", err)
	}
	bad := newFakeServer(t, reply{status: 401, body: `{"error":{"message":"Incorrect API key provided: sk-test-secret-key"}}`})
	s := MustScorer(t, bad, nil)
	_, err := s.Check(context.Background())
	pe := leadrun.AsProviderError(err)
	if pe == nil || pe.Status != 401 || !strings.Contains(pe.Error(), "Incorrect API key provided") ||
		strings.Contains(pe.Error(), "sk-test-secret-key") || leadrun.FailureReason(err) != leadrun.ReasonProviderUnavailable {
		t.Fatalf("check with a wrong key: %v", err)
	}
	if st, _ := s.Breaker().State(); st != "open" {
		t.Errorf("breaker %s after a 401 check, want open", st)
	}
}

// Redaction replaces whole secret values only: a short key is not cut out of words.
func TestRedactSecret(t *testing.T) {
	cases := []struct{ text, secret, want string }{
		{"upstream exploded", "t", "upstream exploded"},
		{"Incorrect API key provided: t", "t", "Incorrect API key provided: [redacted]"},
		{"key=t&x=1", "t", "key=[redacted]&x=1"},
		{"sk-abc is not sk-abcd", "sk-abc", "[redacted] is not sk-abcd"},
		{"Bearer sk-live-0123456789xyz.", "sk-live-0123456789", "Bearer [redacted]xyz."},
		{"nothing", "", "nothing"},
	}
	for _, c := range cases {
		if got := redactSecret(c.text, c.secret); got != c.want {
			t.Errorf("redact(%q, %q) = %q, want %q", c.text, c.secret, got, c.want)
		}
	}
}
