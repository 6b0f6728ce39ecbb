// Package openai is leadrun's scorer for any OpenAI-compatible chat-completions endpoint
// (OpenAI, Gemini's compatible endpoint, Ollama, vLLM, llama.cpp's server), SPEC §3.7.
// It sends the rubric verbatim, keys every lead so answers are matched by key and never by
// position, asks for JSON-schema structured output at temperature 0 (falling back to JSON
// mode for servers without schema support), validates every answer, retries what is
// missing in halved chunks, and counts the tokens of every response.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"golang.org/x/time/rate"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/scoring/breaker"
)

// Scorer scores leads and posts with an OpenAI-compatible model. It is safe for
// concurrent use; its concurrency limit and rate limiters are shared by all calls.
type Scorer struct {
	cfg        Config
	price      Price
	svc        sdk.ChatCompletionService
	sem        *fairSem
	rpm, tpm   *rate.Limiter
	jsonObject atomic.Bool // the server lacks json_schema support: use json_object
	stats      counters
	breaker    *breaker.Breaker
	log        *slog.Logger
	// baseURLShown is the base URL without user info, query or fragment, for messages.
	baseURLShown string

	backoffBase, backoffMax time.Duration
}

var _ leadrun.Scorer = (*Scorer)(nil)

// Stats counts what a Scorer did since it was made.
type Stats struct {
	Calls       int64 // HTTP calls made
	Retries     int64 // retries after failed calls
	Fallbacks   int64 // switches from json_schema to json_object (0 or 1)
	Splits      int64 // chunks split in halves (missing or truncated answers)
	UnknownKeys int64 // answer objects whose key was not asked for (ignored)
}

type counters struct {
	calls, retries, fallbacks, splits, unknown atomic.Int64
}

// New returns a scorer for cfg, or cfg's validation error.
func New(cfg Config) (*Scorer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{} // per-call contexts carry the timeouts
	}
	s := &Scorer{
		cfg:   cfg,
		price: cfg.Prices[cfg.Model],
		svc: sdk.NewChatCompletionService(option.WithBaseURL(cfg.BaseURL), option.WithAPIKey(cfg.APIKey),
			option.WithHTTPClient(hc), option.WithMaxRetries(0)),
		sem:          newFairSem(cfg.Concurrency),
		backoffBase:  time.Second,
		backoffMax:   30 * time.Second,
		breaker:      cfg.Breaker,
		log:          cfg.Logger,
		baseURLShown: shownURL(cfg.BaseURL),
	}
	if s.breaker == nil {
		s.breaker = breaker.New(breaker.Config{})
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestsPerMinute > 0 {
		burst := max(1, min(cfg.RequestsPerMinute, cfg.Concurrency))
		s.rpm = rate.NewLimiter(rate.Limit(float64(cfg.RequestsPerMinute)/60), burst)
	}
	if cfg.TokensPerMinute > 0 {
		s.tpm = rate.NewLimiter(rate.Limit(float64(cfg.TokensPerMinute)/60), cfg.TokensPerMinute)
	}
	return s, nil
}

// Name identifies the scorer in run records and logs.
func (s *Scorer) Name() string { return "openai" }

// Info names the configuration this scorer scores with: the base URL's host and the model.
func (s *Scorer) Info() leadrun.ScorerInfo {
	return leadrun.ScorerInfo{Name: "openai", Host: leadrun.URLHost(s.cfg.BaseURL), Model: s.cfg.Model}
}

// Breaker returns the scorer's circuit breaker.
func (s *Scorer) Breaker() *breaker.Breaker { return s.breaker }

// String describes the scorer without its API key.
func (s *Scorer) String() string { return s.cfg.String() }

// Stats returns the scorer's counters.
func (s *Scorer) Stats() Stats {
	return Stats{Calls: s.stats.calls.Load(), Retries: s.stats.retries.Load(),
		Fallbacks: s.stats.fallbacks.Load(), Splits: s.stats.splits.Load(), UnknownKeys: s.stats.unknown.Load()}
}

