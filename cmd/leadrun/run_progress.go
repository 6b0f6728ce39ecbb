package main

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// dueLeads reads how many leads a run planned to examine: each client's lead-scoring
// operation's due count, capped by its limit. ok is false until the run is planned.
func dueLeads(ctx context.Context, db *sqldb.DB, runID string) (int64, bool) {
	results, err := db.FindClientResults(ctx, runID)
	if err != nil || len(results) == 0 {
		return 0, false
	}
	var due int64
	for _, cr := range results {
		for _, op := range cr.Operations {
			if op.Kind != leadrun.OpLeadScoring || op.Status == leadrun.OpSkipped {
				continue
			}
			n := op.Due
			if op.Limit > 0 && int64(op.Limit) < n {
				n = int64(op.Limit)
			}
			due += n
		}
	}
	return due, true
}

// rateLine is the terminal's progress line: examined of due, scored, the rate since the
// run started working and the time left at that rate.
func rateLine(r *leadrun.Run, due int64, elapsed time.Duration) string {
	t := r.Totals
	s := fmt.Sprintf("%s %-9s %s  leads: %d", r.ID, r.Status, fmtDuration(r.Duration(time.Now())), t.LeadsExamined)
	if due > 0 {
		s += fmt.Sprintf(" of %d (%.0f %%)", due, 100*float64(min(t.LeadsExamined, due))/float64(due))
	}
	s += fmt.Sprintf(" examined, %d scored, %d failed", t.LeadsScored, t.LeadsFailed)
	if elapsed >= time.Second && t.LeadsExamined > 0 {
		rate := float64(t.LeadsExamined) / elapsed.Seconds()
		s += fmt.Sprintf("  %.0f leads/s", rate)
		if left := due - t.LeadsExamined; due > 0 && left > 0 && !r.Status.Terminal() {
			s += ", about " + time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second).String() + " left"
		}
	}
	return s + fmt.Sprintf("  posts: %d scored", t.PostsScored)
}

// withDue makes a terminal's progress line show the total, rate and ETA of a run, reading
// its due count once planning has stored it.
func (p *progress) withDue(ctx context.Context, db *sqldb.DB, runID string) *progress {
	if !p.tty {
		return p
	}
	var due int64
	known := false
	p.line = func(r *leadrun.Run) string {
		if !known && r.Status != leadrun.RunQueued {
			due, known = dueLeads(ctx, db, runID)
		}
		if r.StartedAt == nil {
			return rateLine(r, due, 0)
		}
		return rateLine(r, due, time.Since(*r.StartedAt))
	}
	return p
}
