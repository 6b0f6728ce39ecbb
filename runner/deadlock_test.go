package runner_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Hundreds of operations finishing at once on three workers, each with its own pool (as
// three processes would be), while heartbeats run: no deadlock and no job retried (the
// operations are small, so they share group jobs: several finish on each worker slot). The
// job rows are read, not just the outcome: a deadlock's loser would show as a second
// attempt or an error.
func TestNoDeadlocksWhenOperationsFinishTogether(t *testing.T) {
	dbURL := sqldbtest.NewURL(t, sqldb.Postgres)
	ctx := context.Background()
	var dbs []*sqldb.DB
	for i := range 3 {
		db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if i == 0 {
			if err := db.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		dbs = append(dbs, db)
	}
	var clients []*leadrun.Client
	for i := range 150 {
		clients = append(clients, &leadrun.Client{ID: fmt.Sprintf("C%03d", i), Stream: 1, ServiceLevel: 2})
	}
	mustFixture(t, dbs[0], 3, clients...)
	var runners []*runner.Runner
	for _, db := range dbs {
		r := newRunner(t, db, &keywordScorer{}, runner.Config{Workers: 8, HeartbeatEvery: 20 * time.Millisecond})
		mustStart(t, r)
		runners = append(runners, r)
	}
	run := mustWait(t, runners[0], trigger(t, runners[0], 1, leadrun.RunParams{}).ID)
	if run.Status != leadrun.RunCompleted || run.Totals.ClientsTotal != 150 {
		t.Fatalf("run %s (%s), %d clients", run.Status, run.StatusReason, run.Totals.ClientsTotal)
	}
	// Small operations share jobs (a group job lists its operations): count operations.
	var retried, errored, ops, jobs int
	if err := dbs[0].SQL().QueryRow(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN kind = 'run_operation' THEN 1
		ELSE jsonb_array_length(args->'ops') END), 0), COUNT(*) FILTER (WHERE attempt > 1),
		COUNT(*) FILTER (WHERE COALESCE(array_length(errors, 1), 0) > 0)
		FROM river_job WHERE kind IN ('run_operation', 'run_operation_group')`).Scan(&jobs, &ops, &retried, &errored); err != nil {
		t.Fatal(err)
	}
	if ops != 300 || retried != 0 || errored != 0 {
		t.Errorf("%d operations in %d jobs, %d retried, %d with errors; want 300, 0, 0", ops, jobs, retried, errored)
	}
	for _, db := range dbs {
		db.Close() // backends exit and flush their statistics
	}
	admin, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var deadlocks int64
	if err := admin.SQL().QueryRow(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&deadlocks); err != nil {
		t.Fatal(err)
	}
	if deadlocks != 0 {
		t.Errorf("PostgreSQL counted %d deadlocks", deadlocks)
	}
}
