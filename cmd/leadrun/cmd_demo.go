package main

import (
	"context"
	"fmt"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
)

// DemoCmd loads sample data and runs one stream end to end.
type DemoCmd struct {
	RunnerFlags
	Stream int `default:"1" help:"Stream to run (the sample has streams 1 and 2)."`
}

// Run loads the sample (idempotently: nothing is reset or duplicated), runs the stream in
// this process with progress, and prints the summary.
func (c *DemoCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "leadrun demo on %s\n", db.URL())
	if err := loadDataset(ctx, a, db, sample.Demo()); err != nil {
		return err
	}
	r, err := a.newRunner(ctx, c.RunnerFlags)
	if err != nil {
		return err
	}
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: c.Stream, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun demo"})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Started run %s on stream %d with the %s scorer%s.\n", run.ID, c.Stream, run.Scorer, scorerHost(run.Scorer))
	final, err := workUntilDone(ctx, a, r, run)
	if err != nil {
		return err
	}
	if err := printSummary(ctx, a, final); err != nil {
		return err
	}
	if final.Totals.LeadsExamined == 0 {
		fmt.Fprintln(a.out, "\nEvery sample lead of this stream was already scored by an earlier demo run: nothing was due.")
	}
	fmt.Fprintf(a.out, "\nNext: `leadrun runs show %s` for the progress log, `leadrun runs list`, or `leadrun demo --stream 2`.\n", final.ID)
	return endedBadly(final)
}

// loadDataset creates missing clients and rubrics and upserts leads and posts. Existing
// clients and rubrics are kept, and re-upserting never resets a lead's scoring status.
func loadDataset(ctx context.Context, a *app, db *sqldb.DB, ds sample.Dataset) error {
	var created, updated int
	for _, c := range ds.Clients {
		if _, err := db.FindClientByID(ctx, c.ID); leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			if err := db.CreateClient(ctx, c); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if _, err := db.FindRubric(ctx, c.ID); leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			if err := db.SetRubric(ctx, c.ID, ds.Rubrics[c.ID]); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		res, err := db.UpsertLeads(ctx, c.ID, ds.Leads[c.ID])
		if err != nil {
			return err
		}
		created, updated = created+res.Created, updated+res.Updated
		posts := make([]leadrun.PostInput, len(ds.Posts[c.ID]))
		for i, p := range ds.Posts[c.ID] {
			posts[i] = leadrun.PostInput{ProfileKey: p.ProfileKey, Post: p.Post}
		}
		if _, failed, err := db.UpsertPosts(ctx, c.ID, posts); err != nil {
			return err
		} else if len(failed) > 0 {
			return fmt.Errorf("sample posts of %s: %d rejected, first: %s", c.ID, len(failed), failed[0].Reason)
		}
	}
	fmt.Fprintf(a.out, "Sample data: %d clients, %d new leads, %d already present.\n", len(ds.Clients), created, updated)
	return nil
}
