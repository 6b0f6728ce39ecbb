package sample_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
)

// TestDemoScoreSpread checks the point of the demo data: with the rules scorer, the
// scorable leads of every demo client spread over 0–100.
func TestDemoScoreSpread(t *testing.T) {
	t.Parallel()
	d := sample.Demo()
	scorer := rules.New(rules.Options{})
	for _, c := range d.Clients {
		rubric := d.Rubrics[c.ID]
		var quarters [4]int
		n := 0
		for i, l := range d.Leads[c.ID] {
			if l.MissingCriticalData() != "" {
				continue
			}
			lead := *l
			lead.ID = int64(i + 1)
			res, err := scorer.ScoreLeads(context.Background(), leadrun.LeadRequest{
				ClientID: c.ID, Rubric: rubric, Leads: []*leadrun.Lead{&lead}})
			if err != nil || len(res.Outcomes) != 1 || res.Outcomes[0].Assessment == nil {
				t.Fatalf("%s: score %s: %v", c.ID, l.ProfileKey, err)
			}
			score := rubric.Score(res.Outcomes[0].Assessment).Score
			quarters[min(int(score/25), 3)]++
			n++
		}
		for q, count := range quarters {
			if count < n/10 {
				t.Errorf("%s: %d of %d scores in %d–%d, want at least 10 %% in every quarter (%v)",
					c.ID, count, n, q*25, q*25+25, quarters)
			}
		}
	}
}
