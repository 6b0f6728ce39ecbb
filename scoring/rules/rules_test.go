package rules_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/scoring/rules"
)

func boolPtr(b bool) *bool { return &b }

// testRubric is a small rubric with one attribute of each kind the scorer distinguishes.
func testRubric() *leadrun.Rubric {
	return &leadrun.Rubric{Attributes: []leadrun.Attribute{
		{ID: "A", Category: "positive", Heading: "Founder", MaxPoints: 15, Signals: []string{"founder", "owner", "ceo", "entrepreneur"}},
		{ID: "B", Category: "positive", Heading: "Coaching", MaxPoints: 10, Signals: []string{"Coach"}},
		{ID: "C", Category: "positive", Heading: "AI", MaxPoints: 5, Bonus: true, Signals: []string{"ai", "machine learning"}},
		{ID: "D", Category: "positive", Heading: "No signals", MaxPoints: 10},
		{ID: "E", Category: "positive", Heading: "Inactive", MaxPoints: 10, Signals: []string{"founder"}, Active: boolPtr(false)},
		{ID: "N1", Category: "negative", Heading: "Recruiter", Penalty: -10, Disqualifying: true, Signals: []string{"recruiter", "talent acquisition"}},
		{ID: "N2", Category: "negative", Heading: "Student", Penalty: -5, Signals: []string{"student"}},
	}}
}

