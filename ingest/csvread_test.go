package ingest

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/leadrun/leadrun"
)

// An unclosed quote never swallows the rows after it: the record it opens is an item
// error at its line and every following row is read (issue 11, defect 7).
func TestCSVUnclosedQuote(t *testing.T) {
	t.Parallel()
	const head = "profile_url,first_name,headline\n"
	cases := []struct {
		name   string
		body   string
		keys   []string
		errors map[int]string
	}{
		{"open to the end of the file", "linkedin.com/in/a,\"Ann,Coach\nlinkedin.com/in/b,Bob,CFO\nlinkedin.com/in/c,Cy,CTO\n",
			[]string{"linkedin.com/in/b", "linkedin.com/in/c"}, map[int]string{2: "line 2: a quoted field opened on this line never closes"}},
		{"closed by a later quoted field", "linkedin.com/in/a,\"Ann,Coach\nlinkedin.com/in/b,Bob,CFO\nlinkedin.com/in/c,\"Cy\",CTO\n",
			[]string{"linkedin.com/in/b", "linkedin.com/in/c"}, map[int]string{2: "never closes"}},
		{"closed by a later quote at a line end", "linkedin.com/in/a,\"Ann,Coach\nlinkedin.com/in/b,Bob,CFO\nlinkedin.com/in/c,Cy,\"CTO\"\nlinkedin.com/in/d,Di,CEO\n",
			[]string{"linkedin.com/in/b", "linkedin.com/in/c", "linkedin.com/in/d"}, map[int]string{2: "never closes"}},
		{"two unclosed quotes", "linkedin.com/in/a,\"Ann,Coach\nlinkedin.com/in/b,Bob,CFO\nlinkedin.com/in/c,\"Cy,CTO\nlinkedin.com/in/d,Di,CEO\n",
			[]string{"linkedin.com/in/b", "linkedin.com/in/d"}, map[int]string{2: "never closes", 4: "never closes"}},
		{"a well-formed field over lines", "linkedin.com/in/a,\"Ann \"\"the\"\"\nCoach\",Coach\nlinkedin.com/in/b,Bob,CFO\n",
			[]string{"linkedin.com/in/a", "linkedin.com/in/b"}, nil},
		{"stray quotes on one line stay text", "linkedin.com/in/a,Ann \"Annie\" Lee,5\" screens\nlinkedin.com/in/b,\"Bob \"B\" Ray\",CFO\n",
			[]string{"linkedin.com/in/a", "linkedin.com/in/b"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadLeads(strings.NewReader(head+tc.body), "csv", "Guy-Wilson")
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(b.Leads); !reflect.DeepEqual(got, tc.keys) {
				t.Errorf("stored %q, want %q", got, tc.keys)
			}
			checkItemErrors(t, b.Errors, tc.errors)
			if b.Items != len(tc.keys)+len(tc.errors) {
				t.Errorf("items = %d, want every row counted: %d", b.Items, len(tc.keys)+len(tc.errors))
			}
		})
	}
	b, err := ReadLeads(strings.NewReader(head+"linkedin.com/in/a,Ann,\"Coach \"\"the\"\"\r\nmentor\"\n"), "csv", "Guy-Wilson")
	if err != nil || len(b.Leads) != 1 || b.Leads[0].Headline != "Coach \"the\"\nmentor" {
		t.Errorf("multi-line field: %v %+v", err, b)
	}
	if _, err := ReadLeads(strings.NewReader("\"profile_url,first_name\nlinkedin.com/in/a,Ann\n"), "csv", "Guy-Wilson"); err == nil ||
		!strings.Contains(err.Error(), "line 1") {
		t.Errorf("unclosed quote in the header: %v", err)
	}
}

// UTF-8 with or without a byte-order mark, a BOM before a quoted header, and UTF-16 with
// a BOM (little and big endian) all read the same leads.
func TestCSVEncodings(t *testing.T) {
	t.Parallel()
	const text = "\"profile_url\",\"first_name\",\"headline\"\r\nlinkedin.com/in/zoe,Zoë,\"Café owner, 🍰\"\r\n"
	utf16File := func(order binary.AppendByteOrder, bom []byte) []byte {
		out := append([]byte(nil), bom...)
		for _, u := range utf16.Encode([]rune(text)) {
			out = order.AppendUint16(out, u)
		}
		return out
	}
	inputs := map[string][]byte{
		"utf-8":            []byte(text),
		"utf-8 with bom":   append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"utf-16le":         utf16File(binary.LittleEndian, []byte{0xFF, 0xFE}),
		"utf-16be":         utf16File(binary.BigEndian, []byte{0xFE, 0xFF}),
		"utf-16le odd end": append(utf16File(binary.LittleEndian, []byte{0xFF, 0xFE}), 'x'),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			b, err := ReadLeads(bytes.NewReader(in), "csv", "Guy-Wilson")
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Leads) != 1 || b.Leads[0].FirstName != "Zoë" || b.Leads[0].Headline != "Café owner, 🍰" {
				t.Fatalf("leads = %+v, errors %+v", b.Leads, b.Errors)
			}
		})
	}
}

// NUL bytes and invalid UTF-8 (a Latin-1 file) in cells are repaired and the row stored
// with a note; the other rows are untouched.
func TestCSVRepairedCells(t *testing.T) {
	t.Parallel()
	in := "profile_url,first_name,headline\nlinkedin.com/in/a,Jos\xe9,Caf\xe9\nlinkedin.com/in/b,Bo\x00b,CFO\nlinkedin.com/in/c,Cy,CTO\n"
	b, err := ReadLeads(strings.NewReader(in), "csv", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Leads) != 3 || b.Leads[0].FirstName != "Jos\uFFFD" || b.Leads[0].Headline != "Caf\uFFFD" || b.Leads[1].FirstName != "Bob" {
		t.Fatalf("leads = %+v", b.Leads)
	}
	if len(b.Repaired) != 2 || b.Repaired[0].Index != 2 || b.Repaired[1].Index != 3 || !strings.Contains(b.Repaired[0].Note, "invalid UTF-8") || b.Repaired[1].Note != "repaired: NUL bytes removed" {
		t.Errorf("repaired = %+v, want lines 2 and 3", b.Repaired)
	}
	if len(b.Errors) != 0 {
		t.Errorf("errors = %+v", b.Errors)
	}
}

// With Flush, leads are handed over in groups of at most GroupSize, never all at once;
// a profile key already handed over comes again in a later group and counts as merged.
func TestStreamLeadsGroups(t *testing.T) {
	t.Parallel()
	in := "profile_url,first_name\nlinkedin.com/in/a,A1\nlinkedin.com/in/b,B\nlinkedin.com/in/a,A2\nlinkedin.com/in/c,C\n" +
		"linkedin.com/in/a,A3\n,nobody\nlinkedin.com/in/d,D\n"
	var groups [][]string
	b, err := StreamLeads(strings.NewReader(in), "csv", "Guy-Wilson", StreamOptions{GroupSize: 2, Flush: func(leads []*leadrun.Lead) error {
		var g []string
		for _, l := range leads {
			g = append(g, l.FirstName)
		}
		groups = append(groups, g)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"A1", "B"}, {"A2", "C"}, {"A3", "D"}}; !reflect.DeepEqual(groups, want) {
		t.Errorf("groups = %q, want %q", groups, want)
	}
	if b.Leads != nil || b.Items != 7 || b.Merged != 2 || len(b.Errors) != 1 || b.Errors[0].Index != 7 {
		t.Errorf("batch = %+v", b)
	}
}
