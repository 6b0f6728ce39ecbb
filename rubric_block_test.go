package leadrun_test

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

// TestDeriveRunStatusRubricBlocked: clients skipped for want of a rubric while leads
// were due make the run completed_with_errors, naming them; without due leads the skip is
// still "nothing to do"; the other reasons are kept.
func TestDeriveRunStatusRubricBlocked(t *testing.T) {
	t.Parallel()
	skip := func(client, reason string, due int64) *leadrun.ClientResult {
		return &leadrun.ClientResult{ClientID: client, Operations: []*leadrun.Operation{
			{ClientID: client, Kind: leadrun.OpLeadScoring, Status: leadrun.OpSkipped, SkipReason: reason, Due: due},
			{ClientID: client, Kind: leadrun.OpPostScoring, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipServiceLevel},
		}}
	}
	tests := []struct {
		name    string
		results []*leadrun.ClientResult
		want    leadrun.RunStatus
		has     []string
	}{
		{"no rubric, leads due", []*leadrun.ClientResult{skip("acme", leadrun.SkipNoRubric, 500)},
			leadrun.RunCompletedWithErrors, []string{"no_rubric: acme (500 due)", "1 with errors"}},
		{"no signals, leads due", []*leadrun.ClientResult{skip("beta", leadrun.SkipRubricWithoutSignals, 3), skip("c", leadrun.SkipNoLeadsToScore, 0)},
			leadrun.RunCompletedWithErrors, []string{"rubric_without_signals: beta (3 due)"}},
		{"no rubric, nothing due", []*leadrun.ClientResult{skip("acme", leadrun.SkipNoRubric, 0)},
			leadrun.RunCompleted, []string{"nothing to do"}},
		{"mixed with success", []*leadrun.ClientResult{result("ok", leadrun.OpSucceeded), skip("acme", leadrun.SkipNoRubric, 2)},
			leadrun.RunCompletedWithErrors, []string{"1 clients succeeded", "no_rubric: acme (2 due)"}},
	}
	for _, tt := range tests {
		got, reason := leadrun.DeriveRunStatus(tt.results)
		if got != tt.want {
			t.Errorf("%s: status %s (%q), want %s", tt.name, got, reason, tt.want)
		}
		for _, h := range tt.has {
			if !strings.Contains(reason, h) {
				t.Errorf("%s: reason %q lacks %q", tt.name, reason, h)
			}
		}
		if tt.want == leadrun.RunCompleted && strings.Contains(reason, "rubric") {
			t.Errorf("%s: reason %q names a rubric block that is not one", tt.name, reason)
		}
	}
}