func mustScoreLead(t *testing.T, r *leadrun.Rubric, l *leadrun.Lead) *leadrun.Assessment {
	t.Helper()
	res, err := rules.New(rules.Options{}).ScoreLeads(context.Background(),
		leadrun.LeadRequest{ClientID: "c1", Rubric: r, Leads: []*leadrun.Lead{l}})
	if err != nil {
		t.Fatalf("ScoreLeads: %v", err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].LeadID != l.ID || res.Outcomes[0].Assessment == nil {
		t.Fatalf("outcomes = %+v, want one assessment for lead %d", res.Outcomes, l.ID)
	}
	if res.Usage != (leadrun.Usage{}) {
		t.Errorf("usage = %+v, want zero", res.Usage)
	}
	a := res.Outcomes[0].Assessment
	if err := r.CheckAssessment(a); err != nil {
		t.Fatalf("CheckAssessment: %v", err)
	}
	return a
}

func TestScoreLeads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		lead       leadrun.Lead
		points     map[string]int
		reasons    map[string]string // substrings expected in the reasons
		excluded   bool
		summaryHas string
	}{
		{
			name:       "nothing matches",
			lead:       leadrun.Lead{ID: 1, Headline: "Accountant", Experience: []leadrun.Job{{Title: "Accountant", Company: "Numbers Ltd"}}},
			points:     map[string]int{"A": 0, "B": 0, "C": 0, "N1": 0, "N2": 0},
			reasons:    map[string]string{"A": "no signal found"},
			summaryHas: "No positive signals",
		},
		{
			name: "one of four signals gives half points, single signal gives full",
			lead: leadrun.Lead{ID: 2, Headline: "Founder at Acme", About: "I COACH leaders.",
				Experience: []leadrun.Job{{Title: "Founder", Company: "Acme"}}},
			points:     map[string]int{"A": 8, "B": 10, "C": 0, "N1": 0, "N2": 0},
			reasons:    map[string]string{"A": `matched "founder" in headline (1 of 4 signals)`, "B": `matched "coach" in about`},
			summaryHas: "Strongest: Coaching 10/10, Founder 8/15.",
		},
		{
			name: "two signals give full points, reasons name where",
			lead: leadrun.Lead{ID: 3, Headline: "CEO", About: "Serial entrepreneur",
				Experience: []leadrun.Job{{Title: "x"}, {Title: "y", Description: "Built machine learning tools"}}},
			points:  map[string]int{"A": 15, "C": 5},
			reasons: map[string]string{"A": `matched "ceo" in headline, "entrepreneur" in about`, "C": `"machine learning" in experience 2`},
		},
		{
			name:    "job title stands in for a missing headline",
			lead:    leadrun.Lead{ID: 4, JobTitle: "Owner", Experience: []leadrun.Job{{Title: "Owner"}}},
			points:  map[string]int{"A": 8},
			reasons: map[string]string{"A": `matched "owner" in job title`},
		},
		{
			name:    "headline wins over job title",
			lead:    leadrun.Lead{ID: 5, Headline: "Accountant", JobTitle: "Owner"},
			points:  map[string]int{"A": 0},
			reasons: map[string]string{"A": "no signal found"},
		},
		{
			name:    "short signals need whole words",
			lead:    leadrun.Lead{ID: 6, Headline: "Chair of aims; ceox; CEOs; said", About: "director"},
			points:  map[string]int{"A": 8, "C": 0},
			reasons: map[string]string{"A": `matched "ceo" in headline`, "C": "no signal found"},
		},
		{
			name:    "longer signals match word starts only",
			lead:    leadrun.Lead{ID: 7, Headline: "Coaching and co-founders", About: "Autocoach, cofounder"},
			points:  map[string]int{"A": 8, "B": 10},
			reasons: map[string]string{"B": `"coach" in headline`, "A": `"founder" in headline`},
		},
		{
			name:    "no match inside words",
			lead:    leadrun.Lead{ID: 13, Headline: "Autocoach cofounder", About: "Thai chairs"},
			points:  map[string]int{"A": 0, "B": 0, "C": 0},
			reasons: map[string]string{"B": "no signal found"},
		},
		{
			name:       "disqualifying negative excludes",
			lead:       leadrun.Lead{ID: 8, Headline: "Founder | Recruiter", Experience: []leadrun.Job{{Title: "Talent Acquisition Lead"}}},
			points:     map[string]int{"A": 8, "N1": -10, "N2": 0},
			reasons:    map[string]string{"N1": `matched "recruiter" in headline, "talent acquisition" in experience 1`},
			excluded:   true,
			summaryHas: "Disqualified by Recruiter.",
		},
		{
			name:       "plain negative penalises without excluding",
			lead:       leadrun.Lead{ID: 9, Headline: "MBA Student"},
			points:     map[string]int{"N2": -5, "N1": 0},
			summaryHas: "Penalised: Student (-5).",
		},
		{
			name:    "non-ASCII text folds case",
			lead:    leadrun.Lead{ID: 10, Headline: "FOUNDER · Société Générale", About: "ÉNTREPRENEUR"},
			points:  map[string]int{"A": 8},
			reasons: map[string]string{"A": `"founder" in headline`},
		},
		{
			name:    "only the first five jobs count",
			lead:    leadrun.Lead{ID: 11, Headline: "x", Experience: []leadrun.Job{{}, {}, {}, {}, {}, {Title: "Coach"}}},
			points:  map[string]int{"B": 0},
			reasons: map[string]string{"B": "no signal found"},
		},
		{
			name:   "lead with no data at all",
			lead:   leadrun.Lead{ID: 12},
			points: map[string]int{"A": 0, "B": 0, "C": 0, "N1": 0, "N2": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustScoreLead(t, testRubric(), &tt.lead)
			for id, want := range tt.points {
				if got, ok := a.Points[id]; !ok || got != want {
					t.Errorf("points[%s] = %d (present %v), want %d; reasons %q", id, got, ok, want, a.Reasons[id])
				}
			}
			for id, want := range tt.reasons {
				if !strings.Contains(a.Reasons[id], want) {
					t.Errorf("reasons[%s] = %q, want it to contain %q", id, a.Reasons[id], want)
				}
			}
			if a.Excluded != tt.excluded || (a.Excluded && !strings.Contains(a.ExcludeDetails, "N1 Recruiter")) {
				t.Errorf("excluded = %v (%q), want %v", a.Excluded, a.ExcludeDetails, tt.excluded)
			}
			if !strings.Contains(a.Summary, tt.summaryHas) {
				t.Errorf("summary = %q, want it to contain %q", a.Summary, tt.summaryHas)
			}
		})
	}
}

func TestScoreLeadsUnscoredAndInactive(t *testing.T) {
	t.Parallel()
	a := mustScoreLead(t, testRubric(), &leadrun.Lead{ID: 1, Headline: "Founder"})
	if !reflect.DeepEqual(a.Unscored, []string{"D"}) {
		t.Errorf("unscored = %v, want [D]", a.Unscored)
	}
	for _, id := range []string{"D", "E"} {
		if _, ok := a.Points[id]; ok {
			t.Errorf("points has %s, want it left out", id)
		}
	}
	if len(a.Points) != len(a.Reasons) {
		t.Errorf("%d points but %d reasons", len(a.Points), len(a.Reasons))
	}
}

