package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
)

// BenchmarkNeedsAttention times the needs-attention list and each of its queries on
// SQLite with 100,000 leads (20 clients × 5,000, a fifth scored) and 10,000 finished runs:
//
//	go test -run '^$' -bench BenchmarkNeedsAttention -benchtime 20x ./sqldb/
func BenchmarkNeedsAttention(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil); err != nil {
		b.Fatal(err)
	}
	ds := sample.Generate(sample.Options{Clients: 20, LeadsPerClient: 5000, Streams: 2, Seed: 1})
	var ids []string
	for _, c := range ds.Clients {
		ids = append(ids, c.ID)
		if err := db.CreateClient(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := db.SetRubric(ctx, c.ID, ds.Rubrics[c.ID]); err != nil {
			b.Fatal(err)
		}
		if _, err := db.UpsertLeads(ctx, c.ID, ds.Leads[c.ID]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE leads SET scoring_status = 'scored', scored_at = $1 WHERE id % 5 = 0`, db.ts(db.Now())); err != nil {
		b.Fatal(err)
	}
	if err := db.SeedFinishedRuns(ctx, 1, 10000, ids, 2); err != nil {
		b.Fatal(err)
	}
	now := db.Now().Add(100 * time.Hour)
	byID := map[string]*leadrun.Client{}
	for _, c := range ds.Clients {
		byID[c.ID] = c
	}
	kinds := map[string]func(context.Context, map[string]*leadrun.Client, time.Time, int) ([]*leadrun.AttentionItem, error){
		"providers": db.attentionProviders, "no_rubric": db.attentionNoRubric, "last_run": db.attentionLastRun,
		"failed_leads": db.attentionFailedLeads, "senders": db.attentionSenders, "quiet": db.attentionQuiet,
	}
	for name, fn := range kinds {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fn(ctx, byID, now, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("all", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.NeedsAttention(ctx, now, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}
