package leadrun

import "fmt"

// limitProblems reports what in a rubric is out of bounds: text that is not valid UTF-8,
// holds NUL or is over its limit (limits.go), too many attributes, criteria or signals,
// and points beyond ±MaxPoints (which would overflow the score sums).
func (r *Rubric) limitProblems() []string {
	var lp limitProblems
	lp.text("preamble", r.Preamble, MaxRubricTextLen)
	if len(r.Attributes) > MaxAttributes {
		lp.addf("rubric has %d attributes, over the limit of %d", len(r.Attributes), MaxAttributes)
		return lp
	}
	for i, a := range r.Attributes {
		where := fmt.Sprintf("attribute #%d", i+1)
		if a.ID != "" && len(a.ID) <= 16 {
			where = "attribute " + a.ID
		}
		lp.text(where+": id", a.ID, MaxNameLen)
		lp.text(where+": heading", a.Heading, MaxShortTextLen)
		lp.text(where+": category", a.Category, MaxNameLen)
		lp.text(where+": instructions", a.Instructions, MaxInstructionLen)
		lp.text(where+": examples", a.Examples, MaxInstructionLen)
		lp.list(where+": signals", a.Signals)
		lp.points(where+": max_points", a.MaxPoints)
		lp.points(where+": penalty", a.Penalty)
		lp.points(where+": min_to_qualify", a.MinToQualify)
	}
	if r.Post != nil {
		lp = append(lp, r.Post.limitProblems()...)
	}
	return lp
}

func (p *PostRubric) limitProblems() limitProblems {
	var lp limitProblems
	lp.text("post preamble", p.Preamble, MaxRubricTextLen)
	if len(p.Criteria) > MaxAttributes {
		lp.addf("post rubric has %d criteria, over the limit of %d", len(p.Criteria), MaxAttributes)
		return lp
	}
	for i, c := range p.Criteria {
		where := fmt.Sprintf("post criterion #%d", i+1)
		if c.ID != "" && len(c.ID) <= 16 {
			where = "post criterion " + c.ID
		}
		lp.text(where+": id", c.ID, MaxNameLen)
		lp.text(where+": name", c.Name, MaxShortTextLen)
		lp.text(where+": category", c.Category, MaxNameLen)
		lp.text(where+": instructions", c.Instructions, MaxInstructionLen)
		lp.text(where+": examples", c.Examples, MaxInstructionLen)
		lp.list(where+": positive_keywords", c.PositiveKeywords)
		lp.list(where+": negative_keywords", c.NegativeKeywords)
		lp.points(where+": max_score", c.MaxScore)
		lp.points(where+": penalty", c.Penalty)
	}
	return lp
}

// limitProblems collects bound violations as messages.
type limitProblems []string

func (lp *limitProblems) addf(format string, args ...any) {
	*lp = append(*lp, fmt.Sprintf(format, args...))
}

func (lp *limitProblems) text(field, s string, max int) {
	if err := checkText(field, s, max); err != nil {
		*lp = append(*lp, ErrorMessage(err))
	}
}

func (lp *limitProblems) list(field string, items []string) {
	if len(items) > MaxSignals {
		lp.addf("%s holds %d entries, over the limit of %d", field, len(items), MaxSignals)
		return
	}
	for i, s := range items {
		lp.text(fmt.Sprintf("%s[%d]", field, i), s, MaxSignalLen)
	}
}

func (lp *limitProblems) points(field string, n int) {
	if n > MaxPoints || n < -MaxPoints {
		lp.addf("%s %d is out of bounds: points must be whole numbers within -%d…%d", field, n, MaxPoints, MaxPoints)
	}
}
