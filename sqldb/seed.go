package sqldb

import (
	"context"
	"time"

	"github.com/leadrun/leadrun"
)

// SeedStart is when the first run of SeedFinishedRuns was created.
var SeedStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// SeedFinishedRuns stores n finished runs on a stream, one a minute from SeedStart (long
// ago, so their IDs never clash with today's). Each run has a client result for perRun of
// the clients (which must exist), taken in turn, with a lead-scoring and a post-scoring
// operation. It writes the rows directly, in one transaction: for benchmarks that need a
// long history fast, never for real runs.
func (db *DB) SeedFinishedRuns(ctx context.Context, stream, n int, clients []string, perRun int) error {
	perRun = min(max(perRun, 1), len(clients))
	return db.InTx(ctx, func(tx *Tx) error {
		for i := 0; i < n; i++ {
			when := SeedStart.Add(time.Duration(i) * time.Minute)
			at := db.Stamp(when)
			id := leadrun.RunID{Day: when, Seq: i + 1, Stream: stream}.String()
			if _, err := tx.raw.ExecContext(ctx, `INSERT INTO runs (id, day, seq, stream, status, status_reason, trigger,
				created_at, started_at, finished_at, heartbeat_at) VALUES ($1,$2,$3,$4,'completed','seeded','cli',$5,$5,$5,$5)`,
				id, when.Format("2006-01-02"), i+1, stream, at); err != nil {
				return err
			}
			for k := 0; k < perRun; k++ {
				client := clients[(i*perRun+k)%len(clients)]
				if _, err := tx.raw.ExecContext(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at)
					VALUES ($1,$2,$2,$3)`, id, client, at); err != nil {
					return err
				}
				for _, op := range []string{"lead_scoring", "post_scoring"} {
					if _, err := tx.raw.ExecContext(ctx, `INSERT INTO operations (run_id, client_id, operation, status, examined,
						scored, skipped, failed, prompt_tokens, completion_tokens, started_at, finished_at)
						VALUES ($1,$2,$3,'succeeded',40,38,1,1,9000,1200,$4,$4)`, id, client, op, at); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
