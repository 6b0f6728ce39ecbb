package ingest

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

// rowSource produces a large lead CSV on the fly, so the test itself holds no file.
type rowSource struct {
	rows, next int
	buf        []byte
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.next > s.rows {
			return 0, io.EOF
		}
		if s.next == 0 {
			s.buf = []byte("profile_url,first_name,headline,about\n")
		} else {
			s.buf = fmt.Appendf(nil, "https://www.linkedin.com/in/m-%d/,Ann,Founder,\"%s\"\n", s.next, strings.Repeat("growth ", 250))
		}
		s.next++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// Streaming a 60,000-row file (about 110 MB of text, more than that as leads) keeps the
// live heap small: only the group being handed over, the profile keys and the item errors
// are held, never the file's leads.
func TestStreamLeadsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 110 MB")
	}
	var peak uint64
	var ms runtime.MemStats
	flushes := 0
	b, err := StreamLeads(&rowSource{rows: 60000}, FormatCSV, "Guy-Wilson", StreamOptions{Flush: func(leads []*leadrun.Lead) error {
		if flushes++; flushes%20 == 0 { // every 10,000 leads
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	}})
	if err != nil || b.Items != 60000 || len(b.Errors) != 0 {
		t.Fatalf("stream: %v, %d items, %d errors", err, b.Items, len(b.Errors))
	}
	if peak == 0 || peak > 40<<20 {
		t.Errorf("live heap reached %d MB while streaming 60,000 rows, want under 40 MB", peak>>20)
	}
}
