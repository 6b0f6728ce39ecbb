package migrate

import (
	"fmt"
	"math"
	"strings"

	"github.com/leadrun/leadrun"
)

// MappedRubric is a client's rubric read from its Scoring Attributes (and Post Scoring
// Attributes) rows, with what was read differently from the original.
type MappedRubric struct {
	Rubric   *leadrun.Rubric
	Notes    []string
	Rejected []Rejection // rows that could not become attributes
}

// RubricBuilder collects the rows of a client's rubric tables.
type RubricBuilder struct {
	r        leadrun.Rubric
	extra    []string // Step and Global Rule rows, appended to the preamble
	notes    []string
	rejected []Rejection
	row      int
	postRow  int
}

// AddAttribute reads one row of Scoring Attributes. The PREAMBLE (category Meta) row is
// the preamble; Step and Global Rule rows, which the original's loader silently ignored,
// are appended to the preamble so the model sees them. Unticked Active = inactive. A
// negative's penalty is negative whichever column (Penalty or Max Points) held it and
// whatever its sign; signals (often prose) are split at commas, semicolons and lines.
func (b *RubricBuilder) AddAttribute(rec Record) {
	b.row++
	f := newFields(rec)
	id, category := f.text("Attribute Id", "Attribute ID"), strings.ToLower(f.text("Category"))
	instructions := f.text("Instructions")
	switch {
	case strings.EqualFold(id, "PREAMBLE") || category == "meta":
		b.r.Preamble = instructions
		return
	case category == "step" || category == "global rule":
		if instructions != "" {
			b.extra = append(b.extra, fmt.Sprintf("%s (%s): %s", cmpOr(f.text("Heading"), id), f.text("Category"), instructions))
			b.notes = append(b.notes, fmt.Sprintf("%s row %s appended to the preamble", f.text("Category"), id))
		}
		return
	}
	active, _ := f.flag("Active")
	a := leadrun.Attribute{ID: id, Heading: cmpOr(f.text("Heading"), id), Instructions: instructions,
		Signals: splitSignals(f.text("Signals")), Examples: f.text("Examples"), Active: &active}
	maxPts, _ := f.number("Max Points")
	penalty, _ := f.number("Penalty")
	switch category {
	case "positive":
		a.Category, a.MaxPoints = leadrun.CategoryPositive, int(math.Abs(maxPts))
		a.Bonus = bonus(f)
		if minQ, ok := f.number("Min To Qualify"); ok {
			a.MinToQualify = min(max(int(minQ), 0), a.MaxPoints)
		}
	case "negative":
		a.Category = leadrun.CategoryNegative
		a.Penalty = -int(math.Abs(cmpOrFloat(penalty, maxPts)))
		a.Disqualifying, _ = f.flag("Disqualifying")
	default:
		b.reject(TableAttributes, b.row, fmt.Sprintf("attribute %s: category %q is not Positive, Negative, Meta, Step or Global Rule", id, f.text("Category")))
		return
	}
	one := leadrun.Rubric{Attributes: []leadrun.Attribute{a}}
	if err := one.Validate(); err != nil {
		b.reject(TableAttributes, b.row, leadrun.ErrorMessage(err))
		return
	}
	b.r.Attributes = append(b.r.Attributes, a)
}

// bonus reads Bonus Points: a ticked box, Yes, or a number above 0.
func bonus(f fields) bool {
	if n, ok := f.number("Bonus Points", "Bonus"); ok {
		return n > 0
	}
	v, _ := f.flag("Bonus Points", "Bonus")
	return v
}

// AddPostCriterion reads one row of Post Scoring Attributes. Blank Active is active (the
// original's default there). A penalty (negative category, Fixed Penalty, or a negative
// Max Score / Point Value) gets a negative penalty, and its keyword columns are read for
// what they mean: "Positive Indicators" say the penalty applies, so they become the
// criterion's triggering (negative) keywords, and "Negative Indicators" the others.
func (b *RubricBuilder) AddPostCriterion(rec Record) {
	b.postRow++
	f := newFields(rec)
	id := f.text("Attribute ID", "Attribute Id", "Criterion ID")
	active, set := f.flag("Active")
	if !set {
		active = true
	}
	c := leadrun.PostCriterion{ID: id, Name: cmpOr(f.text("Criterion Name", "Name"), id), Active: &active,
		Instructions: f.text("Detailed Instructions for AI (Scoring Rubric)", "Instructions"),
		Examples:     joinExamples(f.text("Example - High Score / Applies"), f.text("Example - Low Score / Does Not Apply"))}
	value, _ := f.number("Max Score / Point Value", "Max Score", "Point Value")
	applies, against := splitSignals(f.text("Keywords/Positive Indicators")), splitSignals(f.text("Keywords/Negative Indicators"))
	category := strings.ToLower(f.text("Category"))
	if strings.Contains(category, "negative") || strings.Contains(strings.ToLower(f.text("Scoring Type")), "penalty") || value < 0 {
		c.Category, c.Penalty = leadrun.CategoryNegative, -int(math.Abs(value))
		c.NegativeKeywords, c.PositiveKeywords = applies, against
	} else {
		c.Category, c.MaxScore = leadrun.CategoryPositive, int(math.Abs(value))
		c.PositiveKeywords, c.NegativeKeywords = applies, against
	}
	one := leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{c}}}
	if err := one.Validate(); err != nil {
		b.reject(TablePostAttributes, b.postRow, leadrun.ErrorMessage(err))
		return
	}
	if b.r.Post == nil {
		b.r.Post = &leadrun.PostRubric{}
	}
	b.r.Post.Criteria = append(b.r.Post.Criteria, c)
}

func (b *RubricBuilder) reject(table string, row int, reason string) {
	b.rejected = append(b.rejected, Rejection{Table: table, Row: row, Reason: reason})
}

// Build returns the rubric, or nil with the reason when the rows make no valid rubric
// (no lead attribute, or attributes that clash such as an ID used twice).
func (b *RubricBuilder) Build() (*MappedRubric, error) {
	m := &MappedRubric{Notes: b.notes, Rejected: b.rejected}
	if len(b.r.Attributes) == 0 {
		return m, leadrun.Errorf(leadrun.EINVALID, "no usable lead attribute in %s", TableAttributes)
	}
	r := b.r
	if len(b.extra) > 0 {
		r.Preamble = strings.TrimSpace(r.Preamble + "\n\n" + strings.Join(b.extra, "\n"))
	}
	if err := r.Validate(); err != nil {
		return m, err
	}
	if !r.HasKeywordSignals() {
		m.Notes = append(m.Notes, "no keyword signals (the signals are prose): score with the openai scorer")
	}
	m.Rubric = &r
	return m, nil
}

// splitSignals splits a signals cell into keywords at commas, semicolons and new lines.
func splitSignals(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		part = strings.Trim(strings.TrimSpace(part), `"'•-* `)
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

func joinExamples(high, low string) string {
	switch {
	case high != "" && low != "":
		return "Applies / high score: " + high + "\nDoes not apply / low score: " + low
	case high != "":
		return "Applies / high score: " + high
	case low != "":
		return "Does not apply / low score: " + low
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmpOrFloat(a, b float64) float64 {
	if a != 0 {
		return a
	}
	return b
}
