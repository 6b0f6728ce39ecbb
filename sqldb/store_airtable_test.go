package sqldb_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Conformance cases of the Airtable mirror's store: the outbox of changed runs and client
// results, record IDs, the sweep, the deliverer's lease, the shared request budget and
// the mirror's health. The outbox is one for the whole database: each case lives in its
// own year (airtableEra), later than any other case's, and reads only its own rows.

var storeAirtableCases = []storeCase{
	{"AirtableOutbox", testAirtableOutbox},
	{"AirtableSweep", testAirtableSweep},
	{"AirtableLease", testAirtableLease},
	{"AirtableSlots", testAirtableSlots},
	{"AirtableHealth", testAirtableHealth},
}

// airtableEra is the start of the case's own year: runs created then are the case's alone,
// whatever a backfill or sweep over "every run since" picks up.
func airtableEra(u uniq) time.Time {
	return time.Date(2030+u.base/100, 3, 2, 9, 0, 0, 0, time.UTC)
}

// ownChanges is DueAirtableChanges restricted to the given runs.
func ownChanges(t *testing.T, db *sqldb.DB, runs bool, runIDs ...string) []sqldb.AirtableChange {
	t.Helper()
	all, err := db.DueAirtableChanges(context.Background(), runs, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []sqldb.AirtableChange
	for _, c := range all {
		if slices.Contains(runIDs, c.RunID) {
			out = append(out, c)
		}
	}
	return out
}

func mustPending(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	n, _, err := db.AirtablePending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustDelivered records a delivery read now, of records whose run had the status.
func mustDelivered(t *testing.T, db *sqldb.DB, base, table, status string, ids map[string]string, done []sqldb.AirtableChange) {
	t.Helper()
	recs := map[string]sqldb.AirtableRecord{}
	for k, id := range ids {
		recs[k] = sqldb.AirtableRecord{ID: id, RunStatus: status}
	}
	if err := db.AirtableDelivered(context.Background(), base, table, recs, done, db.Now()); err != nil {
		t.Fatal(err)
	}
}

// Changes coalesce per record with a growing version and their first dirty time; a
// delivery removes only rows whose version did not move; record IDs are kept per base
// and table; a backfill queues the runs created since a time, with their client results.
func testAirtableOutbox(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, airtableEra(u))
	t0 := clk.now
	r1 := mustPlanRun(t, db, u.stream(1), u.id("A"), u.id("B"))
	base := u.id("app")
	before := mustPending(t, db)
	mark := func(runID, clientID string) {
		t.Helper()
		mustTx(t, db, func(tx *sqldb.Tx) error { return tx.MarkAirtableDirty(ctx, runID, clientID) })
	}
	mark(r1, "")
	clk.advance(time.Minute)
	mark(r1, "")
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.MarkAirtableRunDirty(ctx, r1) })
	t1 := clk.now
	wantRuns := []sqldb.AirtableChange{{RunID: r1, Version: 3, DirtyAt: t0}}
	wantClients := []sqldb.AirtableChange{{RunID: r1, ClientID: u.id("A"), Version: 1, DirtyAt: t1},
		{RunID: r1, ClientID: u.id("B"), Version: 1, DirtyAt: t1}}
	if got := ownChanges(t, db, true, r1); !reflect.DeepEqual(got, wantRuns) {
		t.Errorf("run changes %+v, want %+v", got, wantRuns)
	}
	if got := ownChanges(t, db, false, r1); !reflect.DeepEqual(got, wantClients) {
		t.Errorf("client result changes %+v, want %+v", got, wantClients)
	}
	all, err := db.DueAirtableChanges(ctx, false, 10000)
	if first, err2 := db.DueAirtableChanges(ctx, false, 1); err != nil || err2 != nil || len(all) == 0 || !reflect.DeepEqual(first, all[:1]) {
		t.Errorf("DueAirtableChanges limit 1 = %+v %v, want the oldest of %d (%v)", first, err2, len(all), err)
	}
	if n := mustPending(t, db); n != before+3 {
		t.Errorf("%d pending, want %d", n, before+3)
	}

	runRows := ownChanges(t, db, true, r1)
	mark(r1, "") // a change while the batch was delivered: the row stays, at version 4
	mustDelivered(t, db, base, "Runs", "queued", map[string]string{r1: "recRun1"}, runRows)
	mustDelivered(t, db, base, "Clients", "queued", map[string]string{r1 + "-C" + u.id("A"): "recA"}, ownChanges(t, db, false, r1))
	if got := ownChanges(t, db, true, r1); len(got) != 1 || got[0].Version != 4 || !got[0].DirtyAt.Equal(t0) {
		t.Errorf("run row after a change during delivery %+v, want version 4 dirty since %v", got, t0)
	}
	if got := ownChanges(t, db, false, r1); len(got) != 0 {
		t.Errorf("delivered client rows still queued: %+v", got)
	}
	mustDelivered(t, db, base, "Runs", "queued", map[string]string{r1: "recRun1b"}, ownChanges(t, db, true, r1))
	if n := mustPending(t, db); n != before {
		t.Errorf("%d pending after delivery, want %d", n, before)
	}

	ids := func(b, table string, keys []string, want map[string]string) {
		t.Helper()
		if got, err := db.AirtableRecordIDs(ctx, b, table, keys); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("AirtableRecordIDs(%s, %s, %v) = %v %v, want %v", b, table, keys, got, err, want)
		}
	}
	ids(base, "Runs", []string{r1, "SR-missing"}, map[string]string{r1: "recRun1b"}) // replaced by the later delivery
	ids(base, "Clients", []string{r1 + "-C" + u.id("A")}, map[string]string{r1 + "-C" + u.id("A"): "recA"})
	ids(base, "Clients", []string{r1}, map[string]string{}) // another table
	ids(u.id("other"), "Runs", []string{r1}, map[string]string{})
	ids(base, "Runs", nil, map[string]string{})

	clk.advance(time.Hour)
	since := clk.now
	r2 := mustPlanRun(t, db, u.stream(2), u.id("C"))
	if n, err := db.MarkAirtableDirtySince(ctx, since); n != 1 || err != nil {
		t.Errorf("MarkAirtableDirtySince = %d %v, want 1 run", n, err)
	}
	if got := ownChanges(t, db, true, r1, r2); len(got) != 1 || got[0].RunID != r2 {
		t.Errorf("backfilled runs %+v, want %s only", got, r2)
	}
	if got := ownChanges(t, db, false, r1, r2); len(got) != 1 || got[0].ClientID != u.id("C") {
		t.Errorf("backfilled client results %+v, want %s's", got, u.id("C"))
	}
	if n, err := db.MarkAirtableDirtySince(ctx, since); n != 1 || err != nil { // again: the rows' versions move
		t.Errorf("MarkAirtableDirtySince again = %d %v", n, err)
	}
	if got := ownChanges(t, db, true, r2); len(got) != 1 || got[0].Version != 2 {
		t.Errorf("backfilled twice %+v, want version 2", got)
	}
	mustDelivered(t, db, base, "Runs", "", nil, append(ownChanges(t, db, true, r2), ownChanges(t, db, false, r2)...))
}

