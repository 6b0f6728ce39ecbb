package migrate

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// The original's AI Attribute Breakdown is Markdown:
//
//	**Positive Attributes**:
//	- **A (Entrepreneurial mindset)**: 12 / 15
//	  ↳ Runs her own consultancy.
//	_Unscored attributes:_ **F**, **G**
//	**Total:** 45 / 60 ⇒ 75.0 % — Not Disqualified
var (
	breakdownItem = regexp.MustCompile(`^\s*[-*]\s*\*\*([A-Za-z][A-Za-z0-9_]*)\s*(?:\((.*)\))?\*\*\s*:?\s*(-?\d+(?:\.\d+)?)\s*/\s*(-?\d+(?:\.\d+)?)`)
	breakdownID   = regexp.MustCompile(`\*\*([A-Za-z][A-Za-z0-9_]*)\*\*`)
)

// notScoredReason is the reason the original wrote for an attribute the model did not
// score; attribute I with it and full points is the original's auto-award.
const notScoredReason = "could not score this attribute"

// ParseBreakdown reads the original's Markdown breakdown into per-attribute points,
// reasons and the unscored list. ok is false when the text holds no attribute line.
func ParseBreakdown(md string) (b leadrun.Breakdown, ok bool) {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "*") || strings.HasPrefix(line, "**") {
			if strings.Contains(line, "nscored") {
				for _, id := range breakdownID.FindAllStringSubmatch(line[strings.Index(line, "nscored"):], -1) {
					b.Unscored = append(b.Unscored, id[1])
				}
			}
			continue
		}
		if item, ok := parseBreakdownItem(line); ok {
			if i+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i+1]), "↳") {
				item.Reason = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "↳"))
				i++
			}
			b.Items = append(b.Items, item)
			b.Raw += item.Points
			continue
		}
	}
	return b, len(b.Items) > 0
}

// autoAwarded reports whether a breakdown item is the original's automatic award of
// attribute I (full points for a contact-ready lead the model did not score).
func autoAwarded(it leadrun.BreakdownItem) bool {
	return it.ID == "I" && it.Points == it.Max && strings.Contains(it.Reason, notScoredReason)
}

// parseBreakdownItem reads "- **A (Heading)**: 12 / 15".
func parseBreakdownItem(line string) (leadrun.BreakdownItem, bool) {
	var it leadrun.BreakdownItem
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, "-* "), "**")
	if !ok {
		rest, ok = strings.CutPrefix(strings.TrimPrefix(strings.TrimSpace(line[1:]), " "), "**")
	}
	label, rest, found := strings.Cut(rest, "**")
	if !ok || !found {
		return it, false
	}
	id, heading, _ := strings.Cut(strings.TrimSpace(label), " ")
	if !validID(id) {
		return it, false
	}
	num, den, found := strings.Cut(strings.TrimLeft(rest, ": "), "/")
	pts, err1 := strconv.ParseFloat(strings.TrimSpace(num), 64)
	limit, err2 := strconv.ParseFloat(firstField(den), 64)
	if !found || err1 != nil || err2 != nil {
		return it, false
	}
	it.ID, it.Heading = id, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(heading), "("), ")")
	it.Points, it.Max = int(pts), int(limit)
	return it, true
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func validID(id string) bool {
	for i, r := range id {
		letter := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '_')) {
			return false
		}
	}
	return id != ""
}
