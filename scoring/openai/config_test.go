package openai

import (
	"fmt"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	cfg := Config{Model: "gpt-4o-mini", APIKey: "sk-very-secret"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
		if strings.Contains(s, "sk-very-secret") {
			t.Errorf("the key leaks: %s", s)
		}
	}
	bad := []Config{
		{Model: "m"}, // no key: there is no default
		{APIKey: "k"},
		{Model: "m", APIKey: "k", BaseURL: "ftp://x"},
		{Model: "m", APIKey: "k", Concurrency: -1},
		{Model: "m", APIKey: "k", RequestsPerMinute: -1},
		{Model: "m", APIKey: "k", Prices: map[string]Price{"m": {PromptPerMillion: -1}}},
	}
	for i, c := range bad {
		err := c.Validate()
		if err == nil {
			t.Errorf("config %d: no error", i)
		} else if c.APIKey != "" && strings.Contains(err.Error(), c.APIKey+" ") {
			t.Errorf("config %d: error shows the key", i)
		}
		if _, err := New(c); err == nil {
			t.Errorf("config %d: New accepted it", i)
		}
	}
	d := Config{MaxRetries: -1}.withDefaults()
	if d.MaxRetries != 0 || d.Concurrency != DefaultConcurrency || d.Timeout != DefaultTimeout || d.BaseURL != DefaultBaseURL {
		t.Errorf("defaults = %+v", d)
	}
	if got := (Price{PromptPerMillion: 0.15, CompletionPerMillion: 0.6}).cost(1_000_000, 500_000); got != 450_000 {
		t.Errorf("cost = %d µ$, want 450000", got)
	}
	s, err := New(cfg)
	if err != nil || s.Name() != "openai" || strings.Contains(s.String(), "sk-very-secret") {
		t.Errorf("New: %v %v", s, err)
	}
}
