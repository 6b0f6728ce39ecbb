package migrate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
)

// AirtableConfig says where the original's bases are and how to read them. Zero values
// take Airtable's documented limits.
type AirtableConfig struct {
	APIURL     string // "" = airtable.DefaultAPIURL
	Token      string // personal access token: data.records:read and schema.bases:read on every base
	MasterBase string // app… holding the Clients table
	// PerSecond is the request budget of each base (default 5, Airtable's limit).
	PerSecond int
	// Penalty is how long a base refuses requests after a 429 (default 30 s, Airtable's).
	Penalty time.Duration
	// Retries is how often a page that failed with a 5xx, a timeout or a network error is
	// asked for again before the import stops (default 2), waiting RetryWait (default 1 s),
	// then twice that.
	Retries   int
	RetryWait time.Duration
	// NoticeFunc, if set, is told what the source is waiting for (a 429 penalty, a retry),
	// in words for the progress line.
	NoticeFunc func(msg string)
}

// AirtableSource reads the original's tables through Airtable's API: the master base's
// Clients table, then each client's base (its Clients record's "Airtable Base ID") for
// Leads, Scoring Attributes and Post Scoring Attributes. Records are read a page (100
// records) at a time and handed on before the next page is asked for, so no table is ever
// held in memory. Each base gets at most PerSecond requests in any second; a 429 is waited
// out (30 s) and the page asked for again; a 401, 403 or 404, or a 5xx that persists,
// stops the import with Airtable's own message and the base and table it concerns.
type AirtableSource struct {
	cfg     AirtableConfig
	limiter *airtable.Limiter

	mu      sync.Mutex
	clients map[string]*airtable.Client // by base
	bases   map[string]string           // client ID → base, from the Clients table
	tables  map[string]map[string]bool  // base → its table names
}

// NewAirtableSource reads the bases of cfg.
func NewAirtableSource(cfg AirtableConfig) (*AirtableSource, error) {
	if cfg.Token == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "no Airtable token: set LEADRUN_AIRTABLE_TOKEN (or LEADRUN_AIRTABLE_TOKEN_FILE) to a personal access token with data.records:read and schema.bases:read on the master base and every client base")
	}
	if !strings.HasPrefix(cfg.MasterBase, "app") {
		return nil, leadrun.Errorf(leadrun.EINVALID, "master base %q: an Airtable base ID starts with \"app\" (it is in the base's URL: airtable.com/appXXXXXXXXXXXXXX/…)", cfg.MasterBase)
	}
	if cfg.PerSecond <= 0 {
		cfg.PerSecond = 5
	}
	if cfg.Penalty <= 0 {
		cfg.Penalty = airtable.RateLimitPenalty
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = time.Second
	}
	return &AirtableSource{cfg: cfg, limiter: airtable.NewLimiter(cfg.PerSecond, 20*time.Millisecond),
		clients: map[string]*airtable.Client{}, bases: map[string]string{}, tables: map[string]map[string]bool{}}, nil
}

func (s *AirtableSource) client(base string) *airtable.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[base]
	if c == nil {
		c = airtable.NewClient(s.cfg.APIURL, s.cfg.Token, base)
		s.limiter.Attach(c)
		s.clients[base] = c
	}
	return c
}

// Clients reads the master base's Clients table and notes each client's base.
func (s *AirtableSource) Clients(ctx context.Context) ([]Record, error) {
	var out []Record
	err := s.read(ctx, s.cfg.MasterBase, TableClients, "", func(r Record) error {
		out = append(out, r)
		f := newFields(r)
		if id := f.text("Client ID"); id != "" {
			s.mu.Lock()
			s.bases[id] = f.text("Airtable Base ID")
			s.mu.Unlock()
		}
		return nil
	})
	return out, err
}

// Table reads a table of the client's base page by page. A client without a usable
// Airtable Base ID, or a base without the table, is ErrNoTable (the report says so).
func (s *AirtableSource) Table(ctx context.Context, clientID, table string, fn func(Record) error) error {
	s.mu.Lock()
	base, known := s.bases[clientID]
	s.mu.Unlock()
	switch {
	case !known:
		return fmt.Errorf("client %s is not in the %s table: %w", clientID, TableClients, ErrNoTable)
	case base == "":
		return fmt.Errorf("client %s has no Airtable Base ID in the %s table: %w", clientID, TableClients, ErrNoTable)
	case !strings.HasPrefix(base, "app"):
		return fmt.Errorf("client %s: Airtable Base ID %q does not start with \"app\": %w", clientID, base, ErrNoTable)
	}
	return s.read(ctx, base, table, clientID, fn)
}

// Size is 0: Airtable has no count of a table's records.
func (s *AirtableSource) Size(clientID, table string) int { return 0 }

