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
		if m := breakdownItem.FindStringSubmatch(lines[i]); m != nil {
			pts, _ := strconv.ParseFloat(m[3], 64)
			limit, _ := strconv.ParseFloat(m[4], 64)
			item := leadrun.BreakdownItem{ID: m[1], Heading: strings.TrimSpace(m[2]), Points: int(pts), Max: int(limit)}
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
