package leadrun

import (
	"fmt"
	"strings"
	"time"
)

// RunStatus is the lifecycle state of a run.
type RunStatus string

// Run statuses: queued → running → one terminal status.
const (
	RunQueued              RunStatus = "queued"
	RunRunning             RunStatus = "running"
	RunCompleted           RunStatus = "completed"
	RunCompletedWithErrors RunStatus = "completed_with_errors"
	RunFailed              RunStatus = "failed"
	RunCancelled           RunStatus = "cancelled"
	RunAbandoned           RunStatus = "abandoned"
)

// Terminal reports whether no more work happens under this status.
func (s RunStatus) Terminal() bool { return s.Valid() && s != RunQueued && s != RunRunning }

// Valid reports whether s is a known run status.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunRunning, RunCompleted, RunCompletedWithErrors, RunFailed, RunCancelled, RunAbandoned:
		return true
	}
	return false
}

// Trigger says what started a run.
type Trigger string

// Triggers.
const (
	TriggerWebhook  Trigger = "webhook"
	TriggerAPI      Trigger = "api"
	TriggerCLI      Trigger = "cli"
	TriggerSchedule Trigger = "schedule"
	// TriggerDashboard is a run started with the dashboard's "Start a run…" form.
	TriggerDashboard Trigger = "dashboard"
)

// RunID identifies a run: SR-YYMMDD-NNN-S<stream>. It is composed once from its parts and
// stored with them; code never parses it back out of a string.
type RunID struct {
	Day    time.Time // UTC date
	Seq    int       // per-day sequence, from 1
	Stream int
}

// String formats the run ID, e.g. SR-250923-001-S1 (more than 3 digits past 999).
func (id RunID) String() string {
	return fmt.Sprintf("SR-%s-%03d-S%d", id.Day.UTC().Format("060102"), id.Seq, id.Stream)
}

// ClientRunID is the display ID of a client result, e.g. SR-250923-001-S1-CGuy-Wilson.
func ClientRunID(runID, clientID string) string { return runID + "-C" + clientID }

// RunParams are what the trigger asked for. Zero limits mean "each client's default".
type RunParams struct {
	LeadLimit    int      `json:"lead_scoring_limit,omitempty"`
	PostLimit    int      `json:"post_scoring_limit,omitempty"`
	ClientFilter []string `json:"client_filter,omitempty"`
}

// Validate checks trigger parameters.
func (p RunParams) Validate() error {
	if p.LeadLimit < 0 || p.PostLimit < 0 {
		return Errorf(EINVALID, "scoring limits must be 0 (client default) or more")
	}
	if len(p.ClientFilter) > MaxClientFilter {
		return Errorf(EINVALID, "client filter names %d clients, over the limit of %d", len(p.ClientFilter), MaxClientFilter)
	}
	for _, id := range p.ClientFilter {
		if !ValidClientID(id) {
			return Errorf(EINVALID, "client filter: invalid client_id %q", Truncate(id, 80))
		}
	}
	return nil
}

// TriggerRequest asks for a run on a stream.
type TriggerRequest struct {
	Stream      int
	Trigger     Trigger
	RequestedBy string // who or what asked, for the record
	Params      RunParams
	Scorer      ScorerInfo // the scorer configuration asked for; empty means the runner's own
}

// Validate checks a trigger request.
func (r TriggerRequest) Validate() error {
	if r.Stream < 1 {
		return Errorf(EINVALID, "stream must be 1 or more, got %d", r.Stream)
	}
	switch r.Trigger {
	case TriggerWebhook, TriggerAPI, TriggerCLI, TriggerSchedule, TriggerDashboard:
	default:
		return Errorf(EINVALID, "unknown trigger %q", r.Trigger)
	}
	return r.Params.Validate()
}

// Run is the tracked record of one smart-resume run (the original's "Job Tracking" row).
type Run struct {
	ID           string     `json:"run_id"`
	Day          time.Time  `json:"-"`
	Seq          int        `json:"-"`
	Stream       int        `json:"stream"`
	Status       RunStatus  `json:"status"`
	StatusReason string     `json:"status_reason,omitempty"`
	Trigger      Trigger    `json:"trigger"`
	RequestedBy  string     `json:"requested_by,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"` // who cancelled it ("dashboard", "api", "cli user@host")
	Params       RunParams  `json:"params"`
	Scorer       ScorerInfo `json:"scorer"` // the scorer configuration the run asked for
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
	HeartbeatAt  *time.Time `json:"heartbeat_at"`
	Totals       Totals     `json:"totals"`
}