// read checks that base holds table (the metadata API, once per base), then calls fn with
// each record, a page at a time.
func (s *AirtableSource) read(ctx context.Context, base, table, clientID string, fn func(Record) error) error {
	c := s.client(base)
	has, err := s.hasTable(ctx, c, clientID)
	if err != nil {
		return err
	}
	if !has[table] {
		return fmt.Errorf("base %s has no table %q: %w", base, table, ErrNoTable)
	}
	offset, read, skip, restarts := "", 0, 0, 0
	for {
		var page []airtable.Record
		var next string
		err := s.retry(ctx, c, table, clientID, func() error {
			var err error
			page, next, err = c.ListPage(ctx, table, airtable.ListOptions{}, offset) // a retry asks for the same page
			return err
		})
		if expired(err) && offset != "" && restarts < 3 {
			// Airtable's offsets expire (a long 429 wait can outlast one): read the table
			// again from its first page, passing over the records already handed on. Records
			// added or deleted meanwhile may shift a few; the next import finds them.
			restarts++
			s.notice(fmt.Sprintf("%s: Airtable's listing expired; reading the table again from its first page, passing over the %d records already read", where(base, table, clientID), read))
			offset, skip = "", read
			continue
		}
		if err != nil {
			return err
		}
		offset = next
		for _, r := range page {
			if skip > 0 {
				skip--
				continue
			}
			read++
			if err := fn(Record(r.Fields)); err != nil {
				return err
			}
		}
		if offset == "" {
			return nil
		}
	}
}

func expired(err error) bool {
	var ae *airtable.Error
	return errors.As(err, &ae) && ae.Type == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"
}

// hasTable reads the base's table names once.
func (s *AirtableSource) hasTable(ctx context.Context, c *airtable.Client, clientID string) (map[string]bool, error) {
	s.mu.Lock()
	names, ok := s.tables[c.Base()]
	s.mu.Unlock()
	if ok {
		return names, nil
	}
	var schema *airtable.Schema
	err := s.retry(ctx, c, "", clientID, func() error {
		var err error
		schema, err = c.Schema(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	names = map[string]bool{}
	for _, t := range schema.Tables {
		names[t.Name] = true
	}
	s.mu.Lock()
	s.tables[c.Base()] = names
	s.mu.Unlock()
	return names, nil
}

// retry runs one request: a 429 is waited out and asked again (up to maxLockOuts times in
// a row); a 5xx, a timeout or a network error is asked again Retries times; anything else
// stops at once.
// The error names the base, the table and the client, and says what to check.
func (s *AirtableSource) retry(ctx context.Context, c *airtable.Client, table, clientID string, do func() error) error {
	wait := s.cfg.RetryWait
	for attempt, refused := 0, 0; ; {
		err := do()
		if err == nil || ctx.Err() != nil {
			return err
		}
		switch airtable.KindOf(err) {
		case airtable.KindRateLimited:
			// A lock-out is waited out, however often; but a 429 that is not about the rate
			// (the workspace's monthly API calls are used up) or that keeps coming after the
			// waits (another program spends the base's budget) is said, not waited on forever.
			if refused++; refused <= maxLockOuts && !strings.Contains(errorType(err), "BILLING") {
				s.limiter.Penalize(c.Base(), s.cfg.Penalty)
				s.notice(fmt.Sprintf("Airtable refused base %s with 429 (rate limit): waiting %s as Airtable requires, then going on", c.Base(), s.cfg.Penalty))
				continue
			}
		case airtable.KindTransient:
			if attempt < s.cfg.Retries {
				attempt++
				s.notice(fmt.Sprintf("%s: %v; asking again in %s (%d of %d)", where(c.Base(), table, clientID), err, wait, attempt, s.cfg.Retries))
				if err := leadrun.Sleep(ctx, wait); err != nil {
					return err
				}
				wait *= 2
				continue
			}
		}
		return explain(err, s.cfg.MasterBase, c.Base(), table, clientID)
	}
}

// maxLockOuts is how many 429s in a row one request waits out before the import stops.
const maxLockOuts = 10

func errorType(err error) string {
	var ae *airtable.Error
	if errors.As(err, &ae) {
		return ae.Type
	}
	return ""
}

func (s *AirtableSource) notice(msg string) {
	if s.cfg.NoticeFunc != nil {
		s.cfg.NoticeFunc(msg)
	}
}

func where(base, table, clientID string) string {
	w := "base " + base
	if clientID != "" {
		w = fmt.Sprintf("base %s of client %s", base, clientID)
	}
	if table != "" {
		w += fmt.Sprintf(", table %q", table)
	}
	return w
}

// explain says which base and table a failed request was for, and what to check there.
func explain(err error, master, base, table, clientID string) error {
	var ae *airtable.Error
	if errors.As(err, &ae) {
		switch {
		case ae.Status == http.StatusUnauthorized:
			ae.Hint = "check LEADRUN_AIRTABLE_TOKEN or LEADRUN_AIRTABLE_TOKEN_FILE: the token is wrong, expired or revoked"
		case (ae.Status == http.StatusForbidden || ae.Status == http.StatusNotFound) && base == master:
			ae.Hint = "check --master-base, and that the token has access to that base with the scopes data.records:read and schema.bases:read"
		case ae.Status == http.StatusForbidden || ae.Status == http.StatusNotFound:
			ae.Hint = "check the client's Airtable Base ID in the master base's Clients table, and that the token has access to that base with the scopes data.records:read and schema.bases:read"
		case ae.Kind == airtable.KindRateLimited:
			ae.Hint = "Airtable went on refusing after the waits: check the workspace's API call allowance, and that no other program uses this base's 5 requests per second"
		case ae.Kind == airtable.KindTransient:
			ae.Hint = "Airtable is down or slow: run the same command again later; what was imported stays, and the import goes on from there"
		}
	}
	return fmt.Errorf("%s: %w", where(base, table, clientID), err)
}
