package sample

import (
	"time"

	"github.com/leadrun/leadrun"
)

// experience returns 1–6 jobs, newest first, carved out of g.jobs. The current job is the
// role; older ones come from the lead's themes or neutral careers.
func (g *gen) experience(themes uint32, role, company string, roleTheme int) []leadrun.Job {
	r := g.rng
	n := 1 + r.IntN(6)
	start := len(g.jobs)
	month := numMonths - 1 - r.IntN(24)
	end := -1 // the current job has no end
	for k := 0; k < n && month >= 0; k++ {
		j := leadrun.Job{Title: role, Company: company, Start: months[month], Description: g.jobDesc(themes, roleTheme)}
		if end >= 0 {
			j.End = months[end]
		}
		g.jobs = append(g.jobs, j)
		role, company, roleTheme = g.olderRole(themes)
		end = month - 1 - r.IntN(3)
		month = end - 6 - r.IntN(60)
	}
	return g.jobs[start:len(g.jobs):len(g.jobs)]
}

// olderRole picks a past job: one of the lead's themes (40 %) or a neutral career.
func (g *gen) olderRole(themes uint32) (string, string, int) {
	r := g.rng
	if r.IntN(5) < 2 {
		th := roleOrder[r.IntN(len(roleOrder))]
		if w := &themeWords[th]; themes&(1<<th) != 0 && len(w.roles) > 0 {
			company := neutralCompanies[r.IntN(len(neutralCompanies))]
			if len(w.companies) > 0 {
				company = w.companies[r.IntN(len(w.companies))]
			}
			return w.roles[r.IntN(len(w.roles))], company, th
		}
	}
	return neutralRoles[r.IntN(len(neutralRoles))], neutralCompanies[r.IntN(len(neutralCompanies))], -1
}

// jobDesc describes a job from its theme, another theme of the lead, or neutral words.
func (g *gen) jobDesc(themes uint32, roleTheme int) string {
	r := g.rng
	if roleTheme >= 0 && len(themeWords[roleTheme].jobDescs) > 0 && r.IntN(2) == 0 {
		d := themeWords[roleTheme].jobDescs
		return d[r.IntN(len(d))]
	}
	if th := r.IntN(numThemes); themes&(1<<th) != 0 && len(themeWords[th].jobDescs) > 0 && r.Float64() < g.fit {
		d := themeWords[th].jobDescs
		return d[r.IntN(len(d))]
	}
	return neutralJobDescs[r.IntN(len(neutralJobDescs))]
}

// about writes one or two sentences per theme between neutral ones; a good fit more
// often gets two, which is what earns an attribute full points.
func (g *gen) about(themes uint32) string {
	r := g.rng
	if r.IntN(20) == 0 {
		return "" // some people leave it empty
	}
	b := g.buf[:0]
	sentence := func(s string) {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	if r.IntN(10) < 7 {
		sentence(neutralSentences[r.IntN(len(neutralSentences))])
	}
	for th := range numThemes {
		s := themeWords[th].sentences
		if themes&(1<<th) == 0 || len(s) == 0 {
			continue
		}
		a := r.IntN(len(s))
		sentence(s[a])
		if len(s) > 1 && r.Float64() < g.fit {
			sentence(s[(a+1+r.IntN(len(s)-1))%len(s)])
		}
	}
	if r.IntN(2) == 0 {
		sentence(neutralSentences[r.IntN(len(neutralSentences))])
	}
	g.buf = b
	return string(b)
}

// contact gives some leads an email address and a phone number.
func (g *gen) contact(l *leadrun.Lead, fi, li int) {
	r := g.rng
	if r.IntN(4) == 0 {
		b := append(g.buf[:0], firstSlugs[fi]...)
		b = append(append(append(b, '.'), lastSlugs[li]...), "@example.com"...)
		g.buf = b
		l.Email = string(b)
	}
	if r.IntN(10) == 0 {
		b := append(g.buf[:0], "+61 4"...)
		for k := range 8 {
			if k == 2 || k == 5 {
				b = append(b, ' ')
			}
			b = append(b, byte('0'+r.IntN(10)))
		}
		g.buf = b
		l.Phone = string(b)
	}
}

// leadPosts adds postsMin…postsMax posts of lead l to g.posts: mostly AI, business and
// story posts, some self-promotion, some reposts and some too short to score.
func (g *gen) leadPosts(l *leadrun.Lead) {
	r := g.rng
	slug := l.ProfileURL[len(urlPrefix) : len(l.ProfileURL)-1]
	for range g.postsMin + r.IntN(g.postsMax-g.postsMin+1) {
		g.postSeq++
		p := leadrun.Post{ClientID: g.clientID, PostURL: g.postURL(slug), PostedAt: g.postedAt()}
		if r.IntN(8) == 0 {
			p.Content = shortPosts[r.IntN(len(shortPosts))]
		} else {
			p.Content = g.postContent()
		}
		if r.IntN(5) == 0 {
			p.IsRepost = true
			p.OriginalAuthor = urlPrefix + firstSlugs[r.IntN(len(firstSlugs))] + "-coach/"
		}
		g.posts = append(g.posts, PostSeed{ProfileKey: l.ProfileKey, Post: p})
	}
}

// postCategoryWeights are the odds (out of 20) of each postSentences category.
var postCategoryWeights = [len(postSentences)]int{6, 5, 3, 2, 4}

func (g *gen) postContent() string {
	r := g.rng
	b := g.buf[:0]
	for k := range 1 + r.IntN(3) {
		c, w := 0, r.IntN(20)
		for w >= postCategoryWeights[c] {
			w -= postCategoryWeights[c]
			c++
		}
		if k > 0 {
			b = append(b, ' ')
		}
		s := postSentences[c]
		b = append(b, s[r.IntN(len(s))]...)
	}
	g.buf = b
	return string(b)
}

// postURL is https://www.linkedin.com/posts/<slug>_activity-<19 digits>/, unique per client.
func (g *gen) postURL(slug string) string {
	id := uint64(activityID) + uint64(g.clientIdx)<<36 + g.postSeq
	b := append(g.buf[:0], postPrefix...)
	b = append(append(b, slug...), "_activity-"...)
	var digits [20]byte
	k := len(digits)
	for ; id > 0; id /= 10 {
		k--
		digits[k] = byte('0' + id%10)
	}
	b = append(append(b, digits[k:]...), '/')
	g.buf = b
	return string(b)
}

// postedAt returns a time in the year before postEpoch, from a slab of times.
func (g *gen) postedAt() *time.Time {
	if len(g.times) == cap(g.times) {
		g.times = make([]time.Time, 0, timeSlab)
	}
	g.times = append(g.times, postEpoch.Add(-time.Duration(g.rng.IntN(postSpanH))*time.Hour))
	return &g.times[len(g.times)-1]
}
