package migrate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// fields reads a record by field name, ignoring case, spaces and punctuation, because
// the original's bases drifted ("Attribute Id" / "Attribute ID", "AI_Excluded").
type fields map[string]any

func newFields(r Record) fields {
	f := make(fields, len(r))
	for k, v := range r {
		f[cachedFieldKey(k)] = v
	}
	return f
}

func fieldKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// text returns the first non-empty field among names as trimmed text. Lists (linked
// records, multiple selects) are joined with ", ".
func (f fields) text(names ...string) string {
	for _, n := range names {
		if s := strings.TrimSpace(valueText(f[cachedFieldKey(n)])); s != "" {
			return s
		}
	}
	return ""
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := strings.TrimSpace(valueText(e)); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		// A collaborator's name, a button's label, an attachment's URL; a formula's error
		// ({"error": "#ERROR!"}, {"specialValue": "NaN"}) reads as empty.
		for _, k := range []string{"name", "label", "url"} {
			if v, ok := x[k]; ok {
				return valueText(v)
			}
		}
		return ""
	}
	return fmt.Sprint(v)
}

// number reads a number field: a number, or text whose first number counts ("10",
// "10 pts", "-20", "75.5%"). ok is false when the field is empty or holds no number.
func (f fields) number(names ...string) (n float64, ok bool) {
	for _, name := range names {
		switch v := f[cachedFieldKey(name)].(type) {
		case float64:
			return v, true
		case bool:
			continue
		default:
			if n, ok := leadingNumber(valueText(v)); ok {
				return n, true
			}
		}
	}
	return 0, false
}

func leadingNumber(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && (s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	n, err := strconv.ParseFloat(s[:end], 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// flag reads a checkbox or Yes/No field. set is false when the field is empty.
func (f fields) flag(names ...string) (value, set bool) {
	for _, name := range names {
		switch v := f[cachedFieldKey(name)].(type) {
		case bool:
			return v, true
		case float64:
			return v != 0, true
		default:
			switch strings.ToLower(strings.TrimSpace(valueText(v))) {
			case "":
				continue
			case "checked", "true", "yes", "y", "1", "x", "✓", "✔", "on", "active":
				return true, true
			default:
				return false, true
			}
		}
	}
	return false, false
}
