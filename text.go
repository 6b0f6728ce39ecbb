package leadrun

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes text from outside (HTTP, files, Linked Helper, AI answers, Airtable)
// safe for both databases: NUL bytes are removed and invalid UTF-8 is replaced by U+FFFD.
// It reports whether anything was changed, so the caller can note the repair.
func CleanText(s string) (string, bool) {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s, false
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", ""), true
}
