package leadrun

import (
	"fmt"
	"strings"
	"time"
)

// OperationKind names an operation of a client result.
type OperationKind string

// Operation kinds.
const (
	OpLeadScoring OperationKind = "lead_scoring"
	OpPostScoring OperationKind = "post_scoring"
)

// Valid reports whether k is a known operation kind.
func (k OperationKind) Valid() bool { return k == OpLeadScoring || k == OpPostScoring }

// OpStatus is the state of an operation, and of a client result derived from its operations.
type OpStatus string

// Operation statuses.
const (
	OpQueued              OpStatus = "queued"
	OpRunning             OpStatus = "running"
	OpSucceeded           OpStatus = "succeeded"
	OpSucceededWithErrors OpStatus = "succeeded_with_errors"
	OpSkipped             OpStatus = "skipped"
	OpFailed              OpStatus = "failed"
	OpCancelled           OpStatus = "cancelled"
	OpAbandoned           OpStatus = "abandoned"
)

// Terminal reports whether the operation is finished.
func (s OpStatus) Terminal() bool {
	switch s {
	case OpSucceeded, OpSucceededWithErrors, OpSkipped, OpFailed, OpCancelled, OpAbandoned:
		return true
	}
	return false
}

// Skip reasons of operations.
const (
	SkipNoLeadsToScore = "no_leads_to_score"
	SkipNoPostsToScore = "no_posts_to_score"
	SkipServiceLevel   = "service_level"
	SkipBudgetExceeded = "budget_exceeded"
	SkipNoRubric       = "no_rubric"
)

// Operation is one (run, client, operation) row: its status, counts, tokens and cost. For
// lead scoring the counts are leads; for post scoring they are posts.
type Operation struct {
	RunID        string           `json:"run_id"`
	ClientID     string           `json:"client_id"`
	Kind         OperationKind    `json:"operation"`
	Status       OpStatus         `json:"status"`
	SkipReason   string           `json:"skip_reason,omitempty"`
	LastError    string           `json:"last_error,omitempty"`
	FailureCode  Reason           `json:"failure_code,omitempty"` // machine-readable cause of a failed operation, e.g. provider_unavailable
	Limit        int              `json:"limit"`                  // 0 = no limit
	Due          int64            `json:"due"`                    // items due when the run was planned
	WorkerID     string           `json:"worker_id,omitempty"`    // the worker process executing it, last
	Examined     int64            `json:"examined"`
	Scored       int64            `json:"scored"`
	Skipped      int64            `json:"skipped"`
	Failed       int64            `json:"failed"`
	SkippedBy    map[string]int64 `json:"skipped_by,omitempty"`
	FailedBy     map[string]int64 `json:"failed_by,omitempty"`
	PromptTokens int64            `json:"prompt_tokens"`
	CompTokens   int64            `json:"completion_tokens"`
	CostMicros   int64            `json:"cost_micros"`
	StartedAt    *time.Time       `json:"started_at"`
	FinishedAt   *time.Time       `json:"finished_at"`
}

// Totals returns the operation's counts as Totals (without client counts).
func (o *Operation) Totals() Totals {
	t := Totals{PromptTokens: o.PromptTokens, CompletionTokens: o.CompTokens, CostMicros: o.CostMicros}
	switch o.Kind {
	case OpLeadScoring:
		t.LeadsExamined, t.LeadsScored, t.LeadsSkipped, t.LeadsFailed = o.Examined, o.Scored, o.Skipped, o.Failed
	case OpPostScoring:
		t.PostsExamined, t.PostsScored, t.PostsFailed = o.Examined, o.Scored, o.Failed
	}
	return t
}

// FinalStatus derives the terminal status of an operation that ran to its end from what
// it counted: failed when items were tried and none succeeded, succeeded_with_errors when
// some failed, succeeded otherwise.
func (o *Operation) FinalStatus() OpStatus {
	switch {
	case o.Failed > 0 && o.Scored == 0:
		return OpFailed
	case o.Failed > 0:
		return OpSucceededWithErrors
	default:
		return OpSucceeded
	}
}

