package main

import (
	"context"

	"github.com/leadrun/leadrun/report"
)

// RunsReportCmd prints a run's report (the same as GET /api/v1/runs/{id}/report).
type RunsReportCmd struct {
	RunID string `arg:"" name:"run-id" help:"Run ID, e.g. SR-250923-001-S1."`
	CSV   bool   `name:"csv" help:"Print CSV, one row per client × operation, instead of JSON."`
}

// Run prints the report on stdout.
func (c *RunsReportCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	rep, err := report.LoadRunReport(ctx, db, c.RunID, db.Now())
	if err != nil {
		return err
	}
	if c.CSV {
		return rep.WriteCSV(a.out)
	}
	return writeJSON(a.out, rep)
}
