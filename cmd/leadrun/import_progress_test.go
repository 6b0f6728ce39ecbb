package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The import progress line gives leads, rate, share of the file and time left; it is
// shown only on a terminal, so piped stderr stays clean.
func TestImportProgressLine(t *testing.T) {
	p := &importProgress{total: 100 << 20, read: 25 << 20, leads: 30000}
	if got, want := p.line(3*time.Second), "importing: 30000 leads, 10000 leads/s, 25.0 MB of 100.0 MB (25 %), about 9s left"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	unknown := &importProgress{read: 2048, leads: 3}
	if got := unknown.line(time.Second); !strings.HasSuffix(got, "2.0 KB read") {
		t.Errorf("unknown size: %q", got)
	}
	var buf bytes.Buffer
	piped := newImportProgress(&buf, 10)
	_, _ = piped.reader(strings.NewReader("0123456789")).Read(make([]byte, 10))
	piped.added(1)
	piped.show(true)
	if buf.Len() != 0 || piped.read != 10 || piped.leads != 1 {
		t.Errorf("not a terminal: wrote %q, counted %d bytes, %d leads", buf.String(), piped.read, piped.leads)
	}
}
