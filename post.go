package leadrun

import (
	"strings"
	"time"
)

// Post is a LinkedIn post of a lead.
type Post struct {
	ID             int64      `json:"id"`
	LeadID         int64      `json:"lead_id"`
	ClientID       string     `json:"client_id"`
	PostURL        string     `json:"post_url"`
	Content        string     `json:"content"`
	PostedAt       *time.Time `json:"posted_at"`
	IsRepost       bool       `json:"is_repost"`
	OriginalAuthor string     `json:"original_author,omitempty"`
	Score          *float64   `json:"score"`
	Rationale      string     `json:"rationale,omitempty"`
	ScoredAt       *time.Time `json:"scored_at"`
	SkipReason     string     `json:"skip_reason,omitempty"`
	Attempts       int        `json:"attempts"`
	CreatedAt      time.Time  `json:"created_at"`
}

// MinPostContent is the shortest post content worth scoring (the original dropped ≤ 10
// characters).
const MinPostContent = 11

// Validate checks a post before it is stored, repairing and bounding its text (CleanText).
func (p *Post) Validate() error {
	if _, err := p.CleanText(); err != nil {
		return err
	}
	if strings.TrimSpace(p.PostURL) == "" {
		return Errorf(EINVALID, "post: post_url is required")
	}
	if p.LeadID == 0 {
		return Errorf(EINVALID, "post %s: lead is required", p.PostURL)
	}
	return nil
}
