package leadrun

import (
	"context"
	"errors"
	"fmt"
)

// Reason is a code saying why a lead or post was skipped or failed (SPEC §3.5).
type Reason string

// Reason codes.
const (
	ReasonMissingCriticalData Reason = "missing_critical_data"
	ReasonInvalidAIResponse   Reason = "invalid_ai_response"
	ReasonEmptyAIResponse     Reason = "empty_ai_response"
	ReasonParseError          Reason = "parse_error"
	ReasonAPIError            Reason = "api_error"
	ReasonTimeout             Reason = "timeout"
	ReasonRateLimited         Reason = "rate_limited"
	ReasonSafetyBlock         Reason = "safety_block"
	ReasonBudgetExceeded      Reason = "budget_exceeded"
	ReasonRubricError         Reason = "rubric_error"
	ReasonNoContent           Reason = "no_content" // post too short to score
)

// Scorer scores leads and posts against a client's rubric. Implementations: the rules
// scorer (deterministic, offline) and the OpenAI-compatible scorer. A scorer never writes:
// it returns outcomes keyed by lead or post ID and the run stores them.
type Scorer interface {
	// Name identifies the scorer in run records and logs, e.g. "rules".
	Name() string
	// ScoreLeads scores one chunk. An error means the whole chunk failed: a *ProviderError
	// when the provider itself failed (the leads are not at fault and must stay due),
	// else its reason is taken from a *ScoreError (api_error when unknown); otherwise
	// every lead has an outcome.
	ScoreLeads(ctx context.Context, req LeadRequest) (*LeadResult, error)
	// ScorePosts scores the posts of one or more leads, with the same error contract.
	ScorePosts(ctx context.Context, req PostRequest) (*PostResult, error)
}

// LeadRequest is a chunk of a client's leads to score.
type LeadRequest struct {
	ClientID string
	Rubric   *Rubric
	Leads    []*Lead
}

// LeadOutcome is a scorer's verdict on one lead: an assessment, or a failure reason.
type LeadOutcome struct {
	LeadID     int64
	Assessment *Assessment // nil when the lead failed
	Reason     Reason      // set when the lead failed
	Detail     string      // why, in plain words
}

// Usage is what a call (or a chunk of calls) cost.
type Usage struct {
	PromptTokens     int64
	CompletionTokens int64
	CostMicros       int64
}

// Add adds o to u.
func (u *Usage) Add(o Usage) {
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.CostMicros += o.CostMicros
}

// LeadResult is the outcome of a lead chunk.
type LeadResult struct {
	Outcomes []LeadOutcome
	Usage    Usage
}

// PostRequest is a set of posts to score against a client's post rubric.
type PostRequest struct {
	ClientID string
	Rubric   *PostRubric
	Lead     *Lead
	Posts    []*Post
}

// PostOutcome is a scorer's verdict on one post.
type PostOutcome struct {
	PostID    int64
	Score     float64
	Rationale string
	Reason    Reason // set when the post failed
	Detail    string
}

// PostResult is the outcome of a post request.
type PostResult struct {
	Outcomes []PostOutcome
	Usage    Usage
}

// ScoreError is a failure of a whole scorer call, with its reason code.
type ScoreError struct {
	Reason Reason
	Err    error
	Usage  Usage // tokens spent before the failure, still counted
}

func (e *ScoreError) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }
func (e *ScoreError) Unwrap() error { return e.Err }

// FailureReason extracts the reason code of a scorer error (provider_unavailable for a
// *ProviderError, api_error when unknown, timeout for deadline errors).
func FailureReason(err error) Reason {
	if AsProviderError(err) != nil {
		return ReasonProviderUnavailable
	}
	var se *ScoreError
	if errors.As(err, &se) {
		return se.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ReasonTimeout
	}
	return ReasonAPIError
}
