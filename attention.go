package leadrun

import (
	"fmt"
	"sort"
	"time"
)

// AttentionKind names something that needs a person: the runs cannot fix it themselves.
type AttentionKind string

// Kinds of attention items, in the order the needs-attention list shows them (the most
// blocking first).
const (
	AttentionProviderFailing      AttentionKind = "provider_failing"       // the last check or run of an AI provider failed
	AttentionNoRubric             AttentionKind = "no_rubric"              // an active client has leads due and no rubric
	AttentionRubricWithoutSignals AttentionKind = "rubric_without_signals" // its last run could not score the rubric
	AttentionBudgetExceeded       AttentionKind = "budget_exceeded"        // its last run stopped at the token budget
	AttentionLeadsFailed          AttentionKind = "leads_failed"           // leads failed every attempt
	AttentionSenderMismatch       AttentionKind = "sender_mismatch"        // Linked Helper items came from another account
	AttentionMirrorFailing        AttentionKind = "mirror_failing"         // the Airtable mirror cannot write (when one is configured)
	AttentionQuiet                AttentionKind = "quiet"                  // an active client had nothing scored for QuietAfter
	AttentionScheduleMissed       AttentionKind = "schedule_missed"        // a stream's scheduled slot passed with no run started
)

var attentionOrder = map[AttentionKind]int{
	AttentionProviderFailing: 0, AttentionNoRubric: 1, AttentionRubricWithoutSignals: 2, AttentionBudgetExceeded: 3,
	AttentionLeadsFailed: 4, AttentionSenderMismatch: 5, AttentionMirrorFailing: 6, AttentionQuiet: 7,
	AttentionScheduleMissed: 1, // with no rubric: nothing runs at all
}

// AttentionItem is one line of the needs-attention list: what, how many, since when and
// what to do about it.
type AttentionItem struct {
	Kind       AttentionKind `json:"kind"`
	ClientID   string        `json:"client_id,omitempty"` // empty for items not about one client (a provider)
	ClientName string        `json:"client_name,omitempty"`
	Stream     int           `json:"stream,omitempty"`
	What       string        `json:"what"`            // plain words
	Count      int64         `json:"count"`           // leads, items or checks concerned
	Since      *time.Time    `json:"since,omitempty"` // when it started, as far as it is known
	RunID      string        `json:"run_id,omitempty"`
	Action     string        `json:"action"`  // what a person should do, in words
	Command    string        `json:"command"` // the CLI command that does or starts it
}

// SortAttention orders items by kind (most blocking first), then stream, then client.
func SortAttention(items []*AttentionItem) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if attentionOrder[a.Kind] != attentionOrder[b.Kind] {
			return attentionOrder[a.Kind] < attentionOrder[b.Kind]
		}
		if a.Stream != b.Stream {
			return a.Stream < b.Stream
		}
		return a.ClientID < b.ClientID
	})
}

// Describe fills What, Action and Command from the kind, the client and the count, so
// the CLI, the API and the dashboard word each item alike. detail is kind-specific: the
// provider's message, the senders seen.
func (it *AttentionItem) Describe(detail string) {
	c := it.ClientID
	switch it.Kind {
	case AttentionProviderFailing:
		it.What = "AI provider failing: " + detail
		it.Action, it.Command = "check the provider's key, model and quota, then check it again", "leadrun check"
	case AttentionNoRubric:
		it.What = fmt.Sprintf("%d leads due but the client has no rubric: runs skip it", it.Count)
		it.Action, it.Command = "import a rubric", fmt.Sprintf("leadrun rubric import %s FILE", c)
	case AttentionRubricWithoutSignals:
		it.What = fmt.Sprintf("%d leads due but the rubric has no keyword signals the scorer can use", it.Count)
		it.Action, it.Command = "add keyword signals to the rubric (or use the AI scorer)", fmt.Sprintf("leadrun rubric export %s", c)
	case AttentionBudgetExceeded:
		it.What = fmt.Sprintf("token budget exhausted: the last run left %d leads unscored", it.Count)
		it.Action, it.Command = "raise the budget or wait for the next budget window", fmt.Sprintf("leadrun clients set %s --daily-token-budget N", c)
	case AttentionLeadsFailed:
		it.What = fmt.Sprintf("%d leads failed every attempt and are no longer tried", it.Count)
		it.Action, it.Command = "fix the cause, then requeue them", fmt.Sprintf("leadrun leads requeue %s --all-failed", c)
	case AttentionSenderMismatch:
		it.What = fmt.Sprintf("%d Linked Helper items came from another account (%s)", it.Count, detail)
		it.Action, it.Command = "fix the campaign's account, or set the expected sender", fmt.Sprintf("leadrun clients set-sender %s EMAIL", c)
	case AttentionMirrorFailing:
		it.What = "Airtable mirror failing: " + detail
		it.Action, it.Command = "fix the Airtable token, base or table named in the message", "leadrun airtable check"
	case AttentionScheduleMissed:
		it.What = detail
		it.Action = fmt.Sprintf("start `leadrun worker` or `leadrun serve` with LEADRUN_SCHEDULE for stream %d (or fix what the message names), or start a run now", it.Stream)
		it.Command = fmt.Sprintf("leadrun run --stream %d", it.Stream)
		if it.RunID != "" {
			it.Action = "the stream is stuck busy: follow run " + it.RunID + " or cancel it so the schedule can start runs"
			it.Command = "leadrun runs cancel " + it.RunID
		}
	case AttentionQuiet:
		it.What = fmt.Sprintf("nothing scored for over %d h", int(QuietAfter.Hours()))
		it.Action, it.Command = "check that leads still arrive (Linked Helper campaign, imports)", fmt.Sprintf("leadrun clients show %s", c)
	}
}
