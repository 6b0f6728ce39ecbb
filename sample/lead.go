package sample

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/leadrun/leadrun"
)

const (
	urlPrefix  = "https://www.linkedin.com/in/"
	keyStart   = len("https://www.") // the profile key is the URL from "linkedin.com" on, without the final "/"
	postPrefix = "https://www.linkedin.com/posts/"
	firstMonth = 2000      // months are counted from January of this year
	numMonths  = 26 * 12   // …to December 2025
	activityID = 7.1e18    // LinkedIn activity IDs have 19 digits
	timeSlab   = 1024      // posted_at values are allocated this many at a time
	postSpanH  = 365 * 24  // posts are spread over the year before postEpoch
	fullAbout  = 512       // bytes reserved for an about text
	lowerASCII = 'a' - 'A' // added to an upper-case ASCII letter to lower it
)

var postEpoch = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// months holds "YYYY-MM" for every month of the calendar, so job dates cost nothing.
var months = func() (m [numMonths]string) {
	for i := range m {
		mon := i%12 + 1
		m[i] = strconv.Itoa(firstMonth+i/12) + "-" + string(rune('0'+mon/10)) + string(rune('0'+mon%10))
	}
	return m
}()

// slugs are the lower-case first and last names used in profile URLs and emails.
var firstSlugs, lastSlugs = lowerAll(firstNames), lowerAll(lastNames)

func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		b := []byte(n)
		for j, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[j] = c + lowerASCII
			}
		}
		out[i] = string(b)
	}
	return out
}

// gen generates the leads and posts of one client.
type gen struct {
	rng       *rand.Rand
	clientID  string
	clientIdx int
	salt      uint32
	fit       float64 // how well the current lead fits a coaching client, 0…1
	jobs      []leadrun.Job
	posts     []PostSeed
	times     []time.Time
	buf       []byte
	postSeq   uint64

	postChance         float64 // share of leads with posts
	postsMin, postsMax int
}

func newGen(seed uint64, clientIdx int, clientID string) *gen {
	rng := rand.New(rand.NewPCG(seed, uint64(clientIdx)+1))
	return &gen{rng: rng, clientID: clientID, clientIdx: clientIdx, salt: rng.Uint32(), buf: make([]byte, 0, 256)}
}

// run generates n leads, and their posts into g.posts.
func (g *gen) run(n int) []*leadrun.Lead {
	leads := make([]leadrun.Lead, n)
	out := make([]*leadrun.Lead, n)
	g.jobs = make([]leadrun.Job, 0, n*3)
	for i := range leads {
		l := &leads[i]
		g.lead(i, l)
		out[i] = l
		if g.postChance > 0 && g.rng.Float64() < g.postChance {
			g.leadPosts(l)
		}
	}
	return out
}

// lead fills l, the i-th lead of the client.
func (g *gen) lead(i int, l *leadrun.Lead) {
	r := g.rng
	fi, li := r.IntN(len(firstNames)), r.IntN(len(lastNames))
	l.ClientID = g.clientID
	l.FirstName, l.LastName = firstNames[fi], lastNames[li]
	l.ProfileURL = g.profileURL(fi, li, i)
	l.ProfileKey = l.ProfileURL[keyStart : len(l.ProfileURL)-1]
	l.ScoringStatus = leadrun.StatusToBeScored
	l.Location = locations[r.IntN(len(locations))]
	l.ConnectionStatus = leadrun.ConnectionCandidate
	switch c := r.IntN(100); {
	case c < 15:
		l.ConnectionStatus = leadrun.ConnectionConnected
	case c < 25:
		l.ConnectionStatus = leadrun.ConnectionPending
	}
	themes := g.themes()
	role, company, roleTheme := g.role(themes)
	l.Headline = g.headline(themes, role, company, roleTheme)
	l.Experience = g.experience(themes, role, company, roleTheme)
	l.JobTitle, l.Company = role, company
	l.About = g.about(themes)
	g.contact(l, fi, li)
	switch m := r.IntN(100); { // about 8 % cannot be scored
	case m < 4:
		l.Headline, l.JobTitle = "", ""
	case m < 8:
		l.Experience, l.JobTitle, l.Company = nil, "", ""
	}
}

