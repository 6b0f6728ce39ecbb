package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// StatusCmd prints the needs-attention list: what across all clients and streams needs a
// person, with the command that fixes or starts fixing each.
type StatusCmd struct {
	JSON        bool `name:"json" help:"Print the list as JSON (an empty list when all is well)."`
	MaxAttempts int  `env:"LEADRUN_MAX_ATTEMPTS" default:"3" help:"Tries per lead before it stays failed (as the runner is configured)."`
}

// Run prints the list.
func (c *StatusCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	items, err := db.NeedsAttention(ctx, db.Now(), c.MaxAttempts)
	if err != nil {
		return err
	}
	now := db.Now()
	schedules, err := db.StreamSchedules(ctx, now, now.Add(-leadrun.ProcessLiveWithin))
	if err != nil {
		return err
	}
	if c.JSON {
		if items == nil {
			items = []*leadrun.AttentionItem{}
		}
		if schedules == nil {
			schedules = []*leadrun.StreamSchedule{}
		}
		return writeJSON(a.out, map[string]any{"needs_attention": items, "schedules": schedules})
	}
	printAttention(a.out, items, now)
	printSchedules(a.out, schedules)
	return nil
}

// printSchedules writes each stream's schedule: cron in words, next slot, last slot and
// what it led to, who declared it, conflicts.
func printSchedules(w io.Writer, all []*leadrun.StreamSchedule) {
	if len(all) == 0 {
		fmt.Fprintln(w, "\nSchedules: none declared (start `leadrun worker` or `serve` with LEADRUN_SCHEDULE to run streams on a cron).")
		return
	}
	fmt.Fprintln(w, "\nSchedules:")
	at := func(t *time.Time) string {
		if t == nil {
			return "none yet"
		}
		return t.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	for _, s := range all {
		state := "running"
		if !s.Live {
			state = "NOT running"
		}
		fmt.Fprintf(w, "  stream %d: %s (%s, %s), declared by %s, %s\n", s.Stream, s.Words, s.Cron, s.Timezone, s.DeclaredBy, state)
		last := at(s.LastSlot)
		switch {
		case s.LastSlot == nil:
		case s.LastOutcome == leadrun.SlotStarted:
			last += " → run " + s.LastRunID
		case s.LastOutcome == leadrun.SlotBusy:
			last += " → skipped, stream busy with " + s.LastRunID
		case s.LastOutcome == leadrun.SlotFailed:
			last += " → no run: " + s.LastDetail
		default:
			last += " → claimed, no run recorded"
		}
		fmt.Fprintf(w, "    next slot %s; last slot %s\n", at(s.NextSlot), last)
		if s.Missed > 0 {
			fmt.Fprintf(w, "    %d slot(s) missed since %s\n", s.Missed, at(s.MissedSince))
		}
		for _, d := range s.Conflicts {
			fmt.Fprintf(w, "    CONFLICT: %s pid %d (%s) declares %q (%s)\n", d.Host, d.PID, d.WorkerID, d.Cron, d.Timezone)
		}
	}
}

// printAttention writes the list as blocks: the item, then since when, then the command.
func printAttention(w io.Writer, items []*leadrun.AttentionItem, now time.Time) {
	if len(items) == 0 {
		fmt.Fprintln(w, "Nothing needs attention: providers answer, every active client with leads due can be scored.")
		return
	}
	fmt.Fprintf(w, "%d item(s) need attention:\n", len(items))
	for _, it := range items {
		who := "all clients"
		if it.ClientID != "" {
			who = fmt.Sprintf("%s (stream %d)", it.ClientID, it.Stream)
		} else if it.Stream != 0 {
			who = fmt.Sprintf("stream %d", it.Stream)
		}
		fmt.Fprintf(w, "\n[%s] %s: %s\n", it.Kind, who, it.What)
		var facts []string
		if it.Since != nil {
			facts = append(facts, "since "+it.Since.UTC().Format("2006-01-02 15:04")+" UTC ("+agoText(now.Sub(*it.Since))+" ago)")
		}
		if it.RunID != "" {
			facts = append(facts, "run "+it.RunID)
		}
		if len(facts) > 0 {
			fmt.Fprintf(w, "  %s\n", strings.Join(facts, ", "))
		}
		fmt.Fprintf(w, "  → %s: %s\n", it.Action, it.Command)
	}
}

// agoText renders a duration coarsely: minutes, hours or days.
func agoText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}
