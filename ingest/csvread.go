package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// CSV records are read here rather than by encoding/csv, whose reader cannot recover from
// an unclosed quote: it takes every following line into the open field, up to the next
// quote or the end of the file, and the rows in between are lost without a word.
//
// This reader keeps encoding/csv's lenient reading of stray quotes on one line (a quote
// inside an unquoted field, or inside a quoted field when not followed by a comma or the
// line's end, is text) and allows quoted fields over several lines. A record over several
// lines is malformed when its quoted field does not close (the file ends first, or the
// record grows past maxRecordBytes or maxRecordLines), when it ends up with more fields
// than the header, or when it holds a stray quote, which a well-formed multi-line field
// never has. A malformed record is reported at the line it starts on, and the lines after
// that line are read again as records of their own, so no row is swallowed.

const (
	maxRecordBytes = 1 << 20 // a multi-line record longer than this is an unclosed quote
	maxRecordLines = 500
)

// csvLine is one physical line, without its line break.
type csvLine struct {
	n    int // 1-based line number
	text []byte
}

// csvRecordReader splits a decoded CSV stream into records.
type csvRecordReader struct {
	br      *bufio.Reader
	next    int       // number of the next line read from br
	pending []csvLine // lines to read again, in order, before br
	eof     bool
	fields  int // the header's field count, once known (0 = any)
}

func newCSVRecordReader(r io.Reader) *csvRecordReader {
	return &csvRecordReader{br: bufio.NewReaderSize(r, 64<<10), next: 1}
}

// errUnclosedQuote marks a record whose quoted field never closes.
var errUnclosedQuote = errors.New(`a quoted field opened on this line never closes: check for a stray " (write a quote inside a quoted field as "")`)

// Read returns the next record and the line it starts on. A malformed record is returned
// as an error with its line (the reader goes on with the next line); io.EOF ends the input.
func (cr *csvRecordReader) Read() (int, []string, error) {
	first, err := cr.line()
	if err != nil {
		return 0, nil, err
	}
	lines := []csvLine{first}
	size := len(first.text)
	for {
		open, stray := quoteOpen(lines)
		if !open {
			// Several lines make one record only through a well-formed quoted field: a
			// stray quote in it means a quote left open swallowed the lines after it.
			if len(lines) > 1 && stray {
				return cr.malformed(lines, errUnclosedQuote)
			}
			break
		}
		l, err := cr.line()
		if errors.Is(err, io.EOF) || size > maxRecordBytes || len(lines) >= maxRecordLines {
			if err == nil {
				cr.unread([]csvLine{l})
			}
			return cr.malformed(lines, errUnclosedQuote)
		}
		if err != nil {
			return 0, nil, err
		}
		lines = append(lines, l)
		size += len(l.text) + 1
	}
	fields := splitCSVRecord(joinLines(lines))
	if len(lines) > 1 && cr.fields > 0 && len(fields) > cr.fields {
		return cr.malformed(lines, fmt.Errorf("%w (the record runs to line %d with %d fields)", errUnclosedQuote,
			lines[len(lines)-1].n, len(fields)))
	}
	return first.n, fields, nil
}

// malformed reports the record's first line and puts its other lines back to be read again.
func (cr *csvRecordReader) malformed(lines []csvLine, err error) (int, []string, error) {
	cr.unread(lines[1:])
	return lines[0].n, nil, err
}

func (cr *csvRecordReader) unread(lines []csvLine) {
	cr.pending = append(append([]csvLine(nil), lines...), cr.pending...)
}

// line returns the next physical line, without "\n" or "\r\n".
func (cr *csvRecordReader) line() (csvLine, error) {
	if len(cr.pending) > 0 {
		l := cr.pending[0]
		cr.pending = cr.pending[1:]
		return l, nil
	}
	if cr.eof {
		return csvLine{}, io.EOF
	}
	b, err := cr.br.ReadBytes('\n')
	if errors.Is(err, io.EOF) {
		cr.eof = true
		if len(b) == 0 {
			return csvLine{}, io.EOF
		}
	} else if err != nil {
		return csvLine{}, err
	}
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	l := csvLine{n: cr.next, text: b}
	cr.next++
	return l, nil
}