// ScoreLeads scores a chunk of leads. Every lead gets an outcome unless the whole chunk
// failed (a *leadrun.ScoreError with the tokens spent) or ctx ended (ctx's error).
func (s *Scorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Rubric == nil {
		return nil, rubricError(fmt.Errorf("client %s has no rubric", req.ClientID))
	}
	if err := req.Rubric.Validate(); err != nil {
		return nil, rubricError(err)
	}
	byKey, keys := map[string]*leadrun.Lead{}, []string{}
	for _, l := range req.Leads {
		if l != nil && byKey[leadKey(l.ID)] == nil {
			byKey[leadKey(l.ID)] = l
			keys = append(keys, leadKey(l.ID))
		}
	}
	res := &leadrun.LeadResult{Outcomes: make([]leadrun.LeadOutcome, 0, len(keys))}
	if len(keys) == 0 {
		return res, nil
	}
	meter, idx := &usageMeter{}, indexRubric(req.Rubric)
	base := chatCall{client: req.ClientID, system: leadSystemPrompt(req.Rubric), schemaName: "lead_scores",
		schema: leadSchema(req.Rubric)}
	call := func(ctx context.Context, ks []string) (parsed[*leadrun.Assessment], *failure, error) {
		chunk := make([]*leadrun.Lead, len(ks))
		for i, k := range ks {
			chunk[i] = byKey[k]
		}
		c := base
		c.user = leadUserPrompt(chunk)
		reply, err := s.chat(ctx, c, meter)
		return readReply(reply, err, func(content string) (parsed[*leadrun.Assessment], error) {
			return parseLeadAnswer(content, idx, keySet(ks))
		})
	}
	out, err := resolve(ctx, s, keys, call)
	res.Usage = meter.usage(s.price)
	if err != nil {
		return nil, s.chunkError(err, res.Usage)
	}
	for _, k := range keys {
		v := out[k]
		o := leadrun.LeadOutcome{LeadID: byKey[k].ID, Reason: v.reason, Detail: s.clean(v.detail, "detail")}
		switch {
		case v.reason == "" && v.val != nil:
			o.Assessment = s.cleanAssessment(v.val)
		case v.reason == "":
			o.Reason, o.Detail = leadrun.ReasonInvalidAIResponse, "no verdict for this lead"
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res, nil
}

// ScorePosts scores one lead's posts in one call, keyed by post URL, with the same error
// contract as ScoreLeads.
func (s *Scorer) ScorePosts(ctx context.Context, req leadrun.PostRequest) (*leadrun.PostResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Rubric == nil || req.Rubric.MaxPostScore() <= 0 {
		return nil, rubricError(fmt.Errorf("client %s has no post rubric with an active positive criterion", req.ClientID))
	}
	res := &leadrun.PostResult{}
	byURL, keys := map[string][]*leadrun.Post{}, []string{}
	for _, p := range req.Posts {
		switch {
		case p == nil:
		case strings.TrimSpace(p.PostURL) == "":
			res.Outcomes = append(res.Outcomes, leadrun.PostOutcome{PostID: p.ID,
				Reason: leadrun.ReasonInvalidAIResponse, Detail: "the post has no URL to key it by"})
		default:
			if byURL[p.PostURL] == nil {
				keys = append(keys, p.PostURL)
			}
			byURL[p.PostURL] = append(byURL[p.PostURL], p)
		}
	}
	if len(keys) == 0 {
		return res, nil
	}
	meter, maxScore := &usageMeter{}, req.Rubric.MaxPostScore()
	base := chatCall{client: req.ClientID, system: postSystemPrompt(req.Rubric), schemaName: "post_scores",
		schema: postSchema(req.Rubric)}
	call := func(ctx context.Context, ks []string) (parsed[postVerdict], *failure, error) {
		var chunk []*leadrun.Post
		for _, k := range ks {
			chunk = append(chunk, byURL[k][0])
		}
		c := base
		c.user = postUserPrompt(chunk)
		reply, err := s.chat(ctx, c, meter)
		return readReply(reply, err, func(content string) (parsed[postVerdict], error) {
			return parsePostAnswer(content, maxScore, keySet(ks))
		})
	}
	out, err := resolve(ctx, s, keys, call)
	res.Usage = meter.usage(s.price)
	if err != nil {
		return nil, s.chunkError(err, res.Usage)
	}
	for _, k := range keys {
		v, ok := out[k]
		if !ok {
			v = failed[postVerdict](leadrun.ReasonInvalidAIResponse, "no verdict for this post")
		}
		for _, p := range byURL[k] {
			res.Outcomes = append(res.Outcomes, leadrun.PostOutcome{PostID: p.ID, Score: float64(v.val.score),
				Rationale: s.clean(v.val.rationale, "rationale"), Reason: v.reason, Detail: s.clean(v.detail, "detail")})
		}
	}
	return res, nil
}

// chunkError returns ctx errors as they are, gives a provider failure the tokens spent,
// and wraps a whole-chunk failure in a *leadrun.ScoreError carrying them.
func (s *Scorer) chunkError(err error, usage leadrun.Usage) error {
	var f *failure
	if errors.As(err, &f) {
		return &leadrun.ScoreError{Reason: f.reason, Err: errors.New(f.msg), Usage: usage}
	}
	if pe := leadrun.AsProviderError(err); pe != nil {
		pe.Usage = usage
		return pe
	}
	return err
}

func rubricError(err error) error {
	return &leadrun.ScoreError{Reason: leadrun.ReasonRubricError, Err: err}
}

func keySet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}
