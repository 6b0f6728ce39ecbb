package migrate

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// progress prints leads done of the estimated total, the rate and the ETA at most once
// a second. Clients imported at once share it.
type progress struct {
	w     io.Writer
	now   func() time.Time
	began time.Time

	mu     sync.Mutex
	last   time.Time
	total  int // estimated leads over all clients (0: unknown)
	n      int
	active []string // clients being imported
	client string   // the last one started, shown when none is active
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, now: now, began: t, last: t}
}

func (p *progress) start(client string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = append(p.active, client)
	p.client = client
}

func (p *progress) finish(client string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.active, client); i >= 0 {
		p.active = slices.Delete(p.active, i, i+1)
	}
}

func (p *progress) add(k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += k
	if p.w == nil || p.n%256 != 0 {
		return
	}
	if t := p.now(); t.Sub(p.last) >= time.Second {
		p.last = t
		p.print(t, p.label())
	}
}

func (p *progress) label() string {
	if len(p.active) == 0 {
		return p.client
	}
	return strings.Join(p.active, ", ")
}

// print writes one line (p.mu held).
func (p *progress) print(t time.Time, label string) {
	elapsed := t.Sub(p.began).Seconds()
	rate := float64(p.n) / max(elapsed, 1e-9)
	if p.total == 0 { // the source cannot say how many (Airtable has no count)
		fmt.Fprintf(p.w, "import: %s: %d leads read, %.0f leads/s (no total known before the end)\n", label, p.n, rate)
		return
	}
	total := max(p.total, p.n)
	eta := time.Duration(float64(total-p.n) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	fmt.Fprintf(p.w, "import: %s: %d of ~%d leads (%.0f%%), %.0f leads/s, ETA %s\n",
		label, p.n, total, 100*float64(p.n)/float64(max(total, 1)), rate, eta)
}

func (p *progress) done() {
	if p.w != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.print(p.now(), "done")
	}
}