// profileURL returns https://www.linkedin.com/in/first-last-xxxxxx/ with a hex suffix that
// is unique per lead index (an odd multiplier is a bijection modulo 2^24).
func (g *gen) profileURL(fi, li, i int) string {
	h := (uint32(i)*0x9E3779B1 + g.salt) & 0xFFFFFF
	b := append(g.buf[:0], urlPrefix...)
	b = append(b, firstSlugs[fi]...)
	b = append(b, '-')
	b = append(b, lastSlugs[li]...)
	b = append(b, '-')
	const hex = "0123456789abcdef"
	for shift := 20; shift >= 0; shift -= 4 {
		b = append(b, hex[h>>shift&0xF])
	}
	b = append(b, '/')
	g.buf = b
	return string(b)
}

// themes draws the lead's fit and the themes its profile is about: the better the fit,
// the more positive themes. Some leads also carry a negative theme.
func (g *gen) themes() uint32 {
	r := g.rng
	g.fit = r.Float64()
	var t uint32
	for th := range themeRecruiter {
		p := g.fit
		switch th {
		case themeContact:
			p = 0.15 + 0.3*g.fit
		case themeAustralia:
			p = 0.2 + 0.5*g.fit
		case themeWellbeing:
			p = 0.1 + 0.3*g.fit
		}
		if r.Float64() < p {
			t |= 1 << th
		}
	}
	switch n := r.IntN(100); {
	case n < 6:
		t |= 1 << themeRecruiter
	case n < 11:
		t = t&^(1<<themeFounder|1<<themeSenior) | 1<<themeStudent
	case n < 15:
		t |= 1 << themeMLM
	case n < 23:
		t |= 1 << themeCorporate
	}
	return t
}

// roleOrder is which theme names the current role when a profile has several.
var roleOrder = []int{themeRecruiter, themeStudent, themeFounder, themeCoach, themeSenior,
	themeServices, themeCorporate, themeSideHustle}

// role picks the current job title and company, and the theme they come from (-1: neutral).
func (g *gen) role(themes uint32) (role, company string, theme int) {
	r := g.rng
	for _, th := range roleOrder {
		w := &themeWords[th]
		if themes&(1<<th) == 0 || len(w.roles) == 0 {
			continue
		}
		company = neutralCompanies[r.IntN(len(neutralCompanies))]
		if len(w.companies) > 0 && r.IntN(3) > 0 {
			company = w.companies[r.IntN(len(w.companies))]
		}
		return w.roles[r.IntN(len(w.roles))], company, th
	}
	return neutralRoles[r.IntN(len(neutralRoles))], neutralCompanies[r.IntN(len(neutralCompanies))], -1
}

// headline is "<role> at <company>" or "<role> | <tagline> | <tagline>".
func (g *gen) headline(themes uint32, role, company string, roleTheme int) string {
	r := g.rng
	b := append(g.buf[:0], role...)
	if r.IntN(3) == 0 {
		b = append(b, " at "...)
		b = append(b, company...)
	} else {
		added := 0
		for k, start := 0, r.IntN(numThemes); k < numThemes && added < 2; k++ {
			th := (start + k) % numThemes
			tl := themeWords[th].taglines
			if th == roleTheme || themes&(1<<th) == 0 || len(tl) == 0 || r.Float64() > 0.3+0.6*g.fit {
				continue
			}
			b = append(append(b, " | "...), tl[r.IntN(len(tl))]...)
			added++
		}
		if added == 0 && r.IntN(3) == 0 {
			b = append(append(b, " | "...), neutralTaglines[r.IntN(len(neutralTaglines))]...)
		}
	}
	g.buf = b
	return string(b)
}
