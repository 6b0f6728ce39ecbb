package main

import (
	"context"
	"strings"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/migrate"
)

// ImportCmd moves an agency off the original Airtable platform.
type ImportCmd struct {
	Airtable ImportAirtableCmd `cmd:"" help:"Import clients, rubrics and leads (keeping scores, statuses and assessments: 0 tokens) straight from the original's Airtable bases."`
	Original ImportOriginalCmd `cmd:"" help:"Import clients, rubrics and leads (keeping scores, statuses and assessments: 0 tokens) from the original platform's CSV exports."`
}

// ImportOriginalCmd imports a folder of the original's CSV exports, or files named one
// by one. It is safe to run again: unchanged leads are not written twice.
type ImportOriginalCmd struct {
	Dir            string   `arg:"" optional:"" type:"existingdir" help:"Folder with Clients.csv and one sub-folder per Client ID holding Leads.csv, Scoring Attributes.csv, Post Scoring Attributes.csv and the portal's export (see the README)."`
	ClientsFile    string   `name:"clients-file" type:"existingfile" help:"The master base's Clients export (instead of DIR's)."`
	Leads          []string `name:"leads" placeholder:"CLIENT=FILE" help:"A Leads export or the portal's export for a client (repeatable)."`
	Attributes     []string `name:"attributes" placeholder:"CLIENT=FILE" help:"A client's Scoring Attributes export (repeatable)."`
	PostAttributes []string `name:"post-attributes" placeholder:"CLIENT=FILE" help:"A client's Post Scoring Attributes export (repeatable)."`
	Client         []string `name:"client" help:"Import only this client (repeatable)."`
	ChunkSize      int      `default:"500" help:"Leads stored per transaction: a crash loses at most one chunk, and the next import resumes."`
	JSON           bool     `name:"json" help:"Print the report as JSON."`
}

// Run imports and prints the report; progress goes to stderr.
func (c *ImportOriginalCmd) Run(ctx context.Context, a *app) error {
	files, err := c.files()
	if err != nil {
		return err
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	rep, err := migrate.Import(ctx, db, migrate.NewCSVSource(files), migrate.Options{ClientIDs: c.Client,
		Progress: a.errOut, ChunkSize: c.ChunkSize})
	if rep != nil && err == nil {
		if c.JSON {
			return writeJSON(a.out, rep)
		}
		rep.Print(a.out)
	}
	return err
}

// files names the exports from DIR and the per-file flags (which add to DIR's).
func (c *ImportOriginalCmd) files() (*migrate.Files, error) {
	files := &migrate.Files{Clients: c.ClientsFile}
	if c.Dir != "" {
		scanned, err := migrate.ScanDir(c.Dir)
		if err != nil {
			return nil, err
		}
		files = scanned
		if c.ClientsFile != "" {
			files.Clients = c.ClientsFile
		}
	}
	if files.Clients == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "no Clients export: give a folder holding Clients.csv, or --clients-file FILE (with --leads and --attributes CLIENT=FILE)")
	}
	for _, set := range []struct {
		table string
		specs []string
	}{{migrate.TableLeads, c.Leads}, {migrate.TableAttributes, c.Attributes}, {migrate.TablePostAttributes, c.PostAttributes}} {
		for _, spec := range set.specs {
			client, path, ok := strings.Cut(spec, "=")
			if !ok || !leadrun.ValidClientID(client) || path == "" {
				return nil, leadrun.Errorf(leadrun.EINVALID, "%q: write CLIENT=FILE, e.g. Guy-Wilson=leads.csv", spec)
			}
			files.Add(client, set.table, path)
		}
	}
	return files, nil
}
