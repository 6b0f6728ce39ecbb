package leadrun

import (
	"fmt"
	"strings"
)

// RubricBlocked reports whether an operation was skipped for want of a usable rubric
// (no_rubric or rubric_without_signals) while it had leads due: work that a person must
// unblock, not "nothing to do".
func (o *Operation) RubricBlocked() bool {
	return o.Kind == OpLeadScoring && o.Status == OpSkipped && o.Due > 0 &&
		(o.SkipReason == SkipNoRubric || o.SkipReason == SkipRubricWithoutSignals)
}

// rubricBlocked names the clients of a run whose due leads waited for a rubric, with the
// reason and how many were due, e.g. "no_rubric: acme (500 due), rubric_without_signals:
// beta (3 due)"; empty when none did.
func rubricBlocked(results []*ClientResult) string {
	byReason := map[string][]string{}
	for _, c := range results {
		for _, o := range c.Operations {
			if o.RubricBlocked() {
				byReason[o.SkipReason] = append(byReason[o.SkipReason], fmt.Sprintf("%s (%d due)", c.ClientID, o.Due))
			}
		}
	}
	var parts []string
	for _, r := range []string{SkipNoRubric, SkipRubricWithoutSignals} {
		if names := byReason[r]; len(names) > 0 {
			parts = append(parts, r+": "+strings.Join(names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
