package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/leadrun/leadrun"
)

// RunsRerunCmd starts a new run of a finished run's failed clients.
type RunsRerunCmd struct {
	RunnerFlags
	RunID string `arg:"" name:"run-id" help:"The finished run whose failed and abandoned clients to run again."`
	Wait  bool   `help:"Work the new run in this process and wait for it to finish, showing progress."`
}

// Run starts the rerun and, with --wait, works it to the end.
func (c *RunsRerunCmd) Run(ctx context.Context, a *app) error {
	r, err := a.newRunner(ctx, c.RunnerFlags)
	if err != nil {
		return err
	}
	run, err := r.Rerun(ctx, c.RunID, leadrun.TriggerCLI, cliUser())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Run %s queued for stream %d: a rerun of %s for %s.\n", run.ID, run.Stream, c.RunID,
		strings.Join(run.Params.ClientFilter, ", "))
	if !c.Wait {
		fmt.Fprintf(a.out, "A `leadrun worker` (or `leadrun serve`) on this database works it; follow it with `leadrun runs show %s`.\n", run.ID)
		return nil
	}
	final, err := workUntilDone(ctx, a, r, run)
	if err != nil {
		return err
	}
	if err := printSummary(ctx, a, final); err != nil {
		return err
	}
	return endedBadly(final)
}
