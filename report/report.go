// Package report holds the stable JSON views of runs and their client results, shared by
// the API (package web) and the CLI (cmd/leadrun), so both print the same shapes.
package report

import (
	"context"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// RunView is the stable JSON form of a run, shared by the API and the CLI (documented in
// the README).
type RunView struct {
	RunID           string             `json:"run_id"`
	Stream          int                `json:"stream"`
	Status          leadrun.RunStatus  `json:"status"`
	StatusReason    string             `json:"status_reason"`
	Trigger         leadrun.Trigger    `json:"trigger"`
	RequestedBy     string             `json:"requested_by"`
	CancelledBy     string             `json:"cancelled_by"` // who cancelled the run; "" unless cancelled
	Params          leadrun.RunParams  `json:"params"`
	Scorer          leadrun.ScorerInfo `json:"scorer"` // the scorer configuration the run asked for
	CreatedAt       time.Time          `json:"created_at"`
	StartedAt       *time.Time         `json:"started_at"`
	FinishedAt      *time.Time         `json:"finished_at"`
	HeartbeatAt     *time.Time         `json:"heartbeat_at"`
	DurationSeconds float64            `json:"duration_seconds"`
	Totals          leadrun.Totals     `json:"totals"`
	SuccessRate     *float64           `json:"success_rate"` // percent; null when nothing was attempted
}

// NewRunView renders a run; now is the clock reading a running run's duration is
// measured to.
func NewRunView(r *leadrun.Run, now time.Time) RunView {
	return RunView{RunID: r.ID, Stream: r.Stream, Status: r.Status, StatusReason: r.StatusReason, Trigger: r.Trigger,
		RequestedBy: r.RequestedBy, CancelledBy: r.CancelledBy, Params: r.Params, Scorer: r.Scorer, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, HeartbeatAt: r.HeartbeatAt, DurationSeconds: r.Duration(now).Seconds(),
		Totals: r.Totals, SuccessRate: rate(r.Totals)}
}

func rate(t leadrun.Totals) *float64 {
	r, ok := t.SuccessRate()
	if !ok {
		return nil
	}
	return &r
}

// ClientResultView is the stable JSON form of a client result.
type ClientResultView struct {
	ClientRunID string               `json:"client_run_id"`
	ClientID    string               `json:"client_id"`
	ClientName  string               `json:"client_name"`
	Status      leadrun.OpStatus     `json:"status"`
	Totals      leadrun.Totals       `json:"totals"`
	SuccessRate *float64             `json:"success_rate"`
	Operations  []*leadrun.Operation `json:"operations"`
}

// RunDetailView is a run with its client results and progress log.
type RunDetailView struct {
	Run           RunView             `json:"run"`
	ClientResults []ClientResultView  `json:"client_results"`
	Events        []*leadrun.RunEvent `json:"events"`
	// NextCursor is set when client results were read a page at a time and more follow:
	// the last client ID of this page, for ?after= (LoadRunDetailPage).
	NextCursor string `json:"next_cursor,omitempty"`
}

// LoadRunDetailPage is LoadRunDetail with at most limit client results, those after the
// client ID after: a run of 1,000 clients is read a page at a time.
func LoadRunDetailPage(ctx context.Context, db *sqldb.DB, runID, after string, limit int, now time.Time) (RunDetailView, error) {
	run, err := db.FindRunByID(ctx, runID)
	if err != nil {
		return RunDetailView{}, err
	}
	results, err := db.FindClientResultsPage(ctx, runID, sqldb.ClientResultPage{After: after, Limit: limit + 1})
	if err != nil {
		return RunDetailView{}, err
	}
	more := len(results) > limit
	if more {
		results = results[:limit]
	}
	events, err := db.FindEvents(ctx, runID, 0, 0)
	if err != nil {
		return RunDetailView{}, err
	}
	out := NewRunDetailView(run, results, events, now)
	if more {
		out.NextCursor = results[len(results)-1].ClientID
	}
	return out, nil
}

// LoadRunDetail reads a run, its client results and its progress log; now is what a
// running run's duration is measured to.
func LoadRunDetail(ctx context.Context, db *sqldb.DB, runID string, now time.Time) (RunDetailView, error) {
	run, err := db.FindRunByID(ctx, runID)
	if err != nil {
		return RunDetailView{}, err
	}
	results, err := db.FindClientResults(ctx, runID)
	if err != nil {
		return RunDetailView{}, err
	}
	events, err := db.FindEvents(ctx, runID, 0, 0)
	if err != nil {
		return RunDetailView{}, err
	}
	return NewRunDetailView(run, results, events, now), nil
}

// NewRunDetailView renders a run with its client results and events.
func NewRunDetailView(run *leadrun.Run, results []*leadrun.ClientResult, events []*leadrun.RunEvent, now time.Time) RunDetailView {
	out := RunDetailView{Run: NewRunView(run, now), ClientResults: []ClientResultView{}, Events: events}
	if out.Events == nil {
		out.Events = []*leadrun.RunEvent{}
	}
	for _, cr := range results {
		t := cr.Totals()
		out.ClientResults = append(out.ClientResults, ClientResultView{ClientRunID: cr.DisplayID(), ClientID: cr.ClientID,
			ClientName: cr.ClientName, Status: cr.Status(), Totals: t, SuccessRate: rate(t), Operations: cr.Operations})
	}
	return out
}
