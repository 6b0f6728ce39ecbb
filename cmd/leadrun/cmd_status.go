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
	if c.JSON {
		if items == nil {
			items = []*leadrun.AttentionItem{}
		}
		return writeJSON(a.out, map[string]any{"needs_attention": items})
	}
	printAttention(a.out, items, db.Now())
	return nil
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
