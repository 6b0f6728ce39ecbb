package openai

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/leadrun/leadrun"
)

// Why the SDK: openai-go/v3 gives the typed request (response_format unions, messages)
// and decodes the response, so the wire format stays the official one. Its own retries
// are off (WithMaxRetries(0)) because retries here must honour Retry-After, count usage
// once per response, feed the rate limiters and release the concurrency slot while
// waiting. Compatible servers do not always send OpenAI's error body ({"error":"text"}
// from Ollama, HTML from proxies), and the SDK then returns a decoding error without the
// status; a per-call middleware (captured) therefore keeps the status, headers and body
// of every failed response, and classification reads those, not the SDK's error type.

const (
	maxErrorBody  = 64 << 10
	maxRetryAfter = 60 * time.Second
)

// chatCall is one request to the model.
type chatCall struct {
	client       string // for fairness across clients
	system, user string
	schemaName   string
	schema       map[string]any
}

// chatReply is the first choice of a response.
type chatReply struct {
	content, refusal, finish string
}

// callError is a call that failed for good (after its retries) with an answer that is
// about its items (a 400, say). Failures of the provider itself are *leadrun.ProviderError.
type callError struct {
	reason leadrun.Reason
	msg    string
}

func (e *callError) Error() string { return e.msg }

// attemptError is one failed attempt, classified.
type attemptError struct {
	reason            leadrun.Reason
	msg               string
	retry             bool
	retryAfter        time.Duration // < 0 when the server did not say
	schemaUnsupported bool
	// provider: the failure is the provider's (connection, key, model, 5xx, 429,
	// timeout), not the items'; permanent: retrying cannot fix it (401/403/404).
	provider, permanent bool
	status              int
	hang                bool // no answer within the timeout
}

// maxHangRetries caps the retries of calls that got no answer within the timeout: a
// provider that hangs twice in a row is down, and each more try would cost a whole
// timeout (a minute by default) before the run could stop.
const maxHangRetries = 1

// usageMeter sums the tokens of every response of one request.
type usageMeter struct {
	mu                 sync.Mutex
	prompt, completion int64
}

func (m *usageMeter) add(prompt, completion int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prompt += prompt
	m.completion += completion
}

func (m *usageMeter) usage(p Price) leadrun.Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return leadrun.Usage{PromptTokens: m.prompt, CompletionTokens: m.completion, CostMicros: p.cost(m.prompt, m.completion)}
}

// chat makes one call with retries. It returns a *callError when the answer failed for
// good, a *leadrun.ProviderError when the provider did (or the breaker is open), or ctx's
// error as soon as ctx ends (never retried).
func (s *Scorer) chat(ctx context.Context, call chatCall, meter *usageMeter) (chatReply, error) {
	for attempt := 0; ; {
		if ok, err := s.breaker.Allow(); !ok {
			return chatReply{}, s.openError(err)
		}
		schemaMode := !s.jsonObject.Load()
		reply, aerr, err := s.attempt(ctx, call, schemaMode, meter)
		if err != nil {
			s.breaker.Neutral()
			return chatReply{}, err
		}
		if aerr == nil || !aerr.provider {
			s.breaker.Success() // the provider answered, whatever it said
		}
		if aerr == nil {
			return reply, nil
		}
		if aerr.schemaUnsupported && schemaMode {
			// The server lacks json_schema: switch this Scorer to json_object for good.
			if !s.jsonObject.Swap(true) {
				s.stats.fallbacks.Add(1)
			}
			continue
		}
		if !aerr.retry || attempt >= s.cfg.MaxRetries || (aerr.hang && attempt >= maxHangRetries) {
			return chatReply{}, s.givenUp(aerr, attempt)
		}
		attempt++
		s.stats.retries.Add(1)
		if err := cmp.Or(leadrun.Sleep(ctx, s.delay(attempt, aerr.retryAfter)), ctx.Err()); err != nil {
			s.breaker.Neutral()
			return chatReply{}, err
		}
	}
}

// givenUp turns the last failed attempt of a call into its error, and tells the breaker
// about provider failures.
func (s *Scorer) givenUp(aerr *attemptError, attempt int) error {
	if !aerr.provider {
		return &callError{reason: aerr.reason, msg: aerr.msg}
	}
	msg := aerr.msg
	if attempt > 0 {
		msg += fmt.Sprintf(" (after %d tries)", attempt+1)
	}
	pe := s.providerError(aerr.status, msg, aerr.permanent)
	s.breaker.Failure(pe, aerr.permanent)
	s.log.Warn("AI provider failed", "status", aerr.status, "error", pe.Error(), "permanent", aerr.permanent)
	return pe
}