// ClientResult is one (run, client) record (the original's "Client Run Results" row). Its
// status and totals are derived from its operations.
type ClientResult struct {
	RunID      string       `json:"run_id"`
	ClientID   string       `json:"client_id"`
	ClientName string       `json:"client_name"`
	CreatedAt  time.Time    `json:"created_at"`
	Operations []*Operation `json:"operations"`
}

// DisplayID is the client run ID, e.g. SR-250923-001-S1-CGuy-Wilson.
func (c *ClientResult) DisplayID() string { return ClientRunID(c.RunID, c.ClientID) }

// Status derives the client result's status from its operations.
func (c *ClientResult) Status() OpStatus { return DeriveStatus(c.Operations) }

// DeriveStatus derives one status from a set of operations: running while any is not
// terminal; then cancelled or abandoned if any was; succeeded_with_errors when a token
// budget stopped one or leads due waited for a usable rubric; skipped when all were skipped; failed when none succeeded and one
// failed; succeeded_with_errors for a mix; else succeeded.
func DeriveStatus(ops []*Operation) OpStatus {
	if len(ops) == 0 {
		return OpSkipped
	}
	var queued, running, cancelled, abandoned, failed, withErrors, succeeded, skipped int
	for _, o := range ops {
		switch o.Status {
		case OpQueued:
			queued++
		case OpRunning:
			running++
		case OpCancelled:
			cancelled++
		case OpAbandoned:
			abandoned++
		case OpFailed:
			failed++
		case OpSucceededWithErrors:
			withErrors++
		case OpSucceeded:
			succeeded++
		case OpSkipped:
			skipped++
			if o.SkipReason == SkipBudgetExceeded || o.RubricBlocked() {
				withErrors++ // leads were left unscored: worth a person's look
			}
		default:
			failed++ // an unknown status is never mistaken for success
		}
	}
	switch {
	case running > 0 || (queued > 0 && queued < len(ops)):
		return OpRunning
	case queued > 0:
		return OpQueued
	case abandoned > 0:
		return OpAbandoned
	case cancelled > 0:
		return OpCancelled
	case withErrors > 0 && skipped == len(ops):
		return OpSucceededWithErrors
	case skipped == len(ops):
		return OpSkipped
	case failed > 0 && succeeded+withErrors == 0:
		return OpFailed
	case failed > 0 || withErrors > 0:
		return OpSucceededWithErrors
	default:
		return OpSucceeded
	}
}

// Totals sums the client result's operations and counts the client once by its status.
func (c *ClientResult) Totals() Totals {
	var t Totals
	for _, o := range c.Operations {
		t.Add(o.Totals())
	}
	t.ClientsTotal = 1
	switch c.Status() {
	case OpSucceeded:
		t.ClientsSucceeded = 1
	case OpSucceededWithErrors:
		t.ClientsWithErrors = 1
	case OpFailed, OpAbandoned, OpCancelled:
		t.ClientsFailed = 1
	case OpSkipped:
		t.ClientsSkipped = 1
	}
	return t
}

// DeriveRunStatus decides a finished run's status and reason from its client results.
func DeriveRunStatus(results []*ClientResult) (RunStatus, string) {
	var t Totals
	abandoned := 0
	for _, c := range results {
		t.Add(c.Totals())
		if c.Status() == OpAbandoned {
			abandoned++
		}
	}
	if abandoned > 0 {
		return RunAbandoned, fmt.Sprintf("%d of %d clients abandoned: %s; %d succeeded, %d with errors, %d failed",
			abandoned, t.ClientsTotal, opErrors(results, OpAbandoned), t.ClientsSucceeded, t.ClientsWithErrors, t.ClientsFailed)
	}
	if reason, ok := providerFailure(results, t); ok {
		return RunFailed, reason
	}
	status, reason := deriveFinished(results, t)
	if blocked := rubricBlocked(results); blocked != "" {
		if status == RunCompleted {
			status = RunCompletedWithErrors
		}
		reason += "; leads due but no usable rubric: " + blocked
	}
	return status, reason
}