func TestScoreLeadsPointsNeverExceedMax(t *testing.T) {
	t.Parallel()
	for maxPts := 1; maxPts <= 20; maxPts++ {
		for n := 1; n <= 6; n++ {
			signals := make([]string, n)
			for i := range signals {
				signals[i] = fmt.Sprintf("signal%d", i)
			}
			r := &leadrun.Rubric{Attributes: []leadrun.Attribute{{ID: "A", Category: "positive", Heading: "h", MaxPoints: maxPts, Signals: signals}}}
			prev := 0
			for found := 0; found <= n; found++ {
				a := mustScoreLead(t, r, &leadrun.Lead{ID: 1, About: strings.Join(signals[:found], " ")})
				got := a.Points["A"]
				if got < prev || got > maxPts || (found == 0) != (got == 0) {
					t.Fatalf("max %d, %d of %d found: %d points (previous %d)", maxPts, found, n, got, prev)
				}
				if found >= min(2, n) && got != maxPts {
					t.Errorf("max %d, %d of %d found: %d points, want full", maxPts, found, n, got)
				}
				prev = got
			}
		}
	}
}

func TestScoreLeadsEmptyRubric(t *testing.T) {
	t.Parallel()
	r := &leadrun.Rubric{}
	a := mustScoreLead(t, r, &leadrun.Lead{ID: 7, Headline: "Founder"})
	if len(a.Points) != 0 || len(a.Unscored) != 0 || a.Excluded {
		t.Errorf("assessment = %+v, want empty", a)
	}
	if got := r.Score(a).Score; got != 0 {
		t.Errorf("score = %v, want 0", got)
	}
}

func TestScoreLeadsBadInput(t *testing.T) {
	t.Parallel()
	s := rules.New(rules.Options{})
	ctx := context.Background()
	bad := &leadrun.Rubric{Attributes: []leadrun.Attribute{{ID: "A", Category: "positive", Heading: "h"}}}
	for name, r := range map[string]*leadrun.Rubric{"nil rubric": nil, "invalid rubric": bad} {
		_, err := s.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: "c1", Rubric: r, Leads: []*leadrun.Lead{{ID: 1}}})
		if got := leadrun.FailureReason(err); got != leadrun.ReasonRubricError {
			t.Errorf("%s: reason = %q (err %v), want rubric_error", name, got, err)
		}
	}
	res, err := s.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: "c1", Rubric: testRubric(), Leads: []*leadrun.Lead{nil, {ID: 3}}})
	if err != nil || len(res.Outcomes) != 1 || res.Outcomes[0].LeadID != 3 {
		t.Errorf("nil lead: outcomes %+v, err %v; want only lead 3", res, err)
	}
}

func TestScoreLeadsDeterministic(t *testing.T) {
	t.Parallel()
	leads := sampleLeads(40)
	req := leadrun.LeadRequest{ClientID: "c1", Rubric: sampleRubric(), Leads: leads}
	first, err := rules.New(rules.Options{}).ScoreLeads(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := rules.New(rules.Options{}).ScoreLeads(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs from the first", i)
		}
	}
	scores := map[float64]bool{}
	for i, o := range first.Outcomes {
		if o.LeadID != leads[i].ID {
			t.Fatalf("outcome %d is lead %d, want %d", i, o.LeadID, leads[i].ID)
		}
		if err := req.Rubric.CheckAssessment(o.Assessment); err != nil {
			t.Fatalf("lead %d: %v", o.LeadID, err)
		}
		scores[req.Rubric.Score(o.Assessment).Score] = true
	}
	if len(scores) < 3 {
		t.Errorf("only %d distinct scores over 40 varied leads: %v", len(scores), scores)
	}
}

