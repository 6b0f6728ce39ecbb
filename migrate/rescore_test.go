package migrate_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/migrate"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// countingScorer records every lead a run sends to the scorer.
type countingScorer struct {
	*rules.Scorer
	mu   sync.Mutex
	sent map[int64]bool
}

func (s *countingScorer) ScoreLeads(ctx context.Context, req leadrun.LeadRequest) (*leadrun.LeadResult, error) {
	s.mu.Lock()
	for _, l := range req.Leads {
		s.sent[l.ID] = true
	}
	s.mu.Unlock()
	return s.Scorer.ScoreLeads(ctx, req)
}

// After a migration the first run sends the scorer only what the original had not
// scored (to be scored, failed): every imported score stays as it was — 0 tokens for them.
func TestImportedScoresAreNotRescored(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAgency(t, 60)
		if _, err := migrate.Import(ctx, db, mustSource(t, a.dir), migrate.Options{ClientIDs: []string{"Dean-Hobin"}}); err != nil {
			t.Fatal(err)
		}
		before := mustAllLeads(t, db, "Dean-Hobin")
		due := map[int64]bool{}
		for _, l := range before {
			if l.ScoringStatus == leadrun.StatusToBeScored || l.ScoringStatus == leadrun.StatusFailed {
				due[l.ID] = true
			}
		}
		scorer := &countingScorer{Scorer: rules.New(rules.Options{}), sent: map[int64]bool{}}
		r, err := runner.New(db, scorer, slog.New(slog.NewTextHandler(io.Discard, nil)), runner.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = r.Shutdown(sctx)
		})
		run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if run, err = r.Wait(wctx, run.ID, 20*time.Millisecond, nil); err != nil || !run.Status.Terminal() {
			t.Fatalf("run: %v %v", run, err)
		}
		if len(scorer.sent) != len(due) || len(due) == 0 {
			t.Errorf("scorer got %d leads, want the %d the original had not scored", len(scorer.sent), len(due))
		}
		after := mustAllLeads(t, db, "Dean-Hobin")
		for i, l := range before {
			if l.ScoringStatus == leadrun.StatusScored && (after[i].Score == nil || *after[i].Score != *l.Score || scorer.sent[l.ID]) {
				t.Fatalf("imported score of lead %d changed: %v → %v", l.ID, *l.Score, after[i].Score)
			}
		}
	})
}
