package report

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

// BenchmarkRunReport builds and writes the report of a run with 1,000 clients (both
// operations each, with skip and failure reasons), as JSON-ready values and as CSV.
func BenchmarkRunReport(b *testing.B) {
	now := time.Now()
	run := &leadrun.Run{ID: "SR-261130-001-S1", Stream: 1, Status: leadrun.RunCompleted, CreatedAt: now}
	var results []*leadrun.ClientResult
	for i := 0; i < 1000; i++ {
		results = append(results, &leadrun.ClientResult{RunID: run.ID, ClientID: fmt.Sprintf("C-%04d", i), ClientName: "Client", Operations: []*leadrun.Operation{
			{Kind: leadrun.OpLeadScoring, Status: leadrun.OpSucceededWithErrors, Examined: 100, Scored: 90, Skipped: 6, Failed: 4,
				SkippedBy: map[string]int64{"missing_critical_data": 6}, FailedBy: map[string]int64{"api_error": 4}, StartedAt: &now, FinishedAt: &now},
			{Kind: leadrun.OpPostScoring, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipServiceLevel},
		}})
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := NewRunReport(run, results, now).WriteCSV(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
