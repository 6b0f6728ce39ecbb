package main

import (
	"fmt"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/migrate"
)

// formulaReport is what rescore --formula found.
type formulaReport struct {
	ClientID  string                 `json:"client_id"`
	Threshold float64                `json:"threshold"`
	Scored    int                    `json:"scored"`
	Summary   migrate.FormulaSummary `json:"summary"`
	Leads     []rescoreRow           `json:"leads"` // the leads whose score would change
}

// formula recomputes the stored breakdowns with leadrun's formula: the original
// platform's scores (auto-awarded attribute I, unclamped, disqualifiers ignored) show
// how they would move; leads scored by leadrun do not move.
func (c *RescoreCmd) formula(a *app, client *leadrun.Client, rubric *leadrun.Rubric, leads []*leadrun.Lead) error {
	rep := formulaReport{ClientID: client.ID, Threshold: client.ScoreThreshold, Scored: len(leads)}
	for _, l := range leads {
		if l.Breakdown == nil || l.Score == nil {
			continue
		}
		next := migrate.LeadrunScore(rubric, l.Breakdown)
		before := rep.Summary.Changed
		rep.Summary.Add(*l.Score, next, client.ScoreThreshold)
		if rep.Summary.Changed > before {
			row := rescoreRow{LeadID: l.ID, Name: l.FullName(), Old: *l.Score, New: next, Delta: next - *l.Score}
			switch {
			case row.Old < client.ScoreThreshold && row.New >= client.ScoreThreshold:
				row.Crosses = "up"
			case row.Old >= client.ScoreThreshold && row.New < client.ScoreThreshold:
				row.Crosses = "down"
			}
			rep.Leads = append(rep.Leads, row)
		}
	}
	if c.JSON {
		return writeJSON(a.out, rep)
	}
	s := rep.Summary
	fmt.Fprintf(a.out, "%s: %d scored leads, %d with a breakdown; under leadrun's formula %d would change score, %d would cross the threshold %g up and %d down (nothing saved, 0 tokens).\n",
		client.ID, rep.Scored, s.Compared, s.Changed, s.CrossUp, client.ScoreThreshold, s.CrossDown)
	return nil
}
