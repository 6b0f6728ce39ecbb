package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// templateFuncs are the formatting helpers the page templates use. None of them returns
// template.HTML: everything they produce is escaped by html/template like any other value.
var templateFuncs = template.FuncMap{
	"iso":       func(v any) string { return fmtTime(v, time.RFC3339) },
	"inZone":    inZone,
	"utc":       func(v any) string { return fmtTime(v, "2006-01-02 15:04:05") },
	"hasTime":   func(v any) bool { _, ok := asTime(v); return ok },
	"ago":       ago,
	"secs":      func(s float64) string { return fmtDuration(time.Duration(s * float64(time.Second))) },
	"num":       fmtInt,
	"pct":       fmtPct,
	"cost":      fmtCost,
	"score":     fmtScore,
	"badge":     badgeClass,
	"human":     func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
	"advice":    reasonAdvice,
	"startedBy": startedBy,
	"add":       func(a, b int64) int64 { return a + b },
	"last":      func(first, n int) int { return first + n - 1 }, // the position of a page's last item
	"percent":   percentOf,
	"sub":       func(a, b int) int { return a - b },
	"itoa":      strconv.Itoa,
	"left":      attemptsLeft,
	"outOf":     outOfAttempts,
	"reasonsOf": func(g []reasonGroup, csrf string) reasonsData { return reasonsData{Groups: g, CSRF: csrf} },
	"requeueOf": func(g reasonGroup, csrf string) requeueData { return requeueData{Group: g, CSRF: csrf} },
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil && !t.IsZero() {
			return *t, true
		}
	}
	return time.Time{}, false
}

// inZone writes a time in a client's timezone with the zone's abbreviation, e.g.
// "2026-12-01 10:30 AEDT" (UTC for an unknown zone).
func inZone(v any, tz string) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func fmtTime(v any, layout string) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.UTC().Format(layout)
}

// ago is how long before now a time was, in the largest sensible unit.
func ago(v any, now time.Time) string {
	t, ok := asTime(v)
	if !ok {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return fmtDuration(d.Truncate(time.Second)) + " ago"
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

// fmtInt groups thousands: 12345 → "12,345".
func fmtInt(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtPct(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", *p)
}

func fmtCost(micros int64) string {
	if micros == 0 {
		return "$0"
	}
	return fmt.Sprintf("$%.4f", float64(micros)/1e6)
}

func fmtScore(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// percentOf is part ÷ whole in percent, clamped to 0…100, for bar widths.
func percentOf(part, whole int64) int {
	if whole <= 0 || part <= 0 {
		return 0
	}
	return int(math.Min(100, math.Round(float64(part)/float64(whole)*100)))
}

// badgeClass maps a run, operation, client or lead status to its colour class.
func badgeClass(status any) string {
	switch fmt.Sprint(status) {
	case "completed", "succeeded", "scored", "active":
		return "ok"
	case "completed_with_errors", "succeeded_with_errors", "skipped_missing_data", "paused":
		return "warn"
	case "failed", "abandoned", "inactive":
		return "bad"
	case "running", "queued", "to_be_scored":
		return "live"
	}
	return "muted"
}

// reasonAdvice says what a person can do about a skip or failure reason.
func reasonAdvice(reason string) string {
	switch reason {
	case string(leadrun.ReasonMissingCriticalData):
		return "The lead has no headline or no job. Enrich the profile in Linked Helper and import it again; it is not retried until its data changes."
	case string(leadrun.ReasonInvalidAIResponse), string(leadrun.ReasonParseError), string(leadrun.ReasonEmptyAIResponse):
		return "The AI answer did not pass validation. The lead is retried on the next runs (up to 3 attempts); if this persists, check the model and the rubric's wording."
	case string(leadrun.ReasonAPIError):
		return "The AI provider returned an error about this request. The lead is retried on the next runs while it has attempts left."
	case string(leadrun.ReasonProviderUnavailable):
		return "The AI provider could not be used (down, wrong API key, unknown model, or failing call after call). No lead was charged an attempt: they stay due. Run `leadrun check ai`, fix the provider settings, then start a run."
	case string(leadrun.ReasonTimeout):
		return "The AI provider did not answer in time. The lead is retried on the next runs while it has attempts left; raise the timeout if this repeats."
	case string(leadrun.ReasonRateLimited):
		return "The AI provider's rate limit was hit. Lower the concurrency or raise the provider quota; the lead is retried on the next runs while it has attempts left."
	case string(leadrun.ReasonSafetyBlock):
		return "The provider's safety filter refused the profile. Review the lead by hand."
	case string(leadrun.ReasonBudgetExceeded):
		return "The client's token budget is spent. Raise its daily or monthly budget, or wait for the next window."
	case string(leadrun.ReasonRubricError), leadrun.SkipNoRubric:
		return "The client's rubric is missing or unusable. Open the client and fix its rubric."
	case leadrun.SkipServiceLevel:
		return "The client's service level does not include this operation."
	case leadrun.SkipNoLeadsToScore, leadrun.SkipNoPostsToScore:
		return "Nothing was due: every lead or post is already scored."
	case string(leadrun.ReasonNoContent):
		return "The post was too short to score."
	}
	return ""
}
