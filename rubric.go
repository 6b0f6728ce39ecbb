package leadrun

import (
	"math"
	"regexp"
	"sort"
	"strings"
)

// Attribute categories.
const (
	CategoryPositive = "positive"
	CategoryNegative = "negative"
)

// attributeIDPattern: IDs are short keys (A…K, N1) or the original's post criterion IDs
// such as POST_AI_SENTIMENT; 64 characters leave room for any of them.
var attributeIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// Rubric is a client's scoring rubric: a preamble, the lead attributes and, for service
// level 2, the post rubric. It imports and exports as YAML or JSON.
type Rubric struct {
	Preamble   string      `json:"preamble" yaml:"preamble"`
	Attributes []Attribute `json:"attributes" yaml:"attributes"`
	Post       *PostRubric `json:"post,omitempty" yaml:"post,omitempty"`
}

// Attribute is one line of a rubric. Positives earn 0…MaxPoints, negatives Penalty…0.
type Attribute struct {
	ID            string   `json:"id" yaml:"id"`
	Category      string   `json:"category" yaml:"category"`
	Heading       string   `json:"heading" yaml:"heading"`
	Instructions  string   `json:"instructions" yaml:"instructions"`
	MaxPoints     int      `json:"max_points,omitempty" yaml:"max_points,omitempty"`
	Penalty       int      `json:"penalty,omitempty" yaml:"penalty,omitempty"`
	Bonus         bool     `json:"bonus,omitempty" yaml:"bonus,omitempty"`
	Disqualifying bool     `json:"disqualifying,omitempty" yaml:"disqualifying,omitempty"`
	MinToQualify  int      `json:"min_to_qualify,omitempty" yaml:"min_to_qualify,omitempty"`
	Signals       []string `json:"signals,omitempty" yaml:"signals,omitempty"`
	Examples      string   `json:"examples,omitempty" yaml:"examples,omitempty"`
	Active        *bool    `json:"active,omitempty" yaml:"active,omitempty"` // nil = active
}

// IsActive reports whether the attribute takes part in scoring (unset means active).
func (a Attribute) IsActive() bool { return a.Active == nil || *a.Active }

// PostRubric scores a lead's posts: criteria with a max score (positive) or a fixed
// penalty (negative), and keywords that signal them.
type PostRubric struct {
	Preamble string          `json:"preamble,omitempty" yaml:"preamble,omitempty"`
	Criteria []PostCriterion `json:"criteria" yaml:"criteria"`
}

// PostCriterion is one line of a post rubric.
type PostCriterion struct {
	ID               string   `json:"id" yaml:"id"`
	Category         string   `json:"category" yaml:"category"`
	Name             string   `json:"name" yaml:"name"`
	Instructions     string   `json:"instructions" yaml:"instructions"`
	MaxScore         int      `json:"max_score,omitempty" yaml:"max_score,omitempty"`
	Penalty          int      `json:"penalty,omitempty" yaml:"penalty,omitempty"`
	PositiveKeywords []string `json:"positive_keywords,omitempty" yaml:"positive_keywords,omitempty"`
	NegativeKeywords []string `json:"negative_keywords,omitempty" yaml:"negative_keywords,omitempty"`
	Examples         string   `json:"examples,omitempty" yaml:"examples,omitempty"`
	Active           *bool    `json:"active,omitempty" yaml:"active,omitempty"` // nil = active
}

// IsActive reports whether the criterion takes part in scoring (unset means active).
func (c PostCriterion) IsActive() bool { return c.Active == nil || *c.Active }

