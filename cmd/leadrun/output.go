package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadrun/leadrun"
)

func printRunTable(w io.Writer, runs []*leadrun.Run) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "No runs yet. Start one with `leadrun run --stream 1 --wait` (or `leadrun demo`).")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tSTATUS\tTRIGGER\tCREATED (UTC)\tDURATION\tCLIENTS\tSCORED\tFAILED\tSUCCESS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", r.ID, r.Status, r.Trigger,
			r.CreatedAt.Format("2006-01-02 15:04:05"), fmtDuration(r.Duration(time.Now())), r.Totals.ClientsTotal,
			r.Totals.LeadsScored, r.Totals.LeadsFailed, leadrun.FormatSuccessRate(r.Totals.LeadsScored, r.Totals.LeadsFailed))
	}
	tw.Flush()
}

// printSummary prints a run's header and one row per client result.
func printSummary(ctx context.Context, a *app, run *leadrun.Run) error {
	results, err := a.db.FindClientResults(ctx, run.ID)
	if err != nil {
		return err
	}
	w := a.out
	fmt.Fprintf(w, "\nRun %s — %s\n", run.ID, run.Status)
	if run.StatusReason != "" {
		fmt.Fprintf(w, "  %s\n", run.StatusReason)
	}
	if run.CancelledBy != "" {
		fmt.Fprintf(w, "  cancelled by %s\n", run.CancelledBy)
	}
	fmt.Fprintf(w, "  stream %d, triggered by %s, created %s UTC, duration %s\n\n", run.Stream, run.Trigger,
		run.CreatedAt.Format("2006-01-02 15:04:05"), fmtDuration(run.Duration(time.Now())))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT RUN ID\tSTATUS\tEXAMINED\tSCORED\tSKIPPED\tFAILED\tPOSTS SCORED\tTOKENS\tSUCCESS")
	for _, cr := range results {
		t := cr.Totals()
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", cr.DisplayID(), cr.Status(), t.LeadsExamined,
			t.LeadsScored, t.LeadsSkipped, t.LeadsFailed, t.PostsScored, t.Tokens(),
			leadrun.FormatSuccessRate(t.LeadsScored, t.LeadsFailed))
	}
	t := run.Totals
	plural := "s"
	if t.ClientsTotal == 1 {
		plural = ""
	}
	fmt.Fprintf(tw, "TOTAL (%d client%s)\t\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", t.ClientsTotal, plural, t.LeadsExamined, t.LeadsScored,
		t.LeadsSkipped, t.LeadsFailed, t.PostsScored, t.Tokens(), leadrun.FormatSuccessRate(t.LeadsScored, t.LeadsFailed))
	tw.Flush()
	printReasons(w, results)
	return nil
}

// printReasons lists skips and failures by reason, so "what went wrong" is one glance.
func printReasons(w io.Writer, results []*leadrun.ClientResult) {
	var lines []string
	for _, cr := range results {
		for _, op := range cr.Operations {
			if op.Status == leadrun.OpSkipped && op.SkipReason != "" && (op.Due > 0 || op.RubricBlocked()) {
				lines = append(lines, fmt.Sprintf("  %s %s: skipped (%s) with %d due", cr.ClientID, op.Kind, op.SkipReason, op.Due))
			}
			for reason, n := range op.SkippedBy {
				lines = append(lines, fmt.Sprintf("  %s %s: %d skipped (%s)", cr.ClientID, op.Kind, n, reason))
			}
			for reason, n := range op.FailedBy {
				lines = append(lines, fmt.Sprintf("  %s %s: %d failed (%s)", cr.ClientID, op.Kind, n, reason))
			}
			if op.LastError != "" {
				lines = append(lines, fmt.Sprintf("  %s %s: %s", cr.ClientID, op.Kind, op.LastError))
			}
		}
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nSkips and failures:")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
}

func printEvents(w io.Writer, events []*leadrun.RunEvent) {
	fmt.Fprintln(w, "\nProgress log:")
	for _, ev := range events {
		who := ""
		if ev.ClientID != "" {
			who = "[" + ev.ClientID + "] "
		}
		fmt.Fprintf(w, "  %s %-5s %s%s\n", ev.At.Format("15:04:05"), strings.ToUpper(string(ev.Level)), who, ev.Message)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// progress shows a run's progress on stderr: one rewritten line on a terminal, a line
// every few seconds otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	last     time.Time
	lastLine string
	line     func(*leadrun.Run) string // a terminal's richer line (withDue); nil: the plain one
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

func (p *progress) update(r *leadrun.Run) {
	t := r.Totals
	line := fmt.Sprintf("%s %-9s %s  leads: %d examined, %d scored, %d skipped, %d failed  posts: %d scored",
		r.ID, r.Status, fmtDuration(r.Duration(time.Now())), t.LeadsExamined, t.LeadsScored, t.LeadsSkipped,
		t.LeadsFailed, t.PostsScored)
	if p.tty && p.line != nil {
		line = p.line(r)
	}
	switch {
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	case time.Since(p.last) >= 5*time.Second || r.Status.Terminal():
		if line != p.lastLine {
			fmt.Fprintln(p.w, line)
		}
		p.last = time.Now()
	}
	p.lastLine = line
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
