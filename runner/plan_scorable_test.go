package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// proseRubric is shaped like the original platform's: its signals are sentences for a
// model, which the rules scorer can never match.
func proseRubric() *leadrun.Rubric {
	r := testRubric()
	for i := range r.Attributes {
		r.Attributes[i].Signals = []string{"Looks for people who run their own business and talk openly about what they learned."}
	}
	return r
}

// With the rules scorer, a rubric without keyword signals is skipped at plan time with a
// reason saying so, instead of scoring every lead 0; a client with keywords is scored.
func TestPlanSkipsRubricWithoutSignals(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustFixture(t, db, 20, &leadrun.Client{ID: "Prose-Client", Stream: 1}, &leadrun.Client{ID: "Keyword-Client", Stream: 1})
		if err := db.SetRubric(ctx, "Prose-Client", proseRubric()); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, rules.New(rules.Options{}), runner.Config{ChunkSize: 40})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := "rules scorer cannot score rubric of Prose-Client: no keyword signals; use the openai scorer"
		for _, cr := range results {
			op := cr.Operations[0]
			for _, o := range cr.Operations {
				if o.Kind == leadrun.OpLeadScoring {
					op = o
				}
			}
			switch cr.ClientID {
			case "Prose-Client":
				if op.Status != leadrun.OpSkipped || op.SkipReason != leadrun.SkipRubricWithoutSignals || op.LastError != want {
					t.Errorf("prose client: %s %q %q; want skipped, %s, %q", op.Status, op.SkipReason, op.LastError, leadrun.SkipRubricWithoutSignals, want)
				}
			case "Keyword-Client":
				if op.Status == leadrun.OpSkipped || op.Scored == 0 {
					t.Errorf("keyword client: %s, %d scored; want its leads scored", op.Status, op.Scored)
				}
			}
		}
		counts, err := db.CountLeadsByStatus(ctx, "Prose-Client")
		if err != nil || counts[leadrun.StatusToBeScored] != 20 {
			t.Errorf("prose client leads %v (%v); want all 20 still to be scored", counts, err)
		}
		events, err := db.FindEvents(ctx, run.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var said bool
		for _, ev := range events {
			said = said || strings.Contains(ev.Message, want)
		}
		if !said {
			t.Errorf("no progress log line says %q", want)
		}
	})
}

func TestIsKeyword(t *testing.T) {
	for s, want := range map[string]bool{
		"founder": true, "lessons learned": true, "small business owner": true, "": false,
		"Looks for founders.": false, "one two three four five": false,
		"a very long single signal that goes on and on": false,
	} {
		if got := leadrun.IsKeyword(s); got != want {
			t.Errorf("IsKeyword(%q) = %v, want %v", s, got, want)
		}
	}
}