// Validate reports every problem of a rubric in one EINVALID error, so a person fixing a
// file sees them all at once.
func (r *Rubric) Validate() error {
	problems := r.limitProblems()
	seen := map[string]bool{}
	for i, a := range r.Attributes {
		where := "attribute " + a.ID
		if a.ID == "" || len(a.ID) > 16 {
			where = "attribute #" + itoa(i+1)
		}
		add := func(msg string) { problems = append(problems, where+": "+msg) }
		switch {
		case !attributeIDPattern.MatchString(a.ID):
			add("id must start with a letter and hold at most 64 letters, digits or '_'")
		case seen[a.ID]:
			add("id is used twice")
		}
		seen[a.ID] = true
		if strings.TrimSpace(a.Heading) == "" {
			add("heading is required")
		}
		switch a.Category {
		case CategoryPositive:
			if a.MaxPoints <= 0 {
				add("a positive attribute needs max_points > 0")
			}
			if a.Penalty != 0 || a.Disqualifying {
				add("penalty and disqualifying apply to negative attributes only")
			}
			if a.MinToQualify < 0 || a.MinToQualify > a.MaxPoints {
				add("min_to_qualify must be within 0…max_points")
			}
		case CategoryNegative:
			if a.Penalty >= 0 {
				add("a negative attribute needs a penalty < 0")
			}
			if a.MaxPoints != 0 || a.Bonus {
				add("max_points and bonus apply to positive attributes only")
			}
		default:
			add(`category must be "positive" or "negative"`)
		}
	}
	if r.Post != nil {
		problems = append(problems, r.Post.problems()...)
	}
	if len(problems) > 0 {
		return Errorf(EINVALID, "invalid rubric: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (p *PostRubric) problems() []string {
	var problems []string
	seen := map[string]bool{}
	for i, c := range p.Criteria {
		where := "post criterion " + c.ID
		if c.ID == "" || len(c.ID) > 16 {
			where = "post criterion #" + itoa(i+1)
		}
		add := func(msg string) { problems = append(problems, where+": "+msg) }
		if !attributeIDPattern.MatchString(c.ID) {
			add("id must start with a letter and hold at most 64 letters, digits or '_'")
		} else if seen[c.ID] {
			add("id is used twice")
		}
		seen[c.ID] = true
		if strings.TrimSpace(c.Name) == "" {
			add("name is required")
		}
		switch c.Category {
		case CategoryPositive:
			if c.MaxScore <= 0 || c.Penalty != 0 {
				add("a positive criterion needs max_score > 0 and no penalty")
			}
		case CategoryNegative:
			if c.Penalty >= 0 || c.MaxScore != 0 {
				add("a negative criterion needs a penalty < 0 and no max_score")
			}
		default:
			add(`category must be "positive" or "negative"`)
		}
	}
	return problems
}

// Attribute returns the attribute with the given ID.
func (r *Rubric) Attribute(id string) (Attribute, bool) {
	for _, a := range r.Attributes {
		if a.ID == id {
			return a, true
		}
	}
	return Attribute{}, false
}

// ActiveAttributes returns the attributes that take part in scoring, in rubric order.
func (r *Rubric) ActiveAttributes() []Attribute {
	var out []Attribute
	for _, a := range r.Attributes {
		if a.IsActive() {
			out = append(out, a)
		}
	}
	return out
}

// MaxPostScore is the highest score a post can reach under the rubric: the sum of the
// active positive criteria (penalties excluded, unlike the original platform).
func (p *PostRubric) MaxPostScore() int {
	if p == nil {
		return 0
	}
	total := 0
	for _, c := range p.Criteria {
		if c.IsActive() && c.Category == CategoryPositive {
			total += c.MaxScore
		}
	}
	return total
}

// Assessment is what a scorer says about one lead, before the score formula is applied.
type Assessment struct {
	Points           map[string]int    `json:"points"`  // attribute ID → points
	Reasons          map[string]string `json:"reasons"` // attribute ID → why
	Unscored         []string          `json:"unscored,omitempty"`
	ContactReadiness bool              `json:"contact_readiness"`
	Summary          string            `json:"summary"`
	Excluded         bool              `json:"excluded"`
	ExcludeDetails   string            `json:"exclude_details,omitempty"`
}

// CheckAssessment validates an assessment against the rubric: every attribute ID exists and
// is active, positives lie within 0…max_points and negatives within penalty…0. It also
// repairs and bounds the answer's text (CleanAssessment), since scorers relay AI output.
func (r *Rubric) CheckAssessment(a *Assessment) error {
	CleanAssessment(a)
	for id, pts := range a.Points {
		attr, ok := r.Attribute(id)
		if !ok || !attr.IsActive() {
			return Errorf(EINVALID, "unknown attribute %q", id)
		}
		lo, hi := 0, attr.MaxPoints
		if attr.Category == CategoryNegative {
			lo, hi = attr.Penalty, 0
		}
		if pts < lo || pts > hi {
			return Errorf(EINVALID, "attribute %s: %d points outside %d…%d", id, pts, lo, hi)
		}
	}
	return nil
}

// Breakdown explains a score: each scored attribute with points, max and reason, the
// unscored attributes, and the totals of the formula.
type Breakdown struct {
	Items          []BreakdownItem `json:"items"`
	Unscored       []string        `json:"unscored,omitempty"`
	Raw            int             `json:"raw"`
	Denominator    float64         `json:"denominator"`
	Score          float64         `json:"score"`
	DisqualifiedBy []string        `json:"disqualified_by,omitempty"`
}

// BreakdownItem is one scored attribute in a Breakdown. Max is max_points for a positive
// and the penalty for a negative.
type BreakdownItem struct {
	ID       string `json:"id"`
	Heading  string `json:"heading,omitempty"`
	Category string `json:"category,omitempty"`
	Points   int    `json:"points"`
	Max      int    `json:"max"`
	Reason   string `json:"reason,omitempty"`
}

// Score applies the formula of SPEC §3.6 to a checked assessment:
// raw = Σ positive points + Σ negative points; denominator = Σ over active positive
// attributes of max_points × (0.25 if bonus else 1); score = raw ÷ denominator × 100,
// rounded to 2 dp and clamped to 0…100, 0 when the denominator is 0. A disqualifying
// negative that applies (points < 0) forces the score to 0 — the original platform's
// "global rule", which it documented but never applied.
func (r *Rubric) Score(a *Assessment) Breakdown {
	b := Breakdown{Items: make([]BreakdownItem, 0, len(a.Points))}
	for _, attr := range r.Attributes {
		if !attr.IsActive() {
			continue
		}
		if attr.Category == CategoryPositive {
			weight := 1.0
			if attr.Bonus {
				weight = 0.25
			}
			b.Denominator += float64(attr.MaxPoints) * weight
		}
		pts, ok := a.Points[attr.ID]
		if !ok {
			b.Unscored = append(b.Unscored, attr.ID)
			continue
		}
		limit := attr.MaxPoints
		if attr.Category == CategoryNegative {
			limit = attr.Penalty
			if attr.Disqualifying && pts < 0 {
				b.DisqualifiedBy = append(b.DisqualifiedBy, attr.ID)
			}
		}
		b.Raw += pts
		b.Items = append(b.Items, BreakdownItem{
			ID: attr.ID, Heading: attr.Heading, Category: attr.Category,
			Points: pts, Max: limit, Reason: a.Reasons[attr.ID],
		})
	}
	sort.Strings(b.Unscored)
	if b.Denominator > 0 && len(b.DisqualifiedBy) == 0 {
		b.Score = clamp(math.Round(float64(b.Raw)/b.Denominator*100*100)/100, 0, 100)
	}
	return b
}

// Annotate fills in the headings and categories of a stored breakdown's items from the
// rubric (items of attributes the rubric no longer has keep their ID only).
func (r *Rubric) Annotate(b *Breakdown) {
	for i := range b.Items {
		if attr, ok := r.Attribute(b.Items[i].ID); ok {
			b.Items[i].Heading, b.Items[i].Category = attr.Heading, attr.Category
		}
	}
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