// deriveFinished is DeriveRunStatus for a run neither abandoned nor stopped by its provider.
func deriveFinished(results []*ClientResult, t Totals) (RunStatus, string) {
	switch {
	case t.ClientsTotal == 0:
		return RunCompleted, "no active clients on this stream"
	case t.ClientsSkipped == t.ClientsTotal:
		return RunCompleted, "nothing to do: every client was skipped"
	case t.ClientsFailed == 0 && t.ClientsWithErrors == 0 && t.ClientsSkipped == 0:
		return RunCompleted, fmt.Sprintf("%d of %d clients succeeded", t.ClientsSucceeded, t.ClientsTotal)
	case t.ClientsFailed == 0 && t.ClientsWithErrors == 0:
		return RunCompleted, fmt.Sprintf("%d clients succeeded, %d had nothing due", t.ClientsSucceeded, t.ClientsSkipped)
	case t.ClientsSucceeded+t.ClientsWithErrors == 0:
		return RunFailed, withCause(fmt.Sprintf("all %d clients with work failed", t.ClientsFailed), opErrors(results, OpFailed))
	default:
		return RunCompletedWithErrors, withCause(fmt.Sprintf("%d clients succeeded, %d with errors, %d failed, %d skipped",
			t.ClientsSucceeded, t.ClientsWithErrors, t.ClientsFailed, t.ClientsSkipped), opErrors(results, OpFailed))
	}
}

func withCause(s, cause string) string {
	if cause == "" {
		return s
	}
	return s + ": " + cause
}

// opErrors lists the distinct last errors of the operations with the given status (at
// most two, the first ones by client), so a run's reason names what happened.
func opErrors(results []*ClientResult, status OpStatus) string {
	var msgs []string
	seen := map[string]bool{}
	more := 0
	for _, c := range results {
		for _, o := range c.Operations {
			if o.Status != status || o.LastError == "" || seen[o.LastError] {
				continue
			}
			seen[o.LastError] = true
			if len(msgs) == 2 {
				more++
				continue
			}
			msgs = append(msgs, Truncate(o.LastError, 200))
		}
	}
	s := strings.Join(msgs, "; ")
	if more > 0 {
		s += fmt.Sprintf(" (and %d more)", more)
	}
	return s
}

// providerFailure reports a run stopped by its AI provider: any operation that failed
// with provider_unavailable fails the run, whose reason quotes the provider's message
// (the run did not do its work, whatever some clients finished before the outage).
func providerFailure(results []*ClientResult, t Totals) (string, bool) {
	stopped, msg := 0, ""
	for _, c := range results {
		for _, o := range c.Operations {
			if o.Status == OpFailed && o.FailureCode == ReasonProviderUnavailable {
				stopped++
				if msg == "" {
					msg = o.LastError
				}
			}
		}
	}
	if stopped == 0 {
		return "", false
	}
	if !strings.HasPrefix(msg, "AI provider unavailable") {
		msg = "AI provider unavailable: " + msg
	}
	if done := t.ClientsSucceeded + t.ClientsWithErrors; done > 0 {
		msg += fmt.Sprintf(" (%d operations stopped; %d clients finished before)", stopped, done)
	}
	return msg, true
}

// EventLevel is the severity of a run event.
type EventLevel string

// Event levels.
const (
	LevelInfo  EventLevel = "info"
	LevelWarn  EventLevel = "warn"
	LevelError EventLevel = "error"
)

// RunEvent is one append-only line of a run's progress log.
type RunEvent struct {
	ID        int64            `json:"id"`
	RunID     string           `json:"run_id"`
	ClientID  string           `json:"client_id,omitempty"`
	Operation OperationKind    `json:"operation,omitempty"`
	Level     EventLevel       `json:"level"`
	Message   string           `json:"message"`
	Counts    map[string]int64 `json:"counts,omitempty"`
	At        time.Time        `json:"at"`
}

// OpKey identifies an operation: (run, client, operation).
type OpKey struct {
	RunID    string        `json:"run_id"`
	ClientID string        `json:"client_id"`
	Kind     OperationKind `json:"operation"`
}

// Key returns the operation's key.
func (o *Operation) Key() OpKey { return OpKey{RunID: o.RunID, ClientID: o.ClientID, Kind: o.Kind} }

// Planned is how many items the operation was planned to examine: what was due, within
// its limit.
func (o *Operation) Planned() int64 {
	if o.Limit > 0 {
		return min(o.Due, int64(o.Limit))
	}
	return o.Due
}

// String renders the key for logs and messages.
func (k OpKey) String() string { return ClientRunID(k.RunID, k.ClientID) + "/" + string(k.Kind) }
