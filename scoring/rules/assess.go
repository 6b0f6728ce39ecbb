package rules

import (
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// Outcomes of an attribute for one lead, besides its points.
const (
	attrUnscored = iota // no signals: the rules scorer cannot judge it
	attrNoMatch         // signals, none found: 0 points
	attrMatched         // at least one signal found
)

// assess turns the signals found in one lead into an assessment that passes
// (*leadrun.Rubric).CheckAssessment: attributes without signals are unscored, those with
// signals get points (0 when none is found) and a reason naming what matched and where.
func (c *compiled) assess(l *leadrun.Lead, hits []uint8) *leadrun.Assessment {
	a := &leadrun.Assessment{
		Points:           make(map[string]int, len(c.attrs)),
		Reasons:          make(map[string]string, len(c.attrs)),
		ContactReadiness: contactReady(l),
	}
	var excluded []string
	for i := range c.attrs {
		r := &c.attrs[i]
		c.pts[i] = 0
		switch c.judge(r, i, hits) {
		case attrUnscored:
			a.Unscored = append(a.Unscored, r.ID)
		case attrNoMatch:
			a.Points[r.ID], a.Reasons[r.ID] = 0, r.noMatch
		case attrMatched:
			reason := c.matchReason(r, c.pts[i], hits)
			a.Points[r.ID], a.Reasons[r.ID] = c.pts[i], reason
			if r.Category == leadrun.CategoryNegative && r.Disqualifying {
				excluded = append(excluded, r.ID+" "+r.Heading+": "+reason)
			}
		}
	}
	if len(excluded) > 0 {
		a.Excluded, a.ExcludeDetails = true, "disqualified by "+strings.Join(excluded, "; ")
	}
	a.Summary = c.summary()
	return a
}

// judge sets the points of attribute i from the signals found and says which case it is.
func (c *compiled) judge(r *attrRule, i int, hits []uint8) int {
	n := r.g.size()
	if n == 0 {
		return attrUnscored
	}
	found := countHits(hits[r.g.lo:r.g.hi])
	switch {
	case found == 0:
		return attrNoMatch
	case r.Category == leadrun.CategoryPositive:
		c.pts[i] = positivePoints(r.MaxPoints, found, n)
	default:
		c.pts[i] = r.Penalty
	}
	return attrMatched
}

// positivePoints maps found signals onto 0…max: full points from two signals found, or
// from half of them when the attribute has only one or two; half points (rounded up) for
// a single signal out of three or more.
func positivePoints(maxPts, found, n int) int {
	full := min(2, (n+1)/2)
	k := min(found, full)
	return (2*maxPts*k + full) / (2 * full)
}

func countHits(hits []uint8) int {
	n := 0
	for _, h := range hits {
		if h != 0 {
			n++
		}
	}
	return n
}

// maxListed is how many found signals a reason names.
const maxListed = 3

// matchReason names the signals of an attribute that were found and where, e.g.
// `matched "founder" in headline, "coach" in about`, adding the count when a positive
// attribute earned less than its maximum.
func (c *compiled) matchReason(r *attrRule, pts int, hits []uint8) string {
	b := append(c.buf[:0], "matched "...)
	found := 0
	for k := r.g.lo; k < r.g.hi; k++ {
		if hits[k] == 0 {
			continue
		}
		if found >= maxListed {
			found++
			continue // counted, not listed: reasons are stored with every lead
		}
		if found > 0 {
			b = append(b, ", "...)
		}
		found++
		b = append(b, '"')
		b = append(b, c.m.kws[k].text...)
		b = append(b, `" in `...)
		b = append(b, labelNames[hits[k]]...)
	}
	if found > maxListed {
		b = append(b, " and more"...)
	}
	if r.Category == leadrun.CategoryPositive && pts < r.MaxPoints {
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(found), 10)
		b = append(b, " of "...)
		b = strconv.AppendInt(b, int64(r.g.size()), 10)
		b = append(b, " signals)"...)
	}
	c.buf = b
	return string(b)
}

// contactReady is the rules scorer's stand-in for the model's holistic judgement: the
// lead is already a connection or left an email address or phone number.
func contactReady(l *leadrun.Lead) bool {
	return l.ConnectionStatus == leadrun.ConnectionConnected ||
		strings.TrimSpace(l.Email) != "" || strings.TrimSpace(l.Phone) != ""
}

// summary says in one or two sentences which attributes carried the lead (up to three,
// highest points first, rubric order on ties) and which penalties or disqualifications
// applied. It reads the points of the lead just judged.
func (c *compiled) summary() string {
	top := [3]int{-1, -1, -1}
	for i := range c.attrs {
		if c.attrs[i].Category == leadrun.CategoryPositive && c.pts[i] > 0 {
			c.insertTop(&top, i)
		}
	}
	b := c.buf[:0]
	if top[0] < 0 {
		b = append(b, "No positive signals found in the profile."...)
	} else {
		b = append(b, "Strongest: "...)
		for n, i := range top {
			if i < 0 {
				break
			}
			if n > 0 {
				b = append(b, ", "...)
			}
			b = append(b, c.attrs[i].Heading...)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(c.pts[i]), 10)
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(c.attrs[i].MaxPoints), 10)
		}
		b = append(b, '.')
	}
	b = c.appendPenalties(b)
	c.buf = b
	return string(b)
}

// insertTop keeps top (attribute indexes, -1 for none) sorted by points, highest first.
func (c *compiled) insertTop(top *[3]int, i int) {
	for n := range top {
		if top[n] < 0 || c.pts[i] > c.pts[top[n]] {
			copy(top[n+1:], top[n:len(top)-1])
			top[n] = i
			return
		}
	}
}

// appendPenalties adds the sentence naming disqualifying and penalising attributes.
func (c *compiled) appendPenalties(b []byte) []byte {
	var dq, pen int
	for i := range c.attrs {
		if c.pts[i] < 0 && c.attrs[i].Disqualifying {
			dq++
		} else if c.pts[i] < 0 {
			pen++
		}
	}
	if dq > 0 {
		b = append(b, " Disqualified by "...)
		b = c.appendNegatives(b, true)
		if pen > 0 {
			b = append(b, "; penalised: "...)
		}
	} else if pen > 0 {
		b = append(b, " Penalised: "...)
	}
	if pen > 0 {
		b = c.appendNegatives(b, false)
	}
	if dq+pen > 0 {
		b = append(b, '.')
	}
	return b
}

// appendNegatives lists the applied negatives that are (or are not) disqualifying:
// headings, with the penalty for the non-disqualifying ones.
func (c *compiled) appendNegatives(b []byte, disqualifying bool) []byte {
	n := 0
	for i := range c.attrs {
		r := &c.attrs[i]
		if c.pts[i] >= 0 || r.Disqualifying != disqualifying {
			continue
		}
		if n > 0 {
			b = append(b, ", "...)
		}
		n++
		b = append(b, r.Heading...)
		if !disqualifying {
			b = append(b, " ("...)
			b = strconv.AppendInt(b, int64(c.pts[i]), 10)
			b = append(b, ')')
		}
	}
	return b
}
