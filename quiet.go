package leadrun

import "time"

// QuietAfter is how long an active client may go without a lead scored before it counts
// as quiet: the runner alerts on it (by default) and the dashboard flags it.
const QuietAfter = 72 * time.Hour

// QuietSince reports whether the client has been quiet since a point in time (now minus
// the quiet period): it is active, it existed before since, and no lead of it was scored
// since then. lastScored is when one last was; nil when none ever was. This is the one
// definition of the rule; the store's alert query and the dashboard both apply it.
func (c *Client) QuietSince(since time.Time, lastScored *time.Time) bool {
	return c.Status == ClientActive && c.CreatedAt.Before(since) &&
		(lastScored == nil || lastScored.Before(since))
}
