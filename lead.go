package leadrun

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// ScoringStatus is where a lead stands in scoring.
type ScoringStatus string

// Scoring statuses (SPEC §2.3).
const (
	StatusToBeScored         ScoringStatus = "to_be_scored"
	StatusScored             ScoringStatus = "scored"
	StatusSkippedMissingData ScoringStatus = "skipped_missing_data"
	StatusFailed             ScoringStatus = "failed"
	StatusExcluded           ScoringStatus = "excluded"
)

// Connection statuses.
const (
	ConnectionCandidate = "candidate"
	ConnectionPending   = "pending"
	ConnectionConnected = "connected"
)

// DefaultMaxAttempts is how many times a failing lead is tried before it stays failed.
const DefaultMaxAttempts = 3

// ExperienceShownToScorer is how many jobs a scorer sees (the original's "first 5").
const ExperienceShownToScorer = 5

// Lead is a LinkedIn profile that belongs to one client.
type Lead struct {
	ID               int64           `json:"id"`
	ClientID         string          `json:"client_id"`
	ProfileKey       string          `json:"profile_key"`
	ProfileURL       string          `json:"profile_url"`
	FirstName        string          `json:"first_name"`
	LastName         string          `json:"last_name"`
	Headline         string          `json:"headline"`
	JobTitle         string          `json:"job_title"`
	Company          string          `json:"company"`
	About            string          `json:"about"`
	Location         string          `json:"location"`
	Email            string          `json:"email"`
	Phone            string          `json:"phone"`
	Experience       []Job           `json:"experience"`
	ConnectionStatus string          `json:"connection_status"`
	Raw              json.RawMessage `json:"raw,omitempty"`
	// Repairs lists what Validate repaired in the lead's text on the way in (NUL bytes,
	// invalid UTF-8), for the item's result. It is never stored.
	Repairs []string `json:"-"`

	// What Linked Helper and the original platform knew beyond the profile; stored beside
	// the lead and read with (*sqldb.DB).LoadLeadExtras.
	SalesNavigatorURL string     `json:"sales_navigator_url,omitempty"`
	ConnectedAt       *time.Time `json:"connected_at,omitempty"`
	Messages          []string   `json:"messages,omitempty"`    // appended as history, never replaced
	ExportedAt        *time.Time `json:"exported_at,omitempty"` // when it went to a Linked Helper campaign

	ScoringStatus  ScoringStatus `json:"scoring_status"`
	Score          *float64      `json:"score"`
	Assessment     string        `json:"assessment"`
	Breakdown      *Breakdown    `json:"breakdown,omitempty"`
	AIExcluded     bool          `json:"ai_excluded"`
	ExcludeDetails string        `json:"exclude_details,omitempty"`
	ScoredAt       *time.Time    `json:"scored_at"`
	Attempts       int           `json:"attempts"`
	LastReason     Reason        `json:"last_reason,omitempty"`
	LastRunID      string        `json:"last_run_id,omitempty"`
	ScoredBy       string        `json:"scored_by,omitempty"` // scorer and model of the last attempt, e.g. openai/gpt-4o-mini
	TopPostID      *int64        `json:"top_post_id,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// Job is one entry of a lead's experience.
type Job struct {
	Title       string `json:"title,omitempty" yaml:"title,omitempty"`
	Company     string `json:"company,omitempty" yaml:"company,omitempty"`
	Start       string `json:"start,omitempty" yaml:"start,omitempty"`
	End         string `json:"end,omitempty" yaml:"end,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// FullName joins first and last name.
func (l *Lead) FullName() string { return strings.TrimSpace(l.FirstName + " " + l.LastName) }

// MissingCriticalData reports why a lead cannot be scored: it needs a headline (or a job
// title standing in for one) and at least one job. It returns "" when the lead is scorable.
func (l *Lead) MissingCriticalData() string {
	var missing []string
	if strings.TrimSpace(l.Headline) == "" && strings.TrimSpace(l.JobTitle) == "" {
		missing = append(missing, "headline")
	}
	if !l.hasJob() {
		missing = append(missing, "job history")
	}
	if len(missing) == 0 {
		return ""
	}
	return "no " + strings.Join(missing, " and no ")
}

func (l *Lead) hasJob() bool {
	for _, j := range l.Experience {
		if strings.TrimSpace(j.Title) != "" || strings.TrimSpace(j.Company) != "" {
			return true
		}
	}
	return false
}

// ScorerExperience is the part of the experience a scorer sees.
func (l *Lead) ScorerExperience() []Job {
	if len(l.Experience) > ExperienceShownToScorer {
		return l.Experience[:ExperienceShownToScorer]
	}
	return l.Experience
}

// Validate checks a lead before it is stored. It is the lead's text boundary too: NUL
// bytes and invalid UTF-8 are repaired (noted in Repairs), text over its limit (limits.go)
// and profile URLs that are not http(s) LinkedIn URLs are refused.
func (l *Lead) Validate() error {
	if !ValidClientID(l.ClientID) {
		return Errorf(EINVALID, "lead: invalid client_id %q", l.ClientID)
	}
	if err := l.cleanText(); err != nil {
		return err
	}
	key, err := ProfileKey(l.ProfileURL)
	if err != nil {
		return err
	}
	l.ProfileKey = key
	switch l.ConnectionStatus {
	case "":
		l.ConnectionStatus = ConnectionCandidate
	case ConnectionCandidate, ConnectionPending, ConnectionConnected:
	default:
		return Errorf(EINVALID, "lead %s: connection_status %q must be candidate, pending or connected", key, l.ConnectionStatus)
	}
	return nil
}

// ProfileKey canonicalises a LinkedIn URL into the dedupe key of a lead: lower-cased
// (Unicode-aware, so /in/JOSÉ-x and /in/josé-x are one lead), with scheme, "www.", a
// country subdomain (au.linkedin.com), query, fragment and trailing slashes removed. Only
// http(s) URLs (or URLs without a scheme) on linkedin.com or its subdomains are profile
// URLs: anything else (javascript:, data:, another site) is EINVALID.
func ProfileKey(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", Errorf(EINVALID, "profile URL is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", Errorf(EINVALID, "profile URL %q is not a URL", raw)
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "", Errorf(EINVALID, "profile URL %q must start with https:// (or http://)", raw)
	}
	host := linkedInHost(strings.ToLower(u.Host))
	if host != "linkedin.com" && !strings.HasSuffix(host, ".linkedin.com") {
		return "", Errorf(EINVALID, "profile URL %q is not on linkedin.com", raw)
	}
	path := strings.TrimRight(foldPath(u), "/")
	// LinkedIn's member-ID form keeps its identifying query parameter.
	if strings.HasSuffix(strings.ToLower(path), "/profile/view") {
		if id := u.Query().Get("id"); id != "" {
			path += "?id=" + id
		}
	}
	key := strings.ToLower(host + path)
	if path == "" {
		return "", Errorf(EINVALID, "profile URL %q has no profile path", raw)
	}
	return key, nil
}

