package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Options tune an import.
type Options struct {
	// ClientIDs limits the import to these clients (all clients when empty).
	ClientIDs []string
	// Progress receives progress lines with totals and ETA (nil: none).
	Progress io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ChunkSize is how many changed leads one transaction stores (default 500): a crash
	// loses at most the chunk in flight, and the next import skips what was stored.
	ChunkSize int
	// Parallel is how many clients are imported at once (default 1). Reading a client's
	// Airtable base is bound by that base's 5 requests per second, not by this machine:
	// several clients' bases read at once go that many times faster.
	Parallel int
}

// Import reads the source's clients, rubrics and leads and stores them in db. It is
// idempotent (a second import of the same data writes nothing) and resumable (chunks
// commit as they go, and stored leads are recognised by their fingerprint). It never
// calls a scorer: scores, statuses and assessments are kept, so it costs 0 tokens.
func Import(ctx context.Context, db *sqldb.DB, src Source, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 500
	}
	records, err := src.Clients(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", TableClients, err)
	}
	rep := &Report{Started: opts.Now()}
	var clients []*MappedClient
	for i, rec := range records {
		mc, err := MapClient(rec)
		if err != nil {
			id := newFields(rec).text("Client ID")
			if len(opts.ClientIDs) > 0 && !slices.Contains(opts.ClientIDs, id) {
				continue
			}
			rep.Clients = append(rep.Clients, &ClientReport{ClientID: cmpOr(id, fmt.Sprintf("row %d", i+1)),
				Client: "rejected", Notes: []string{leadrun.ErrorMessage(err)}})
			continue
		}
		if len(opts.ClientIDs) == 0 || slices.Contains(opts.ClientIDs, mc.Client.ID) {
			clients = append(clients, mc)
		}
	}
	if err := checkRequested(opts.ClientIDs, clients); err != nil {
		return nil, err
	}
	prog := newProgress(opts.Progress, opts.Now)
	for _, mc := range clients {
		prog.total += src.Size(mc.Client.ID, TableLeads)
	}
	reports, err := importClients(ctx, db, src, clients, opts, prog)
	rep.Clients = append(rep.Clients, reports...)
	if err != nil {
		return rep, err
	}
	prog.done()
	rep.Finished = opts.Now()
	return rep, nil
}

// importClients imports opts.Parallel clients at a time. The first failure stops the
// others (what they stored stays: each chunk is a transaction) and is the error returned;
// the reports come in the clients' order.
func importClients(ctx context.Context, db *sqldb.DB, src Source, clients []*MappedClient, opts Options, prog *progress) ([]*ClientReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reports := make([]*ClientReport, len(clients))
	slots := make(chan struct{}, max(opts.Parallel, 1))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i, mc := range clients {
		slots <- struct{}{}
		if ctx.Err() != nil { // a client failed (or the caller cancelled): start no more
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			cr, err := importClient(ctx, db, src, mc, opts, prog)
			reports[i] = cr
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("client %s: %w", mc.Client.ID, err)
				}
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	out := make([]*ClientReport, 0, len(reports))
	for _, cr := range reports {
		if cr != nil {
			out = append(out, cr)
		}
	}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

func checkRequested(ids []string, found []*MappedClient) error {
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(m *MappedClient) bool { return m.Client.ID == id }) {
			return leadrun.Errorf(leadrun.ENOTFOUND, "client %s is not a valid row of the %s table", id, TableClients)
		}
	}
	return nil
}

func importClient(ctx context.Context, db *sqldb.DB, src Source, mc *MappedClient, opts Options, prog *progress) (*ClientReport, error) {
	cr := &ClientReport{ClientID: mc.Client.ID, Notes: slices.Clone(mc.Notes), Statuses: map[string]int{}}
	var err error
	if cr.Client, err = storeClient(ctx, db, mc.Client); err != nil {
		return cr, err
	}
	rubric, err := importRubric(ctx, db, src, mc.Client.ID, cr)
	if err != nil {
		return cr, err
	}
	li := &leadImport{client: mc.Client, rubric: rubric, cr: cr, prog: prog, chunk: opts.ChunkSize, seen: map[string]bool{}}
	if li.fps, err = db.ImportFingerprints(ctx, mc.Client.ID); err != nil {
		return cr, err
	}
	prog.start(mc.Client.ID)
	defer prog.finish(mc.Client.ID)
	err = li.run(ctx, db, func(ctx context.Context) error {
		err := src.Table(ctx, mc.Client.ID, TableLeads, func(r Record) error { return li.add(ctx, r) })
		if errors.Is(err, ErrNoTable) {
			if why := err.Error(); !slices.ContainsFunc(cr.Notes, func(n string) bool { return strings.HasSuffix(n, why) }) {
				cr.Notes = append(cr.Notes, "no leads imported: "+why)
			}
		} else if err != nil {
			return fmt.Errorf("read %s: %w", TableLeads, err)
		}
		return li.flush(ctx)
	})
	cr.finishNotes()
	return cr, err
}

// run reads and maps leads (read) while a second goroutine stores the chunks it makes, in
// order: mapping and the database work in parallel. Chunks made before an error are
// still stored (each is a transaction), so the next import resumes after them.
func (li *leadImport) run(ctx context.Context, db *sqldb.DB, read func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	li.out = make(chan []leadrun.ImportItem, 2)
	var werr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for batch := range li.out {
			if werr != nil {
				continue // drain
			}
			n, err := db.ImportLeads(ctx, li.client.ID, batch)
			if err != nil {
				werr = err
				cancel() // stop reading
				continue
			}
			li.cr.Created += n.Created
			li.cr.Updated += n.Updated
			li.cr.ScoresKept += n.ScoresKept
			li.cr.ScoredHere += n.ScoredHere
		}
	}()
	rerr := read(ctx)
	close(li.out)
	<-done
	if werr != nil {
		return werr
	}
	return rerr
}

