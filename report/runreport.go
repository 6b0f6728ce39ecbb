package report

import (
	"context"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// RunReport is the downloadable report of one run (SPEC §3.10): the run, each client with
// its operations, a summary per operation kind, and the skips and failures by reason.
type RunReport struct {
	Run         RunView            `json:"run"`
	GeneratedAt time.Time          `json:"generated_at"`
	Clients     []ClientReport     `json:"clients"`
	Operations  []OperationSummary `json:"operations"`
	Reasons     []ReasonCount      `json:"reasons"`
	// AffectedLeads are the leads the run left failed or skipped, as it left them: kept
	// when each lead-scoring operation ended, the first 100 per client and reason (the
	// exact counts are in the operations' skipped_by and failed_by).
	AffectedLeads []AffectedLeadRow `json:"affected_leads"`
	// AffectedLeadsKept is false for runs whose operations ended before leadrun kept these
	// lists (or that are still running): their affected leads are not in the report.
	AffectedLeadsKept bool   `json:"affected_leads_kept"`
	AffectedLeadsNote string `json:"affected_leads_note,omitempty"`
}

// AffectedLeadRow is one lead a run left failed or skipped, as the run left it.
type AffectedLeadRow struct {
	ClientID string                `json:"client_id"`
	LeadID   int64                 `json:"lead_id"`
	Name     string                `json:"name"`
	Status   leadrun.ScoringStatus `json:"status"`
	Reason   leadrun.Reason        `json:"reason"`
	Attempts int                   `json:"attempts"`
	At       time.Time             `json:"at"`
}

// ClientReport is one client result in a run report.
type ClientReport struct {
	ClientRunID string           `json:"client_run_id"`
	ClientID    string           `json:"client_id"`
	ClientName  string           `json:"client_name"`
	Status      leadrun.OpStatus `json:"status"`
	Totals      leadrun.Totals   `json:"totals"`
	SuccessRate *float64         `json:"success_rate"`
	Operations  []OperationRow   `json:"operations"`
}

// OperationRow is one (client, operation) of a run: the unit of the CSV report.
type OperationRow struct {
	Operation        leadrun.OperationKind `json:"operation"`
	Status           leadrun.OpStatus      `json:"status"`
	SkipReason       string                `json:"skip_reason,omitempty"`
	FailureCode      leadrun.Reason        `json:"failure_code,omitempty"`
	LastError        string                `json:"last_error,omitempty"`
	Limit            int                   `json:"limit"`
	Due              int64                 `json:"due"`
	Examined         int64                 `json:"examined"`
	Scored           int64                 `json:"scored"`
	Skipped          int64                 `json:"skipped"`
	Failed           int64                 `json:"failed"`
	SkippedBy        map[string]int64      `json:"skipped_by"`
	FailedBy         map[string]int64      `json:"failed_by"`
	PromptTokens     int64                 `json:"prompt_tokens"`
	CompletionTokens int64                 `json:"completion_tokens"`
	CostMicros       int64                 `json:"cost_micros"`
	CostUSD          float64               `json:"cost_usd"`
	StartedAt        *time.Time            `json:"started_at"`
	FinishedAt       *time.Time            `json:"finished_at"`
	DurationSeconds  *float64              `json:"duration_seconds"` // null until it has started and finished
}

// OperationSummary sums one operation kind over the run's clients.
type OperationSummary struct {
	Operation        leadrun.OperationKind    `json:"operation"`
	Clients          int                      `json:"clients"`
	ByStatus         map[leadrun.OpStatus]int `json:"by_status"` // clients per operation status
	Examined         int64                    `json:"examined"`
	Scored           int64                    `json:"scored"`
	Skipped          int64                    `json:"skipped"`
	Failed           int64                    `json:"failed"`
	PromptTokens     int64                    `json:"prompt_tokens"`
	CompletionTokens int64                    `json:"completion_tokens"`
	CostMicros       int64                    `json:"cost_micros"`
	CostUSD          float64                  `json:"cost_usd"`
}

// ReasonCount is one skip or failure reason of one operation kind across the run:
// items (leads or posts) it hit, and operations skipped as a whole for it.
type ReasonCount struct {
	Outcome    string                `json:"outcome"` // "skipped" or "failed"
	Reason     string                `json:"reason"`
	Operation  leadrun.OperationKind `json:"operation"`
	Items      int64                 `json:"items"`
	Operations int                   `json:"operations"` // operations skipped whole for this reason
	Clients    []string              `json:"clients"`    // client IDs, sorted
}

// LoadRunReport reads a run and builds its report; now is the clock of durations.
func LoadRunReport(ctx context.Context, db *sqldb.DB, runID string, now time.Time) (*RunReport, error) {
	run, err := db.FindRunByID(ctx, runID)
	if err != nil {
		return nil, err
	}
	results, err := db.FindClientResults(ctx, runID)
	if err != nil {
		return nil, err
	}
	rep := NewRunReport(run, results, now)
	leads, kept, err := db.RunKeptAffectedLeads(ctx, runID)
	if err != nil {
		return nil, err
	}
	rep.AffectedLeadsKept = kept
	if !kept {
		rep.AffectedLeadsNote = "some lead-scoring operations of this run ended before leadrun kept affected leads with each run (or have not ended): their leads are not listed"
	}
	for _, l := range leads {
		rep.AffectedLeads = append(rep.AffectedLeads, AffectedLeadRow{ClientID: l.ClientID, LeadID: l.ID, Name: l.Name,
			Status: l.Status, Reason: l.Reason, Attempts: l.Attempts, At: l.UpdatedAt})
	}
	return rep, nil
}

// NewRunReport builds the report of a run from its client results.
func NewRunReport(run *leadrun.Run, results []*leadrun.ClientResult, now time.Time) *RunReport {
	rep := &RunReport{Run: NewRunView(run, now), GeneratedAt: now.UTC(), Clients: []ClientReport{},
		Operations: []OperationSummary{}, Reasons: []ReasonCount{}, AffectedLeads: []AffectedLeadRow{}}
	sums := map[leadrun.OperationKind]*OperationSummary{}
	reasons := map[string]*ReasonCount{}
	for _, cr := range results {
		t := cr.Totals()
		c := ClientReport{ClientRunID: cr.DisplayID(), ClientID: cr.ClientID, ClientName: cr.ClientName,
			Status: cr.Status(), Totals: t, SuccessRate: rate(t), Operations: []OperationRow{}}
		for _, op := range cr.Operations {
			c.Operations = append(c.Operations, newOperationRow(op))
			addSummary(sums, op)
			addReasonCounts(reasons, cr.ClientID, op)
		}
		rep.Clients = append(rep.Clients, c)
	}
	for _, kind := range []leadrun.OperationKind{leadrun.OpLeadScoring, leadrun.OpPostScoring} {
		if s := sums[kind]; s != nil {
			s.CostUSD = dollars(s.CostMicros)
			rep.Operations = append(rep.Operations, *s)
		}
	}
	for _, r := range reasons {
		sort.Strings(r.Clients)
		rep.Reasons = append(rep.Reasons, *r)
	}
	sort.Slice(rep.Reasons, func(i, j int) bool {
		a, b := rep.Reasons[i], rep.Reasons[j]
		if a.Outcome != b.Outcome {
			return a.Outcome == "failed"
		}
		if a.Items != b.Items {
			return a.Items > b.Items
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		return a.Operation < b.Operation
	})
	return rep
}

func newOperationRow(op *leadrun.Operation) OperationRow {
	row := OperationRow{Operation: op.Kind, Status: op.Status, SkipReason: op.SkipReason, FailureCode: op.FailureCode,
		LastError: op.LastError, Limit: op.Limit, Due: op.Due, Examined: op.Examined, Scored: op.Scored,
		Skipped: op.Skipped, Failed: op.Failed, SkippedBy: op.SkippedBy, FailedBy: op.FailedBy,
		PromptTokens: op.PromptTokens, CompletionTokens: op.CompTokens, CostMicros: op.CostMicros,
		CostUSD: dollars(op.CostMicros), StartedAt: op.StartedAt, FinishedAt: op.FinishedAt}
	if row.SkippedBy == nil {
		row.SkippedBy = map[string]int64{}
	}
	if row.FailedBy == nil {
		row.FailedBy = map[string]int64{}
	}
	if op.StartedAt != nil && op.FinishedAt != nil {
		d := op.FinishedAt.Sub(*op.StartedAt).Seconds()
		row.DurationSeconds = &d
	}
	return row
}

func addSummary(sums map[leadrun.OperationKind]*OperationSummary, op *leadrun.Operation) {
	s := sums[op.Kind]
	if s == nil {
		s = &OperationSummary{Operation: op.Kind, ByStatus: map[leadrun.OpStatus]int{}}
		sums[op.Kind] = s
	}
	s.Clients++
	s.ByStatus[op.Status]++
	s.Examined += op.Examined
	s.Scored += op.Scored
	s.Skipped += op.Skipped
	s.Failed += op.Failed
	s.PromptTokens += op.PromptTokens
	s.CompletionTokens += op.CompTokens
	s.CostMicros += op.CostMicros
}

func addReasonCounts(reasons map[string]*ReasonCount, clientID string, op *leadrun.Operation) {
	add := func(outcome, reason string, items int64, whole int) {
		key := outcome + "/" + string(op.Kind) + "/" + reason
		r := reasons[key]
		if r == nil {
			r = &ReasonCount{Outcome: outcome, Reason: reason, Operation: op.Kind}
			reasons[key] = r
		}
		r.Items += items
		r.Operations += whole
		for _, c := range r.Clients {
			if c == clientID {
				return
			}
		}
		r.Clients = append(r.Clients, clientID)
	}
	for reason, n := range op.SkippedBy {
		add("skipped", reason, n, 0)
	}
	for reason, n := range op.FailedBy {
		add("failed", reason, n, 0)
	}
	if op.SkipReason != "" {
		add("skipped", op.SkipReason, 0, 1)
	}
	if op.FailureCode != "" && len(op.FailedBy) == 0 {
		add("failed", string(op.FailureCode), 0, 1)
	}
}

// dollars turns micro-dollars into dollars.
func dollars(micros int64) float64 { return float64(micros) / 1e6 }
