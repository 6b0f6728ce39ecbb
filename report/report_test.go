package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// A running run's duration is measured to the clock given; a finished run's to its end;
// the detail never has null lists, and a client result carries its display ID and rate.
func TestRunViews(t *testing.T) {
	created := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	now := created.Add(90 * time.Second)
	run := &leadrun.Run{ID: "SR-261130-001-S1", Stream: 1, Status: leadrun.RunRunning, CreatedAt: created}
	if got := report.NewRunView(run, now).DurationSeconds; got != 90 {
		t.Errorf("running: %v s, want 90 (to the clock given)", got)
	}
	end := created.Add(30 * time.Second)
	run.Status, run.FinishedAt = leadrun.RunCompleted, &end
	v := report.NewRunView(run, now)
	if v.DurationSeconds != 30 || v.SuccessRate != nil {
		t.Errorf("finished: %v s, rate %v; want 30 s and no rate (nothing attempted)", v.DurationSeconds, v.SuccessRate)
	}
	d := report.NewRunDetailView(run, []*leadrun.ClientResult{{RunID: run.ID, ClientID: "A", ClientName: "A Co"}}, nil, now)
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"events":null`) || len(d.ClientResults) != 1 || d.ClientResults[0].ClientRunID == "" {
		t.Errorf("detail: %s", raw)
	}
}
