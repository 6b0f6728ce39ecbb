package leadrun

import (
	"fmt"
	"strings"
	"time"
)

// ActionKind names something a person did to a client or a lead.
type ActionKind string

// Action kinds.
const (
	ActionClientChanged ActionKind = "client_changed" // settings edited
	ActionClientPaused  ActionKind = "client_paused"
	ActionClientResumed ActionKind = "client_resumed"
	ActionLeadExcluded  ActionKind = "lead_excluded"
	ActionLeadIncluded  ActionKind = "lead_included"
	ActionLeadsRequeued ActionKind = "leads_requeued"
)

// Action is one line of a client's or a lead's history: what was done, by whom and from
// where (By: "dashboard", "cli USER", "api").
type Action struct {
	ID       int64      `json:"id"`
	ClientID string     `json:"client_id"`
	LeadID   int64      `json:"lead_id,omitempty"` // 0 for an action on the client itself
	Kind     ActionKind `json:"action"`
	Detail   string     `json:"detail,omitempty"`
	By       string     `json:"by"`
	At       time.Time  `json:"at"`
}

// ValidateActor checks who an action is recorded for: required, one line, at most 100
// characters, so the history never holds a blank or forged multi-line entry.
func ValidateActor(by string) error {
	if strings.TrimSpace(by) == "" {
		return Errorf(EINVALID, "an action needs who did it")
	}
	if len(by) > 100 || strings.ContainsAny(by, "\r\n\x00") {
		return Errorf(EINVALID, "who did an action must be one line of at most 100 characters")
	}
	return nil
}

// ClientChanges describes what an update changed from before to after, field by field
// ("threshold 70 → 80"), and the action kind: paused or resumed when the status changed
// that way, changed otherwise. No changes gives an empty list.
func ClientChanges(before, after *Client) (ActionKind, []string) {
	var out []string
	add := func(name string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			out = append(out, fmt.Sprintf("%s %v → %v", name, a, b))
		}
	}
	add("name", before.Name, after.Name)
	add("status", before.Status, after.Status)
	add("stream", before.Stream, after.Stream)
	add("threshold", before.ScoreThreshold, after.ScoreThreshold)
	add("service level", before.ServiceLevel, after.ServiceLevel)
	add("lead limit", before.LeadScoringLimit, after.LeadScoringLimit)
	add("post limit", before.PostScoringLimit, after.PostScoringLimit)
	add("daily token budget", before.DailyTokenBudget, after.DailyTokenBudget)
	add("monthly token budget", before.MonthlyTokenBudget, after.MonthlyTokenBudget)
	add("timezone", before.Timezone, after.Timezone)
	add("Linked Helper sender", before.LHSenderEmail, after.LHSenderEmail)
	kind := ActionClientChanged
	switch {
	case before.Status != ClientPaused && after.Status == ClientPaused:
		kind = ActionClientPaused
	case before.Status == ClientPaused && after.Status == ClientActive:
		kind = ActionClientResumed
	}
	return kind, out
}

// RequeueFilter selects the failed leads of a client to make due again.
type RequeueFilter struct {
	Reason    *Reason // only leads whose last failure had this reason
	AllFailed bool    // every failed lead, whatever its reason
	By        string  // who asked ("dashboard", "cli USER", "api"): recorded in the client's history when set
}

// Validate says what is missing from a requeue request: it must name a reason or ask for
// every failed lead.
func (f RequeueFilter) Validate() error {
	if f.Reason == nil && !f.AllFailed {
		return Errorf(EINVALID, "say which failed leads to retry: a reason, or all failed leads")
	}
	return nil
}

// Describe is the history line of a requeue that reset n leads.
func (f RequeueFilter) Describe(n int64) string {
	if f.Reason != nil && !f.AllFailed {
		return fmt.Sprintf("%d failed leads (%s)", n, *f.Reason)
	}
	return fmt.Sprintf("%d failed leads (all reasons)", n)
}
