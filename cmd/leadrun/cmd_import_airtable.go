package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/leadrun/leadrun"

	"github.com/leadrun/leadrun/migrate"
)

// ImportAirtableCmd imports an agency straight from its Airtable bases. It is safe to run
// again: unchanged leads are not written twice, and an interrupted import goes on from the
// last stored chunk.
type ImportAirtableCmd struct {
	MasterBase string   `name:"master-base" required:"" placeholder:"appXXXXXXXXXXXXXX" help:"The master base holding the Clients table (its ID is in the base's URL). Each client's own base is read from its Airtable Base ID."`
	Client     []string `name:"client" help:"Import only this client (repeatable)."`
	APIURL     string   `name:"api-url" placeholder:"URL" help:"Airtable API URL (default: --airtable-api-url, https://api.airtable.com; tests point it at a fake)."`
	Parallel   int      `default:"3" help:"Clients imported at once: each client's base has its own 5 requests/s, so 3 bases read at once go 3 times as fast."`
	ChunkSize  int      `default:"500" help:"Leads stored per transaction: a crash loses at most one chunk, and the next import resumes."`
	JSON       bool     `name:"json" help:"Print the report as JSON."`
}

// Help is shown by `leadrun import airtable --help`.
func (c *ImportAirtableCmd) Help() string {
	return `Reads the master base's Clients table, then each client's base (Leads, Scoring Attributes,
Post Scoring Attributes), at most 5 requests per second per base as Airtable allows, and
stores clients, rubrics and leads with their scores, statuses and assessments: 0 tokens.

The token is read from LEADRUN_AIRTABLE_TOKEN or LEADRUN_AIRTABLE_TOKEN_FILE (never a flag):
a personal access token with the scopes data.records:read and schema.bases:read on the
master base and every client base (airtable.com/create/tokens).

Example:
  export LEADRUN_AIRTABLE_TOKEN_FILE=~/.airtable-token
  leadrun import airtable --master-base appAbCdEfGh123456
  leadrun import airtable --master-base appAbCdEfGh123456 --client Guy-Wilson --json`
}

// Run imports and prints the report; progress goes to stderr.
func (c *ImportAirtableCmd) Run(ctx context.Context, a *app) error {
	token, err := secretFromEnv("LEADRUN_AIRTABLE_TOKEN")
	if err != nil {
		return err
	}
	progress := &lockedWriter{w: a.errOut} // clients read at once share stderr
	src, err := migrate.NewAirtableSource(migrate.AirtableConfig{APIURL: cmp.Or(c.APIURL, a.AirtableAPIURL),
		Token: token, MasterBase: c.MasterBase,
		NoticeFunc: func(msg string) { fmt.Fprintln(progress, "import: "+msg) }})
	if err != nil {
		return err
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if c.Parallel < 1 {
		return leadrun.Errorf(leadrun.EINVALID, "--parallel %d: import at least 1 client at a time", c.Parallel)
	}
	rep, err := migrate.Import(ctx, db, src, migrate.Options{ClientIDs: c.Client, Progress: progress,
		ChunkSize: c.ChunkSize, Parallel: c.Parallel})
	if rep != nil && err == nil {
		if c.JSON {
			return writeJSON(a.out, rep)
		}
		rep.Print(a.out)
	}
	return err
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
