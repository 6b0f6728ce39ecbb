package sqldb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// A plan's rows go in by the statement-full (more than one statement of each, and an odd
// last one): every client result, operation and log line is stored once, as given, the
// log lines in order; a duplicate client result is a conflict that names the run.
func testPlanRows(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	const n = 450
	clients := make([]*leadrun.Client, n)
	var ops []*leadrun.Operation
	var events []leadrun.RunEvent
	runID := mustPlanRun(t, db, u.stream(1)) // a run without clients yet
	for i := range clients {
		c := &leadrun.Client{ID: u.id(fmt.Sprintf("p%03d", i)), Name: fmt.Sprintf("Plan client %d", i)}
		clients[i] = c
		if err := db.CreateClient(ctx, &leadrun.Client{ID: c.ID, Name: c.Name, Stream: u.stream(1)}); err != nil {
			t.Fatal(err)
		}
		skipped := &leadrun.Operation{RunID: runID, ClientID: c.ID, Kind: leadrun.OpPostScoring, Status: leadrun.OpSkipped,
			SkipReason: leadrun.SkipServiceLevel, LastError: "level 1"}
		ops = append(ops, &leadrun.Operation{RunID: runID, ClientID: c.ID, Kind: leadrun.OpLeadScoring, Status: leadrun.OpQueued,
			Due: int64(i), Limit: i % 7}, skipped)
		events = append(events, leadrun.RunEvent{RunID: runID, ClientID: c.ID, Operation: leadrun.OpLeadScoring,
			Message: fmt.Sprintf("line %d", i)})
	}
	events[3].Counts = map[string]int64{"due": 3}
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if err := tx.CreateClientResults(ctx, runID, clients); err != nil {
			return err
		}
		if err := tx.CreateOperations(ctx, ops); err != nil {
			return err
		}
		return tx.AddEvents(ctx, events)
	})
	results, err := db.FindClientResults(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != n {
		t.Fatalf("%d client results, want %d", len(results), n)
	}
	for i, cr := range results {
		if cr.ClientID != clients[i].ID || cr.ClientName != clients[i].Name || len(cr.Operations) != 2 {
			t.Fatalf("client result %d: %s %q with %d operations", i, cr.ClientID, cr.ClientName, len(cr.Operations))
		}
		lead, post := cr.Operations[0], cr.Operations[1]
		if lead.Status != leadrun.OpQueued || lead.Due != int64(i) || lead.Limit != i%7 || lead.FinishedAt != nil {
			t.Errorf("%s lead scoring %+v", cr.ClientID, lead)
		}
		if post.Status != leadrun.OpSkipped || post.SkipReason != leadrun.SkipServiceLevel || post.LastError != "level 1" || post.FinishedAt == nil {
			t.Errorf("%s post scoring %+v", cr.ClientID, post)
		}
	}
	ids := make([]string, 0, n+1)
	for _, c := range clients {
		ids = append(ids, c.ID)
	}
	byKey, err := db.FindOperations(ctx, runID, append(ids, u.id("not-planned")))
	if err != nil || len(byKey) != 2*n {
		t.Fatalf("FindOperations: %d operations, %v; want %d", len(byKey), err, 2*n)
	}
	for _, op := range ops {
		if got := byKey[op.Key()]; got == nil || got.Status != op.Status || got.Due != op.Due || got.Limit != op.Limit {
			t.Errorf("FindOperations %s: %+v, want %+v", op.Key(), got, op)
		}
	}
	got, err := db.FindEvents(ctx, runID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d events, want %d", len(got), n)
	}
	for i, ev := range got {
		if ev.Message != fmt.Sprintf("line %d", i) || ev.ClientID != clients[i].ID || ev.Level != leadrun.LevelInfo {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if got[3].Counts["due"] != 3 {
		t.Errorf("event 3 counts %v", got[3].Counts)
	}
	err = db.InTx(ctx, func(tx *sqldb.Tx) error { return tx.CreateClientResult(ctx, runID, clients[5]) })
	if leadrun.ErrorCode(err) != leadrun.ECONFLICT {
		t.Errorf("a second result of %s: %v, want ECONFLICT", clients[5].ID, err)
	}
}

// Lines added in a transaction are written when it commits, in order, after the other
// writes; a line that cannot be written (its run does not exist) fails the transaction,
// which keeps nothing; a rolled-back transaction writes no line.
func testEventsWrittenAtCommit(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	runID := mustPlanRun(t, db, u.stream(1))
	line := func(msg string) leadrun.RunEvent { return leadrun.RunEvent{RunID: runID, Message: msg} }
	mustTx(t, db, func(tx *sqldb.Tx) error {
		for _, msg := range []string{"one", "two"} {
			if err := tx.AddEvent(ctx, line(msg)); err != nil {
				return err
			}
		}
		return tx.AddEvents(ctx, []leadrun.RunEvent{line("three"), line("four")})
	})
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		_ = tx.AddEvent(ctx, line("rolled back"))
		return leadrun.Errorf(leadrun.EINVALID, "stop")
	})
	if leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Fatalf("rollback: %v", err)
	}
	err = db.InTx(ctx, func(tx *sqldb.Tx) error {
		_ = tx.AddEvent(ctx, line("kept only with the next"))
		return tx.AddEvent(ctx, leadrun.RunEvent{RunID: u.id("no-such-run"), Message: "orphan"})
	})
	if err == nil {
		t.Error("a line of a run that does not exist was written")
	}
	got, err := db.FindEvents(ctx, runID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, ev := range got {
		msgs = append(msgs, ev.Message)
	}
	if fmt.Sprint(msgs) != "[one two three four]" {
		t.Errorf("lines %v, want [one two three four]", msgs)
	}
}
