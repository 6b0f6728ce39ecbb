package sqldb

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// EncodeBreakdown encodes a breakdown for storage. Scoring writes one per lead, so its
// size is much of the cost of a run; the stored form is a positional JSON array,
//
//	[score, raw, denominator, [[id, points, max, reason], …], [unscored…], [disqualified_by…]]
//
// (the last two only when not empty), without the attribute headings and categories:
// they are the rubric's and are filled back in for display (Rubric.Annotate). That is
// about 60 % of the size of the same breakdown as a JSON object, and it is written
// without reflection. decodeBreakdown reads it, and the object form stored before.
func EncodeBreakdown(b *leadrun.Breakdown) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	size := 32
	for _, it := range b.Items {
		size += len(it.ID) + len(it.Reason) + len(it.Reason)/8 + 16 // room for escapes
	}
	buf := make([]byte, 0, size)
	var err error
	buf = append(buf, '[')
	if buf, err = appendFloat(buf, b.Score); err != nil {
		return nil, err
	}
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(b.Raw), 10)
	buf = append(buf, ',')
	if buf, err = appendFloat(buf, b.Denominator); err != nil {
		return nil, err
	}
	buf = append(buf, ",["...)
	for i, it := range b.Items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		buf = appendString(buf, it.ID)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(it.Points), 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(it.Max), 10)
		buf = append(buf, ',')
		buf = appendString(buf, it.Reason)
		buf = append(buf, ']')
	}
	buf = append(buf, ']')
	if len(b.Unscored) > 0 || len(b.DisqualifiedBy) > 0 {
		buf = appendStrings(append(buf, ','), b.Unscored)
	}
	if len(b.DisqualifiedBy) > 0 {
		buf = appendStrings(append(buf, ','), b.DisqualifiedBy)
	}
	return append(buf, ']'), nil
}

func appendFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("breakdown: unsupported number %v", f)
	}
	return strconv.AppendFloat(buf, f, 'g', -1, 64), nil
}

func appendStrings(buf []byte, ss []string) []byte {
	buf = append(buf, '[')
	for i, s := range ss {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, s)
	}
	return append(buf, ']')
}

// appendString appends s as a JSON string in one pass. Quotes and backslashes are
// escaped here; a string with control characters or invalid UTF-8 (rare) is left to
// encoding/json.
func appendString(buf []byte, s string) []byte {
	mark := len(buf)
	buf = append(buf, '"')
	ascii := true
	start := 0
	for i := 0; i < len(s); i++ {
		if plain[s[i]] {
			continue
		}
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c < 0x20:
			return appendMarshalled(buf[:mark], s)
		default: // '"' or '\\'
			buf = append(append(buf, s[start:i]...), '\\', c)
			start = i + 1
		}
	}
	if !ascii && !utf8.ValidString(s) {
		return appendMarshalled(buf[:mark], s)
	}
	return append(append(buf, s[start:]...), '"')
}

// plain marks the bytes a JSON string holds as they are: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func appendMarshalled(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}

// decodeBreakdown reads a stored breakdown in either form: the positional array of
// EncodeBreakdown, or the JSON object stored before it.
func decodeBreakdown(s string) (*leadrun.Breakdown, error) {
	b := new(leadrun.Breakdown)
	if !strings.HasPrefix(s, "[") {
		return b, json.Unmarshal([]byte(s), b)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal([]byte(s), &parts); err != nil {
		return nil, err
	}
	if len(parts) < 4 || len(parts) > 6 {
		return nil, fmt.Errorf("breakdown: %d parts, want 4 to 6", len(parts))
	}
	var items [][]json.RawMessage
	targets := []any{&b.Score, &b.Raw, &b.Denominator, &items, &b.Unscored, &b.DisqualifiedBy}
	for i, p := range parts {
		if err := json.Unmarshal(p, targets[i]); err != nil {
			return nil, fmt.Errorf("breakdown part %d: %w", i+1, err)
		}
	}
	b.Items = make([]leadrun.BreakdownItem, len(items))
	for i, fields := range items {
		it := &b.Items[i]
		if len(fields) != 4 {
			return nil, fmt.Errorf("breakdown item %d: %d fields, want 4", i+1, len(fields))
		}
		for k, target := range []any{&it.ID, &it.Points, &it.Max, &it.Reason} {
			if err := json.Unmarshal(fields[k], target); err != nil {
				return nil, fmt.Errorf("breakdown item %d: %w", i+1, err)
			}
		}
	}
	if len(b.Unscored) == 0 {
		b.Unscored = nil
	}
	if len(b.DisqualifiedBy) == 0 {
		b.DisqualifiedBy = nil
	}
	return b, nil
}
