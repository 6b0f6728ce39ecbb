package mirror

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RunStatusLine says where a run stands in Airtable, e.g. "Airtable: synced 3 s ago ·
// 2 pending · failing: airtable 422 UNKNOWN_FIELD_NAME: …" (for the run page and `runs show`).
func (m *Mirror) RunStatusLine(ctx context.Context, runID string) (string, error) {
	synced, pending, err := m.db.AirtableRunSync(ctx, m.cfg.Base, m.cfg.Tables.Runs, runID)
	if err != nil {
		return "", err
	}
	st, err := m.db.AirtableStatus(ctx, m.cfg.Base)
	if err != nil {
		return "", err
	}
	return statusLine(time.Now(), synced, pending, st.FailingMessage, st.RetryAt), nil
}

func statusLine(now time.Time, synced *time.Time, pending int, failing string, retry *time.Time) string {
	parts := []string{"not synced yet"}
	if synced != nil {
		parts[0] = "synced " + ago(now.Sub(*synced))
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%d pending", pending))
	}
	if failing != "" {
		f := "failing: " + failing
		if retry != nil && retry.After(now) {
			f += fmt.Sprintf(" (next try in %s)", span(retry.Sub(now)))
		}
		parts = append(parts, f)
	}
	return "Airtable: " + strings.Join(parts, " · ")
}

func ago(d time.Duration) string { return span(d) + " ago" }

func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
