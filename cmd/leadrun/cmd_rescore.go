package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/leadrun/leadrun"
)

// RescoreCmd previews a rubric change: it scores a sample of already-scored leads with the
// current rubric without saving anything.
type RescoreCmd struct {
	RunnerFlags
	ClientID string `arg:"" name:"client-id"`
	Sample   int    `default:"50" help:"How many scored leads to rescore (at most 100), spread across the client's score range."`
	JSON     bool   `name:"json" help:"Print JSON."`
	Formula  bool   `name:"formula" help:"Instead: recompute every scored lead's stored breakdown (e.g. imported from the original platform) with leadrun's formula, and count the scores that would change or cross the threshold. No scorer, 0 tokens."`
}

// rescoreRow is one lead of a preview.
type rescoreRow struct {
	LeadID  int64   `json:"lead_id"`
	Name    string  `json:"name"`
	Old     float64 `json:"old_score"`
	New     float64 `json:"new_score"`
	Delta   float64 `json:"delta"`
	Crosses string  `json:"crosses_threshold,omitempty"` // "up", "down" or ""
	Error   string  `json:"error,omitempty"`
}

// Run scores the sample and prints old → new → delta per lead.
func (c *RescoreCmd) Run(ctx context.Context, a *app) error {
	if c.Sample < 1 || c.Sample > 100 {
		return leadrun.Errorf(leadrun.EINVALID, "--sample must be within 1-100")
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	client, err := db.FindClientByID(ctx, c.ClientID)
	if err != nil {
		return err
	}
	rubric, err := db.FindRubric(ctx, c.ClientID)
	if err != nil {
		return err
	}
	scored := leadrun.StatusScored
	leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: c.ClientID, ScoringStatus: &scored})
	if err != nil {
		return err
	}
	if len(leads) == 0 {
		return leadrun.Errorf(leadrun.ENOTFOUND, "client %s has no scored leads to rescore yet", c.ClientID)
	}
	if c.Formula {
		return c.formula(a, client, rubric, leads)
	}
	scorer, err := c.scorer(a.log, nil)
	if err != nil {
		return err
	}
	if checker, ok := scorer.(leadrun.RubricChecker); ok {
		if err := checker.CanScore(rubric); err != nil {
			return leadrun.Errorf(leadrun.EINVALID, "%s scorer cannot score rubric of %s: %v", scorer.Name(), client.ID, err)
		}
	}
	sample := spreadSample(leads, c.Sample)
	rows, usage, err := rescore(ctx, scorer, client, rubric, sample, c.ChunkSize)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(a.out, map[string]any{"client_id": client.ID, "threshold": client.ScoreThreshold,
			"leads": rows, "prompt_tokens": usage.PromptTokens, "completion_tokens": usage.CompletionTokens})
	}
	printRescore(a, client, rows, usage)
	return nil
}

// spreadSample picks n leads evenly across the ranking of current scores, so the preview
// covers low, middle and high scorers alike.
func spreadSample(leads []*leadrun.Lead, n int) []*leadrun.Lead {
	sort.SliceStable(leads, func(i, j int) bool { return score(leads[i]) < score(leads[j]) })
	if n >= len(leads) {
		return leads
	}
	out := make([]*leadrun.Lead, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, leads[i*len(leads)/n])
	}
	return out
}

func score(l *leadrun.Lead) float64 {
	if l.Score == nil {
		return 0
	}
	return *l.Score
}

func rescore(ctx context.Context, scorer leadrun.Scorer, client *leadrun.Client, rubric *leadrun.Rubric,
	leads []*leadrun.Lead, chunk int) ([]rescoreRow, leadrun.Usage, error) {
	var rows []rescoreRow
	var usage leadrun.Usage
	for i := 0; i < len(leads); i += chunk {
		part := leads[i:min(i+chunk, len(leads))]
		res, err := scorer.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: client.ID, Rubric: rubric, Leads: part})
		if err != nil {
			return nil, usage, fmt.Errorf("scorer: %w", err)
		}
		usage.Add(res.Usage)
		byID := map[int64]leadrun.LeadOutcome{}
		for _, o := range res.Outcomes {
			byID[o.LeadID] = o
		}
		for _, l := range part {
			rows = append(rows, rescoreOne(rubric, client.ScoreThreshold, l, byID[l.ID]))
		}
	}
	return rows, usage, nil
}

func rescoreOne(rubric *leadrun.Rubric, threshold float64, l *leadrun.Lead, o leadrun.LeadOutcome) rescoreRow {
	row := rescoreRow{LeadID: l.ID, Name: l.FullName(), Old: score(l)}
	if o.Assessment == nil {
		row.Error = string(o.Reason) + " " + o.Detail
		return row
	}
	if err := rubric.CheckAssessment(o.Assessment); err != nil {
		row.Error = leadrun.ErrorMessage(err)
		return row
	}
	row.New = rubric.Score(o.Assessment).Score
	row.Delta = row.New - row.Old
	switch {
	case row.Old < threshold && row.New >= threshold:
		row.Crosses = "up"
	case row.Old >= threshold && row.New < threshold:
		row.Crosses = "down"
	}
	return row
}

func printRescore(a *app, client *leadrun.Client, rows []rescoreRow, usage leadrun.Usage) {
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEAD\tNAME\tOLD\tNEW\tDELTA\tTHRESHOLD")
	var up, down, failed int
	var sum float64
	for _, r := range rows {
		if r.Error != "" {
			failed++
			fmt.Fprintf(tw, "%d\t%s\t%.2f\t—\t—\tnot scored: %s\n", r.LeadID, r.Name, r.Old, r.Error)
			continue
		}
		mark := ""
		switch r.Crosses {
		case "up":
			up, mark = up+1, "↑ now a top lead"
		case "down":
			down, mark = down+1, "↓ no longer a top lead"
		}
		sum += r.Delta
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%+.2f\t%s\n", r.LeadID, r.Name, r.Old, r.New, r.Delta, mark)
	}
	tw.Flush()
	n := len(rows) - failed
	mean := 0.0
	if n > 0 {
		mean = sum / float64(n)
	}
	fmt.Fprintf(a.out, "\n%s: %d leads rescored (nothing saved), mean change %+.2f; threshold %g: %d cross up, %d cross down; %d not scored; %d tokens.\n",
		client.ID, n, mean, client.ScoreThreshold, up, down, failed, usage.PromptTokens+usage.CompletionTokens)
}
