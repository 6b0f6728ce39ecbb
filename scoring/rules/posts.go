package rules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// labelPost is the only field of a post: its content.
const labelPost uint8 = 1

// criterionRule is a compiled post criterion. For a positive criterion, pos earns points
// and neg (its negative keywords) vetoes them; for a negative criterion, trigger applies
// the penalty: its negative keywords, or its positive ones when it only has those.
type criterionRule struct {
	leadrun.PostCriterion
	pos, neg, trigger group
}

// compiledPosts is a post rubric ready to score posts.
type compiledPosts struct {
	crits []criterionRule
	max   int
	m     matcher
}

func compilePosts(r *leadrun.PostRubric) *compiledPosts {
	c := &compiledPosts{max: r.MaxPostScore()}
	for _, pc := range r.Criteria {
		if !pc.IsActive() {
			continue
		}
		cr := criterionRule{PostCriterion: pc}
		if pc.Category == leadrun.CategoryPositive {
			cr.pos, cr.neg = c.m.add(pc.PositiveKeywords), c.m.add(pc.NegativeKeywords)
		} else if len(pc.NegativeKeywords) > 0 {
			cr.trigger = c.m.add(pc.NegativeKeywords)
		} else {
			cr.trigger = c.m.add(pc.PositiveKeywords)
		}
		c.crits = append(c.crits, cr)
	}
	c.m.index()
	return c
}

// ScorePosts scores posts against the post rubric: the points of the positive criteria
// whose keywords occur, minus the penalties of the negative ones that apply, clamped to
// 0…MaxPostScore. Posts too short to judge get ReasonNoContent.
func (s *Scorer) ScorePosts(ctx context.Context, req leadrun.PostRequest) (*leadrun.PostResult, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	if req.Rubric == nil {
		return nil, rubricError(fmt.Errorf("client %s has no post rubric", req.ClientID))
	}
	if err := (&leadrun.Rubric{Post: req.Rubric}).Validate(); err != nil {
		return nil, rubricError(err)
	}
	c := compilePosts(req.Rubric)
	hits := make([]uint8, len(c.m.kws))
	res := &leadrun.PostResult{Outcomes: make([]leadrun.PostOutcome, 0, len(req.Posts))}
	for _, p := range req.Posts {
		if p == nil {
			continue
		}
		res.Outcomes = append(res.Outcomes, c.score(p, hits))
	}
	return res, nil
}

// score judges one post.
func (c *compiledPosts) score(p *leadrun.Post, hits []uint8) leadrun.PostOutcome {
	out := leadrun.PostOutcome{PostID: p.ID}
	content := strings.TrimSpace(p.Content)
	if utf8.RuneCountInString(content) < leadrun.MinPostContent {
		out.Reason = leadrun.ReasonNoContent
		out.Detail = "post has fewer than " + strconv.Itoa(leadrun.MinPostContent) + " characters of content"
		return out
	}
	clear(hits)
	c.m.scan(content, labelPost, hits)
	total := 0
	var parts []string
	for i := range c.crits {
		pts, why := c.judge(&c.crits[i], hits)
		if why == "" {
			continue
		}
		total += pts
		parts = append(parts, fmt.Sprintf("%s %s %+d: %s", c.crits[i].ID, c.crits[i].Name, pts, why))
	}
	out.Score = float64(min(max(total, 0), c.max))
	if len(parts) == 0 {
		out.Rationale = "No post criterion's keywords found."
	} else {
		out.Rationale = strings.Join(parts, "; ")
	}
	return out
}

// judge returns a criterion's points for the scanned post and why, or "" when none of its
// keywords occurred.
func (c *compiledPosts) judge(cr *criterionRule, hits []uint8) (int, string) {
	if cr.Category != leadrun.CategoryPositive {
		if countHits(hits[cr.trigger.lo:cr.trigger.hi]) == 0 {
			return 0, ""
		}
		return cr.Penalty, c.matched(cr.trigger, hits)
	}
	if countHits(hits[cr.neg.lo:cr.neg.hi]) > 0 {
		return 0, "ruled out by " + c.matched(cr.neg, hits)
	}
	found := countHits(hits[cr.pos.lo:cr.pos.hi])
	if found == 0 {
		return 0, ""
	}
	return positivePoints(cr.MaxScore, found, cr.pos.size()), c.matched(cr.pos, hits)
}

// matched lists the keywords of a group found in the post, e.g. `"ai", "automation"`.
func (c *compiledPosts) matched(g group, hits []uint8) string {
	var quoted []string
	for k := g.lo; k < g.hi; k++ {
		if hits[k] != 0 {
			quoted = append(quoted, strconv.Quote(c.m.kws[k].text))
		}
	}
	return "matched " + strings.Join(quoted, ", ")
}