// providerError describes a provider failure with the configured base URL and model.
func (s *Scorer) providerError(status int, msg string, permanent bool) *leadrun.ProviderError {
	return &leadrun.ProviderError{Status: status, Message: msg, BaseURL: s.baseURLShown, Model: s.cfg.Model,
		Permanent: permanent}
}

// openError is the error of a call refused by the open breaker: the provider error that
// opened it, as a fresh value (callers set its usage).
func (s *Scorer) openError(cause error) *leadrun.ProviderError {
	if pe := leadrun.AsProviderError(cause); pe != nil {
		c := *pe
		c.Usage = leadrun.Usage{}
		return &c
	}
	return s.providerError(0, "circuit breaker open", false)
}

// attempt makes one HTTP call within the limiters, the concurrency limit and the per-call
// timeout.
func (s *Scorer) attempt(ctx context.Context, call chatCall, schemaMode bool, meter *usageMeter) (chatReply, *attemptError, error) {
	est := int64(len(call.system)+len(call.user))/4 + 1
	if err := s.waitLimits(ctx, est); err != nil {
		return chatReply{}, nil, err
	}
	release, err := s.sem.acquire(ctx, call.client)
	if err != nil {
		return chatReply{}, nil, err
	}
	defer release()
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var cap captured
	s.stats.calls.Add(1)
	began := time.Now()
	cap.limit = s.cfg.MaxResponseBytes
	res, err := s.svc.New(callCtx, s.params(call, schemaMode), option.WithMiddleware(cap.middleware))
	if ctx.Err() != nil {
		return chatReply{}, nil, ctx.Err()
	}
	if err != nil {
		aerr := s.classify(callCtx, err, &cap)
		s.observe(began, string(aerr.reason))
		return chatReply{}, aerr, nil
	}
	s.observe(began, "ok")
	var content string
	if len(res.Choices) > 0 {
		content = res.Choices[0].Message.Content
	}
	prompt, completion := s.trustUsage(est, len(content), res.Usage.PromptTokens, res.Usage.CompletionTokens)
	meter.add(prompt, completion)
	s.chargeTokens(est, prompt+completion)
	if len(res.Choices) == 0 {
		return chatReply{}, nil, nil // read as an empty answer
	}
	c := res.Choices[0]
	return chatReply{content: s.clean(c.Message.Content, "content"), refusal: s.clean(c.Message.Refusal, "refusal"),
		finish: c.FinishReason}, nil, nil
}

// observe reports one call's latency and outcome ("ok" or a reason code) to the
// configured observer, if any.
func (s *Scorer) observe(began time.Time, outcome string) {
	if s.cfg.ObserveCall != nil {
		s.cfg.ObserveCall(time.Since(began), outcome)
	}
}

// params builds the request: temperature 0 and structured output (json_schema, strict),
// or json_object after a server said it lacks schema support.
func (s *Scorer) params(call chatCall, schemaMode bool) sdk.ChatCompletionNewParams {
	p := sdk.ChatCompletionNewParams{
		Model:       shared.ChatModel(s.cfg.Model),
		Messages:    []sdk.ChatCompletionMessageParamUnion{sdk.SystemMessage(call.system), sdk.UserMessage(call.user)},
		Temperature: sdk.Float(0),
	}
	if s.cfg.MaxOutputTokens > 0 {
		// max_tokens rather than max_completion_tokens: every compatible server knows it.
		p.MaxTokens = sdk.Int(int64(s.cfg.MaxOutputTokens))
	}
	if schemaMode {
		p.ResponseFormat.OfJSONSchema = &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name: call.schemaName, Schema: call.schema, Strict: sdk.Bool(true),
			},
		}
	} else {
		p.ResponseFormat.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
	}
	return p
}

// captured keeps the status, headers and (for errors) body of a response, and caps the
// size of any body read.
type captured struct {
	status int
	header http.Header
	body   []byte
	limit  int64
	tooBig bool // the body was longer than limit: reading it failed
}

func (c *captured) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil || res == nil {
		return res, err
	}
	c.status, c.header = res.StatusCode, res.Header
	if res.StatusCode >= 400 {
		c.body, _ = io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		_ = res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(c.body))
		return res, nil
	}
	res.Body = &cappedBody{ReadCloser: res.Body, left: c.limit, over: &c.tooBig}
	return res, nil
}

// errBodyTooLarge ends the reading of a response body longer than the configured cap.
var errBodyTooLarge = errors.New("response body too large")

