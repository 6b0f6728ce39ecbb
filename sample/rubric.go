package sample

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/leadrun/leadrun"
)

// attrTemplate is a positive rubric attribute that scores one theme.
type attrTemplate struct {
	theme    int
	heading  string
	looksFor string    // first line of the instructions
	bands    [3]string // what low, middle and high points mean
	points   []int     // max_points to choose from
	signals  []string
	examples string
}

// coreTemplates are in every rubric; extraTemplates are picked per client.
var (
	coreTemplates = []attrTemplate{
		{themeFounder, "Founder or business owner", "Does the person run a business of their own?",
			[3]string{"employed, no business of their own", "runs a small practice or a business on the side", "founded and runs a business with clients or staff"},
			[]int{20, 15}, []string{"founder", "co-founder", "business owner", "owner", "managing director", "entrepreneur", "self-employed"},
			"Founder & Principal at a boutique studio = full points; employed marketing manager = 0"},
		{themeCoach, "Coach, consultant or advisor", "Does the person sell their expertise as a coach, consultant, mentor or trainer?",
			[3]string{"no advisory work", "some mentoring or internal training", "coaching or consulting is their main work"},
			[]int{15, 20}, []string{"coach", "consultant", "advisor", "mentor", "facilitator", "trainer", "fractional"},
			"Executive Coach with paying clients = full points"},
		{themeAI, "Curious about AI", "Does the person show interest in AI, automation or new tools?",
			[3]string{"no mention of AI or automation", "mentions AI tools in passing", "actively experiments with or builds AI and automation"},
			[]int{15, 10, 20}, []string{"ai", "artificial intelligence", "chatgpt", "generative", "automation", "machine learning", "no-code", "prompt"},
			"Uses ChatGPT every week to run their business = full points"},
	}
	extraTemplates = []attrTemplate{
		{themeSideHustle, "Side hustle or second income", "Is the person building something beside their job?",
			[3]string{"one job, nothing on the side", "freelance work now and then", "an established side hustle or portfolio career"},
			[]int{10, 15}, []string{"side hustle", "side project", "freelance", "portfolio career", "passion project", "second income", "moonlighting"}, ""},
		{themeSenior, "Senior decision maker", "Can the person decide to buy coaching for themselves or a team?",
			[3]string{"individual contributor", "manages a team", "executive, director or partner"},
			[]int{10, 5}, []string{"ceo", "director", "head of", "chief", "general manager", "partner", "executive", "vp"}, ""},
		{themeContent, "Shares expertise publicly", "Does the person speak, write or publish?",
			[3]string{"no public content", "writes now and then", "regular speaker, author, podcaster or newsletter writer"},
			[]int{5, 10}, []string{"speaker", "author", "podcast", "writer", "keynote", "newsletter", "content creator"}, ""},
		{themeGrowth, "Growth and learning mindset", "Does the person invest in their own development?",
			[3]string{"no sign", "mentions learning", "a committed lifelong learner"},
			[]int{5, 3}, []string{"lifelong learner", "curious", "learning", "upskilling", "growth mindset", "personal development"}, ""},
		{themeServices, "Professional services background", "Has the person worked in marketing, sales, strategy or operations?",
			[3]string{"unrelated field", "some exposure", "a career in professional services"},
			[]int{5, 10}, []string{"marketing", "strategy", "sales", "business development", "professional services", "agency", "operations"}, ""},
		{themeCommunity, "Community builder", "Does the person build or serve a community?",
			[3]string{"no sign", "occasional volunteering", "runs a community, a network or sits on a board"},
			[]int{3, 5}, []string{"community", "volunteer", "board member", "ambassador", "networking", "not-for-profit"}, ""},
		{themeContact, "Ready to talk", "Does the profile invite contact?",
			[3]string{"no invitation", "a general openness", "asks people to reach out"},
			[]int{3, 5}, []string{"open to", "let's connect", "reach out", "dm me", "happy to chat", "get in touch"}, ""},
	}
	bonusTemplates = []attrTemplate{
		{themeAustralia, "Based in Australia", "Bonus: the client works with Australians.",
			[3]string{"outside Australia or unknown", "works with Australian clients", "lives and works in Australia"},
			[]int{10, 5}, []string{"australia", "sydney", "melbourne", "brisbane", "perth", "adelaide", "canberra"}, ""},
		{themeWellbeing, "Wellbeing and balance", "Bonus: the person cares about wellbeing.",
			[3]string{"no sign", "mentions balance", "speaks openly about wellbeing or burnout"},
			[]int{5, 10}, []string{"wellbeing", "work-life", "mindfulness", "balance", "burnout", "resilience"}, ""},
	}
)

