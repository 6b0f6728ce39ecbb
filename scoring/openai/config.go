package openai

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leadrun/leadrun/scoring/breaker"
)

// Defaults applied by New to unset Config fields.
const (
	DefaultBaseURL     = "https://api.openai.com/v1"
	DefaultTimeout     = 60 * time.Second
	DefaultMaxRetries  = 4
	DefaultConcurrency = 4
	// DefaultMaxResponseBytes caps the body of one answer (a provider streaming
	// gigabytes must not take the worker's memory with it).
	DefaultMaxResponseBytes = 4 << 20
)

// Price is what a model costs, in dollars per million tokens.
type Price struct {
	PromptPerMillion     float64 `json:"prompt_per_million" yaml:"prompt_per_million"`
	CompletionPerMillion float64 `json:"completion_per_million" yaml:"completion_per_million"`
}

// Config configures the OpenAI-compatible scorer. APIKey has no default and is never
// printed: String, GoString and every error of this package leave it out.
type Config struct {
	// BaseURL of an OpenAI-compatible API, e.g. https://api.openai.com/v1,
	// http://localhost:11434/v1 (Ollama). Empty means DefaultBaseURL.
	BaseURL string
	// Model name sent with every call. Required.
	Model string
	// APIKey sent as a bearer token. Required; servers that ignore keys (Ollama,
	// llama.cpp) accept any non-empty value.
	APIKey string
	// Timeout of one HTTP call. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries after the first attempt of a call. Zero means DefaultMaxRetries; a
	// negative value means no retries.
	MaxRetries int
	// Concurrency is the number of calls in flight at once across all clients. Zero means
	// DefaultConcurrency.
	Concurrency int
	// RequestsPerMinute and TokensPerMinute limit the call rate; zero means unlimited.
	RequestsPerMinute int
	TokensPerMinute   int
	// MaxOutputTokens caps each answer (sent as max_tokens); zero leaves the server's
	// default.
	MaxOutputTokens int
	// Prices per model name, for the cost estimate; a model without a price costs 0.
	Prices map[string]Price
	// MaxResponseBytes caps the body of one answer; a longer one fails the call as a
	// provider failure. Zero means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Breaker is the circuit breaker of this provider (base URL and model). Nil gives the
	// Scorer its own, with the default threshold and cool-down; a Scorer is meant to be
	// shared by all operations of a process, and so is its breaker.
	Breaker *breaker.Breaker
	// Logger hears about provider failures, clamped usage and repaired text; nil means
	// no logging. It never receives the API key.
	Logger *slog.Logger
	// HTTPClient replaces the default client (tests).
	HTTPClient *http.Client
	// ObserveCall, when set, is told each call's latency and outcome ("ok" or a reason
	// code), e.g. for a metrics histogram.
	ObserveCall func(latency time.Duration, outcome string)
}

// withDefaults returns the config with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return c
}

// Validate reports every problem of the configuration (after defaults) in one error.
func (c Config) Validate() error {
	c = c.withDefaults()
	var problems []string
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, "base URL must be an http(s) URL")
	}
	if strings.TrimSpace(c.Model) == "" {
		problems = append(problems, "model is required")
	}
	if strings.TrimSpace(c.APIKey) == "" {
		problems = append(problems, "API key is required (servers that ignore keys accept any value)")
	}
	if c.Timeout < 0 {
		problems = append(problems, "timeout must not be negative")
	}
	if c.Concurrency < 0 {
		problems = append(problems, "concurrency must not be negative")
	}
	if c.RequestsPerMinute < 0 || c.TokensPerMinute < 0 {
		problems = append(problems, "rate limits must not be negative")
	}
	if c.MaxResponseBytes < 0 {
		problems = append(problems, "max response bytes must not be negative")
	}
	if c.MaxOutputTokens < 0 {
		problems = append(problems, "max output tokens must not be negative")
	}
	for model, p := range c.Prices {
		if p.PromptPerMillion < 0 || p.CompletionPerMillion < 0 {
			problems = append(problems, fmt.Sprintf("price of %q must not be negative", model))
		}
	}
	if len(problems) > 0 {
		return errors.New("openai scorer: " + strings.Join(problems, "; "))
	}
	return nil
}

// String describes the configuration without its API key.
func (c Config) String() string {
	key := "unset"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("openai(base_url=%s model=%s api_key=%s timeout=%s max_retries=%d concurrency=%d rpm=%d tpm=%d)",
		c.BaseURL, c.Model, key, c.Timeout, c.MaxRetries, c.Concurrency, c.RequestsPerMinute, c.TokensPerMinute)
}

// GoString keeps %#v from printing the API key.
func (c Config) GoString() string { return c.String() }

// cost returns the estimated cost in micro-dollars: tokens × dollars per million tokens
// is exactly micro-dollars.
func (p Price) cost(prompt, completion int64) int64 {
	return int64(float64(prompt)*p.PromptPerMillion + float64(completion)*p.CompletionPerMillion + 0.5)
}
