package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzCSVRecords: the record reader never panics, never loses a line (every physical line
// is in exactly one record or one error, in order), and reads a file without quotes
// exactly as its lines split at commas.
//
//	go test -run '^$' -fuzz FuzzCSVRecords -fuzztime 15s ./ingest/
func FuzzCSVRecords(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,\"b\nc\",d\n", "a,\"b\n1,2\n3,\"4\"\n", "\"\"\"\",x\r\n", "a,b\"c,d\n\"e\"f,g\n",
		"a,\"b\"\"\nc\nd\"\n", "\n\n,\n", "\"", "a,\"b,c\nd,\"e\nf,g\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := newCSVRecordReader(bytes.NewReader(data))
		cr.fields = 2
		next := 1
		for {
			line, fields, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !errors.Is(err, errUnclosedQuote) {
				t.Fatalf("unexpected error %v", err)
			}
			if line != next {
				t.Fatalf("record at line %d, want %d (a line was lost or read twice)", line, next)
			}
			next = line + 1
			if err == nil {
				next = line + 1 + strings.Count(strings.Join(fields, ","), "\n")
				if !bytes.ContainsRune(data, '"') {
					if want := lineAt(data, line); strings.Join(fields, ",") != want {
						t.Fatalf("line %d: fields %q, want %q", line, fields, want)
					}
				}
			}
		}
		if lines := countLines(data); next != lines+1 {
			t.Fatalf("read up to line %d of %d", next-1, lines)
		}
	})
}

// lineAt returns line n (1-based) without its line break.
func lineAt(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	return strings.TrimSuffix(lines[n-1], "\r")
}

// countLines counts physical lines as the reader does: a last line without "\n" counts.
func countLines(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}
