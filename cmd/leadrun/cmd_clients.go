package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// MigrateCmd migrates the database.
type MigrateCmd struct{}

// Run migrates (every command migrates on start; this one only migrates).
func (c *MigrateCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Database %s is up to date.\n", db.URL())
	return nil
}

// ClientsCmd groups the client commands.
type ClientsCmd struct {
	Add       ClientsAddCmd       `cmd:"" help:"Add a client."`
	List      ClientsListCmd      `cmd:"" help:"List clients."`
	Show      ClientsShowCmd      `cmd:"" help:"Show a client, its lead counts and its rubric summary."`
	Set       ClientsSetCmd       `cmd:"" help:"Change a client: --stream, --threshold, budgets, limits, service level, --pause/--resume (recorded with who did it)."`
	Token     ClientsTokenCmd     `cmd:"" help:"Make (or rotate) a client's ingest token for the Linked Helper webhook, or revoke it."`
	SetSender ClientsSetSenderCmd `cmd:"" name:"set-sender" help:"Set (or --clear) the Linked Helper account email (my_email) expected to send a client's leads: the sender guard."`
	SetIngest ClientsSetIngestCmd `cmd:"" name:"set-ingest" help:"Let Linked Helper campaigns of the original platform post without the ingest token until a date (--legacy-until), or end that (--token-only)."`
}

// ClientsSetSenderCmd sets or clears a client's expected Linked Helper sender.
type ClientsSetSenderCmd struct {
	ID    string `arg:"" name:"client-id"`
	Email string `arg:"" optional:"" help:"The Linked Helper account's email, as Linked Helper sends it in my_email (case does not matter)."`
	Clear bool   `help:"Remove the expected sender: the client's items are no longer checked."`
}

// Run sets or clears the sender.
func (c *ClientsSetSenderCmd) Run(ctx context.Context, a *app) error {
	email := strings.TrimSpace(c.Email)
	if (email == "" && !c.Clear) || (email != "" && c.Clear) {
		return leadrun.Errorf(leadrun.EINVALID, "give an EMAIL or --clear (not both)")
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	cl, err := db.UpdateClient(ctx, c.ID, leadrun.ClientUpdate{LHSenderEmail: &email})
	if err != nil {
		return err
	}
	if cl.LHSenderEmail == "" {
		fmt.Fprintf(a.out, "%s: no expected Linked Helper sender; its webhook items are not checked.\n", cl.ID)
		return nil
	}
	fmt.Fprintf(a.out, "%s: Linked Helper items must come from %s (LEADRUN_LH_SENDER_GUARD of serve: warn, block or off).\n",
		cl.ID, cl.LHSenderEmail)
	return nil
}

// ClientsTokenCmd rotates or revokes an ingest token.
type ClientsTokenCmd struct {
	ID     string `arg:"" name:"client-id"`
	Revoke bool   `help:"Revoke the token instead: the webhook then refuses the client's leads."`
}

// Run rotates (printing the new token once) or revokes the token.
func (c *ClientsTokenCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if c.Revoke {
		if err := db.RevokeIngestToken(ctx, c.ID); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "Ingest token of %s revoked.\n", c.ID)
		return nil
	}
	token, err := db.RotateIngestToken(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "New ingest token for %s (shown once; any previous token stops working):\n%s\n\n"+
		"Linked Helper webhook URL: https://HOST/lh-webhook/upsertLeadOnly?client=%s&token=%s\n", c.ID, token, c.ID, token)
	return nil
}

// ClientsAddCmd adds a client.
type ClientsAddCmd struct {
	ID           string  `arg:"" name:"client-id" help:"Client ID: letters, digits, '-' or '_' (e.g. Guy-Wilson)."`
	Name         string  `help:"Display name (default: the ID)."`
	Stream       int     `default:"1" help:"Processing stream."`
	ServiceLevel int     `default:"1" help:"1 = lead scoring, 2 = lead + post scoring."`
	Threshold    float64 `default:"50" help:"Top-lead score threshold (0-100)."`
	LeadLimit    int     `help:"Leads examined per run (0 = no limit)."`
	PostLimit    int     `help:"Posts examined per run (0 = no limit)."`
	Timezone     string  `default:"UTC" help:"IANA timezone for display, e.g. Australia/Brisbane."`
	DailyBudget  int64   `name:"daily-token-budget" help:"AI tokens per UTC day (0 = unlimited)."`
	MonthBudget  int64   `name:"monthly-token-budget" help:"AI tokens per UTC month (0 = unlimited)."`
	Status       string  `default:"active" enum:"active,paused,inactive" help:"active, paused or inactive."`
	LHSender     string  `name:"lh-sender" placeholder:"EMAIL" help:"Linked Helper account email (my_email) expected to send this client's leads (sender guard; default: none)."`
}

