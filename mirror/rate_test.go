package mirror_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// mustBacklog creates runs (queued, each on its own stream) with clientsPerRun client
// results each, all waiting in the outbox, as a backlog after an outage would.
func mustBacklog(t testing.TB, db *sqldb.DB, runs, clientsPerRun int) {
	t.Helper()
	ctx := context.Background()
	var clients []*leadrun.Client
	for i := range clientsPerRun {
		c := &leadrun.Client{ID: fmt.Sprintf("Client-%d", i), Name: fmt.Sprintf("Client %d", i), Status: leadrun.ClientActive,
			ServiceLevel: 1, Stream: 1, ScoreThreshold: 50, Timezone: "UTC"}
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for i := range runs {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: i + 1, Trigger: leadrun.TriggerAPI})
			if err != nil {
				return err
			}
			if err := tx.MarkAirtableDirty(ctx, run.ID, ""); err != nil {
				return err
			}
			for _, c := range clients {
				if err := tx.CreateClientResult(ctx, run.ID, c); err != nil {
					return err
				}
				if err := tx.MarkAirtableDirty(ctx, run.ID, c.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Three worker processes on one PostgreSQL database share the base's 5 requests per
// second: the fake never sees more in any one-second window, never answers 429, and every
// record lands once. Short passes make the deliverer change hands between processes.
func TestThreeProcessesShareFiveRequestsPerSecond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := sqldbtest.NewURL(t, sqldb.Postgres)
	var dbs []*sqldb.DB
	for range 3 {
		db, err := sqldb.Open(ctx, url, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx, nil); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	const runs = 120
	mustBacklog(t, dbs[0], runs, 0)
	fake := newFake(t)
	cfg := fastConfig()
	cfg.SweepEvery, cfg.PassFor = -1, 700*time.Millisecond
	for _, db := range dbs {
		newEnv(t, db, fake, cfg)
	}
	drained(t, dbs[0], 60*time.Second)
	st := fake.Stats(testBase)
	if st.MaxPerSecond > 5 || st.RateLimited > 0 {
		t.Errorf("three processes sent up to %d requests in one second (%d answered 429), want at most 5", st.MaxPerSecond, st.RateLimited)
	}
	if got := len(byKey(t, fake.Records(testBase, "Job Tracking"))); got != runs {
		t.Errorf("%d records, want %d", got, runs)
	}
	t.Logf("%d requests, at most %d in one second", st.Requests, st.MaxPerSecond)
}
