package runner

import (
	"fmt"

	"github.com/leadrun/leadrun"
)

// skipUnscorable skips the queued operations whose rubric the scorer says it cannot score
// (a leadrun.RubricChecker), with the reason in plain words, instead of letting the run
// score every lead 0. Scorers that can score any valid rubric are not asked.
func (r *Runner) skipUnscorable(c *leadrun.Client, rubric *leadrun.Rubric, lead, post *leadrun.Operation) {
	checker, ok := r.scorer.(leadrun.RubricChecker)
	if !ok || rubric == nil {
		return
	}
	if lead.Status == leadrun.OpQueued {
		if err := checker.CanScore(rubric); err != nil {
			lead.Status, lead.SkipReason = leadrun.OpSkipped, leadrun.SkipRubricWithoutSignals
			lead.LastError = fmt.Sprintf("%s scorer cannot score rubric of %s: %v", r.scorer.Name(), c.ID, err)
		}
	}
	if post.Status == leadrun.OpQueued && rubric.Post != nil {
		if err := checker.CanScorePosts(rubric.Post); err != nil {
			post.Status, post.SkipReason = leadrun.OpSkipped, leadrun.SkipRubricWithoutSignals
			post.LastError = fmt.Sprintf("%s scorer cannot score post rubric of %s: %v", r.scorer.Name(), c.ID, err)
		}
	}
}