func joinLines(lines []csvLine) []byte {
	if len(lines) == 1 {
		return lines[0].text
	}
	var b []byte
	for i, l := range lines {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, l.text...)
	}
	return b
}

// quoteOpen reports whether the lines end inside a quoted field, and whether a quoted
// field holds a stray quote: one not doubled and not followed by a comma or the line's end.
func quoteOpen(lines []csvLine) (open, stray bool) {
	quoted := false
	for _, l := range lines {
		s, atStart := l.text, !quoted
		for j := 0; j < len(s); j++ {
			c := s[j]
			switch {
			case quoted:
				if c == '"' {
					switch {
					case j+1 < len(s) && s[j+1] == '"':
						j++
					case j+1 == len(s) || s[j+1] == ',':
						quoted = false
					default:
						stray = true
					}
				}
			case c == ',':
				atStart = true
				continue
			case c == '"' && atStart:
				quoted = true
			}
			atStart = false
		}
	}
	return quoted, stray
}

// splitCSVRecord splits a complete record into fields, with the rules of quoteOpen.
func splitCSVRecord(s []byte) []string {
	var fields []string
	var field []byte
	for i := 0; ; {
		field = field[:0]
		if i < len(s) && s[i] == '"' {
			for i++; i < len(s); i++ {
				if s[i] != '"' {
					field = append(field, s[i])
					continue
				}
				if i+1 < len(s) && s[i+1] == '"' {
					field = append(field, '"')
					i++
				} else if i+1 == len(s) || s[i+1] == ',' {
					i++
					break
				} else {
					field = append(field, '"')
				}
			}
		}
		for ; i < len(s) && s[i] != ','; i++ {
			field = append(field, s[i])
		}
		fields = append(fields, string(field))
		if i >= len(s) {
			return fields
		}
		i++ // the comma
	}
}

// decodeText returns the text of a file: UTF-8 with or without a byte-order mark
// (removed), or UTF-16 with one (converted to UTF-8). Invalid UTF-8 is left to the cells'
// repair (leadrun.CleanText).
func decodeText(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		_, _ = br.Discard(2)
		return &utf16Reader{src: br, little: true}, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		_, _ = br.Discard(2)
		return &utf16Reader{src: br}, nil
	}
	return br, nil
}

// utf16Reader converts a UTF-16 stream to UTF-8 as it is read.
type utf16Reader struct {
	src    *bufio.Reader
	little bool
	out    []byte // converted, not yet returned
	high   rune   // a high surrogate waiting for its pair
	err    error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 && u.err == nil {
		u.fill()
	}
	if len(u.out) == 0 {
		return 0, u.err
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// fill converts up to 4 KB of input.
func (u *utf16Reader) fill() {
	var buf [4096]byte
	n, err := io.ReadFull(u.src, buf[:])
	odd := n%2 == 1 // an odd last byte: the file is cut short (ReadFull fills whole buffers before)
	for i := 0; i+1 < n; i += 2 {
		v := rune(buf[i])<<8 | rune(buf[i+1])
		if u.little {
			v = rune(buf[i+1])<<8 | rune(buf[i])
		}
		switch {
		case u.high != 0:
			r := utf16.DecodeRune(u.high, v)
			u.high = 0
			if r == utf8.RuneError && !utf16.IsSurrogate(v) {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.out = utf8.AppendRune(u.out, v)
				continue
			}
			u.out = utf8.AppendRune(u.out, r)
		case v >= 0xD800 && v < 0xDC00:
			u.high = v
		default:
			u.out = utf8.AppendRune(u.out, v) // a lone low surrogate becomes U+FFFD
		}
	}
	if odd {
		u.out = utf8.AppendRune(u.out, utf8.RuneError)
	}
	if err != nil {
		if u.high != 0 {
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
			u.high = 0
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		u.err = err
	}
}
