package sqldb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Conformance cases of the smaller stores: schedule slots, alert conditions, ingest
// tokens, client lists, and the database itself.

var storeMiscCases = []storeCase{
	{"ScheduleSlots", testScheduleSlots},
	{"AlertConditions", testAlertConditions},
	{"IngestTokens", testIngestTokens},
	{"FindClients", testFindClients},
	{"PingAndDatabases", testPingAndDatabases},
	{"ScheduleDeclarations", testScheduleDeclarations},
	{"KeepAffectedLeads", testKeepAffectedLeads},
	{"SearchRuns", testSearchRuns},
	{"SearchAndPageClients", testSearchAndPageClients},
	{"ClientResultsPage", testClientResultsPage},
	{"PageLeads", testPageLeads},
	{"PlanRows", testPlanRows},
	{"EventsWrittenAtCommit", testEventsWrittenAtCommit},
}

// A slot is claimed exactly once, from the previous slot the claimer read.
func testScheduleSlots(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	stream, other := u.stream(1), u.stream(2)
	s1 := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	s2, s3 := s1.Add(6*time.Hour), s1.Add(12*time.Hour)
	lastSlot := func(want time.Time, wantOK bool) {
		t.Helper()
		slot, ok, err := db.LastSlot(ctx, stream)
		if err != nil || ok != wantOK || !slot.Equal(want) {
			t.Errorf("LastSlot %v %v %v, want %v %v", slot, ok, err, want, wantOK)
		}
	}
	claim := func(prev, next time.Time, want bool) {
		t.Helper()
		if ok, err := db.ClaimSlot(ctx, stream, prev, next); ok != want || err != nil {
			t.Errorf("ClaimSlot %v→%v: %v %v, want %v", prev, next, ok, err, want)
		}
	}
	lastSlot(time.Time{}, false)
	claim(time.Time{}, s1, true)
	claim(time.Time{}, s1, false) // another process claimed the first slot
	lastSlot(s1, true)
	claim(s2, s3, false) // read an old slot: someone moved it
	claim(s1, s2, true)
	lastSlot(s2, true)
	if _, ok, err := db.LastSlot(ctx, other); ok || err != nil {
		t.Errorf("another stream has a slot: %v %v", ok, err)
	}

	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.ClaimSlot(ctx, stream, s2, s3)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 8 concurrent claims of one slot won, want 1", wins.Load())
	}
	lastSlot(s3, true)
}

// A condition is raised once until cleared; an "every" condition again after its period.
func testAlertConditions(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	prefix := u.id("quiet:")
	a, b, outside := prefix+"A", prefix+"B", u.id("other:A")
	raise := func(key string, want bool) {
		t.Helper()
		guard(t, db, "RaiseCondition "+key, want, func(tx *sqldb.Tx) (bool, error) { return tx.RaiseCondition(ctx, key) })
	}
	raise(a, true)
	raise(a, false)
	raise(b, true)
	raise(outside, true)
	if err := db.ClearConditions(ctx, prefix, map[string]bool{a: true}); err != nil {
		t.Fatal(err)
	}
	raise(a, false)       // kept
	raise(b, true)        // cleared, so alerted again
	raise(outside, false) // another prefix is not touched

	every := func(want bool) {
		t.Helper()
		guard(t, db, "RaiseConditionEvery", want, func(tx *sqldb.Tx) (bool, error) {
			return tx.RaiseConditionEvery(ctx, u.id("sender:x"), time.Hour)
		})
	}
	every(true)
	clk.advance(59 * time.Minute)
	every(false)
	clk.advance(2 * time.Minute)
	every(true)
	every(false)
}