// ExportURL is the profile URL to hand to other tools (CSV exports): the stored URL when it
// is an http(s) LinkedIn URL, else https:// plus the profile key, else "" (never a
// javascript: or other-site URL, whatever older versions stored).
func (l *Lead) ExportURL() string {
	u, err := url.Parse(strings.TrimSpace(l.ProfileURL))
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		if _, kerr := ProfileKey(l.ProfileURL); kerr == nil {
			return strings.TrimSpace(l.ProfileURL)
		}
	}
	if key, err := ProfileKey(l.ProfileKey); err == nil && l.ProfileKey != "" {
		return "https://" + key
	}
	return ""
}

// linkedInHost folds the hosts LinkedIn serves one profile under (www., m., and country
// subdomains such as au. or uk.) into linkedin.com; other hosts lose only "www.".
func linkedInHost(host string) string {
	if sub, ok := strings.CutSuffix(host, ".linkedin.com"); ok && (sub == "www" || sub == "m" || len(sub) == 2) {
		return "linkedin.com"
	}
	return strings.TrimPrefix(host, "www.")
}

// foldPath lower-cases the decoded path with Unicode case folding and escapes it again,
// so a percent-encoded "%C3%89" and a literal "é" give the same key.
func foldPath(u *url.URL) string {
	segs := strings.Split(strings.ToLower(u.Path), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// LeadFilter selects a client's leads. The client is required: leads are tenant data.
type LeadFilter struct {
	ClientID      string
	ScoringStatus *ScoringStatus
	MinScore      *float64
	AfterID       int64 // cursor: only leads with a larger ID
	BeforeID      int64 // cursor: the leads just before this ID (the previous page), still in ID order; 0: none
	Limit         int
}