func TestDelayHonoursContext(t *testing.T) {
	t.Parallel()
	s := rules.New(rules.Options{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: "c1", Rubric: testRubric(), Leads: sampleLeads(2)})
	if time.Since(start) > 10*time.Second {
		t.Errorf("ScoreLeads took %v, want it to stop at the deadline", time.Since(start))
	}
	var se *leadrun.ScoreError
	if !errors.As(err, &se) || se.Reason != leadrun.ReasonTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a timeout ScoreError wrapping DeadlineExceeded", err)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = rules.New(rules.Options{}).ScorePosts(cancelled, leadrun.PostRequest{ClientID: "c1", Rubric: testPostRubric()})
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Errorf("posts with cancelled ctx: err = %v, want a ScoreError wrapping Canceled", err)
	}
}

func TestDelayApplies(t *testing.T) {
	t.Parallel()
	const delay = 30 * time.Millisecond
	start := time.Now()
	res, err := rules.New(rules.Options{Delay: delay}).ScoreLeads(context.Background(),
		leadrun.LeadRequest{ClientID: "c1", Rubric: testRubric(), Leads: sampleLeads(3)})
	if err != nil || len(res.Outcomes) != 3 {
		t.Fatalf("err %v, outcomes %d", err, len(res.Outcomes))
	}
	if took := time.Since(start); took < delay {
		t.Errorf("took %v, want at least the %v delay", took, delay)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	if got := rules.New(rules.Options{}).Name(); got != "rules" {
		t.Errorf("Name() = %q, want rules", got)
	}
}

func testPostRubric() *leadrun.PostRubric {
	return &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{
		{ID: "P1", Category: "positive", Name: "AI", MaxScore: 10, PositiveKeywords: []string{"ai", "automation", "llm"}, NegativeKeywords: []string{"crypto"}},
		{ID: "P2", Category: "positive", Name: "Leadership", MaxScore: 5, PositiveKeywords: []string{"leadership"}},
		{ID: "P3", Category: "positive", Name: "Inactive", MaxScore: 50, PositiveKeywords: []string{"leadership"}, Active: boolPtr(false)},
		{ID: "N1", Category: "negative", Name: "Promo", Penalty: -20, NegativeKeywords: []string{"webinar", "sign up"}},
		{ID: "N2", Category: "negative", Name: "Politics", Penalty: -3, PositiveKeywords: []string{"election"}},
	}}
}

func TestScorePosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		content   string
		score     float64
		reason    leadrun.Reason
		rationale string
	}{
		{"too short", "  AI rocks  ", 0, leadrun.ReasonNoContent, ""},
		{"nothing matches", "Lovely weather in Leeds today", 0, "", "No post criterion"},
		{"one of three keywords gives half", "How AI changes sales teams", 5, "", `P1 AI +5: matched "ai"`},
		{"two keywords give full", "AI and automation for leadership", 15, "", `P2 Leadership +5: matched "leadership"`},
		{"negative keyword vetoes a positive", "AI for crypto traders", 0, "", `P1 AI +0: ruled out by matched "crypto"`},
		{"penalty clamps at zero", "Sign up for my webinar on AI", 0, "", `N1 Promo -20: matched "webinar", "sign up"`},
		{"penalty from positive keywords only", "AI, automation and the election", 7, "", `N2 Politics -3: matched "election"`},
	}
	s := rules.New(rules.Options{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			post := &leadrun.Post{ID: int64(i + 1), Content: tt.content}
			res, err := s.ScorePosts(context.Background(), leadrun.PostRequest{ClientID: "c1", Rubric: testPostRubric(), Posts: []*leadrun.Post{post}})
			if err != nil || len(res.Outcomes) != 1 {
				t.Fatalf("err %v, result %+v", err, res)
			}
			o := res.Outcomes[0]
			if o.PostID != post.ID || o.Score != tt.score || o.Reason != tt.reason || !strings.Contains(o.Rationale, tt.rationale) {
				t.Errorf("outcome = %+v, want score %v, reason %q, rationale containing %q", o, tt.score, tt.reason, tt.rationale)
			}
			if o.Score < 0 || o.Score > float64(testPostRubric().MaxPostScore()) {
				t.Errorf("score %v outside 0…%d", o.Score, testPostRubric().MaxPostScore())
			}
		})
	}
}

