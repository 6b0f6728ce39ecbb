package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/mirror"
	"github.com/leadrun/leadrun/web"
)

// AirtableFlags configure the Airtable mirror. The personal access token is read only from
// LEADRUN_AIRTABLE_TOKEN or LEADRUN_AIRTABLE_TOKEN_FILE (never a flag); without it the
// mirror is off.
type AirtableFlags struct {
	AirtableBase         string `name:"airtable-base" env:"LEADRUN_AIRTABLE_BASE" help:"Airtable base ID (app…) to mirror runs to; the mirror is on when LEADRUN_AIRTABLE_TOKEN is set."`
	AirtableRunsTable    string `name:"airtable-runs-table" env:"LEADRUN_AIRTABLE_RUNS_TABLE" default:"Job Tracking" help:"Airtable table with one row per run."`
	AirtableClientsTable string `name:"airtable-clients-table" env:"LEADRUN_AIRTABLE_CLIENTS_TABLE" default:"Client Run Results" help:"Airtable table with one row per client result."`
	AirtableAPIURL       string `name:"airtable-api-url" env:"LEADRUN_AIRTABLE_API_URL" default:"https://api.airtable.com" help:"Airtable API URL (tests point it at a fake)."`
}

// airtableMirror builds the mirror, or returns nil when no token is set.
func (a *app) airtableMirror(ctx context.Context) (*mirror.Mirror, error) {
	if a.mirror != nil {
		return a.mirror, nil
	}
	token, err := secretFromEnv("LEADRUN_AIRTABLE_TOKEN")
	if err != nil || token == "" {
		return nil, err
	}
	f := a.AirtableFlags
	if f.AirtableBase == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "LEADRUN_AIRTABLE_TOKEN is set but LEADRUN_AIRTABLE_BASE (--airtable-base) is not: set the base ID (app…)")
	}
	if !strings.HasPrefix(f.AirtableBase, "app") {
		return nil, leadrun.Errorf(leadrun.EINVALID, "LEADRUN_AIRTABLE_BASE is %q: an Airtable base ID starts with \"app\" (it is in the base's URL)", f.AirtableBase)
	}
	db, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	client := airtable.NewClient(f.AirtableAPIURL, token, f.AirtableBase)
	a.mirror, err = mirror.New(ctx, db, client, mirror.Config{Base: f.AirtableBase,
		Tables: airtable.Tables{Runs: f.AirtableRunsTable, Clients: f.AirtableClientsTable}}, a.log)
	return a.mirror, err
}

// mustMirror is airtableMirror for the airtable commands, which need it on.
func (a *app) mustMirror(ctx context.Context) (*mirror.Mirror, error) {
	m, err := a.airtableMirror(ctx)
	if err == nil && m == nil {
		err = leadrun.Errorf(leadrun.EINVALID, "LEADRUN_AIRTABLE_TOKEN (or LEADRUN_AIRTABLE_TOKEN_FILE) is not set: the Airtable mirror is off")
	}
	return m, err
}

// AirtableCmd groups the Airtable mirror's commands.
type AirtableCmd struct {
	Check    AirtableCheckCmd    `cmd:"" help:"Read the base schema and say, per table, which fields are present, missing, of the wrong type or computed."`
	Init     AirtableInitCmd     `cmd:"" help:"Create the missing tables and fields in the base (the token needs schema.bases:write)."`
	Backfill AirtableBackfillCmd `cmd:"" help:"Mirror past runs (idempotent: records are upserted by Run ID)."`
}

// AirtableCheckCmd checks the base.
type AirtableCheckCmd struct{}

// Run prints the check; problems make it exit 1.
func (c *AirtableCheckCmd) Run(ctx context.Context, a *app) error {
	m, err := a.mustMirror(ctx)
	if err != nil {
		return err
	}
	reports, err := m.Check(ctx)
	if err != nil {
		return explainAirtable(err, m)
	}
	ok := true
	for _, r := range reports {
		fmt.Fprintln(a.out, r.String())
		ok = ok && r.OK()
	}
	if line, err := m.StatusLine(ctx); err == nil {
		fmt.Fprintln(a.out, line)
	}
	if !ok {
		return leadrun.Errorf(leadrun.EINVALID, "base %s cannot take the mirror as it is: fix the fields above (or run `leadrun airtable init`)", m.Base())
	}
	return nil
}

// explainAirtable turns a failed schema read into what to fix.
func explainAirtable(err error, m *mirror.Mirror) error {
	return leadrun.Errorf(leadrun.EINVALID, "cannot read base %s: %v", m.Base(), err)
}

// AirtableInitCmd creates what is missing.
type AirtableInitCmd struct{}

// Run creates the missing tables and fields, then prints the check.
func (c *AirtableInitCmd) Run(ctx context.Context, a *app) error {
	m, err := a.mustMirror(ctx)
	if err != nil {
		return err
	}
	created, err := m.Init(ctx)
	for _, line := range created {
		fmt.Fprintln(a.out, "created", line)
	}
	if err != nil {
		return explainAirtable(err, m)
	}
	if len(created) == 0 {
		fmt.Fprintln(a.out, "nothing to create")
	}
	return (&AirtableCheckCmd{}).Run(ctx, a)
}

// AirtableBackfillCmd mirrors past runs.
type AirtableBackfillCmd struct {
	Since string `help:"Only runs created on or after this date (YYYY-MM-DD, UTC); default: all."`
}

// Run queues the runs and delivers them, printing progress.
func (c *AirtableBackfillCmd) Run(ctx context.Context, a *app) error {
	var since time.Time
	if c.Since != "" {
		var err error
		if since, err = time.Parse("2006-01-02", c.Since); err != nil {
			return leadrun.Errorf(leadrun.EINVALID, "--since %q: write a date as YYYY-MM-DD", c.Since)
		}
	}
	m, err := a.mustMirror(ctx)
	if err != nil {
		return err
	}
	n, err := a.db.MarkAirtableDirtySince(ctx, since)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.errOut, "leadrun airtable backfill: %d runs queued for base %s\n", n, m.Base())
	return m.Drain(ctx, func(delivered, pending int) {
		fmt.Fprintf(a.errOut, "  %d records written, %d waiting\n", delivered, pending)
	})
}

// AirtableCommands adds `leadrun airtable …` to the command line.
type AirtableCommands struct {
	Airtable AirtableCmd `cmd:"" help:"Check, set up and backfill the Airtable mirror (Job Tracking, Client Run Results)."`
}

// airtableWeb gives the server the mirror's status line and metrics, when the mirror is on.
func (a *app) airtableWeb(cfg *web.Config) {
	if a.mirror == nil {
		return
	}
	cfg.AirtableStatusFunc = a.mirror.RunStatusLine
	cfg.Collectors = append(cfg.Collectors, a.mirror.Metrics())
}

// printAirtableLine prints where a run stands in Airtable, when the mirror is on.
func (a *app) printAirtableLine(ctx context.Context, runID string) error {
	m, err := a.airtableMirror(ctx)
	if err != nil || m == nil {
		return err
	}
	line, err := m.RunStatusLine(ctx, runID)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out, "\n"+line)
	return nil
}
