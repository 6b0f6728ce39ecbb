package leadrun

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ReasonProviderUnavailable is the failure code of an operation (and the reason of its
// run) stopped because the AI provider could not be used: it is down, refuses the key,
// does not know the model, or keeps failing. It is never a lead's reason: leads whose
// chunk hit it stay due with their attempts unchanged.
const ReasonProviderUnavailable Reason = "provider_unavailable"

// ProviderError is a failure of the AI provider itself rather than of one answer: a
// connection refused or reset, DNS, TLS, HTTP 401/403 (key), 404 (model or URL), 5xx,
// 429 after its retries, a timeout, or an open circuit breaker. It says nothing about
// the leads of the call, so it must not count against them.
type ProviderError struct {
	Status  int    // HTTP status, 0 when there was no HTTP answer
	Message string // the provider's own message, or what went wrong on the way
	BaseURL string // the configured base URL (scheme, host and path only)
	Model   string
	Usage   Usage // tokens spent by earlier calls of the same request, still counted
	// Permanent is set for errors that retrying cannot fix (a wrong key, an unknown
	// model or URL): the circuit breaker opens at once.
	Permanent bool
}

func (e *ProviderError) Error() string {
	what := e.Message
	if e.Status != 0 {
		what = fmt.Sprintf("HTTP %d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("%s (%s, model %s)", strings.TrimSpace(what), e.BaseURL, e.Model)
}

// AsProviderError returns the provider error in err's chain, or nil.
func AsProviderError(err error) *ProviderError {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// ProviderReason is the plain reason of a run or operation stopped by a provider error.
func ProviderReason(err error) string { return "AI provider unavailable: " + err.Error() }

// ScorerInfo names the scorer configuration a run asks for and a worker offers: the
// scorer, and for AI scorers the host of the base URL and the model.
type ScorerInfo struct {
	Name  string `json:"scorer"`
	Host  string `json:"host,omitempty"`
	Model string `json:"model,omitempty"`
}

// String renders the configuration as "openai/gpt-4o-mini" (the host is kept apart).
func (s ScorerInfo) String() string {
	if s.Model == "" {
		return s.Name
	}
	return s.Name + "/" + s.Model
}

// Queue is the name of the job queue of operations scored with this configuration: only
// workers offering the same scorer, host and model fetch them. It is made of letters,
// digits and single '_' or '-' separators, as the job engine requires.
func (s ScorerInfo) Queue() string {
	parts := []string{"ops"}
	for _, p := range []string{s.Name, s.Host, s.Model} {
		if p = queuePart(p); p != "" {
			parts = append(parts, p)
		}
	}
	q := strings.Join(parts, "_")
	if len(q) > 120 {
		q = strings.TrimRight(q[:110], "_-") + fmt.Sprintf("-%08x", fnv32(q))
	}
	return q
}

// queuePart keeps letters and digits, turning every other run of characters into one '-'.
func queuePart(p string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(p) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// DescribedScorer is a Scorer that can say which configuration it scores with.
// Scorers that do not implement it are known by Name alone.
type DescribedScorer interface {
	Info() ScorerInfo
}

// DescribeScorer returns s's configuration.
func DescribeScorer(s Scorer) ScorerInfo {
	if d, ok := s.(DescribedScorer); ok {
		return d.Info()
	}
	return ScorerInfo{Name: s.Name()}
}

// URLHost returns the host (with port) of a base URL, or "" when it has none.
func URLHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// FailReasons are the reason codes a failed lead or post can carry.
var FailReasons = []Reason{ReasonInvalidAIResponse, ReasonEmptyAIResponse, ReasonParseError, ReasonAPIError,
	ReasonTimeout, ReasonRateLimited, ReasonSafetyBlock, ReasonBudgetExceeded, ReasonRubricError}

// ValidFailReason reports whether r is a reason a lead can have failed with.
func ValidFailReason(r Reason) bool {
	for _, x := range FailReasons {
		if x == r {
			return true
		}
	}
	return false
}

// ProviderStatus is the last known state of an AI provider (a scorer, host and model).
type ProviderStatus struct {
	Scorer    ScorerInfo `json:"scorer"`
	OK        bool       `json:"ok"`
	Message   string     `json:"message"`
	Source    string     `json:"source"` // what found it out: "check ai", "serve start", "run SR-…"
	CheckedAt time.Time  `json:"checked_at"`
}
