package ingest

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/leadrun/leadrun"
)

// StreamOptions tune StreamLeads.
type StreamOptions struct {
	// Check, when not nil, sees every JSON object's sender first (see ReadLinkedHelper).
	Check SenderCheck
	// Flush, when not nil, receives the valid leads in groups of GroupSize as the input is
	// read, so that a large file is never held whole; the batch then holds no Leads. A
	// group never holds a profile key twice; a key that was in an earlier group comes again
	// (last one wins in the store) and counts as merged. An error stops the reading and is
	// returned.
	Flush     func(leads []*leadrun.Lead) error
	GroupSize int // default 500
}

// StreamLeads reads the leads of one client like ReadLeads, in bounded memory when
// opts.Flush is set: only the current group of leads, the profile keys seen and the item
// errors are kept.
func StreamLeads(r io.Reader, format, clientID string, opts StreamOptions) (*LeadBatch, error) {
	if !leadrun.ValidClientID(clientID) {
		return nil, invalidf("invalid client_id %q", clientID)
	}
	if opts.GroupSize <= 0 {
		opts.GroupSize = 500
	}
	c := &collector{b: &LeadBatch{}, opts: opts, group: map[string]int{}, flushed: map[string]struct{}{}}
	r = stopReader{r, &c.err}
	var err error
	switch format {
	case FormatJSON:
		err = readJSONItems(r, "leads", func(i int, raw json.RawMessage) {
			l, err := leadFromJSON(raw, clientID, opts.Check)
			c.add(i, l, err)
		})
	case FormatCSV:
		err = readCSVLeads(r, clientID, c.add, c.repaired)
	default:
		err = invalidf("lead format %q is not supported: use csv or json", format)
	}
	if c.err != nil {
		return nil, c.err
	}
	if err != nil {
		return nil, err
	}
	if err := c.flush(); err != nil {
		return nil, err
	}
	return c.b, nil
}

// collector gathers a stream's items into a batch, flushing groups of leads.
type collector struct {
	b       *LeadBatch
	opts    StreamOptions
	start   int                 // index in b.Leads where the current group starts
	group   map[string]int      // profile key → index in b.Leads, for the current group
	flushed map[string]struct{} // profile keys of earlier groups
	err     error               // the first flush error: reading stops
}

func (c *collector) add(index int, l *leadrun.Lead, err error) {
	if c.err != nil {
		return
	}
	c.b.Items++
	if err != nil {
		c.b.Errors = append(c.b.Errors, leadrun.ItemError{Index: index, Reason: errorMessage(err)})
		return
	}
	c.b.note(index, l)
	if i, ok := c.group[l.ProfileKey]; ok {
		c.b.Leads[i] = l
		c.b.Merged++
		return
	}
	if _, ok := c.flushed[l.ProfileKey]; ok {
		c.b.Merged++
	}
	c.group[l.ProfileKey] = len(c.b.Leads)
	c.b.Leads = append(c.b.Leads, l)
	if c.opts.Flush != nil && len(c.b.Leads)-c.start >= c.opts.GroupSize {
		c.err = c.flush()
	}
}

func (c *collector) repaired(index int, note string) {
	c.b.Repaired = append(c.b.Repaired, ItemNote{Index: index, Note: note})
}

// flush hands the current group over; without Flush, the leads stay in the batch.
func (c *collector) flush() error {
	if c.opts.Flush == nil {
		return nil
	}
	group := c.b.Leads[c.start:]
	c.b.Leads = nil
	c.start = 0
	for k := range c.group {
		c.flushed[k] = struct{}{}
	}
	clear(c.group)
	if len(group) == 0 {
		return nil
	}
	return c.opts.Flush(group)
}

// stopReader ends the input once a flush failed, so the reading stops at once.
type stopReader struct {
	r   io.Reader
	err *error
}

func (s stopReader) Read(p []byte) (int, error) {
	if *s.err != nil {
		return 0, errors.Join(errStopped, *s.err)
	}
	return s.r.Read(p)
}

var errStopped = errors.New("import stopped")