// negTemplate is a negative rubric attribute.
type negTemplate struct {
	theme        int
	heading      string
	instructions string
	penalty      int
	signals      []string
}

var negTemplates = map[int]negTemplate{
	themeRecruiter: {themeRecruiter, "Recruiter or talent acquisition", "Recruiters connect to source candidates, not to buy coaching.",
		-10, []string{"recruiter", "recruitment", "talent acquisition", "headhunter", "talent partner", "executive search"}},
	themeStudent: {themeStudent, "Student or job seeker", "Students and job seekers cannot pay for coaching yet.",
		-10, []string{"student", "intern", "undergraduate", "graduate program", "seeking opportunities", "looking for work"}},
	themeMLM: {themeMLM, "Network marketing or get-rich-quick", "MLM and trading pitches waste the client's time.",
		-10, []string{"network marketing", "mlm", "crypto", "forex", "financial freedom", "passive income"}},
	themeCorporate: {themeCorporate, "Career public servant", "Long public-sector careers rarely turn into a business.",
		-5, []string{"public servant", "government", "department of", "public sector"}},
}

var preambles = []string{
	"You score LinkedIn profiles for a business coach who helps founders, consultants and coaches turn their expertise into a profitable practice, increasingly with AI.",
	"You score LinkedIn profiles for a coach who helps corporate professionals start a side hustle and, in time, leave their job.",
	"You score LinkedIn profiles for a consultant who runs AI workshops for owners of small professional firms.",
}

const preambleRules = " Score each attribute only from evidence in the headline, about and experience; leave an attribute unscored when the profile says nothing about it. A disqualifying attribute means the lead is not a fit, whatever else it shows."

// Rubric returns the realistic rubric of the client at clientIndex: 6–10 positive
// attributes (three core ones, extras and one or two bonuses) with max points of 3–20,
// 2–4 negatives of which one is disqualifying, signals on each, and a post rubric. The
// same index always gives the same rubric.
func Rubric(clientIndex int) *leadrun.Rubric {
	rng := rand.New(rand.NewPCG(uint64(clientIndex), 0x7275627269637321))
	chosen := append([]attrTemplate(nil), coreTemplates...)
	for _, i := range sortedPick(rng, len(extraTemplates), 2+rng.IntN(4)) {
		chosen = append(chosen, extraTemplates[i])
	}
	regular := len(chosen)
	for _, i := range sortedPick(rng, len(bonusTemplates), 1+rng.IntN(2)) {
		chosen = append(chosen, bonusTemplates[i])
	}
	r := &leadrun.Rubric{Preamble: preambles[clientIndex%len(preambles)] + preambleRules}
	for i, t := range chosen {
		maxPts := t.points[rng.IntN(len(t.points))]
		a := leadrun.Attribute{
			ID: string(rune('A' + i)), Category: leadrun.CategoryPositive, Heading: t.heading,
			Instructions: instructions(t, maxPts), MaxPoints: maxPts, Bonus: i >= regular,
			Signals: slices.Clone(t.signals), Examples: t.examples,
		}
		if i == 0 {
			a.MinToQualify = maxPts / 4
		}
		r.Attributes = append(r.Attributes, a)
	}
	r.Attributes = append(r.Attributes, negatives(rng, clientIndex)...)
	r.Post = postRubric(rng)
	return r
}

