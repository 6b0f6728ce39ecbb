package openai

import (
	"context"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// Check sends one minimal request (one short message, at most one output token, no
// retries) and reports nil when the provider answered, else its error: a
// *leadrun.ProviderError for the provider's failures (wrong key, unknown model, down),
// or the answer's problem. It bypasses an open breaker (it is the explicit probe), and
// its outcome closes or opens the breaker like any call.
func (s *Scorer) Check(ctx context.Context) (time.Duration, error) {
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	cap := captured{limit: s.cfg.MaxResponseBytes}
	p := sdk.ChatCompletionNewParams{
		Model:     shared.ChatModel(s.cfg.Model),
		Messages:  []sdk.ChatCompletionMessageParamUnion{sdk.UserMessage("Reply with the word OK.")},
		MaxTokens: sdk.Int(1),
	}
	began := time.Now()
	_, err := s.svc.New(callCtx, p, option.WithMiddleware(cap.middleware))
	took := time.Since(began)
	if ctx.Err() != nil {
		return took, ctx.Err()
	}
	if err == nil {
		s.breaker.Success()
		return took, nil
	}
	aerr := s.classify(callCtx, err, &cap)
	if !aerr.provider {
		s.breaker.Success() // it answered: what it said is about the request
		return took, &callError{reason: aerr.reason, msg: aerr.msg}
	}
	pe := s.providerError(aerr.status, aerr.msg, aerr.permanent)
	s.breaker.Failure(pe, aerr.permanent)
	return took, pe
}
