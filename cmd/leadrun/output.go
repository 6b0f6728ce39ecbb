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

// runOut is the stable JSON form of a run (documented in the README).
type runOut struct {
	RunID           string            `json:"run_id"`
	Stream          int               `json:"stream"`
	Status          leadrun.RunStatus `json:"status"`
	StatusReason    string            `json:"status_reason"`
	Trigger         leadrun.Trigger   `json:"trigger"`
	RequestedBy     string            `json:"requested_by"`
	Params          leadrun.RunParams `json:"params"`
	CreatedAt       time.Time         `json:"created_at"`
	StartedAt       *time.Time        `json:"started_at"`
	FinishedAt      *time.Time        `json:"finished_at"`
	HeartbeatAt     *time.Time        `json:"heartbeat_at"`
	DurationSeconds float64           `json:"duration_seconds"`
	Totals          leadrun.Totals    `json:"totals"`
	SuccessRate     *float64          `json:"success_rate"` // percent; null when nothing was attempted
}

func runJSON(r *leadrun.Run) runOut {
	return runOut{RunID: r.ID, Stream: r.Stream, Status: r.Status, StatusReason: r.StatusReason, Trigger: r.Trigger,
		RequestedBy: r.RequestedBy, Params: r.Params, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, HeartbeatAt: r.HeartbeatAt, DurationSeconds: r.Duration(time.Now()).Seconds(),
		Totals: r.Totals, SuccessRate: rateJSON(r.Totals)}
}

func rateJSON(t leadrun.Totals) *float64 {
	rate, ok := t.SuccessRate()
	if !ok {
		return nil
	}
	return &rate
}

// clientResultOut is the stable JSON form of a client result.
type clientResultOut struct {
	ClientRunID string               `json:"client_run_id"`
	ClientID    string               `json:"client_id"`
	ClientName  string               `json:"client_name"`
	Status      leadrun.OpStatus     `json:"status"`
	Totals      leadrun.Totals       `json:"totals"`
	SuccessRate *float64             `json:"success_rate"`
	Operations  []*leadrun.Operation `json:"operations"`
}

// runDetailOut is the stable JSON form of `runs show --json`.
type runDetailOut struct {
	Run           runOut              `json:"run"`
	ClientResults []clientResultOut   `json:"client_results"`
	Events        []*leadrun.RunEvent `json:"events"`
}

func runDetailJSON(run *leadrun.Run, results []*leadrun.ClientResult, events []*leadrun.RunEvent) runDetailOut {
	out := runDetailOut{Run: runJSON(run), ClientResults: []clientResultOut{}, Events: events}
	if out.Events == nil {
		out.Events = []*leadrun.RunEvent{}
	}
	for _, cr := range results {
		t := cr.Totals()
		out.ClientResults = append(out.ClientResults, clientResultOut{ClientRunID: cr.DisplayID(), ClientID: cr.ClientID,
			ClientName: cr.ClientName, Status: cr.Status(), Totals: t, SuccessRate: rateJSON(t), Operations: cr.Operations})
	}
	return out
}

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
	fmt.Fprintf(tw, "TOTAL (%d clients)\t\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", t.ClientsTotal, t.LeadsExamined, t.LeadsScored,
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
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

func (p *progress) update(r *leadrun.Run) {
	t := r.Totals
	line := fmt.Sprintf("%s %-9s %s  leads: %d examined, %d scored, %d skipped, %d failed  posts: %d scored",
		r.ID, r.Status, fmtDuration(r.Duration(time.Now())), t.LeadsExamined, t.LeadsScored, t.LeadsSkipped,
		t.LeadsFailed, t.PostsScored)
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