// The sweep queues, in runs created since the base was enabled and within a week,
// records never written, records of ended runs written with another status, and of
// active runs written before staleBefore; nothing twice.
func testAirtableSweep(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, airtableEra(u))
	base := u.id("app")
	before := mustPlanRun(t, db, u.stream(1), u.id("A")) // created before the mirror
	finishRun(t, db, before)
	clk.advance(time.Minute)
	if err := db.EnableAirtable(ctx, base); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute)
	fresh := mustPlanRun(t, db, u.stream(2), u.id("B"))   // never written
	active := mustPlanRun(t, db, u.stream(3), u.id("C"))  // written, still running
	written := mustPlanRun(t, db, u.stream(4), u.id("D")) // written, then finished
	current := mustPlanRun(t, db, u.stream(5), u.id("E")) // finished, then written
	finishRun(t, db, current)
	clk.advance(time.Minute)
	writtenAt := clk.now
	for _, r := range []struct{ run, client, status string }{{active, "C", "queued"}, {written, "D", "queued"}, {current, "E", "cancelled"}} {
		mustDelivered(t, db, base, "Runs", r.status, map[string]string{r.run: "rec" + r.client}, nil)
		mustDelivered(t, db, base, "Clients", r.status, map[string]string{r.run + "-C" + u.id(r.client): "recC" + r.client}, nil)
	}
	clk.advance(time.Minute)
	finishRun(t, db, written)
	if err := db.EnableAirtable(ctx, base); err != nil { // enabling again keeps the first time
		t.Fatal(err)
	}
	runs := []string{before, fresh, active, written, current}

	sweep := func(staleBefore time.Time, want int, wantRuns []string) {
		t.Helper()
		n, err := db.SweepAirtable(ctx, base, "Runs", "Clients", staleBefore)
		var got []string
		for _, c := range ownChanges(t, db, true, runs...) {
			got = append(got, c.RunID)
		}
		slices.Sort(got)
		slices.Sort(wantRuns)
		if n != want || err != nil || !slices.Equal(got, wantRuns) {
			t.Errorf("SweepAirtable(stale before %v) = %d %v, queued runs %v; want %d, %v", staleBefore, n, err, got, want, wantRuns)
		}
	}
	sweep(writtenAt, 4, []string{fresh, written})                          // each run with its client result
	sweep(writtenAt, 0, []string{fresh, written})                          // nothing twice
	sweep(writtenAt.Add(time.Second), 2, []string{fresh, written, active}) // the active run's write is stale now
	if got := ownChanges(t, db, false, runs...); len(got) != 3 {
		t.Errorf("swept client results %+v, want those of 3 runs", got)
	}
	mustDelivered(t, db, base, "Runs", "", nil, append(ownChanges(t, db, true, runs...), ownChanges(t, db, false, runs...)...))

	clk.advance(8 * 24 * time.Hour) // a week later the runs are not swept any more
	if n, err := db.SweepAirtable(ctx, base, "Runs", "Clients", clk.now); n != 0 || err != nil {
		t.Errorf("sweep a week later: %d %v, want 0", n, err)
	}
}

