package openai

import (
	"net/url"
	"strings"

	"github.com/leadrun/leadrun"
)

// Everything a provider returns is untrusted: text may hold NUL bytes or invalid UTF-8
// (which PostgreSQL refuses, failing the whole chunk's transaction), and reported usage
// may be negative or absurd (a usage of 9.2e18 tokens overflowed every sum built on it).

// absurdFactor: reported tokens beyond this many times the request's (and answer's)
// estimated size are not believed.
const absurdFactor = 10

// trustUsage clamps the usage a response reports: negative counts become 0, counts
// beyond absurdFactor × the estimated size become that bound. Clamping is logged.
func (s *Scorer) trustUsage(estPrompt int64, contentLen int, prompt, completion int64) (int64, int64) {
	maxPrompt := absurdFactor*estPrompt + 1000
	maxCompletion := absurdFactor*(estPrompt+int64(contentLen)/4+1) + 1000
	if s.cfg.MaxOutputTokens > 0 {
		maxCompletion = min(maxCompletion, absurdFactor*int64(s.cfg.MaxOutputTokens)+1000)
	}
	p, c := clamp(prompt, maxPrompt), clamp(completion, maxCompletion)
	if p != prompt || c != completion {
		s.log.Warn("AI provider reported implausible token usage: clamped", "prompt_tokens", prompt,
			"completion_tokens", completion, "counted_prompt", p, "counted_completion", c)
	}
	return p, c
}

func clamp(v, hi int64) int64 {
	return max(0, min(v, hi))
}

// clean repairs text from the provider (NUL removed, invalid UTF-8 replaced) and logs
// the repair, naming the field but not quoting the text.
func (s *Scorer) clean(text, field string) string {
	out, changed := leadrun.CleanText(text)
	if changed {
		s.log.Warn("AI provider sent NUL bytes or invalid UTF-8: repaired", "field", field)
	}
	return out
}

// cleanAssessment repairs every text of an assessment.
func (s *Scorer) cleanAssessment(a *leadrun.Assessment) *leadrun.Assessment {
	a.Summary = s.clean(a.Summary, "assessment")
	a.ExcludeDetails = s.clean(a.ExcludeDetails, "exclude_details")
	for i, u := range a.Unscored {
		a.Unscored[i] = s.clean(u, "unscored_attributes")
	}
	for id, why := range a.Reasons {
		a.Reasons[id] = s.clean(why, "attribute_reasoning")
	}
	return a
}

// shownURL is a base URL fit for messages: scheme, host and path, without user info,
// query or fragment (which may hold credentials).
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid base URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// minSubstringSecret is the length from which a secret is redacted wherever it appears;
// a shorter one (a placeholder key for servers that ignore keys, such as "t") is redacted
// only where it stands as a whole token, so that ordinary words stay readable.
const minSubstringSecret = 8

// redact removes the API key from text that may quote it.
func (s *Scorer) redact(text string) string {
	return redactSecret(text, s.cfg.APIKey)
}

// redactSecret replaces secret in text: every occurrence when it is long enough to be
// unmistakable, else only whole tokens (not inside a longer run of letters, digits, '-'
// or '_').
func redactSecret(text, secret string) string {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return text
	}
	if len(secret) >= minSubstringSecret {
		return strings.ReplaceAll(text, secret, "[redacted]")
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], secret)
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i
		end := j + len(secret)
		b.WriteString(text[i:j])
		if (j == 0 || !tokenByte(text[j-1])) && (end == len(text) || !tokenByte(text[end])) {
			b.WriteString("[redacted]")
		} else {
			b.WriteString(secret)
		}
		i = end
	}
	return b.String()
}

func tokenByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
