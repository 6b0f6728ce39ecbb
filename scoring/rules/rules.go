// Package rules is leadrun's embedded default scorer (SPEC §3.7): deterministic and
// offline. It scores each rubric attribute from its signals (keywords) found in a lead's
// headline, about and first five jobs, names what matched in its reasons, and uses no
// tokens. It makes the demo and the tests work without a network.
package rules

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// Options configure a Scorer.
type Options struct {
	// Delay is a simulated latency added to every ScoreLeads and ScorePosts call, to make
	// the rules scorer behave like a remote model in demos and tests. Zero means none.
	Delay time.Duration
}

// Scorer is the rules scorer. It is safe for concurrent use: every call compiles the
// rubric it is given and keeps no state between calls.
type Scorer struct {
	opts Options
}

var _ leadrun.Scorer = (*Scorer)(nil)

// New returns a rules scorer.
func New(opts Options) *Scorer { return &Scorer{opts: opts} }

// Name identifies the scorer in run records and logs.
func (s *Scorer) Name() string { return "rules" }

// ScoreLeads scores a chunk of leads. Every non-nil lead gets an assessment; leads that
// lack data simply match fewer signals (filtering them is the runner's business).
func (s *Scorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	if req.Rubric == nil {
		return nil, rubricError(fmt.Errorf("client %s has no rubric", req.ClientID))
	}
	if err := req.Rubric.Validate(); err != nil {
		return nil, rubricError(err)
	}
	c := compileRubric(req.Rubric)
	hits := make([]uint8, len(c.m.kws))
	res := &leadrun.LeadResult{Outcomes: make([]leadrun.LeadOutcome, 0, len(req.Leads))}
	for _, l := range req.Leads {
		if l == nil {
			continue
		}
		c.scanLead(l, hits)
		res.Outcomes = append(res.Outcomes, leadrun.LeadOutcome{LeadID: l.ID, Assessment: c.assess(l, hits)})
	}
	return res, nil
}

// wait applies the simulated delay, giving up when ctx is done.
func (s *Scorer) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return ctxError(err)
	}
	if s.opts.Delay <= 0 {
		return nil
	}
	t := time.NewTimer(s.opts.Delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctxError(ctx.Err())
	case <-t.C:
		return nil
	}
}

func ctxError(err error) error {
	return &leadrun.ScoreError{Reason: leadrun.ReasonTimeout, Err: fmt.Errorf("rules scorer: %w", err)}
}

func rubricError(err error) error {
	return &leadrun.ScoreError{Reason: leadrun.ReasonRubricError, Err: err}
}

// Field labels: where a signal was found. hits hold the label, 0 meaning "not found".
const (
	labelHeadline uint8 = 1 + iota
	labelJobTitle
	labelAbout
	labelJob1 // labelJob1+j is experience entry j (0-based)
)

var labelNames = [...]string{"", "headline", "job title", "about",
	"experience 1", "experience 2", "experience 3", "experience 4", "experience 5"}

// attrRule is a compiled rubric attribute.
type attrRule struct {
	leadrun.Attribute
	g       group
	noMatch string // reason when none of the signals is found
}

// compiled is a rubric ready to score leads: its active attributes, one matcher over all
// their signals, and scratch space reused from lead to lead (a compiled rubric serves one
// call, so it is never shared between goroutines).
type compiled struct {
	attrs []attrRule
	m     matcher
	pts   []int  // points per attribute of the lead being assessed
	buf   []byte // reasons and summaries are built here, then copied out once
}

// compileRubric lower-cases and indexes the signals of the active attributes. It costs a
// few microseconds, once per chunk.
func compileRubric(r *leadrun.Rubric) *compiled {
	c := &compiled{}
	for _, a := range r.Attributes {
		if !a.IsActive() {
			continue
		}
		g := c.m.add(a.Signals)
		c.attrs = append(c.attrs, attrRule{Attribute: a, g: g, noMatch: noMatchReason(c.m.kws[g.lo:g.hi])})
	}
	c.m.index()
	c.pts = make([]int, len(c.attrs))
	return c
}

// noMatchReason is the reason of an attribute none of whose signals was found. It stays
// short: it is stored with every scored lead, and the rubric already lists the signals.
func noMatchReason([]keyword) string { return "no signal found" }

// scanLead records where each signal occurs in the lead: the headline (or the job title
// when there is no headline), the about, then the title, company and description of the
// jobs the scorer sees.
func (c *compiled) scanLead(l *leadrun.Lead, hits []uint8) {
	clear(hits)
	if strings.TrimSpace(l.Headline) != "" {
		c.m.scan(l.Headline, labelHeadline, hits)
	} else {
		c.m.scan(l.JobTitle, labelJobTitle, hits)
	}
	c.m.scan(l.About, labelAbout, hits)
	for j, job := range l.ScorerExperience() {
		label := labelJob1 + uint8(j)
		c.m.scan(job.Title, label, hits)
		c.m.scan(job.Company, label, hits)
		c.m.scan(job.Description, label, hits)
	}
}