// finishRun ends a queued run as cancelled.
func finishRun(t *testing.T, db *sqldb.DB, runID string) {
	t.Helper()
	guard(t, db, "FinishRun "+runID, true, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishRun(context.Background(), runID, leadrun.RunCancelled, "test")
	})
}

// One owner at a time per base, until its lease expires or it releases it.
func testAirtableLease(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, airtableEra(u))
	base, other := u.id("app"), u.id("other")
	acquire := func(b, owner string, want bool) {
		t.Helper()
		if ok, err := db.AcquireAirtableLease(ctx, b, owner, time.Minute); ok != want || err != nil {
			t.Errorf("AcquireAirtableLease(%s, %s) = %v %v, want %v", b, owner, ok, err, want)
		}
	}
	release := func(b, owner string) {
		t.Helper()
		if err := db.ReleaseAirtableLease(ctx, b, owner); err != nil {
			t.Fatal(err)
		}
	}
	acquire(base, "p1", true)
	acquire(base, "p2", false)
	acquire(other, "p2", true) // another base has its own lease
	clk.advance(50 * time.Second)
	acquire(base, "p1", true) // renewed for another minute
	clk.advance(50 * time.Second)
	acquire(base, "p2", false)
	clk.advance(11 * time.Second) // expired
	acquire(base, "p2", true)
	acquire(base, "p1", false)
	release(base, "p1") // not the holder: nothing changes
	acquire(base, "p1", false)
	release(base, "p2")
	acquire(base, "p1", true)
	release(u.id("never"), "p1") // a base without a lease
}

// Requests are booked so that no window holds more than perWindow of them; an ended
// request counts from when it ended; a penalty holds every request; bases are apart.
func testAirtableSlots(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, airtableEra(u))
	t0 := clk.now
	base := u.id("app")
	reserve := func(b string, prev *sqldb.SlotUse, want time.Time) {
		t.Helper()
		if got, err := db.ReserveAirtableSlot(ctx, b, 2, time.Second, prev); err != nil || !got.Equal(want) {
			t.Errorf("ReserveAirtableSlot(%s) = %v %v, want %v", b, got, err, want)
		}
	}
	ms := time.Millisecond
	reserve(base, nil, t0)
	reserve(base, nil, t0)
	reserve(base, nil, t0.Add(time.Second)) // two in the window starting at t0
	reserve(base, nil, t0.Add(time.Second))
	reserve(base, nil, t0.Add(2*time.Second))
	reserve(u.id("other"), nil, t0) // another base's budget
	if err := db.ConfirmAirtableSlot(ctx, base, sqldb.SlotUse{Booked: t0.Add(2 * time.Second), Ended: t0.Add(2500 * ms)}); err != nil {
		t.Fatal(err)
	}
	reserve(base, nil, t0.Add(2500*ms)) // after the last request's end
	clk.advance(5 * time.Second)
	reserve(base, nil, clk.now) // the window is past
	// the previous request ended late: the next one counts from its end
	reserve(base, &sqldb.SlotUse{Booked: clk.now, Ended: clk.now.Add(400 * ms)}, clk.now.Add(400*ms))
	if err := db.ConfirmAirtableSlot(ctx, base, sqldb.SlotUse{Booked: clk.now.Add(400 * ms), Ended: clk.now}); err != nil {
		t.Fatal(err) // an end before the booking changes nothing
	}
	reserve(base, nil, clk.now.Add(1400*ms))
	if err := db.PenalizeAirtable(ctx, base, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	reserve(base, nil, t0.Add(10*time.Second))
	clk.advance(time.Minute)
	reserve(base, nil, clk.now) // the penalty is over, the window long past
	if err := db.ConfirmAirtableSlot(ctx, u.id("missing"), sqldb.SlotUse{Booked: t0, Ended: t0}); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("confirm a slot of a base never used: %v, want ENOTFOUND", err)
	}
}