// Run adds the client.
func (c *ClientsAddCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	cl := &leadrun.Client{ID: c.ID, Name: c.Name, Stream: c.Stream, ServiceLevel: c.ServiceLevel, ScoreThreshold: c.Threshold,
		LeadScoringLimit: c.LeadLimit, PostScoringLimit: c.PostLimit, Timezone: c.Timezone, Status: leadrun.ClientStatus(c.Status),
		DailyTokenBudget: c.DailyBudget, MonthlyTokenBudget: c.MonthBudget, LHSenderEmail: strings.TrimSpace(c.LHSender)}
	if err := db.CreateClient(ctx, cl); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Client %s added on stream %d. Next: `leadrun rubric import %s FILE` and `leadrun leads import %s FILE`.\n",
		cl.ID, cl.Stream, cl.ID, cl.ID)
	return nil
}

// ClientsListCmd lists clients.
type ClientsListCmd struct {
	Stream *int   `help:"Only this stream."`
	Search string `help:"Only clients whose ID or name contains this (any case)."`
	After  string `help:"Only clients after this client ID: the next page after a list that ended with it."`
	Limit  int    `default:"100" help:"How many clients (1-1000)."`
	JSON   bool   `name:"json" help:"Print JSON."`
}

// Run lists the clients.
func (c *ClientsListCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if c.Limit < 1 || c.Limit > 1000 {
		return leadrun.Errorf(leadrun.EINVALID, "--limit must be from 1 to 1000, got %d", c.Limit)
	}
	f := leadrun.ClientFilter{Stream: c.Stream, Limit: c.Limit}
	if c.Search != "" {
		f.Search = &c.Search
	}
	if c.After != "" {
		f.AfterID = &c.After
	}
	clients, err := db.FindClients(ctx, f)
	if err != nil {
		return err
	}
	if c.JSON {
		if clients == nil {
			clients = []*leadrun.Client{}
		}
		return writeJSON(a.out, clients)
	}
	if len(clients) == 0 && (c.Search != "" || c.After != "") {
		fmt.Fprintln(a.out, "No clients match.")
		return nil
	}
	if len(clients) == 0 {
		fmt.Fprintln(a.out, "No clients yet. Add one with `leadrun clients add ID --name NAME`, or load samples with `leadrun demo`.")
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tSTATUS\tSTREAM\tLEVEL\tTHRESHOLD")
	for _, cl := range clients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%g\n", cl.ID, cl.Name, cl.Status, cl.Stream, cl.ServiceLevel, cl.ScoreThreshold)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(clients) == c.Limit {
		fmt.Fprintf(a.out, "\nMore clients: leadrun clients list --after %s (with the same filters)\n", clients[len(clients)-1].ID)
	}
	return nil
}

// ClientsShowCmd shows a client.
type ClientsShowCmd struct {
	ID   string `arg:"" name:"client-id" help:"Client ID."`
	JSON bool   `name:"json" help:"Print JSON."`
}

// Run shows the client.
func (c *ClientsShowCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	cl, err := db.FindClientByID(ctx, c.ID)
	if err != nil {
		return err
	}
	counts, err := db.CountLeadsByStatus(ctx, c.ID)
	if err != nil {
		return err
	}
	rubric, err := db.FindRubric(ctx, c.ID)
	if err != nil && leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		return err
	}
	mismatches, err := db.FindSenderMismatches(ctx, c.ID)
	if err != nil {
		return err
	}
	if c.JSON {
		if mismatches == nil {
			mismatches = []leadrun.SenderMismatch{}
		}
		history, err := db.FindActions(ctx, cl.ID, 0, 20)
		if err != nil {
			return err
		}
		if history == nil {
			history = []*leadrun.Action{}
		}
		return writeJSON(a.out, map[string]any{"client": cl, "leads_by_status": counts, "rubric": rubric,
			"sender_mismatches": mismatches, "history": history})
	}
	fmt.Fprintf(a.out, "%s (%s): %s, stream %d, service level %d, threshold %g, timezone %s\n",
		cl.ID, cl.Name, cl.Status, cl.Stream, cl.ServiceLevel, cl.ScoreThreshold, cl.Timezone)
	printSender(a.out, cl, mismatches)
	if err := printLegacyIngest(ctx, a, cl.ID); err != nil {
		return err
	}
	if err := printHistory(ctx, a, cl.ID); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Leads: %d to be scored, %d scored, %d skipped (missing data), %d failed, %d excluded\n",
		counts[leadrun.StatusToBeScored], counts[leadrun.StatusScored], counts[leadrun.StatusSkippedMissingData],
		counts[leadrun.StatusFailed], counts[leadrun.StatusExcluded])
	if rubric == nil {
		fmt.Fprintf(a.out, "Rubric: none — import one with `leadrun rubric import %s FILE`.\n", cl.ID)
		return nil
	}
	fmt.Fprintf(a.out, "Rubric: %d attributes (%d active)", len(rubric.Attributes), len(rubric.ActiveAttributes()))
	if rubric.Post != nil {
		fmt.Fprintf(a.out, ", post rubric with %d criteria", len(rubric.Post.Criteria))
	}
	fmt.Fprintln(a.out)
	return nil
}

