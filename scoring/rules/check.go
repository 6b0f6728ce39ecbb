package rules

import (
	"errors"

	"github.com/leadrun/leadrun"
)

var _ leadrun.RubricChecker = (*Scorer)(nil)

// CanScore refuses a rubric none of whose active positive attributes has a keyword
// signal: the rules scorer matches keywords, so it would score every lead 0.
func (s *Scorer) CanScore(r *leadrun.Rubric) error {
	if r != nil && !r.HasKeywordSignals() {
		return errors.New("no keyword signals; use the openai scorer")
	}
	return nil
}

// CanScorePosts refuses a post rubric none of whose active positive criteria has a
// keyword, for the same reason.
func (s *Scorer) CanScorePosts(p *leadrun.PostRubric) error {
	if p != nil && !p.HasKeywordSignals() {
		return errors.New("no keyword signals among the positive keywords; use the openai scorer")
	}
	return nil
}