// A failing mirror keeps since when it fails and its latest message; a retry clears the
// wait; a delivery makes it healthy; a run's last write and its queued records are told.
func testAirtableHealth(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, airtableEra(u))
	base := u.id("app")
	status := func() *sqldb.AirtableStatus {
		t.Helper()
		st, err := db.AirtableStatus(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st.LastSyncAt != nil || st.FailingSince != nil || st.RetryAt != nil || st.FailingMessage != "" {
		t.Errorf("status of a base never delivered %+v, want zero", st)
	}
	since := clk.now
	retry := since.Add(time.Minute)
	if got, err := db.AirtableFailed(ctx, base, "503 Service Unavailable", retry); err != nil || !got.Equal(since) {
		t.Errorf("AirtableFailed = %v %v, want failing since %v", got, err, since)
	}
	clk.advance(time.Minute)
	retry = clk.now.Add(2 * time.Minute)
	if got, err := db.AirtableFailed(ctx, base, "INVALID_PERMISSIONS", retry); err != nil || !got.Equal(since) {
		t.Errorf("AirtableFailed again = %v %v, want still failing since %v", got, err, since)
	}
	st := status()
	if st.FailingSince == nil || !st.FailingSince.Equal(since) || st.FailingMessage != "INVALID_PERMISSIONS" || st.RetryAt == nil || !st.RetryAt.Equal(retry) {
		t.Errorf("failing status %+v, want since %v, the latest message, retry at %v", st, since, retry)
	}
	if other, err := db.AirtableStatus(ctx, u.id("other")); err != nil || other.FailingSince != nil {
		t.Errorf("another base's status %+v %v, want healthy", other, err)
	}
	if err := db.AirtableRetryNow(ctx, base); err != nil {
		t.Fatal(err)
	}
	if st := status(); st.RetryAt != nil || st.FailingSince == nil {
		t.Errorf("after retry now %+v, want no wait, still failing", st)
	}

	runID := mustPlanRun(t, db, u.stream(1), u.id("A"), u.id("B"))
	if at, n, err := db.AirtableRunSync(ctx, base, "Runs", runID); at != nil || n != 0 || err != nil {
		t.Errorf("AirtableRunSync of a run never written = %v %d %v", at, n, err)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.MarkAirtableRunDirty(ctx, runID) })
	clk.advance(time.Minute)
	readAt := clk.now.Add(-10 * time.Second) // the record's state was read before the write ended
	recs := map[string]sqldb.AirtableRecord{runID: {ID: "recR", RunStatus: "queued"}}
	if err := db.AirtableDelivered(ctx, base, "Runs", recs, ownChanges(t, db, true, runID), readAt); err != nil {
		t.Fatal(err)
	}
	if at, n, err := db.AirtableRunSync(ctx, base, "Runs", runID); at == nil || !at.Equal(readAt) || n != 2 || err != nil {
		t.Errorf("AirtableRunSync = %v %d %v, want written as of %v, 2 client results queued", at, n, err, readAt)
	}
	if at, _, err := db.AirtableRunSync(ctx, u.id("other"), "Runs", runID); at != nil || err != nil {
		t.Errorf("AirtableRunSync in another base = %v %v, want never", at, err)
	}
	st = status()
	if st.FailingSince != nil || st.FailingMessage != "" || st.RetryAt != nil || st.LastSyncAt == nil || !st.LastSyncAt.Equal(clk.now) {
		t.Errorf("status after a delivery %+v, want healthy, synced at %v", st, clk.now)
	}
	if n, oldest, err := db.AirtablePending(ctx); err != nil || st.Pending != n || !reflect.DeepEqual(st.OldestPending, oldest) {
		t.Errorf("status pending %d %v, AirtablePending %d %v %v", st.Pending, st.OldestPending, n, oldest, err)
	}
	mustDelivered(t, db, base, "Clients", "", nil, ownChanges(t, db, false, runID))
}
