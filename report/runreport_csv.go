package report

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// CSVHeader is the header row of a run report's CSV: one row per client × operation.
var CSVHeader = []string{"run_id", "client_run_id", "client_id", "client_name", "operation", "status", "skip_reason",
	"failure_code", "limit", "due", "examined", "scored", "skipped", "failed", "skipped_by", "failed_by",
	"prompt_tokens", "completion_tokens", "cost_usd", "started_at", "finished_at", "duration_seconds", "last_error",
	"affected_lead_ids"}

// WriteCSV writes the report as CSV, one row per client × operation. Text cells a
// spreadsheet would run as a formula are neutralised (see CSVCell).
func (rep *RunReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	affected := rep.affectedByClient()
	for _, c := range rep.Clients {
		for _, op := range c.Operations {
			row := []string{rep.Run.RunID, c.ClientRunID, CSVCell(c.ClientID), CSVCell(c.ClientName), string(op.Operation),
				string(op.Status), CSVCell(op.SkipReason), CSVCell(string(op.FailureCode)), itoa(int64(op.Limit)), itoa(op.Due),
				itoa(op.Examined), itoa(op.Scored), itoa(op.Skipped), itoa(op.Failed), CSVCell(byReason(op.SkippedBy)),
				CSVCell(byReason(op.FailedBy)), itoa(op.PromptTokens), itoa(op.CompletionTokens),
				strconv.FormatFloat(op.CostUSD, 'f', 6, 64), stamp(op.StartedAt), stamp(op.FinishedAt), seconds(op.DurationSeconds),
				CSVCell(op.LastError), rep.affectedCell(affected, c.ClientID, op)}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// affectedByClient groups the kept affected leads' IDs by client and reason.
func (rep *RunReport) affectedByClient() map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, l := range rep.AffectedLeads {
		if out[l.ClientID] == nil {
			out[l.ClientID] = map[string][]string{}
		}
		out[l.ClientID][string(l.Reason)] = append(out[l.ClientID][string(l.Reason)], itoa(l.LeadID))
	}
	return out
}

// affectedCell lists a lead-scoring operation's kept affected leads as
// "reason: id id; reason: id", reasons sorted; "not kept" for older runs.
func (rep *RunReport) affectedCell(affected map[string]map[string][]string, clientID string, op OperationRow) string {
	if op.Operation != leadrun.OpLeadScoring || op.Skipped+op.Failed == 0 {
		return ""
	}
	byReason := affected[clientID]
	if len(byReason) == 0 && !rep.AffectedLeadsKept {
		return "not kept (older run)"
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = r + ": " + strings.Join(byReason[r], " ")
	}
	return CSVCell(strings.Join(parts, "; "))
}

// CSVCell neutralises a cell a spreadsheet would run as a formula (OWASP "CSV
// injection"): a value starting with =, +, -, @, a tab or a carriage return gets a leading
// single quote, so it shows as text. The CSV writer quotes whatever else needs it.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// byReason writes counts by reason as "reason=n; reason=n", reasons sorted.
func byReason(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + itoa(m[k])
	}
	return strings.Join(parts, "; ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func seconds(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(*s, 'f', 3, 64)
}
