package leadrun_test

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func ops(statuses ...leadrun.OpStatus) []*leadrun.Operation {
	out := make([]*leadrun.Operation, len(statuses))
	for i, s := range statuses {
		out[i] = &leadrun.Operation{Kind: leadrun.OpLeadScoring, Status: s}
	}
	return out
}

func TestDeriveStatus(t *testing.T) {
	t.Parallel()
	const (
		q   = leadrun.OpQueued
		r   = leadrun.OpRunning
		ok  = leadrun.OpSucceeded
		swe = leadrun.OpSucceededWithErrors
		sk  = leadrun.OpSkipped
		f   = leadrun.OpFailed
		c   = leadrun.OpCancelled
		ab  = leadrun.OpAbandoned
	)
	tests := []struct {
		in   []leadrun.OpStatus
		want leadrun.OpStatus
	}{
		{nil, sk},
		{[]leadrun.OpStatus{q}, q},
		{[]leadrun.OpStatus{q, q}, q},
		{[]leadrun.OpStatus{q, ok}, r},
		{[]leadrun.OpStatus{r, ok}, r},
		{[]leadrun.OpStatus{r, f}, r},
		{[]leadrun.OpStatus{ok}, ok},
		{[]leadrun.OpStatus{ok, sk}, ok},
		{[]leadrun.OpStatus{sk, sk}, sk},
		{[]leadrun.OpStatus{f}, f},
		{[]leadrun.OpStatus{f, sk}, f},
		{[]leadrun.OpStatus{f, ok}, swe},
		{[]leadrun.OpStatus{swe}, swe},
		{[]leadrun.OpStatus{swe, ok}, swe},
		{[]leadrun.OpStatus{c, ok}, c},
		{[]leadrun.OpStatus{ab, c}, ab},
		{[]leadrun.OpStatus{ab, ok}, ab},
	}
	for _, tt := range tests {
		if got := leadrun.DeriveStatus(ops(tt.in...)); got != tt.want {
			t.Errorf("DeriveStatus(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestOperationFinalStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scored, skipped, failed int64
		want                    leadrun.OpStatus
	}{
		{0, 0, 0, leadrun.OpSucceeded},
		{5, 0, 0, leadrun.OpSucceeded},
		{5, 0, 1, leadrun.OpSucceededWithErrors},
		{3, 2, 1, leadrun.OpSucceededWithErrors},
		{0, 0, 3, leadrun.OpFailed},
	}
	for _, tt := range tests {
		o := leadrun.Operation{Scored: tt.scored, Skipped: tt.skipped, Failed: tt.failed}
		if got := o.FinalStatus(); got != tt.want {
			t.Errorf("FinalStatus(scored %d skipped %d failed %d) = %s, want %s", tt.scored, tt.skipped, tt.failed, got, tt.want)
		}
	}
}

func TestOperationTotals(t *testing.T) {
	t.Parallel()
	lead := leadrun.Operation{Kind: leadrun.OpLeadScoring, Examined: 10, Scored: 7, Skipped: 2, Failed: 1, PromptTokens: 100, CompTokens: 20, CostMicros: 5}
	want := leadrun.Totals{LeadsExamined: 10, LeadsScored: 7, LeadsSkipped: 2, LeadsFailed: 1, PromptTokens: 100, CompletionTokens: 20, CostMicros: 5}
	if got := lead.Totals(); got != want {
		t.Errorf("lead Totals() = %+v, want %+v", got, want)
	}
	post := leadrun.Operation{Kind: leadrun.OpPostScoring, Examined: 4, Scored: 3, Failed: 1}
	if got := post.Totals(); got != (leadrun.Totals{PostsExamined: 4, PostsScored: 3, PostsFailed: 1}) {
		t.Errorf("post Totals() = %+v", got)
	}
}

func result(id string, statuses ...leadrun.OpStatus) *leadrun.ClientResult {
	return &leadrun.ClientResult{RunID: "SR-250923-001-S1", ClientID: id, Operations: ops(statuses...)}
}

func TestClientResultTotals(t *testing.T) {
	t.Parallel()
	c := result("a", leadrun.OpSucceeded, leadrun.OpFailed)
	c.Operations[0].Scored, c.Operations[1].Kind, c.Operations[1].Failed = 4, leadrun.OpPostScoring, 2
	got := c.Totals()
	want := leadrun.Totals{ClientsTotal: 1, ClientsWithErrors: 1, LeadsScored: 4, PostsFailed: 2}
	if got != want {
		t.Errorf("Totals() = %+v, want %+v", got, want)
	}
	for s, field := range map[leadrun.OpStatus]func(leadrun.Totals) int{
		leadrun.OpSucceeded: func(t leadrun.Totals) int { return t.ClientsSucceeded },
		leadrun.OpSkipped:   func(t leadrun.Totals) int { return t.ClientsSkipped },
		leadrun.OpFailed:    func(t leadrun.Totals) int { return t.ClientsFailed },
		leadrun.OpCancelled: func(t leadrun.Totals) int { return t.ClientsFailed },
		leadrun.OpAbandoned: func(t leadrun.Totals) int { return t.ClientsFailed },
	} {
		if n := field(result("b", s).Totals()); n != 1 {
			t.Errorf("client %s counted %d times in its bucket, want 1", s, n)
		}
	}
}

func TestDeriveRunStatus(t *testing.T) {
	t.Parallel()
	ok, swe, sk, f := leadrun.OpSucceeded, leadrun.OpSucceededWithErrors, leadrun.OpSkipped, leadrun.OpFailed
	tests := []struct {
		name      string
		results   []*leadrun.ClientResult
		want      leadrun.RunStatus
		reasonHas string
	}{
		{"no clients", nil, leadrun.RunCompleted, "no active clients"},
		{"all skipped", []*leadrun.ClientResult{result("a", sk), result("b", sk, sk)}, leadrun.RunCompleted, "every client was skipped"},
		{"all succeeded", []*leadrun.ClientResult{result("a", ok), result("b", ok, sk)}, leadrun.RunCompleted, "2 of 2 clients succeeded"},
		{"succeeded and skipped", []*leadrun.ClientResult{result("a", ok), result("b", sk)}, leadrun.RunCompleted, "1 clients succeeded, 1 had nothing due"},
		{"one with errors", []*leadrun.ClientResult{result("a", ok), result("b", swe)}, leadrun.RunCompletedWithErrors, "1 clients succeeded, 1 with errors, 0 failed, 0 skipped"},
		{"only errors", []*leadrun.ClientResult{result("a", swe)}, leadrun.RunCompletedWithErrors, "1 with errors"},
		{"one failed", []*leadrun.ClientResult{result("a", ok), result("b", f), result("c", sk)}, leadrun.RunCompletedWithErrors, "1 failed, 1 skipped"},
		{"all failed", []*leadrun.ClientResult{result("a", f), result("b", f, sk)}, leadrun.RunFailed, "all 2 clients with work failed"},
		{"failed and skipped", []*leadrun.ClientResult{result("a", f), result("b", sk)}, leadrun.RunFailed, "all 1 clients"},
	}
	for _, tt := range tests {
		got, reason := leadrun.DeriveRunStatus(tt.results)
		if got != tt.want || !strings.Contains(reason, tt.reasonHas) {
			t.Errorf("%s: DeriveRunStatus() = %s %q, want %s containing %q", tt.name, got, reason, tt.want, tt.reasonHas)
		}
		if !got.Terminal() {
			t.Errorf("%s: derived status %s is not terminal", tt.name, got)
		}
	}
}

func TestOpKindAndStatus(t *testing.T) {
	t.Parallel()
	if !leadrun.OpLeadScoring.Valid() || !leadrun.OpPostScoring.Valid() || leadrun.OperationKind("x").Valid() {
		t.Error("OperationKind.Valid() wrong")
	}
	if leadrun.OpQueued.Terminal() || leadrun.OpRunning.Terminal() || !leadrun.OpSkipped.Terminal() || !leadrun.OpAbandoned.Terminal() {
		t.Error("OpStatus.Terminal() wrong")
	}
}

func TestOperationPlanned(t *testing.T) {
	for _, c := range []struct {
		due   int64
		limit int
		want  int64
	}{{50, 0, 50}, {5000, 50, 50}, {30, 50, 30}, {0, 10, 0}} {
		op := &leadrun.Operation{Due: c.due, Limit: c.limit}
		if got := op.Planned(); got != c.want {
			t.Errorf("due %d, limit %d: planned %d, want %d", c.due, c.limit, got, c.want)
		}
	}
}