func TestScorePostsBadRubric(t *testing.T) {
	t.Parallel()
	s := rules.New(rules.Options{})
	bad := &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{{ID: "P1", Category: "positive"}}}
	for name, r := range map[string]*leadrun.PostRubric{"nil": nil, "invalid": bad} {
		_, err := s.ScorePosts(context.Background(), leadrun.PostRequest{ClientID: "c1", Rubric: r, Posts: []*leadrun.Post{{ID: 1, Content: "long enough content"}}})
		if got := leadrun.FailureReason(err); got != leadrun.ReasonRubricError {
			t.Errorf("%s: reason %q (err %v), want rubric_error", name, got, err)
		}
	}
}

// sampleRubric is a realistic rubric: 11 attributes with 3–6 signals each.
func sampleRubric() *leadrun.Rubric {
	pos := func(id, h string, max int, bonus bool, sig ...string) leadrun.Attribute {
		return leadrun.Attribute{ID: id, Category: "positive", Heading: h, MaxPoints: max, Bonus: bonus, Signals: sig}
	}
	neg := func(id, h string, pen int, dq bool, sig ...string) leadrun.Attribute {
		return leadrun.Attribute{ID: id, Category: "negative", Heading: h, Penalty: pen, Disqualifying: dq, Signals: sig}
	}
	return &leadrun.Rubric{Attributes: []leadrun.Attribute{
		pos("A", "Founder or owner", 15, false, "founder", "co-founder", "owner", "ceo", "managing director"),
		pos("B", "Coaching", 10, false, "coach", "mentor", "facilitator", "trainer"),
		pos("C", "B2B services", 10, false, "b2b", "consulting", "agency", "professional services", "saas"),
		pos("D", "Seniority", 10, false, "director", "vp", "head of", "partner", "chief"),
		pos("E", "Growth", 5, false, "growth", "scale", "expansion"),
		pos("F", "Sales", 5, false, "sales", "business development", "revenue", "pipeline"),
		pos("G", "Speaker", 5, true, "speaker", "keynote", "author", "podcast"),
		pos("H", "AI interest", 5, true, "ai", "automation", "machine learning", "llm", "data"),
		neg("N1", "Recruiter", -10, true, "recruiter", "talent acquisition", "headhunter"),
		neg("N2", "Student", -5, false, "student", "intern", "graduate"),
		neg("N3", "Job seeker", -10, false, "open to work", "seeking opportunities", "looking for"),
	}}
}

var (
	headlines = []string{"Founder & CEO at Brightpath Consulting", "Executive Coach | Keynote Speaker",
		"Head of Sales, EMEA", "Senior Recruiter at TalentCo", "Marketing student",
		"VP Growth @ SaaSly", "Managing Director, Northwind Partners", "Software engineer"}
	abouts = []string{
		"I help B2B founders scale their agencies through better systems, leadership coaching and clear pipeline management. Twenty years in professional services, two exits, one podcast.",
		"Passionate about people. I have spent the last decade building high-performing teams across Europe and Asia, with a focus on culture, hiring and retention. Open to new ideas.",
		"Machine learning enthusiast turned operator. Today I run revenue operations for a fast-growing SaaS company and write about automation, AI and the future of work.",
		"",
	}
)

// sampleLeads builds n varied, realistic leads: a headline, an about of a few hundred
// characters and three to five jobs with descriptions.
func sampleLeads(n int) []*leadrun.Lead {
	leads := make([]*leadrun.Lead, n)
	for i := range leads {
		l := &leadrun.Lead{ID: int64(i + 1), FirstName: "Lead", LastName: fmt.Sprint(i),
			Headline: headlines[i%len(headlines)], About: abouts[i%len(abouts)]}
		for j := 0; j < 3+i%3; j++ {
			l.Experience = append(l.Experience, leadrun.Job{
				Title:       headlines[(i+j+1)%len(headlines)],
				Company:     fmt.Sprintf("Company %d Ltd", j),
				Description: abouts[(i+j)%len(abouts)],
			})
		}
		leads[i] = l
	}
	return leads
}

func BenchmarkScoreLeads(b *testing.B) {
	s := rules.New(rules.Options{})
	req := leadrun.LeadRequest{ClientID: "c1", Rubric: sampleRubric(), Leads: sampleLeads(40)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ScoreLeads(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(req.Leads)), "ns/lead")
}
