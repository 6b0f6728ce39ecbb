package leadrun

import (
	"math"
	"strings"
	"time"
)

// MaxLegacyIngestWindow is the longest an operator may let a client's Linked Helper
// campaigns post without the ingest token: long enough to edit every campaign, short
// enough that the token-less URL does not become permanent.
const MaxLegacyIngestWindow = 90 * 24 * time.Hour

// LegacyIngest is a client's token-less window for the Linked Helper webhook, kept for
// campaigns set up on the original platform (whose URL has no token). During the window a
// request without a token is accepted only item by item from the client's expected sender
// (LHSenderEmail): an item from another sender, or naming none, is always refused.
type LegacyIngest struct {
	ClientID      string     `json:"client_id"`
	Until         time.Time  `json:"until"`
	Requests      int64      `json:"requests"` // token-less requests accepted in the window
	Items         int64      `json:"items"`    // their items
	Blocked       int64      `json:"blocked"`  // of which refused by the sender check
	LastRequestAt *time.Time `json:"last_request_at,omitempty"`
	SetAt         time.Time  `json:"set_at"`
}

// Open reports whether the window is open at now.
func (l *LegacyIngest) Open(now time.Time) bool { return l != nil && now.Before(l.Until) }

// DaysLeft is how many days (rounded up) the window stays open after now; 0 once closed.
func (l *LegacyIngest) DaysLeft(now time.Time) int {
	if !l.Open(now) {
		return 0
	}
	return int(math.Ceil(l.Until.Sub(now).Hours() / 24))
}

// CheckLegacyIngest says whether a client may get a token-less window until the given
// time: it needs an expected Linked Helper sender, and the window must end in the future
// and within MaxLegacyIngestWindow of now.
func CheckLegacyIngest(c *Client, until, now time.Time) error {
	switch {
	case c.LHSenderEmail == "":
		return Errorf(EINVALID, "client %s has no expected Linked Helper sender: set it first (clients set-sender, or lh_sender_email), so token-less requests can be checked", c.ID)
	case !until.After(now):
		return Errorf(EINVALID, "the token-less window must end in the future, not %s", until.UTC().Format(time.RFC3339))
	case until.Sub(now) > MaxLegacyIngestWindow:
		return Errorf(EINVALID, "the token-less window may last at most %d days (until %s)", int(MaxLegacyIngestWindow.Hours()/24),
			now.Add(MaxLegacyIngestWindow).UTC().Format("2006-01-02"))
	}
	return nil
}

// ParseLegacyUntil reads the end of a token-less window: an RFC 3339 time, or a date
// (YYYY-MM-DD) meaning the end of that day, UTC.
func ParseLegacyUntil(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	return time.Time{}, Errorf(EINVALID, "until %q must be a date (2026-12-31) or an RFC 3339 time", s)
}