// Duration is how long the run has taken so far (or took), measured from its creation.
func (r *Run) Duration(now time.Time) time.Duration {
	end := now
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	return end.Sub(r.CreatedAt)
}

// RunFilter selects runs. Nil fields do not filter.
type RunFilter struct {
	Stream   *int
	Status   *RunStatus
	ClientID *string
	Since    *time.Time
	Until    *time.Time
	BeforeID *string // cursor: runs created before this run
	AfterID  *string // cursor: the runs just after (newer than) this run: the previous page, still newest first
	Limit    int
	// Search is a run ID or its start ("SR-261130", "261130-002"), or a client's ID or
	// part of its name (case-insensitive): runs that included such a client.
	Search *string
}

// RunIDPrefix reads a search as the start of a run ID: "SR-261130-0", "sr-2611", or the
// date and sequence without "SR-" ("261130-002"). ok is false for anything else (a client).
func RunIDPrefix(search string) (prefix string, ok bool) {
	s := strings.ToUpper(strings.TrimSpace(search))
	if !strings.HasPrefix(s, "SR-") {
		if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
			return "", false
		}
		s = "SR-" + s
	}
	rest := s[len("SR-"):]
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return "", false
	}
	for _, r := range rest {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return "", false
		}
	}
	return s, true
}

// Totals are counts summed over operations. A run's totals are always the sum of its
// client results' totals, which are the sums of their operations.
type Totals struct {
	ClientsTotal      int   `json:"clients_total"`
	ClientsSucceeded  int   `json:"clients_succeeded"`
	ClientsWithErrors int   `json:"clients_with_errors"`
	ClientsFailed     int   `json:"clients_failed"`
	ClientsSkipped    int   `json:"clients_skipped"`
	LeadsExamined     int64 `json:"leads_examined"`
	LeadsScored       int64 `json:"leads_scored"`
	LeadsSkipped      int64 `json:"leads_skipped"`
	LeadsFailed       int64 `json:"leads_failed"`
	PostsExamined     int64 `json:"posts_examined"`
	PostsScored       int64 `json:"posts_scored"`
	PostsFailed       int64 `json:"posts_failed"`
	PromptTokens      int64 `json:"prompt_tokens"`
	CompletionTokens  int64 `json:"completion_tokens"`
	CostMicros        int64 `json:"cost_micros"` // estimated cost in millionths of a dollar
}

// Add adds o's counts to t (client counts included).
func (t *Totals) Add(o Totals) {
	t.ClientsTotal += o.ClientsTotal
	t.ClientsSucceeded += o.ClientsSucceeded
	t.ClientsWithErrors += o.ClientsWithErrors
	t.ClientsFailed += o.ClientsFailed
	t.ClientsSkipped += o.ClientsSkipped
	t.LeadsExamined += o.LeadsExamined
	t.LeadsScored += o.LeadsScored
	t.LeadsSkipped += o.LeadsSkipped
	t.LeadsFailed += o.LeadsFailed
	t.PostsExamined += o.PostsExamined
	t.PostsScored += o.PostsScored
	t.PostsFailed += o.PostsFailed
	t.PromptTokens += o.PromptTokens
	t.CompletionTokens += o.CompletionTokens
	t.CostMicros += o.CostMicros
}

// Tokens is the total token count.
func (t Totals) Tokens() int64 { return t.PromptTokens + t.CompletionTokens }

// SuccessRate is scored ÷ (scored + failed) × 100 over leads, within 0…100; ok is false
// when nothing was attempted ("n/a").
func (t Totals) SuccessRate() (rate float64, ok bool) {
	return SuccessRate(t.LeadsScored, t.LeadsFailed)
}

// SuccessRate computes scored ÷ (scored + failed) × 100, always within 0…100; ok is false
// when nothing was attempted.
func SuccessRate(scored, failed int64) (rate float64, ok bool) {
	if scored < 0 || failed < 0 || scored+failed == 0 {
		return 0, false
	}
	return float64(scored) / float64(scored+failed) * 100, true
}

// FormatSuccessRate renders a success rate as "97.5 %" or "n/a".
func FormatSuccessRate(scored, failed int64) string {
	rate, ok := SuccessRate(scored, failed)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", rate)
}