// storeClient creates the client, or updates the fields the original sets when they differ.
func storeClient(ctx context.Context, db *sqldb.DB, c *leadrun.Client) (string, error) {
	have, err := db.FindClientByID(ctx, c.ID)
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		return "created", db.CreateClient(ctx, c)
	}
	if err != nil {
		return "", err
	}
	var u leadrun.ClientUpdate
	changed := false
	diff := func(set func(), same bool) {
		if !same {
			set()
			changed = true
		}
	}
	diff(func() { u.Name = &c.Name }, have.Name == c.Name)
	diff(func() { u.Status = &c.Status }, have.Status == c.Status)
	diff(func() { u.ServiceLevel = &c.ServiceLevel }, have.ServiceLevel == c.ServiceLevel)
	diff(func() { u.Stream = &c.Stream }, have.Stream == c.Stream)
	diff(func() { u.ScoreThreshold = &c.ScoreThreshold }, have.ScoreThreshold == c.ScoreThreshold)
	diff(func() { u.Timezone = &c.Timezone }, have.Timezone == c.Timezone)
	diff(func() { u.LHSenderEmail = &c.LHSenderEmail }, have.LHSenderEmail == c.LHSenderEmail)
	if !changed {
		return "unchanged", nil
	}
	_, err = db.UpdateClient(ctx, c.ID, u)
	return "updated", err
}

// importRubric reads the client's rubric tables and stores the rubric when it differs.
func importRubric(ctx context.Context, db *sqldb.DB, src Source, clientID string, cr *ClientReport) (*leadrun.Rubric, error) {
	var b RubricBuilder
	err := src.Table(ctx, clientID, TableAttributes, func(r Record) error { b.AddAttribute(r); return nil })
	if errors.Is(err, ErrNoTable) {
		cr.Rubric = "none"
		cr.Notes = append(cr.Notes, "no rubric imported: "+err.Error())
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", TableAttributes, err)
	}
	err = src.Table(ctx, clientID, TablePostAttributes, func(r Record) error { b.AddPostCriterion(r); return nil })
	if err != nil && !errors.Is(err, ErrNoTable) {
		return nil, fmt.Errorf("read %s: %w", TablePostAttributes, err)
	}
	m, err := b.Build()
	cr.Notes = append(cr.Notes, m.Notes...)
	for _, rj := range m.Rejected {
		cr.reject(rj)
	}
	if err != nil {
		cr.Rubric = "rejected"
		cr.Notes = append(cr.Notes, "rubric not imported: "+leadrun.ErrorMessage(err))
		return nil, nil
	}
	have, err := db.FindRubric(ctx, clientID)
	switch {
	case leadrun.ErrorCode(err) == leadrun.ENOTFOUND:
		cr.Rubric = "created"
	case err != nil:
		return nil, err
	case reflect.DeepEqual(have, m.Rubric):
		cr.Rubric = "unchanged"
		return m.Rubric, nil
	default:
		cr.Rubric = "updated"
	}
	return m.Rubric, db.SetRubric(ctx, clientID, m.Rubric)
}

// leadImport streams one client's leads into chunks of changed leads.
type leadImport struct {
	out    chan []leadrun.ImportItem // chunks to store, in order
	client *leadrun.Client
	rubric *leadrun.Rubric
	cr     *ClientReport
	prog   *progress
	chunk  int
	fps    map[string]string // stored fingerprints by profile key
	seen   map[string]bool   // profile keys read in this import
	batch  []leadrun.ImportItem
	row    int
}

func (li *leadImport) add(ctx context.Context, r Record) error {
	li.row++
	li.cr.LeadsRead++
	li.prog.add(1)
	m, err := MapLead(r, li.client.ID)
	if err != nil {
		li.cr.reject(Rejection{Table: TableLeads, Row: li.row, Reason: leadrun.ErrorMessage(err)})
		return nil
	}
	l := m.Lead
	if li.seen[l.ProfileKey] {
		li.cr.note("rows repeat a profile already read (the first one was imported)")
		return nil
	}
	li.seen[l.ProfileKey] = true
	for _, n := range m.Notes {
		li.cr.note(n)
	}
	li.cr.Statuses[string(l.ScoringStatus)]++
	li.compare(m)
	fp := fingerprint(li.client.ID, l.Raw)
	if li.fps[l.ProfileKey] == fp {
		li.cr.Unchanged++
		return nil
	}
	li.batch = append(li.batch, leadrun.ImportItem{Lead: l, Fingerprint: fp})
	if len(li.batch) >= li.chunk {
		return li.flush(ctx)
	}
	return nil
}

// compare counts how the lead's original score would move under leadrun's formula.
func (li *leadImport) compare(m *MappedLead) {
	if m.Original == nil {
		return
	}
	if *m.Original < 0 || *m.Original > 100 {
		li.cr.Formula.Clamped++
	}
	if li.rubric != nil && m.Lead.Breakdown != nil {
		li.cr.Formula.Add(*m.Original, LeadrunScore(li.rubric, m.Lead.Breakdown), li.client.ScoreThreshold)
	}
}

// flush hands the current chunk to the writer.
func (li *leadImport) flush(ctx context.Context) error {
	if len(li.batch) == 0 {
		return nil
	}
	select {
	case li.out <- li.batch:
		li.batch = make([]leadrun.ImportItem, 0, li.chunk)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
