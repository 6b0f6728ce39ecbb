package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// listOp is one operation of a listFixture client result.
type listOp struct {
	kind   leadrun.OperationKind
	status leadrun.OpStatus
	skip   string
}

// mustStoreRun stores a finished run created at `at` on stream 1 with one client result per
// entry of clients (client IDs C0, C1, …), each with the given operations. Counts differ
// per operation so that mixing two up changes a total.
func mustStoreRun(t *testing.T, db *sqldb.DB, seq int, at time.Time, clients [][]listOp) string {
	t.Helper()
	ctx := context.Background()
	id := leadrun.RunID{Day: at, Seq: seq, Stream: 1}.String()
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		ts := db.Stamp(at)
		if err := tx.ExecRaw(ctx, `INSERT INTO runs (id, day, seq, stream, status, trigger, created_at, heartbeat_at)
			VALUES ($1,$2,$3,1,'completed','cli',$4,$4)`, id, at.Format("2006-01-02"), seq, ts); err != nil {
			return err
		}
		for c, ops := range clients {
			client := fmt.Sprintf("C%d", c)
			if err := tx.ExecRaw(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at)
				VALUES ($1,$2,$2,$3)`, id, client, ts); err != nil {
				return err
			}
			for i, op := range ops {
				n := int64(seq*1000 + c*10 + i)
				if err := tx.ExecRaw(ctx, `INSERT INTO operations (run_id, client_id, operation, status, skip_reason,
					examined, scored, skipped, failed, prompt_tokens, completion_tokens, cost_micros)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, id, client, op.kind, op.status, op.skip,
					4*n, 3*n, n/2, n/3, 100*n, 10*n, 7*n); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustCreateClients(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	for c := range n {
		if err := db.CreateClient(context.Background(), &leadrun.Client{ID: fmt.Sprintf("C%d", c), Stream: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// The totals FindRuns and FindRunByID report are the sums of the client results' totals
// (leadrun.ClientResult.Totals) for every combination of operation statuses, including
// client results without operations and runs without client results.
func TestRunTotalsMatchClientResults(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		statuses := []listOp{{status: leadrun.OpQueued}, {status: leadrun.OpRunning}, {status: leadrun.OpSucceeded},
			{status: leadrun.OpSucceededWithErrors}, {status: leadrun.OpSkipped, skip: leadrun.SkipNoLeadsToScore},
			{status: leadrun.OpSkipped, skip: leadrun.SkipBudgetExceeded}, {status: leadrun.OpFailed},
			{status: leadrun.OpCancelled}, {status: leadrun.OpAbandoned}}
		combos := [][]listOp{{}} // a client result without operations
		for _, a := range statuses {
			a.kind = leadrun.OpLeadScoring
			combos = append(combos, []listOp{a})
			for _, b := range statuses {
				b.kind = leadrun.OpPostScoring
				combos = append(combos, []listOp{a, b})
			}
		}
		const perRun = 8
		mustCreateClients(t, db, perRun)
		start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		var ids []string
		for i := 0; i*perRun < len(combos); i++ {
			part := combos[i*perRun : min(len(combos), (i+1)*perRun)]
			ids = append(ids, mustStoreRun(t, db, i+1, start.Add(time.Duration(i)*time.Minute), part))
		}
		empty := mustStoreRun(t, db, len(ids)+1, start.Add(time.Hour), nil)
		runs, err := db.FindRuns(ctx, leadrun.RunFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != len(ids)+1 || runs[0].ID != empty || runs[0].Totals != (leadrun.Totals{}) {
			t.Fatalf("%d runs, first %s with %+v; want %d, %s with zero totals", len(runs), runs[0].ID, runs[0].Totals, len(ids)+1, empty)
		}
		for _, run := range runs[1:] {
			results, err := db.FindClientResults(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			var want leadrun.Totals
			for _, cr := range results {
				want.Add(cr.Totals())
			}
			if run.Totals != want {
				t.Errorf("run %s: FindRuns totals\n%+v, want the client results' sum\n%+v", run.ID, run.Totals, want)
			}
			one, err := db.FindRunByID(ctx, run.ID)
			if err != nil || one.Totals != want {
				t.Errorf("run %s: FindRunByID totals %+v (%v), want %+v", run.ID, one.Totals, err, want)
			}
		}
	})
}

// Filters select the same runs as before, newest first: a client filter (runs that
// included the client), a status, and the before cursor.
func TestFindRunsFilters(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustCreateClients(t, db, 2)
		start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		var withC1 []string
		for i := range 30 {
			clients := [][]listOp{{{kind: leadrun.OpLeadScoring, status: leadrun.OpSucceeded}}}
			if i%3 == 0 {
				clients = append(clients, []listOp{{kind: leadrun.OpLeadScoring, status: leadrun.OpFailed}})
			}
			id := mustStoreRun(t, db, i+1, start.Add(time.Duration(i)*time.Minute), clients)
			if i%3 == 0 {
				withC1 = append([]string{id}, withC1...) // newest first
			}
		}
		c1 := "C1"
		got, err := db.FindRuns(ctx, leadrun.RunFilter{ClientID: &c1, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("client filter: %d runs, want 4", len(got))
		}
		for i, r := range got {
			if r.ID != withC1[i] || r.Totals.ClientsTotal != 2 {
				t.Errorf("client filter #%d: %s with %d clients, want %s with 2", i, r.ID, r.Totals.ClientsTotal, withC1[i])
			}
		}
		next, err := db.FindRuns(ctx, leadrun.RunFilter{ClientID: &c1, BeforeID: &got[3].ID, Limit: 100})
		if err != nil || len(next) != len(withC1)-4 || next[0].ID != withC1[4] {
			t.Errorf("client filter after cursor %s: %d runs (%v), want %d from %s", got[3].ID, len(next), err, len(withC1)-4, withC1[4])
		}
		running := leadrun.RunRunning
		if none, err := db.FindRuns(ctx, leadrun.RunFilter{Status: &running}); err != nil || len(none) != 0 {
			t.Errorf("status running: %d runs (%v), want 0", len(none), err)
		}
		unknown := "SR-000000-001-S1"
		if none, err := db.FindRuns(ctx, leadrun.RunFilter{BeforeID: &unknown}); err != nil || len(none) != 0 {
			t.Errorf("unknown cursor: %d runs (%v), want 0", len(none), err)
		}
	})
}

// On SQLite the app serializes its own writers with an in-process mutex; reads must not
// wait for it (nor for SQLite's write lock): while a write transaction is open, listing
// runs answers at once and sees the last committed state.
func TestFindRunsNotBlockedByWriter(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustCreateClients(t, db, 1)
		id := mustStoreRun(t, db, 1, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
			[][]listOp{{{kind: leadrun.OpLeadScoring, status: leadrun.OpSucceeded}}})
		writing, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.InTx(ctx, func(tx *sqldb.Tx) error {
				if err := tx.ExecRaw(ctx, `UPDATE runs SET status_reason = 'uncommitted' WHERE id = $1`, id); err != nil {
					close(writing)
					return err
				}
				close(writing)
				<-release
				return nil
			})
		}()
		<-writing
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		runs, err := db.FindRuns(rctx, leadrun.RunFilter{})
		close(release)
		if err != nil {
			t.Fatalf("list while a write transaction is open: %v", err)
		}
		if len(runs) != 1 || runs[0].StatusReason == "uncommitted" || runs[0].Totals.ClientsSucceeded != 1 {
			t.Errorf("list while writing: %+v", runs)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
