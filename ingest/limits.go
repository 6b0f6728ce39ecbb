package ingest

import (
	"strings"

	"github.com/leadrun/leadrun"
)

// MaxJSONDepth is the deepest nesting of objects and lists accepted in one lead or post
// item; real Linked Helper objects nest four levels.
const MaxJSONDepth = 32

// ItemNote says what was repaired in one accepted item. Index is as in ItemError.
type ItemNote struct {
	Index int    `json:"index"`
	Note  string `json:"note"`
}

// note records the repairs the lead's Validate made, if any.
func (b *LeadBatch) note(index int, l *leadrun.Lead) {
	if l != nil && len(l.Repairs) > 0 {
		b.Repaired = append(b.Repaired, ItemNote{Index: index, Note: strings.Join(l.Repairs, "; ")})
	}
}

// checkJSONDepth refuses an item nested deeper than MaxJSONDepth before it is decoded
// into maps, so a hostile item cannot make the decoder build a deep structure.
func checkJSONDepth(raw []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > MaxJSONDepth {
				return invalidf("item nests objects or lists deeper than %d levels", MaxJSONDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
