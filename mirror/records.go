package mirror

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
)

// maxLongText keeps long text under Airtable's 100,000-character limit.
const maxLongText = 90000

// runStatus is the Job Tracking status option of a run status (queued shows as Running,
// as the original wrote Running when it created the row).
func runStatus(s leadrun.RunStatus) string {
	switch s {
	case leadrun.RunCompleted:
		return "Completed"
	case leadrun.RunCompletedWithErrors:
		return "Completed with Errors"
	case leadrun.RunFailed:
		return "Failed"
	case leadrun.RunCancelled:
		return "Cancelled"
	case leadrun.RunAbandoned:
		return "Abandoned"
	}
	return "Running"
}

// clientStatus is the Client Run Results status option of a client result's status.
func clientStatus(s leadrun.OpStatus) string {
	switch s {
	case leadrun.OpSucceeded:
		return "Completed"
	case leadrun.OpSucceededWithErrors:
		return "Completed with Errors"
	case leadrun.OpSkipped:
		return "Skipped"
	case leadrun.OpFailed:
		return "Failed"
	case leadrun.OpCancelled:
		return "Cancelled"
	case leadrun.OpAbandoned:
		return "Abandoned"
	}
	return "Running"
}

func airtableTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// runFields are the Job Tracking values of a run, before they are fitted to the base.
func runFields(run *leadrun.Run) map[string]any {
	t := run.Totals
	f := map[string]any{
		airtable.KeyField:         run.ID,
		"Status":                  runStatus(run.Status),
		"Stream":                  run.Stream,
		"Start Time":              airtableTime(startOf(run)),
		"System Notes":            systemNotes(run),
		"Clients Processed":       t.ClientsTotal,
		"Clients Succeeded":       t.ClientsSucceeded,
		"Clients With Errors":     t.ClientsWithErrors,
		"Clients Failed":          t.ClientsFailed,
		"Total Profiles Examined": t.LeadsExamined,
		"Total Profiles Scored":   t.LeadsScored,
		"Total Posts Scored":      t.PostsScored,
		"Total Tokens Used":       t.Tokens(),
		"Total API Cost":          dollars(t.CostMicros),
	}
	if rate, ok := t.SuccessRate(); ok {
		f["Success Rate"] = percent(rate)
	}
	if run.FinishedAt != nil {
		f["End Time"] = airtableTime(*run.FinishedAt)
	}
	return f
}

func startOf(run *leadrun.Run) time.Time {
	if run.StartedAt != nil {
		return *run.StartedAt
	}
	return run.CreatedAt
}

func dollars(micros int64) float64 { return float64(micros) / 1e6 }

// percent is a rate in 0…100, written as Airtable wants it for the field's type.
type percent float64

// systemNotes is the run's plain summary line.
func systemNotes(run *leadrun.Run) string {
	t := run.Totals
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on stream %d: %s", run.ID, run.Stream, strings.ReplaceAll(string(run.Status), "_", " "))
	if run.StatusReason != "" {
		fmt.Fprintf(&b, " (%s)", clean(run.StatusReason))
	}
	fmt.Fprintf(&b, ". Clients: %d (%d succeeded, %d with errors, %d failed, %d skipped).", t.ClientsTotal,
		t.ClientsSucceeded, t.ClientsWithErrors, t.ClientsFailed, t.ClientsSkipped)
	fmt.Fprintf(&b, " Profiles: %d examined, %d scored, %d skipped, %d failed. Posts: %d examined, %d scored.",
		t.LeadsExamined, t.LeadsScored, t.LeadsSkipped, t.LeadsFailed, t.PostsExamined, t.PostsScored)
	fmt.Fprintf(&b, " Tokens: %d. Estimated cost: $%.2f. Success rate: %s.", t.Tokens(), dollars(t.CostMicros),
		leadrun.FormatSuccessRate(t.LeadsScored, t.LeadsFailed))
	if run.FinishedAt != nil {
		fmt.Fprintf(&b, " Duration: %s.", run.FinishedAt.Sub(run.CreatedAt).Round(time.Second))
	}
	return b.String()
}

