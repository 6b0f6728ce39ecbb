package main

import (
	"fmt"
	"io"
	"time"
)

// importProgress shows a lead import's progress on stderr when it is a terminal: one
// rewritten line with the share of the file read, the leads handed to the database, the
// rate and the time left (estimated from the bytes still to read).
type importProgress struct {
	w       io.Writer
	total   int64 // file size in bytes (0 = unknown)
	read    int64
	leads   int
	start   time.Time
	last    time.Time
	enabled bool
}

func newImportProgress(w io.Writer, total int64) *importProgress {
	return &importProgress{w: w, total: total, start: time.Now(), enabled: isTerminal(w)}
}

// reader counts the bytes read through it.
func (p *importProgress) reader(r io.Reader) io.Reader { return progressReader{r, p} }

type progressReader struct {
	r io.Reader
	p *importProgress
}

func (pr progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.read += int64(n)
	pr.p.show(false)
	return n, err
}

// added counts leads handed to the database.
func (p *importProgress) added(n int) {
	p.leads += n
	p.show(false)
}

// show prints the line at most 5 times a second (always when final).
func (p *importProgress) show(final bool) {
	if !p.enabled || (!final && time.Since(p.last) < 200*time.Millisecond) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(time.Since(p.start)))
	if final {
		fmt.Fprintln(p.w)
	}
}

func (p *importProgress) line(elapsed time.Duration) string {
	rate := float64(p.leads) / max(elapsed.Seconds(), 1e-3)
	s := fmt.Sprintf("importing: %d leads, %.0f leads/s, %s", p.leads, rate, fmtBytes(p.read))
	if p.total <= 0 {
		return s + " read"
	}
	frac := float64(p.read) / float64(p.total)
	s += fmt.Sprintf(" of %s (%.0f %%)", fmtBytes(p.total), frac*100)
	if frac > 0.01 && frac < 1 {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac)
		s += ", about " + left.Round(time.Second).String() + " left"
	}
	return s
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