// cappedBody fails the read past its limit, so a provider streaming gigabytes costs at
// most the limit in memory.
type cappedBody struct {
	io.ReadCloser
	left int64
	over *bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n > 0 {
			*b.over = true
			return 0, errBodyTooLarge
		}
		return b.ReadCloser.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// classify turns a failed attempt into a reason, a retry decision and its kind: the
// provider's failure (connection, key, model, 5xx, 429, timeout, oversized answer) or
// the items' (another 4xx).
func (s *Scorer) classify(callCtx context.Context, err error, cap *captured) *attemptError {
	if cap.tooBig {
		return &attemptError{reason: leadrun.ReasonAPIError, provider: true, retryAfter: -1,
			msg: fmt.Sprintf("the answer is larger than %d bytes (LEADRUN_OPENAI_MAX_RESPONSE_BYTES)", s.cfg.MaxResponseBytes)}
	}
	if cap.status >= 400 {
		msg := s.clean(s.redact(errorMessage(cap.body)), "error message")
		e := &attemptError{reason: leadrun.ReasonAPIError, retryAfter: retryAfter(cap.header), status: cap.status, msg: msg}
		switch {
		case (cap.status == 400 || cap.status == 422) && mentionsSchema(msg):
			e.schemaUnsupported = true
		case cap.status == http.StatusUnauthorized || cap.status == http.StatusForbidden || cap.status == http.StatusNotFound:
			e.provider, e.permanent = true, true
		case cap.status == http.StatusTooManyRequests:
			e.reason, e.retry, e.provider = leadrun.ReasonRateLimited, true, true
		case cap.status == http.StatusRequestTimeout:
			e.reason, e.retry, e.provider = leadrun.ReasonTimeout, true, true
		case cap.status >= 500:
			e.retry, e.provider = true, true
		default:
			e.msg = fmt.Sprintf("HTTP %d %s", cap.status, msg)
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || callCtx.Err() != nil {
		return &attemptError{reason: leadrun.ReasonTimeout, retry: true, retryAfter: -1, provider: true, hang: true,
			msg: fmt.Sprintf("no answer within %s", s.cfg.Timeout)}
	}
	if cap.status >= 200 && cap.status < 300 {
		// The provider answered 2xx with a body that is not a completion: its fault, but
		// a retry may get a good one.
		return &attemptError{reason: leadrun.ReasonAPIError, retry: true, retryAfter: -1, provider: true,
			msg: "unreadable answer: " + s.clean(s.redact(err.Error()), "error message")}
	}
	// No HTTP answer: connection refused or reset, DNS, TLS.
	return &attemptError{reason: leadrun.ReasonAPIError, retry: true, retryAfter: -1, provider: true,
		msg: "request failed: " + s.clean(s.redact(err.Error()), "error message")}
}

// errorMessage reads {"error":{"message":…}}, {"error":"…"} or plain text.
func errorMessage(body []byte) string {
	var obj struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &obj) == nil && len(obj.Error) > 0 {
		var detail struct {
			Message string `json:"message"`
		}
		var text string
		if json.Unmarshal(obj.Error, &detail) == nil && detail.Message != "" {
			return truncate(detail.Message, 300)
		}
		if json.Unmarshal(obj.Error, &text) == nil && text != "" {
			return truncate(text, 300)
		}
	}
	if t := strings.TrimSpace(string(body)); t != "" {
		return truncate(t, 300)
	}
	return "no error message"
}

// mentionsSchema reports whether a 400 is about the structured-output request.
func mentionsSchema(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "json_schema") || strings.Contains(m, "response_format") ||
		strings.Contains(m, "structured output")
}

// retryAfter reads retry-after-ms (OpenAI) or Retry-After (seconds or an HTTP date);
// -1 when neither is usable.
func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return -1
	}
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return -1
}

// delay is the wait before retry number attempt (1-based): what the server asked for,
// capped, else exponential back-off with jitter.
func (s *Scorer) delay(attempt int, serverAsked time.Duration) time.Duration {
	if serverAsked >= 0 {
		return min(serverAsked, maxRetryAfter)
	}
	d := s.backoffBase << min(attempt-1, 20)
	if d <= 0 || d > s.backoffMax {
		d = s.backoffMax
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// waitLimits waits for the request and token limiters. A wait that would outlast ctx's
// deadline waits for ctx to end instead, so the caller sees ctx's error.
func (s *Scorer) waitLimits(ctx context.Context, est int64) error {
	if s.rpm != nil {
		if err := s.rpm.Wait(ctx); err != nil {
			<-ctx.Done()
			return ctx.Err()
		}
	}
	if s.tpm != nil {
		if err := s.tpm.WaitN(ctx, int(min(est, int64(s.tpm.Burst())))); err != nil {
			<-ctx.Done()
			return ctx.Err()
		}
	}
	return nil
}

// chargeTokens puts the tokens a response used beyond the estimate on the token limiter,
// so the next calls wait for them.
func (s *Scorer) chargeTokens(est, actual int64) {
	if s.tpm == nil || actual <= est {
		return
	}
	s.tpm.ReserveN(time.Now(), int(min(actual-est, int64(s.tpm.Burst()))))
}
