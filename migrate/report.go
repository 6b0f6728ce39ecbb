package migrate

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Rejection is a row that was not imported, and why.
type Rejection struct {
	Table  string `json:"table"`
	Row    int    `json:"row"` // 1-based, in the table's order
	Reason string `json:"reason"`
}

// maxRejections bounds the rejections listed per client; all are counted.
const maxRejections = 100

// ClientReport is what an import did for one client.
type ClientReport struct {
	ClientID string   `json:"client_id"`
	Client   string   `json:"client"` // created, updated, unchanged or rejected
	Rubric   string   `json:"rubric"` // created, updated, unchanged, none or rejected
	Notes    []string `json:"notes,omitempty"`

	LeadsRead  int `json:"leads_read"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	ScoresKept int `json:"scores_kept"`
	// ScoredHere are leads leadrun had already scored itself; they keep leadrun's score.
	ScoredHere int `json:"scored_here,omitempty"`
	Rejected   int `json:"rejected"`

	Rejections []Rejection    `json:"rejections,omitempty"` // the first 100
	Formula    FormulaSummary `json:"formula"`
	Statuses   map[string]int `json:"statuses"` // imported leads by scoring status
	noteCounts map[string]int
}

func (c *ClientReport) reject(r Rejection) {
	c.Rejected++
	if len(c.Rejections) < maxRejections {
		c.Rejections = append(c.Rejections, r)
	}
}

// note counts a repeated note ("unknown Scoring Status …") once with its count.
func (c *ClientReport) note(s string) {
	if c.noteCounts == nil {
		c.noteCounts = map[string]int{}
	}
	c.noteCounts[s]++
}

func (c *ClientReport) finishNotes() {
	keys := make([]string, 0, len(c.noteCounts))
	for k := range c.noteCounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.Notes = append(c.Notes, fmt.Sprintf("%d× %s", c.noteCounts[k], k))
	}
}

// Report is what an import did.
type Report struct {
	Clients  []*ClientReport `json:"clients"`
	Started  time.Time       `json:"started_at"`
	Finished time.Time       `json:"finished_at"`
	Tokens   int64           `json:"tokens"` // always 0: an import never calls a scorer
}

// Totals sums the lead counts over clients.
func (r *Report) Totals() ClientReport {
	var t ClientReport
	for _, c := range r.Clients {
		t.LeadsRead += c.LeadsRead
		t.Created += c.Created
		t.Updated += c.Updated
		t.Unchanged += c.Unchanged
		t.ScoresKept += c.ScoresKept
		t.Rejected += c.Rejected
	}
	return t
}

// Print writes the report as a table with the notes and rejections below.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tCLIENT\tRUBRIC\tREAD\tCREATED\tUPDATED\tUNCHANGED\tSCORES KEPT\tREJECTED\tWOULD CHANGE\tCROSS ↑/↓")
	for _, c := range r.Clients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d of %d\t%d/%d\n", c.ClientID, c.Client, c.Rubric,
			c.LeadsRead, c.Created, c.Updated, c.Unchanged, c.ScoresKept, c.Rejected,
			c.Formula.Changed, c.Formula.Compared, c.Formula.CrossUp, c.Formula.CrossDown)
	}
	tw.Flush()
	for _, c := range r.Clients {
		for _, n := range c.Notes {
			fmt.Fprintf(w, "%s: %s\n", c.ClientID, n)
		}
		for _, rj := range c.Rejections {
			fmt.Fprintf(w, "%s: rejected %s row %d: %s\n", c.ClientID, rj.Table, rj.Row, rj.Reason)
		}
		if c.Rejected > len(c.Rejections) {
			fmt.Fprintf(w, "%s: … and %d more rejected rows\n", c.ClientID, c.Rejected-len(c.Rejections))
		}
	}
	t := r.Totals()
	fmt.Fprintf(w, "\n%d clients, %d leads read: %d created, %d updated, %d unchanged, %d scores kept, %d rejected; 0 tokens spent; %s.\n",
		len(r.Clients), t.LeadsRead, t.Created, t.Updated, t.Unchanged, t.ScoresKept, t.Rejected,
		r.Finished.Sub(r.Started).Round(time.Millisecond))
	fmt.Fprintln(w, strings.TrimSpace(`"WOULD CHANGE" counts imported scores that leadrun's formula would give differently; see README "Scores side by side".`))
}
