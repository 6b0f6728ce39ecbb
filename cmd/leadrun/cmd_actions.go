package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/leadrun/leadrun"
)

// LeadsExcludeCmd takes a lead out of scoring.
type LeadsExcludeCmd struct {
	ClientID string `arg:"" name:"client-id"`
	LeadID   string `arg:"" name:"lead-id" help:"The lead's ID (as the client page and the API show it)."`
}

// Run excludes the lead and records who did it.
func (c *LeadsExcludeCmd) Run(ctx context.Context, a *app) error {
	return setLeadExcluded(ctx, a, c.ClientID, c.LeadID, true)
}

// LeadsIncludeCmd puts an excluded lead back in scoring.
type LeadsIncludeCmd struct {
	ClientID string `arg:"" name:"client-id"`
	LeadID   string `arg:"" name:"lead-id"`
}

// Run includes the lead again (to_be_scored, attempts reset) and records who did it.
func (c *LeadsIncludeCmd) Run(ctx context.Context, a *app) error {
	return setLeadExcluded(ctx, a, c.ClientID, c.LeadID, false)
}

func setLeadExcluded(ctx context.Context, a *app, clientID, leadArg string, exclude bool) error {
	id, err := strconv.ParseInt(leadArg, 10, 64)
	if err != nil || id <= 0 {
		return leadrun.Errorf(leadrun.EINVALID, "lead ID %q is not a positive number", leadArg)
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	l, err := db.SetLeadExcluded(ctx, clientID, id, exclude, cliUser())
	if err != nil {
		return err
	}
	if exclude {
		fmt.Fprintf(a.out, "Lead %d of %s (%s) is excluded: runs no longer score it. Undo with `leadrun leads include %s %d`.\n",
			id, clientID, l.ProfileURL, clientID, id)
		return nil
	}
	fmt.Fprintf(a.out, "Lead %d of %s (%s) is included again: the next run scores it.\n", id, clientID, l.ProfileURL)
	return nil
}

// ClientsSetCmd changes a client's settings; only the flags given change.
type ClientsSetCmd struct {
	ID                 string   `arg:"" name:"client-id"`
	Name               *string  `help:"Display name."`
	Stream             *int     `help:"Stream (1 or more): which scheduled runs include the client."`
	Threshold          *float64 `help:"Score threshold (0–100) for top leads."`
	ServiceLevel       *int     `name:"service-level" help:"1 = lead scoring, 2 = lead and post scoring."`
	LeadLimit          *int     `name:"lead-limit" help:"Leads examined per run (0 = no limit)."`
	PostLimit          *int     `name:"post-limit" help:"Posts scored per run (0 = no limit)."`
	DailyTokenBudget   *int64   `name:"daily-token-budget" help:"AI tokens per UTC day (0 = no budget)."`
	MonthlyTokenBudget *int64   `name:"monthly-token-budget" help:"AI tokens per UTC month (0 = no budget)."`
	Timezone           *string  `help:"IANA timezone, e.g. Europe/London."`
	Pause              bool     `help:"Pause the client: runs skip it until --resume." xor:"state"`
	Resume             bool     `help:"Resume a paused (or inactive) client." xor:"state"`
	JSON               bool     `name:"json" help:"Print the client as JSON."`
}

// Run applies the change with the API's validation and records it in the client's history.
func (c *ClientsSetCmd) Run(ctx context.Context, a *app) error {
	u := leadrun.ClientUpdate{Name: c.Name, Stream: c.Stream, ScoreThreshold: c.Threshold, ServiceLevel: c.ServiceLevel,
		LeadScoringLimit: c.LeadLimit, PostScoringLimit: c.PostLimit, DailyTokenBudget: c.DailyTokenBudget,
		MonthlyTokenBudget: c.MonthlyTokenBudget, Timezone: c.Timezone}
	if c.Pause {
		st := leadrun.ClientPaused
		u.Status = &st
	}
	if c.Resume {
		st := leadrun.ClientActive
		u.Status = &st
	}
	if u == (leadrun.ClientUpdate{}) {
		return leadrun.Errorf(leadrun.EINVALID, "nothing to change: give at least one flag (see `leadrun clients set --help`)")
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	before, err := db.FindClientByID(ctx, c.ID)
	if err != nil {
		return err
	}
	after, err := db.ChangeClient(ctx, c.ID, u, cliUser())
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(a.out, after)
	}
	_, changes := leadrun.ClientChanges(before, after)
	if len(changes) == 0 {
		fmt.Fprintf(a.out, "Client %s unchanged: it already had these settings.\n", c.ID)
		return nil
	}
	fmt.Fprintf(a.out, "Client %s changed:\n", c.ID)
	for _, ch := range changes {
		fmt.Fprintf(a.out, "  %s\n", ch)
	}
	return nil
}

// printHistory prints the client's last changes by people, newest first.
func printHistory(ctx context.Context, a *app, clientID string) error {
	history, err := a.db.FindActions(ctx, clientID, 0, 5)
	if err != nil || len(history) == 0 {
		return err
	}
	fmt.Fprintln(a.out, "Recent changes:")
	for _, h := range history {
		what := string(h.Kind)
		if h.LeadID != 0 {
			what += fmt.Sprintf(" lead %d", h.LeadID)
		}
		if h.Detail != "" {
			what += ": " + h.Detail
		}
		fmt.Fprintf(a.out, "  %s %s (by %s)\n", h.At.Format("2006-01-02 15:04"), what, h.By)
	}
	return nil
}