// negatives returns N1 (disqualifying: recruiters for even clients, students for odd
// ones) and one to three penalties.
func negatives(rng *rand.Rand, clientIndex int) []leadrun.Attribute {
	order := []int{themeRecruiter, themeStudent, themeMLM, themeCorporate}
	if clientIndex%2 == 1 {
		order[0], order[1] = order[1], order[0]
	}
	picked := []int{0}
	for _, i := range sortedPick(rng, 3, 1+rng.IntN(3)) {
		picked = append(picked, i+1)
	}
	out := make([]leadrun.Attribute, 0, len(picked))
	for n, i := range picked {
		t := negTemplates[order[i]]
		a := leadrun.Attribute{
			ID: fmt.Sprintf("N%d", n+1), Category: leadrun.CategoryNegative, Heading: t.heading,
			Instructions: fmt.Sprintf("%s Apply %d when the profile shows it.", t.instructions, t.penalty),
			Penalty:      t.penalty, Signals: slices.Clone(t.signals),
		}
		if n == 0 {
			a.Disqualifying = true
			a.Instructions = t.instructions + " Disqualifying: a match means the lead is not a fit."
		}
		out = append(out, a)
	}
	return out
}

// instructions writes the attribute's question and its score bands, e.g.
// "0–5 pts = employed, no business of their own".
func instructions(t attrTemplate, maxPts int) string {
	low, mid := maxPts/4, 2*maxPts/3
	var b strings.Builder
	b.WriteString(t.looksFor)
	for i, r := range [3][2]int{{0, low}, {low + 1, mid}, {mid + 1, maxPts}} {
		if r[0] > r[1] {
			continue
		}
		if r[0] == r[1] {
			fmt.Fprintf(&b, "\n%d pts = %s", r[0], t.bands[i])
		} else {
			fmt.Fprintf(&b, "\n%d–%d pts = %s", r[0], r[1], t.bands[i])
		}
	}
	return b.String()
}

// postRubric returns two or three positive criteria and a self-promotion penalty.
func postRubric(rng *rand.Rand) *leadrun.PostRubric {
	criteria := []leadrun.PostCriterion{
		{ID: "POST_AI_INSIGHT", Category: leadrun.CategoryPositive, Name: "Practical AI insight",
			Instructions: "0–5 = no AI content; 6–14 = mentions AI tools; 15–20 = shares a concrete, useful AI practice.",
			MaxScore:     20, PositiveKeywords: []string{"ai", "chatgpt", "automation", "prompt", "workflow", "machine learning"},
			NegativeKeywords: []string{"crypto", "get rich"}},
		{ID: "POST_BUSINESS", Category: leadrun.CategoryPositive, Name: "Business-building lessons",
			Instructions: "0–5 = none; 6–10 = general advice; 11–15 = lessons from running their own business.",
			MaxScore:     15, PositiveKeywords: []string{"clients", "founder", "revenue", "lessons", "pricing", "small business"}},
	}
	if rng.IntN(2) == 0 {
		criteria = append(criteria, leadrun.PostCriterion{ID: "POST_STORY", Category: leadrun.CategoryPositive,
			Name: "Honest personal story", Instructions: "0–3 = none; 4–7 = some reflection; 8–10 = an honest story with a lesson.",
			MaxScore: 10, PositiveKeywords: []string{"story", "journey", "mistake", "honest"}})
	}
	criteria = append(criteria, leadrun.PostCriterion{ID: "POST_SELF_PROMO", Category: leadrun.CategoryNegative,
		Name: "Self-promotion", Instructions: "Apply -10 to posts that mainly sell the author's own offer.",
		Penalty: -10, NegativeKeywords: []string{"book a call", "sign up", "link in bio", "limited spots", "discount", "dm me"}})
	return &leadrun.PostRubric{
		Preamble: "Score each post for how relevant and insightful it is to a coach looking for AI-curious business owners.",
		Criteria: criteria,
	}
}

// sortedPick returns k distinct indexes below n, ascending.
func sortedPick(rng *rand.Rand, n, k int) []int {
	k = min(k, n)
	perm := rng.Perm(n)[:k]
	for i := 1; i < len(perm); i++ { // insertion sort: k ≤ 7
		for j := i; j > 0 && perm[j] < perm[j-1]; j-- {
			perm[j], perm[j-1] = perm[j-1], perm[j]
		}
	}
	return perm
}
