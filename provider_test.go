package leadrun

import (
	"regexp"
	"strings"
	"testing"
)

func TestScorerQueueNames(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]+([_-][a-z0-9]+)*$`)
	cases := map[ScorerInfo]string{
		{Name: "rules"}: "ops_rules",
		{Name: "openai", Host: "api.openai.com", Model: "gpt-4o-mini"}:  "ops_openai_api-openai-com_gpt-4o-mini",
		{Name: "openai", Host: "127.0.0.1:11434", Model: "llama3.1:8b"}: "ops_openai_127-0-0-1-11434_llama3-1-8b",
		{Name: "test"}:                       "ops_test",
		{Name: "openai", Model: "--weird__"}: "ops_openai_weird",
	}
	for in, want := range cases {
		if got := in.Queue(); got != want || !valid.MatchString(got) {
			t.Errorf("%+v: queue %q, want %q (valid)", in, got, want)
		}
	}
	long := ScorerInfo{Name: "openai", Host: strings.Repeat("h", 200), Model: "m"}
	if q := long.Queue(); len(q) > 128 || !valid.MatchString(q) || q == (ScorerInfo{Name: "openai", Host: strings.Repeat("h", 201), Model: "m"}).Queue() {
		t.Errorf("long queue %q", q)
	}
}

func TestDeriveRunStatusProviderFailure(t *testing.T) {
	ok := &ClientResult{ClientID: "A", Operations: []*Operation{{Kind: OpLeadScoring, Status: OpSucceeded, Scored: 3}}}
	down := &ClientResult{ClientID: "B", Operations: []*Operation{{Kind: OpLeadScoring, Status: OpFailed,
		FailureCode: ReasonProviderUnavailable, LastError: "HTTP 401 Incorrect API key provided (https://api.openai.com/v1, model gpt-4o-mini)"}}}
	status, reason := DeriveRunStatus([]*ClientResult{down})
	if status != RunFailed || reason != "AI provider unavailable: HTTP 401 Incorrect API key provided (https://api.openai.com/v1, model gpt-4o-mini)" {
		t.Errorf("got %s %q", status, reason)
	}
	status, reason = DeriveRunStatus([]*ClientResult{ok, down})
	if status != RunFailed || !strings.Contains(reason, "1 clients finished before") {
		t.Errorf("mixed: got %s %q", status, reason)
	}
	other := &ClientResult{ClientID: "C", Operations: []*Operation{{Kind: OpLeadScoring, Status: OpFailed, Failed: 2}}}
	if status, reason = DeriveRunStatus([]*ClientResult{ok, other}); status != RunCompletedWithErrors {
		t.Errorf("lead failures: got %s %q", status, reason)
	}
}

func TestProviderErrorMessage(t *testing.T) {
	e := &ProviderError{Status: 404, Message: "model not found", BaseURL: "http://h/v1", Model: "m"}
	if got := ProviderReason(e); got != "AI provider unavailable: HTTP 404 model not found (http://h/v1, model m)" {
		t.Errorf("got %q", got)
	}
	if FailureReason(e) != ReasonProviderUnavailable {
		t.Errorf("reason %s", FailureReason(e))
	}
}
