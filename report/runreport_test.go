package report

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

// The report sums operations per kind, counts reasons (item-level and whole-operation
// skips) and its CSV has one row per client × operation, formulas neutralised and
// multi-line errors kept in one cell.
func TestRunReportFromResults(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	start, end := now.Add(-time.Minute), now.Add(-30*time.Second)
	run := &leadrun.Run{ID: "SR-261130-001-S1", Stream: 1, Status: leadrun.RunCompletedWithErrors, CreatedAt: start}
	results := []*leadrun.ClientResult{
		{RunID: run.ID, ClientID: "A", ClientName: "+cmd|calc", Operations: []*leadrun.Operation{
			{Kind: leadrun.OpLeadScoring, Status: leadrun.OpSucceededWithErrors, Examined: 10, Scored: 6, Skipped: 2, Failed: 2,
				SkippedBy: map[string]int64{"missing_critical_data": 2}, FailedBy: map[string]int64{"invalid_response": 1, "api_error": 1},
				LastError: "-line one\nline two", CostMicros: 1500, StartedAt: &start, FinishedAt: &end},
			{Kind: leadrun.OpPostScoring, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipServiceLevel},
		}},
		{RunID: run.ID, ClientID: "B", ClientName: "B", Operations: []*leadrun.Operation{
			{Kind: leadrun.OpLeadScoring, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipNoRubric},
			{Kind: leadrun.OpPostScoring, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipServiceLevel},
		}},
	}
	rep := NewRunReport(run, results, now)
	if len(rep.Operations) != 2 || rep.Operations[0].Examined != 10 || rep.Operations[0].Clients != 2 ||
		rep.Operations[0].ByStatus[leadrun.OpSkipped] != 1 || rep.Operations[0].CostUSD != 0.0015 {
		t.Errorf("operations %+v", rep.Operations)
	}
	if r := rep.Reasons[0]; r.Outcome != "failed" || r.Items != 1 {
		t.Errorf("failures first: %+v", rep.Reasons)
	}
	found := map[string]ReasonCount{}
	for _, r := range rep.Reasons {
		found[r.Outcome+"/"+string(r.Operation)+"/"+r.Reason] = r
	}
	if r := found["skipped/post_scoring/service_level"]; r.Operations != 2 || len(r.Clients) != 2 || r.Clients[0] != "A" {
		t.Errorf("service level skips: %+v", r)
	}
	if r := found["skipped/lead_scoring/no_rubric"]; r.Operations != 1 || r.Clients[0] != "B" {
		t.Errorf("no rubric: %+v", r)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("rows %d: %v", len(rows), err)
	}
	a := rows[1]
	if a[3] != "'+cmd|calc" || a[14] != "missing_critical_data=2" || a[15] != "api_error=1; invalid_response=1" ||
		a[18] != "0.001500" || a[21] != "30.000" || a[22] != "'-line one\nline two" {
		t.Errorf("row %q", a)
	}
	for _, c := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"} {
		if CSVCell(c)[0] != '\'' {
			t.Errorf("CSVCell(%q) not neutralised", c)
		}
	}
	if CSVCell("Guy") != "Guy" || CSVCell("") != "" {
		t.Errorf("plain cells changed")
	}
}
