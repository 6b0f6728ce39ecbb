package leadrun

import (
	"strings"
	"unicode/utf8"
)

// SkipRubricWithoutSignals is the skip reason of an operation whose scorer cannot score
// the client's rubric: the rules scorer needs keyword signals, and a rubric whose signals
// are prose (as the original platform's are) would score every lead 0.
const SkipRubricWithoutSignals = "rubric_without_signals"

// RubricChecker is implemented by scorers that cannot score every valid rubric. The
// runner asks it when it plans a run, so an unscorable rubric is a plain skip reason
// instead of silent zeros.
type RubricChecker interface {
	// CanScore reports why the scorer cannot score leads against r (nil when it can).
	CanScore(r *Rubric) error
	// CanScorePosts reports why the scorer cannot score posts against p (nil when it can).
	CanScorePosts(p *PostRubric) error
}

// Limits of a keyword signal: longer signals are prose meant for a model.
const (
	maxKeywordWords = 4
	maxKeywordRunes = 40
)

// IsKeyword reports whether a signal is a keyword or short phrase ("founder", "lessons
// learned") rather than prose ("Looks for people who talk about what they learned.").
func IsKeyword(signal string) bool {
	s := strings.TrimSpace(signal)
	if s == "" || utf8.RuneCountInString(s) > maxKeywordRunes || len(strings.Fields(s)) > maxKeywordWords {
		return false
	}
	return !strings.ContainsAny(s, ".!?:")
}

// HasKeywordSignals reports whether any active positive attribute of the rubric has a
// keyword signal, i.e. whether a keyword scorer can give any lead a score above 0.
func (r *Rubric) HasKeywordSignals() bool {
	for _, a := range r.Attributes {
		if a.IsActive() && a.Category == CategoryPositive && anyKeyword(a.Signals) {
			return true
		}
	}
	return false
}

// HasKeywordSignals reports whether any active positive criterion has a keyword among its
// positive keywords.
func (p *PostRubric) HasKeywordSignals() bool {
	for _, c := range p.Criteria {
		if c.IsActive() && c.Category == CategoryPositive && anyKeyword(c.PositiveKeywords) {
			return true
		}
	}
	return false
}

func anyKeyword(signals []string) bool {
	for _, s := range signals {
		if IsKeyword(s) {
			return true
		}
	}
	return false
}