// clientFields are the Client Run Results values of a client result. runRecordID is the
// Job Tracking record to link to ("" when unknown).
func clientFields(cr *leadrun.ClientResult, events []*leadrun.RunEvent, runRecordID string) map[string]any {
	t := cr.Totals()
	var lead, post leadrun.Totals
	var start, end *time.Time
	for _, op := range cr.Operations {
		if op.Kind == leadrun.OpLeadScoring {
			lead = op.Totals()
		} else {
			post = op.Totals()
		}
		if op.StartedAt != nil && (start == nil || op.StartedAt.Before(*start)) {
			start = op.StartedAt
		}
		if op.FinishedAt != nil && (end == nil || op.FinishedAt.After(*end)) {
			end = op.FinishedAt
		}
	}
	status := cr.Status()
	f := map[string]any{
		airtable.KeyField:               cr.DisplayID(),
		"Client ID":                     cr.ClientID,
		"Client Name":                   clean(cr.ClientName),
		"Status":                        clientStatus(status),
		"Profiles Examined for Scoring": lead.LeadsExamined,
		"Profiles Successfully Scored":  lead.LeadsScored,
		"Profile Scoring Tokens":        lead.Tokens(),
		"Posts Examined for Scoring":    post.PostsExamined,
		"Posts Successfully Scored":     post.PostsScored,
		"Post Scoring Tokens":           post.Tokens(),
		"Total API Cost":                dollars(t.CostMicros),
		"Progress Log":                  progressLog(events),
		"Error Details":                 errorDetails(cr),
	}
	if start == nil {
		start = &cr.CreatedAt
	}
	f["Start Time"] = airtableTime(*start)
	if status.Terminal() && end != nil {
		f["End Time"] = airtableTime(*end)
	}
	if runRecordID != "" {
		f[linkValue] = []string{runRecordID}
	}
	return f
}

// linkValue stands for the link field to Job Tracking, whatever its name in the base.
const linkValue = "\x00link"

// progressLog is the client's events as text, oldest first; the newest are kept when it
// is too long.
func progressLog(events []*leadrun.RunEvent) string {
	lines := make([]string, 0, len(events))
	for _, ev := range events {
		op := ""
		if ev.Operation != "" {
			op = " [" + string(ev.Operation) + "]"
		}
		lines = append(lines, fmt.Sprintf("%s %s%s %s", ev.At.UTC().Format("2006-01-02 15:04:05"),
			strings.ToUpper(string(ev.Level)), op, clean(ev.Message)))
	}
	s := strings.Join(lines, "\n")
	if len(s) > maxLongText {
		s = "…\n" + s[len(s)-maxLongText:]
		s, _ = leadrun.CleanText(s) // a cut may split a character
	}
	return s
}

// errorDetails lists skips and failures by reason with counts, and the last error.
func errorDetails(cr *leadrun.ClientResult) string {
	var lines []string
	for _, op := range cr.Operations {
		if op.SkipReason != "" {
			lines = append(lines, fmt.Sprintf("%s: skipped (%s)", op.Kind, op.SkipReason))
		}
		for _, r := range sortedReasons(op.SkippedBy) {
			lines = append(lines, fmt.Sprintf("%s: %d skipped — %s", op.Kind, op.SkippedBy[r], r))
		}
		for _, r := range sortedReasons(op.FailedBy) {
			lines = append(lines, fmt.Sprintf("%s: %d failed — %s", op.Kind, op.FailedBy[r], r))
		}
		if op.LastError != "" {
			lines = append(lines, fmt.Sprintf("%s: last error: %s", op.Kind, clean(op.LastError)))
		}
	}
	s := strings.Join(lines, "\n")
	if len(s) > maxLongText {
		s, _ = leadrun.CleanText(s[:maxLongText])
	}
	return s
}

func sortedReasons(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func clean(s string) string {
	c, _ := leadrun.CleanText(s)
	return c
}

// fit keeps the values the base can take: fields that exist with a compatible type and
// are not computed; numbers become float64, percents take the field's scale, the link
// takes the link field's name.
func fit(values map[string]any, t *airtable.Table, link *airtable.Field) map[string]any {
	out := map[string]any{}
	for name, v := range values {
		if name == linkValue {
			if link != nil {
				out[link.Name] = v
			}
			continue
		}
		f, ok := t.Field(name)
		if !ok || f.Computed() {
			continue
		}
		if v, ok := convert(v, f.Type); ok {
			out[name] = v
		}
	}
	return out
}

// convert shapes a value for a field type, or reports that the type cannot take it.
func convert(v any, typ string) (any, bool) {
	switch x := v.(type) {
	case string:
		return x, typ == "singleLineText" || typ == "multilineText" || typ == "richText" || typ == "singleSelect" || typ == "dateTime"
	case int:
		return float64(x), isNumeric(typ)
	case int64:
		return float64(x), isNumeric(typ)
	case float64:
		return x, isNumeric(typ)
	case percent:
		if typ == "percent" {
			return float64(x) / 100, true
		}
		return float64(x), isNumeric(typ)
	}
	return v, true
}

func isNumeric(typ string) bool { return typ == "number" || typ == "currency" || typ == "percent" }
