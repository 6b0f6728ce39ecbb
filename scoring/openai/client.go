package openai

import (
	"bytes"
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

// callError is a call that failed for good (after its retries).
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
}

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

// chat makes one call with retries. It returns a *callError when the call failed for
// good, or ctx's error as soon as ctx ends (never retried).
func (s *Scorer) chat(ctx context.Context, call chatCall, meter *usageMeter) (chatReply, error) {
	for attempt := 0; ; {
		schemaMode := !s.jsonObject.Load()
		reply, aerr, err := s.attempt(ctx, call, schemaMode, meter)
		if err != nil {
			return chatReply{}, err
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
		if !aerr.retry || attempt >= s.cfg.MaxRetries {
			return chatReply{}, &callError{reason: aerr.reason, msg: aerr.msg}
		}
		attempt++
		s.stats.retries.Add(1)
		if err := sleep(ctx, s.delay(attempt, aerr.retryAfter)); err != nil {
			return chatReply{}, err
		}
	}
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
	meter.add(res.Usage.PromptTokens, res.Usage.CompletionTokens)
	s.chargeTokens(est, res.Usage.PromptTokens+res.Usage.CompletionTokens)
	if len(res.Choices) == 0 {
		return chatReply{}, nil, nil // read as an empty answer
	}
	c := res.Choices[0]
	return chatReply{content: c.Message.Content, refusal: c.Message.Refusal, finish: c.FinishReason}, nil, nil
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

// captured keeps the status, headers and (for errors) body of a response.
type captured struct {
	status int
	header http.Header
	body   []byte
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
	}
	return res, nil
}

// classify turns a failed attempt into a reason and a retry decision.
func (s *Scorer) classify(callCtx context.Context, err error, cap *captured) *attemptError {
	if cap.status >= 400 {
		msg := s.redact(errorMessage(cap.body))
		e := &attemptError{reason: leadrun.ReasonAPIError, retryAfter: retryAfter(cap.header),
			msg: fmt.Sprintf("HTTP %d: %s", cap.status, msg)}
		switch {
		case (cap.status == 400 || cap.status == 422) && mentionsSchema(msg):
			e.schemaUnsupported = true
		case cap.status == http.StatusTooManyRequests:
			e.reason, e.retry = leadrun.ReasonRateLimited, true
		case cap.status == http.StatusRequestTimeout:
			e.reason, e.retry = leadrun.ReasonTimeout, true
		case cap.status >= 500:
			e.retry = true
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || callCtx.Err() != nil {
		return &attemptError{reason: leadrun.ReasonTimeout, retry: true, retryAfter: -1,
			msg: fmt.Sprintf("no answer within %s", s.cfg.Timeout)}
	}
	// Connection refused or reset, an unreadable body: transient as far as we can tell.
	return &attemptError{reason: leadrun.ReasonAPIError, retry: true, retryAfter: -1,
		msg: "request failed: " + s.redact(err.Error())}
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

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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

// redact removes the API key from text that may quote it.
func (s *Scorer) redact(text string) string {
	if s.cfg.APIKey == "" {
		return text
	}
	return strings.ReplaceAll(text, s.cfg.APIKey, "[redacted]")
}