// Only the current token of a client is valid; revoked, it is not; only a hash is kept.
func testIngestTokens(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustCreateClient(t, db, u.id("A"), u.stream(1))
	mustCreateClient(t, db, u.id("B"), u.stream(1))
	valid := func(client, token string, want bool) {
		t.Helper()
		if ok, err := db.IngestTokenValid(ctx, client, token); ok != want || err != nil {
			t.Errorf("IngestTokenValid(%s, %.8s…) = %v %v, want %v", client, token, ok, err, want)
		}
	}
	valid(u.id("A"), "lrit_anything", false)
	first, err := db.RotateIngestToken(ctx, u.id("A"))
	if err != nil {
		t.Fatal(err)
	}
	valid(u.id("A"), first, true)
	valid(u.id("A"), "", false)
	valid(u.id("A"), first+"x", false)
	valid(u.id("B"), first, false) // another client's token
	var stored int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM ingest_tokens WHERE token_hash = $1`, first).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token is stored in clear (%d) %v", stored, err)
	}
	second, err := db.RotateIngestToken(ctx, u.id("A"))
	if err != nil || second == first {
		t.Fatalf("rotate: %v (same token: %v)", err, second == first)
	}
	valid(u.id("A"), first, false)
	valid(u.id("A"), second, true)
	if err := db.RevokeIngestToken(ctx, u.id("A")); err != nil {
		t.Fatal(err)
	}
	valid(u.id("A"), second, false)
	if err := db.RevokeIngestToken(ctx, u.id("A")); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("revoke without a token: %v, want ENOTFOUND", err)
	}
	if tok, err := db.RotateIngestToken(ctx, u.id("missing")); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("token for a missing client: %q %v, want ENOTFOUND", tok, err)
	}
}

func mustCreateClient(t *testing.T, db *sqldb.DB, id string, stream int) *leadrun.Client {
	t.Helper()
	c := &leadrun.Client{ID: id, Name: "Client " + id, Stream: stream}
	if err := db.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func clientIDs(cs []*leadrun.Client) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// Client lists by stream, status and IDs, in and out of a transaction, in ID order.
func testFindClients(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b, c := u.id("A"), u.id("B"), u.id("C")
	mustCreateClient(t, db, b, u.stream(1))
	mustCreateClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, c, u.stream(2))
	paused := leadrun.ClientPaused
	if _, err := db.UpdateClient(ctx, b, leadrun.ClientUpdate{Status: &paused}); err != nil {
		t.Fatal(err)
	}
	s1, active := u.stream(1), leadrun.ClientActive
	filters := []struct {
		f    leadrun.ClientFilter
		want []string
	}{
		{leadrun.ClientFilter{Stream: &s1}, []string{a, b}},
		{leadrun.ClientFilter{Stream: &s1, Status: &active}, []string{a}},
		{leadrun.ClientFilter{IDs: []string{c, a, u.id("missing")}}, []string{a, c}},
		{leadrun.ClientFilter{IDs: []string{}}, nil}, // an empty list selects nothing, not everything
	}
	for _, f := range filters {
		got, err := db.FindClients(ctx, f.f)
		if err != nil || !reflect.DeepEqual(clientIDs(got), f.want) {
			t.Errorf("DB.FindClients(%+v) = %v %v, want %v", f.f, clientIDs(got), err, f.want)
		}
		mustTx(t, db, func(tx *sqldb.Tx) error {
			got, err := tx.FindClients(ctx, f.f)
			if err != nil || !reflect.DeepEqual(clientIDs(got), f.want) {
				t.Errorf("Tx.FindClients(%+v) = %v %v, want %v", f.f, clientIDs(got), err, f.want)
			}
			return nil
		})
	}
	got, err := db.FindClients(ctx, leadrun.ClientFilter{Stream: &s1})
	if err == nil && len(got) == 2 && (got[1].Status != leadrun.ClientPaused || got[0].Name != "Client "+a) {
		t.Errorf("clients read back %+v %+v", got[0], got[1])
	}
}

// Ping answers on an open database and fails on a closed one; test databases are made
// and dropped on the PostgreSQL server, and bad names are refused before reaching it.
func testPingAndDatabases(t *testing.T, db *sqldb.DB, _ uniq) {
	ctx := context.Background()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	for _, name := range []string{"", "Upper", "x; DROP DATABASE postgres", "1abc"} {
		if url, err := sqldb.CreatePostgresDatabase(ctx, "postgres://127.0.0.1:1/none", name); err == nil || url != "" {
			t.Errorf("create database %q: %q %v, want refused", name, url, err)
		}
		if err := sqldb.DropPostgresDatabase(ctx, "postgres://127.0.0.1:1/none", name); err == nil {
			t.Errorf("drop database %q accepted", name)
		}
	}
	if db.Kind() != sqldb.Postgres {
		closed := sqldbtest.MustOpen(t, sqldb.SQLite)
		closed.Close()
		if err := closed.Ping(ctx); err == nil {
			t.Error("ping of a closed database succeeded")
		}
		return
	}
	name := fmt.Sprintf("leadrun_test_conformance_%x", rand.Uint64()) // never collides with a parallel run
	url, err := sqldb.CreatePostgresDatabase(ctx, sqldbtest.PostgresAdminURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.DropPostgresDatabase(ctx, sqldbtest.PostgresAdminURL(), name)
	if _, err := sqldb.CreatePostgresDatabase(ctx, sqldbtest.PostgresAdminURL(), name); err == nil {
		t.Error("a database was created twice")
	}
	made, err := sqldb.Open(ctx, url, sqldb.Options{MaxConns: 2})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if err := made.Ping(ctx); err != nil {
		t.Errorf("ping the new database: %v", err)
	}
	made.Close()
	if err := made.Ping(ctx); err == nil {
		t.Error("ping of a closed database succeeded")
	}
	for range 2 { // dropping is idempotent
		if err := sqldb.DropPostgresDatabase(ctx, sqldbtest.PostgresAdminURL(), name); err != nil {
			t.Fatalf("drop: %v", err)
		}
	}
	if gone, err := sqldb.Open(ctx, url, sqldb.Options{}); err == nil {
		gone.Close()
		t.Error("the dropped database still opens")
	}
}
