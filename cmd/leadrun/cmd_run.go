package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/runner"
)

// RunCmd starts a run.
type RunCmd struct {
	RunnerFlags
	Stream    int      `required:"" help:"Processing stream to run (1, 2, …)."`
	LeadLimit int      `help:"Leads to examine per client in this run (0 = each client's default)."`
	PostLimit int      `help:"Posts to examine per client in this run (0 = each client's default)."`
	Client    []string `help:"Only these client IDs (repeat the flag)." placeholder:"ID"`
	Wait      bool     `help:"Work the run in this process and wait for it to finish, showing progress."`
	JSON      bool     `name:"json" help:"Print the run as JSON."`
}

// Run triggers the run and, with --wait, works it to the end.
func (c *RunCmd) Run(ctx context.Context, a *app) error {
	r, err := a.newRunner(ctx, c.RunnerFlags)
	if err != nil {
		return err
	}
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: c.Stream, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun run",
		Params: leadrun.RunParams{LeadLimit: c.LeadLimit, PostLimit: c.PostLimit, ClientFilter: c.Client}})
	if err != nil {
		return err
	}
	if !c.Wait {
		if c.JSON {
			if run, err = a.db.FindRunByID(ctx, run.ID); err != nil {
				return err
			}
			return writeJSON(a.out, report.NewRunView(run, a.db.Now()))
		}
		fmt.Fprintf(a.out, "Run %s queued for stream %d. A `leadrun worker` (or `leadrun serve`) on this database works it;\n"+
			"follow it with `leadrun runs show %s`.\n", run.ID, run.Stream, run.ID)
		return nil
	}
	final, err := workUntilDone(ctx, a, r, run)
	if err != nil {
		return err
	}
	if c.JSON {
		err = showRunJSON(ctx, a, final.ID)
	} else {
		err = printSummary(ctx, a, final)
	}
	if err != nil {
		return err
	}
	return endedBadly(final)
}

// endedBadly is the error (exit code 4) for a waited-for run that did not complete.
func endedBadly(run *leadrun.Run) error {
	if run.Status != leadrun.RunCompleted && run.Status != leadrun.RunCompletedWithErrors {
		return &runEndedError{run: run}
	}
	return nil
}

// workUntilDone starts the runner in this process, shows progress until the run ends and
// shuts the runner down cleanly. An interrupt cancels the run.
func workUntilDone(ctx context.Context, a *app, r *runner.Runner, run *leadrun.Run) (*leadrun.Run, error) {
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	p := newProgress(a.errOut).withDue(ctx, a.db, run.ID)
	final, err := r.Wait(ctx, run.ID, 200*time.Millisecond, p.update)
	p.done()
	if err != nil && ctx.Err() != nil {
		cancelled, cerr := r.Cancel(context.Background(), run.ID, "interrupted at the terminal", cliUser())
		if cerr == nil {
			return cancelled, nil
		}
	}
	return final, err
}

// RunsCmd groups the run commands.
type RunsCmd struct {
	List   RunsListCmd   `cmd:"" help:"List runs, newest first."`
	Show   RunsShowCmd   `cmd:"" help:"Show a run: client results, operations and progress log."`
	Cancel RunsCancelCmd `cmd:"" help:"Cancel an active run; its workers stop within seconds."`
	Report RunsReportCmd `cmd:"" help:"Print a run's report: per client and operation, skips and failures by reason, tokens, cost (JSON, or CSV with --csv)."`
	Rerun  RunsRerunCmd  `cmd:"" help:"Start a new run of a finished run's failed and abandoned clients (same stream, same limits)."`
}

// RunsListCmd lists runs.
type RunsListCmd struct {
	Stream *int   `help:"Only this stream."`
	Status string `help:"Only this status (queued, running, completed, completed_with_errors, failed, cancelled, abandoned)."`
	Client string `help:"Only runs that included this client."`
	Search string `help:"A run ID or its start (SR-261130, 261130-002), or a client's ID or part of its name: the runs that included it."`
	Before string `help:"Only runs older than this run ID: the next page after a list that ended with it."`
	Limit  int    `default:"20" help:"How many runs (1-500)."`
	JSON   bool   `name:"json" help:"Print JSON (an array of runs)."`
}

// Run lists the runs.
func (c *RunsListCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	f := leadrun.RunFilter{Stream: c.Stream, Limit: c.Limit}
	if c.Status != "" {
		s := leadrun.RunStatus(c.Status)
		if !s.Valid() {
			return leadrun.Errorf(leadrun.EINVALID, "unknown status %q", c.Status)
		}
		f.Status = &s
	}
	if c.Client != "" {
		f.ClientID = &c.Client
	}
	if c.Limit < 1 || c.Limit > 500 {
		return leadrun.Errorf(leadrun.EINVALID, "--limit must be from 1 to 500, got %d", c.Limit)
	}
	if c.Search != "" {
		f.Search = &c.Search
	}
	if c.Before != "" {
		if _, err := db.FindRunByID(ctx, c.Before); err != nil {
			return leadrun.Errorf(leadrun.EINVALID, "--before %s: no such run (use an ID from the list)", c.Before)
		}
		f.BeforeID = &c.Before
	}
	runs, err := db.FindRuns(ctx, f)
	if err != nil {
		return err
	}
	if c.JSON {
		out := make([]report.RunView, len(runs))
		for i, r := range runs {
			out[i] = report.NewRunView(r, db.Now())
		}
		return writeJSON(a.out, out)
	}
	printRunTable(a.out, runs)
	if len(runs) == f.Limit {
		fmt.Fprintf(a.out, "\nOlder runs: leadrun runs list --before %s (with the same filters)\n", runs[len(runs)-1].ID)
	}
	return nil
}

// RunsShowCmd shows one run.
type RunsShowCmd struct {
	RunID string `arg:"" name:"run-id" help:"Run ID, e.g. SR-250923-001-S1."`
	JSON  bool   `name:"json" help:"Print JSON: the run, its client results and its events."`
}

// Run shows the run.
func (c *RunsShowCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		return showRunJSON(ctx, a, c.RunID)
	}
	run, err := db.FindRunByID(ctx, c.RunID)
	if err != nil {
		return err
	}
	if err := printSummary(ctx, a, run); err != nil {
		return err
	}
	if err := a.printAirtableLine(ctx, run.ID); err != nil {
		return err
	}
	events, err := db.FindEvents(ctx, run.ID, 0, 0)
	if err != nil {
		return err
	}
	printEvents(a.out, events)
	return nil
}

func showRunJSON(ctx context.Context, a *app, runID string) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	detail, err := report.LoadRunDetail(ctx, db, runID, db.Now())
	if err != nil {
		return err
	}
	return writeJSON(a.out, detail)
}

// RunsCancelCmd cancels a run.
type RunsCancelCmd struct {
	RunID  string `arg:"" name:"run-id" help:"Run ID to cancel."`
	Reason string `default:"cancelled from the command line" help:"Why, for the record."`
}

// Run cancels the run.
func (c *RunsCancelCmd) Run(ctx context.Context, a *app) error {
	r, err := a.newRunner(ctx, RunnerFlags{})
	if err != nil {
		return err
	}
	run, err := r.Cancel(ctx, c.RunID, c.Reason, cliUser())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Run %s cancelled: %s. Work already committed stays; workers stop within seconds.\n", run.ID, run.StatusReason)
	return nil
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cliUser names who ran a command, for the record: "cli user@host".
func cliUser() string {
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if name == "" {
		name = "unknown"
	}
	return "cli " + name + "@" + host
}
