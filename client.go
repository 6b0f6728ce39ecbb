package leadrun

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// ClientStatus says whether a client is processed and may ingest leads.
type ClientStatus string

// Client statuses. Only active clients are processed or may ingest.
const (
	ClientActive   ClientStatus = "active"
	ClientPaused   ClientStatus = "paused"
	ClientInactive ClientStatus = "inactive"
)

// Service levels.
const (
	ServiceLeadScoring = 1 // lead scoring only
	ServicePostScoring = 2 // lead scoring and post scoring
)

// DefaultScoreThreshold is the score at or above which a lead is a "top lead".
const DefaultScoreThreshold = 50

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Client is a tenant: it owns a rubric and its leads.
type Client struct {
	ID                 string       `json:"client_id"`
	Name               string       `json:"name"`
	Status             ClientStatus `json:"status"`
	ServiceLevel       int          `json:"service_level"`
	Stream             int          `json:"stream"`
	ScoreThreshold     float64      `json:"score_threshold"`
	LeadScoringLimit   int          `json:"lead_scoring_limit"` // per run; 0 = no limit
	PostScoringLimit   int          `json:"post_scoring_limit"` // per run; 0 = no limit
	DailyTokenBudget   int64        `json:"daily_token_budget"` // 0 = unlimited
	MonthlyTokenBudget int64        `json:"monthly_token_budget"`
	Timezone           string       `json:"timezone"`        // IANA name: the client's day for budgets and the times its page shows
	LHSenderEmail      string       `json:"lh_sender_email"` // Linked Helper my_email expected; "" = no sender guard
	CreatedAt          time.Time    `json:"created_at"`
	UpdatedAt          time.Time    `json:"updated_at"`
}

// SetDefaults fills the fields a new client may leave empty.
func (c *Client) SetDefaults() {
	if c.Status == "" {
		c.Status = ClientActive
	}
	if c.ServiceLevel == 0 {
		c.ServiceLevel = ServiceLeadScoring
	}
	if c.Stream == 0 {
		c.Stream = 1
	}
	if c.ScoreThreshold == 0 {
		c.ScoreThreshold = DefaultScoreThreshold
	}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.Name == "" {
		c.Name = c.ID
	}
}

// Validate reports the first thing wrong with a client as an EINVALID error.
func (c *Client) Validate() error {
	switch {
	case !ValidClientID(c.ID):
		return Errorf(EINVALID, "client_id %q must be 1-64 letters, digits, '-' or '_'", c.ID)
	case c.Name == "":
		return Errorf(EINVALID, "client %s: name is required", c.ID)
	case checkText("name", c.Name, MaxNameLen) != nil:
		return Errorf(EINVALID, "client %s: %s", c.ID, ErrorMessage(checkText("name", c.Name, MaxNameLen)))
	case checkText("timezone", c.Timezone, MaxNameLen) != nil:
		return Errorf(EINVALID, "client %s: %s", c.ID, ErrorMessage(checkText("timezone", c.Timezone, MaxNameLen)))
	case c.Status != ClientActive && c.Status != ClientPaused && c.Status != ClientInactive:
		return Errorf(EINVALID, "client %s: status %q must be active, paused or inactive", c.ID, c.Status)
	case c.ServiceLevel != ServiceLeadScoring && c.ServiceLevel != ServicePostScoring:
		return Errorf(EINVALID, "client %s: service_level %d must be 1 (lead scoring) or 2 (lead + post scoring)", c.ID, c.ServiceLevel)
	case c.Stream < 1:
		return Errorf(EINVALID, "client %s: stream %d must be 1 or more", c.ID, c.Stream)
	case c.ScoreThreshold < 0 || c.ScoreThreshold > 100:
		return Errorf(EINVALID, "client %s: score_threshold %g must be within 0-100", c.ID, c.ScoreThreshold)
	case c.LeadScoringLimit < 0 || c.PostScoringLimit < 0:
		return Errorf(EINVALID, "client %s: scoring limits must be 0 (no limit) or more", c.ID)
	case c.DailyTokenBudget < 0 || c.MonthlyTokenBudget < 0:
		return Errorf(EINVALID, "client %s: token budgets must be 0 (unlimited) or more", c.ID)
	case c.LHSenderEmail != "" && !validEmail(c.LHSenderEmail):
		return Errorf(EINVALID, "client %s: lh_sender_email %q must be a bare email address such as name@example.com (or empty for no sender guard)", c.ID, c.LHSenderEmail)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" || c.Timezone == "Local" {
		return Errorf(EINVALID, "client %s: unknown timezone %q", c.ID, c.Timezone)
	}
	return nil
}