// printSender prints the client's expected Linked Helper sender and the items received
// from other senders.
func printSender(w io.Writer, cl *leadrun.Client, mismatches []leadrun.SenderMismatch) {
	sender := "none (items are not checked)"
	if cl.LHSenderEmail != "" {
		sender = cl.LHSenderEmail
	}
	fmt.Fprintf(w, "Linked Helper sender: %s\n", sender)
	for _, m := range mismatches {
		fmt.Fprintf(w, "  from %s: %d items (%d blocked), first %s, last %s\n", m.Sender, m.Items, m.Blocked,
			m.FirstSeenAt.Format(time.RFC3339), m.LastSeenAt.Format(time.RFC3339))
	}
}

// RubricCmd groups the rubric commands.
type RubricCmd struct {
	Import RubricImportCmd `cmd:"" help:"Validate a rubric file and make it the client's rubric."`
	Export RubricExportCmd `cmd:"" help:"Write the client's rubric to a file (or - for standard output)."`
}

// RubricImportCmd imports a rubric.
type RubricImportCmd struct {
	ClientID string `arg:"" name:"client-id"`
	File     string `arg:"" help:"A .yaml, .yml or .json file."`
}

// Run imports the rubric.
func (c *RubricImportCmd) Run(ctx context.Context, a *app) error {
	f, format, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	rubric, err := ingest.DecodeRubric(f, format)
	if err != nil {
		return err
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if err := db.SetRubric(ctx, c.ClientID, rubric); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Rubric of %s replaced: %d attributes.\n", c.ClientID, len(rubric.Attributes))
	return nil
}

// RubricExportCmd exports a rubric.
type RubricExportCmd struct {
	ClientID string `arg:"" name:"client-id"`
	File     string `arg:"" help:"Output file (.yaml, .yml or .json), or - for standard output."`
	Format   string `enum:"yaml,json" default:"yaml" help:"Format when writing to standard output."`
}

// Run exports the rubric.
func (c *RubricExportCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	rubric, err := db.FindRubric(ctx, c.ClientID)
	if err != nil {
		return err
	}
	if c.File == "-" {
		return ingest.EncodeRubric(a.out, rubric, c.Format)
	}
	format, err := ingest.FormatFromPath(c.File)
	if err != nil {
		return err
	}
	return writeFile(c.File, func(w io.Writer) error { return ingest.EncodeRubric(w, rubric, format) })
}

// openInput opens a file whose format its extension names.
func openInput(path string) (*os.File, string, error) {
	format, err := ingest.FormatFromPath(path)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(path)
	return f, format, err
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LeadsCmd groups the lead commands.
type LeadsCmd struct {
	Import  LeadsImportCmd  `cmd:"" help:"Import leads from CSV or JSON (our fields or Linked Helper's)."`
	Requeue LeadsRequeueCmd `cmd:"" help:"Retry failed leads: reset their attempts so the next run scores them (--reason R or --all-failed)."`
	Exclude LeadsExcludeCmd `cmd:"" help:"Take a lead out of scoring (recorded with who did it)."`
	Include LeadsIncludeCmd `cmd:"" help:"Put an excluded lead back in scoring: the next run scores it."`
}

// LeadsImportCmd imports leads.
type LeadsImportCmd struct {
	ClientID string `arg:"" name:"client-id"`
	File     string `arg:"" help:"A .csv or .json file."`
}

// Run imports the leads as it reads the file, in bounded memory: bad items are reported,
// good ones stored in one transaction (none if the file turns out broken). On a terminal,
// stderr shows the progress.
func (c *LeadsImportCmd) Run(ctx context.Context, a *app) error {
	f, format, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	prog := newImportProgress(a.errOut, size)
	var batch *ingest.LeadBatch
	res, err := db.UpsertLeadStream(ctx, c.ClientID, func(put func([]*leadrun.Lead) error) error {
		var err error
		batch, err = ingest.StreamLeads(prog.reader(f), format, c.ClientID, ingest.StreamOptions{
			Flush: func(leads []*leadrun.Lead) error {
				prog.added(len(leads))
				return put(leads)
			}})
		return err
	})
	prog.show(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s: %d items read, %d leads created, %d updated, %d duplicates merged, %d rejected, %d repaired.\n",
		c.ClientID, batch.Items, res.Created, res.Updated, batch.Merged, len(batch.Errors), len(batch.Repaired))
	for _, e := range batch.Errors {
		fmt.Fprintf(a.out, "  item %d: %s\n", e.Index, e.Reason)
	}
	for _, n := range batch.Repaired {
		fmt.Fprintf(a.out, "  item %d repaired: %s\n", n.Index, n.Note)
	}
	return nil
}
