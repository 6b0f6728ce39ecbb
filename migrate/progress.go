package migrate

import (
	"fmt"
	"io"
	"time"
)

// progress prints leads done of the estimated total, the rate and the ETA at most once
// a second.
type progress struct {
	w      io.Writer
	now    func() time.Time
	start  time.Time
	last   time.Time
	total  int // estimated leads over all clients
	n      int
	client string
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, now: now, start: t, last: t}
}

func (p *progress) add(k int) {
	p.n += k
	if p.w == nil || p.n%256 != 0 {
		return
	}
	if t := p.now(); t.Sub(p.last) >= time.Second {
		p.last = t
		p.print(t)
	}
}

func (p *progress) print(t time.Time) {
	elapsed := t.Sub(p.start).Seconds()
	rate := float64(p.n) / max(elapsed, 1e-9)
	if p.total == 0 { // the source cannot say how many (Airtable has no count)
		fmt.Fprintf(p.w, "import: %s: %d leads read, %.0f leads/s (no total known before the end)\n", p.client, p.n, rate)
		return
	}
	total := max(p.total, p.n)
	eta := time.Duration(float64(total-p.n) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	fmt.Fprintf(p.w, "import: %s: %d of ~%d leads (%.0f%%), %.0f leads/s, ETA %s\n",
		p.client, p.n, total, 100*float64(p.n)/float64(max(total, 1)), rate, eta)
}

func (p *progress) done() {
	if p.w != nil {
		p.client = "done"
		p.print(p.now())
	}
}
