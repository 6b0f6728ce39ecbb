package leadrun_test

import (
	"math"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func TestRunIDString(t *testing.T) {
	t.Parallel()
	day := time.Date(2025, 9, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		id   leadrun.RunID
		want string
	}{
		{leadrun.RunID{Day: day, Seq: 1, Stream: 1}, "SR-250923-001-S1"},
		{leadrun.RunID{Day: day, Seq: 42, Stream: 2}, "SR-250923-042-S2"},
		{leadrun.RunID{Day: day, Seq: 999, Stream: 12}, "SR-250923-999-S12"},
		{leadrun.RunID{Day: day, Seq: 1000, Stream: 1}, "SR-250923-1000-S1"},
		// The date is the UTC date: 23:30 in New York on the 22nd is the 23rd in UTC.
		{leadrun.RunID{Day: time.Date(2025, 9, 22, 23, 30, 0, 0, mustLoc(t, "America/New_York")), Seq: 7, Stream: 1}, "SR-250923-007-S1"},
		{leadrun.RunID{Day: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Seq: 3, Stream: 1}, "SR-260102-003-S1"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone data unavailable: %v", err)
	}
	return loc
}

func TestClientRunID(t *testing.T) {
	t.Parallel()
	if got := leadrun.ClientRunID("SR-250923-001-S1", "Guy-Wilson"); got != "SR-250923-001-S1-CGuy-Wilson" {
		t.Errorf("ClientRunID() = %q", got)
	}
	c := leadrun.ClientResult{RunID: "SR-250923-001-S1", ClientID: "Dean-Hobin"}
	if got := c.DisplayID(); got != "SR-250923-001-S1-CDean-Hobin" {
		t.Errorf("DisplayID() = %q", got)
	}
}

func TestSuccessRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scored, failed int64
		rate           float64
		ok             bool
		text           string
	}{
		{0, 0, 0, false, "n/a"},
		{10, 0, 100, true, "100.0 %"},
		{0, 5, 0, true, "0.0 %"},
		{39, 1, 97.5, true, "97.5 %"},
		{1, 2, 100.0 / 3, true, "33.3 %"},
		{-1, 0, 0, false, "n/a"},
		{5, -10, 0, false, "n/a"},
	}
	for _, tt := range tests {
		rate, ok := leadrun.SuccessRate(tt.scored, tt.failed)
		if ok != tt.ok || math.Abs(rate-tt.rate) > 1e-9 || rate < 0 || rate > 100 {
			t.Errorf("SuccessRate(%d, %d) = %v, %v; want %v, %v", tt.scored, tt.failed, rate, ok, tt.rate, tt.ok)
		}
		if got := leadrun.FormatSuccessRate(tt.scored, tt.failed); got != tt.text {
			t.Errorf("FormatSuccessRate(%d, %d) = %q, want %q", tt.scored, tt.failed, got, tt.text)
		}
	}
	// Never above 100 % whatever the counts.
	for scored := int64(0); scored < 50; scored += 7 {
		for failed := int64(0); failed < 50; failed += 5 {
			if rate, _ := leadrun.SuccessRate(scored, failed); rate > 100 || rate < 0 {
				t.Fatalf("SuccessRate(%d, %d) = %v", scored, failed, rate)
			}
		}
	}
	totals := leadrun.Totals{LeadsScored: 3, LeadsFailed: 1, PostsScored: 100}
	if rate, ok := totals.SuccessRate(); !ok || rate != 75 {
		t.Errorf("Totals.SuccessRate() = %v, %v; want 75 (leads only)", rate, ok)
	}
}

func TestTotalsAdd(t *testing.T) {
	t.Parallel()
	a := leadrun.Totals{ClientsTotal: 1, LeadsScored: 2, PromptTokens: 10, CompletionTokens: 5, CostMicros: 7}
	a.Add(leadrun.Totals{ClientsTotal: 1, ClientsFailed: 1, LeadsScored: 3, LeadsFailed: 1, PostsExamined: 4, PromptTokens: 1, CostMicros: 3})
	want := leadrun.Totals{ClientsTotal: 2, ClientsFailed: 1, LeadsScored: 5, LeadsFailed: 1, PostsExamined: 4, PromptTokens: 11, CompletionTokens: 5, CostMicros: 10}
	if a != want {
		t.Errorf("Add: %+v, want %+v", a, want)
	}
	if a.Tokens() != 16 {
		t.Errorf("Tokens() = %d, want 16", a.Tokens())
	}
}

func TestRunStatus(t *testing.T) {
	t.Parallel()
	for s, terminal := range map[leadrun.RunStatus]bool{
		leadrun.RunQueued: false, leadrun.RunRunning: false, leadrun.RunCompleted: true,
		leadrun.RunCompletedWithErrors: true, leadrun.RunFailed: true, leadrun.RunCancelled: true, leadrun.RunAbandoned: true,
	} {
		if s.Terminal() != terminal || !s.Valid() {
			t.Errorf("%s: Terminal() = %v, Valid() = %v", s, s.Terminal(), s.Valid())
		}
	}
	if leadrun.RunStatus("done").Valid() {
		t.Error(`RunStatus("done").Valid() = true`)
	}
}

func TestTriggerRequestValidate(t *testing.T) {
	t.Parallel()
	ok := leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerWebhook, Params: leadrun.RunParams{LeadLimit: 100, ClientFilter: []string{"Guy-Wilson"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	bad := map[string]leadrun.TriggerRequest{
		"stream 0":       {Stream: 0, Trigger: leadrun.TriggerAPI},
		"no trigger":     {Stream: 1},
		"negative limit": {Stream: 1, Trigger: leadrun.TriggerCLI, Params: leadrun.RunParams{PostLimit: -1}},
		"bad client":     {Stream: 1, Trigger: leadrun.TriggerSchedule, Params: leadrun.RunParams{ClientFilter: []string{"no spaces"}}},
	}
	for name, r := range bad {
		if err := r.Validate(); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("%s: Validate() = %v, want EINVALID", name, err)
		}
	}
}

func TestRunDuration(t *testing.T) {
	t.Parallel()
	created := time.Date(2025, 9, 23, 10, 0, 0, 0, time.UTC)
	r := leadrun.Run{CreatedAt: created}
	if got := r.Duration(created.Add(time.Minute)); got != time.Minute {
		t.Errorf("running Duration() = %v, want 1m", got)
	}
	finished := created.Add(30 * time.Second)
	r.FinishedAt = &finished
	if got := r.Duration(created.Add(time.Hour)); got != 30*time.Second {
		t.Errorf("finished Duration() = %v, want 30s", got)
	}
}

func TestRunIDPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"SR-261130-001-S1": "SR-261130-001-S1", "sr-2611": "SR-2611", " 261130-002 ": "SR-261130-002", "26": "SR-26",
		"SR-": "", "Guy-Wilson": "", "2": "", "SR-26%": "", "SR-ab": "", "1x": "",
	} {
		got, ok := leadrun.RunIDPrefix(in)
		if got != want || ok != (want != "") {
			t.Errorf("RunIDPrefix(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