// BudgetExceeded says whether tokens spent today and this month (in the client's
// timezone, see Client.BudgetWindows) have reached the
// client's daily or monthly budget (0 = unlimited), and which.
func (c *Client) BudgetExceeded(today, thisMonth int64) (string, bool) {
	switch {
	case c.DailyTokenBudget > 0 && today >= c.DailyTokenBudget:
		return fmt.Sprintf("daily token budget of %d reached (%d used today, %s)", c.DailyTokenBudget, today, c.Location()), true
	case c.MonthlyTokenBudget > 0 && thisMonth >= c.MonthlyTokenBudget:
		return fmt.Sprintf("monthly token budget of %d reached (%d used this month)", c.MonthlyTokenBudget, thisMonth), true
	}
	return "", false
}

// BudgetWindows returns the starts of the UTC day and month containing now.
func BudgetWindows(now time.Time) (day, month time.Time) {
	return windowsIn(now, time.UTC)
}

// BudgetWindows returns the starts of the client's day and month containing now, in the
// client's timezone (as instants, in UTC): a client in Australia/Sydney gets a new daily
// budget at its midnight, 13:00 or 14:00 UTC.
func (c *Client) BudgetWindows(now time.Time) (day, month time.Time) {
	return windowsIn(now, c.Location())
}

func windowsIn(now time.Time, loc *time.Location) (day, month time.Time) {
	now = now.In(loc)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).UTC(),
		time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).UTC()
}

// Location is the client's timezone (UTC when unset or unknown: Validate refuses those).
func (c *Client) Location() *time.Location {
	if c.Timezone == "" || c.Timezone == "UTC" {
		return time.UTC
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// validEmail accepts a bare address (no display name, no surrounding spaces) whose domain
// has a dot, which catches the usual typos in a Linked Helper account email.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(strings.Trim(domain, "."), ".")
}

// NormalizeSender is the form in which Linked Helper senders are compared and counted:
// trimmed and lower-cased.
func NormalizeSender(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// WrongSender reports whether a Linked Helper item sent by sender (its my_email) breaks
// the client's sender guard: the client expects a sender, the item names one, and they
// differ (ignoring case and surrounding spaces). An item without my_email is never wrong.
func (c *Client) WrongSender(sender string) bool {
	want, got := NormalizeSender(c.LHSenderEmail), NormalizeSender(sender)
	return want != "" && got != "" && want != got
}

// SenderMismatch counts the Linked Helper items a client received from one sender other
// than its expected one (see Client.WrongSender).
type SenderMismatch struct {
	Sender      string    `json:"sender"`  // normalized my_email
	Items       int64     `json:"items"`   // every mismatched item, stored or blocked
	Blocked     int64     `json:"blocked"` // of which dropped because the guard was in block mode
	FirstSeenAt time.Time `json:"first_seen_at"`
	LastSeenAt  time.Time `json:"last_seen_at"`
}

// ValidClientID reports whether s is a well-formed client ID.
func ValidClientID(s string) bool { return clientIDPattern.MatchString(s) }

// ClientFilter selects clients. Nil fields do not filter.
type ClientFilter struct {
	Stream   *int
	Status   *ClientStatus
	IDs      []string
	Search   *string // part of the client's ID or name, case-insensitive
	AfterID  *string // cursor: clients after this ID (by ID)
	BeforeID *string // cursor: the clients just before this ID (the previous page), still in ID order
	Limit    int     // at most this many (0: all)
}

// ClientUpdate changes a client. Nil fields are left as they are.
type ClientUpdate struct {
	Name               *string
	Status             *ClientStatus
	ServiceLevel       *int
	Stream             *int
	ScoreThreshold     *float64
	LeadScoringLimit   *int
	PostScoringLimit   *int
	DailyTokenBudget   *int64
	MonthlyTokenBudget *int64
	Timezone           *string
	LHSenderEmail      *string
}

// Apply copies the set fields of u onto c.
func (u ClientUpdate) Apply(c *Client) {
	setIf(&c.Name, u.Name)
	setIf(&c.Status, u.Status)
	setIf(&c.ServiceLevel, u.ServiceLevel)
	setIf(&c.Stream, u.Stream)
	setIf(&c.ScoreThreshold, u.ScoreThreshold)
	setIf(&c.LeadScoringLimit, u.LeadScoringLimit)
	setIf(&c.PostScoringLimit, u.PostScoringLimit)
	setIf(&c.DailyTokenBudget, u.DailyTokenBudget)
	setIf(&c.MonthlyTokenBudget, u.MonthlyTokenBudget)
	setIf(&c.Timezone, u.Timezone)
	setIf(&c.LHSenderEmail, u.LHSenderEmail)
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
