package sqldb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Conformance cases of a client's token-less Linked Helper window: opening, moving and
// closing it, and the request counts kept while it is open.

var storeLegacyCases = []storeCase{
	{"LegacyIngestWindow", testLegacyIngestWindow},
	{"LegacyIngestRequests", testLegacyIngestRequests},
}

// mustSenderClient creates a client with an expected Linked Helper sender.
func mustSenderClient(t *testing.T, db *sqldb.DB, id string, stream int) {
	t.Helper()
	c := &leadrun.Client{ID: id, Name: "Client " + id, Stream: stream, LHSenderEmail: "sender@example.com"}
	if err := db.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func mustFindLegacy(t *testing.T, db *sqldb.DB, clientID string) *leadrun.LegacyIngest {
	t.Helper()
	l, err := db.FindLegacyIngest(context.Background(), clientID)
	if err != nil {
		t.Fatalf("FindLegacyIngest(%s): %v", clientID, err)
	}
	return l
}

// A window needs a sender, a future end within the maximum, and an existing client; it
// is read back as set, its end moves, and closing it forgets it.
func testLegacyIngestWindow(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a, bare := u.id("A"), u.id("bare")
	mustSenderClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, bare, u.stream(1))
	l, err := db.FindLegacyIngest(ctx, a)
	wantNotFound(t, "FindLegacyIngest before any window", l, err)

	until := clk.now.Add(30 * 24 * time.Hour)
	refused := []struct {
		what   string
		client string
		until  time.Time
		code   string
	}{
		{"a client without a sender", bare, until, leadrun.EINVALID},
		{"an end in the past", a, clk.now.Add(-time.Minute), leadrun.EINVALID},
		{"an end now", a, clk.now, leadrun.EINVALID},
		{"an end past the maximum", a, clk.now.Add(leadrun.MaxLegacyIngestWindow + time.Hour), leadrun.EINVALID},
		{"a missing client", u.id("missing"), until, leadrun.ENOTFOUND},
	}
	for _, r := range refused {
		if got, err := db.SetLegacyIngest(ctx, r.client, &r.until); leadrun.ErrorCode(err) != r.code || got != nil {
			t.Errorf("window for %s: %+v %v, want %s", r.what, got, err, r.code)
		}
	}
	for _, id := range []string{a, bare} { // nothing was written by the refusals
		l, err := db.FindLegacyIngest(ctx, id)
		wantNotFound(t, "FindLegacyIngest after refusals", l, err)
	}

	set, err := db.SetLegacyIngest(ctx, a, &until)
	want := leadrun.LegacyIngest{ClientID: a, Until: until, SetAt: clk.now}
	if err != nil || set == nil || *set != want {
		t.Fatalf("SetLegacyIngest = %+v %v, want %+v", set, err, want)
	}
	if got := mustFindLegacy(t, db, a); *got != want {
		t.Errorf("FindLegacyIngest = %+v, want %+v", got, want)
	}
	if !set.Open(clk.now) || set.Open(until) {
		t.Errorf("window open now %v, at its end %v", set.Open(clk.now), set.Open(until))
	}

	clk.advance(time.Hour)
	moved := clk.now.Add(leadrun.MaxLegacyIngestWindow) // exactly the maximum is allowed
	if got, err := db.SetLegacyIngest(ctx, a, &moved); err != nil || !got.Until.Equal(moved) || !got.SetAt.Equal(clk.now) {
		t.Errorf("move the end: %+v %v, want until %v set at %v", got, err, moved, clk.now)
	}
	for range 2 { // closing is idempotent
		if got, err := db.SetLegacyIngest(ctx, a, nil); err != nil || got != nil {
			t.Errorf("close: %+v %v", got, err)
		}
	}
	l, err = db.FindLegacyIngest(ctx, a)
	wantNotFound(t, "FindLegacyIngest of a closed window", l, err)
	if got, err := db.SetLegacyIngest(ctx, u.id("missing"), nil); leadrun.ErrorCode(err) != leadrun.ENOTFOUND || got != nil {
		t.Errorf("close the window of a missing client: %+v %v, want ENOTFOUND", got, err)
	}
}

// Requests add up per client, concurrently too; counts survive a moved end, are dropped
// on closing, and a client without a window gets no counts.
func testLegacyIngestRequests(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a, b, none := u.id("A"), u.id("B"), u.id("none")
	for _, id := range []string{a, b, none} {
		mustSenderClient(t, db, id, u.stream(1))
	}
	until := clk.now.Add(7 * 24 * time.Hour)
	for _, id := range []string{a, b} {
		if _, err := db.SetLegacyIngest(ctx, id, &until); err != nil {
			t.Fatal(err)
		}
	}
	record := func(client string, items, blocked int) {
		t.Helper()
		if err := db.RecordLegacyRequest(ctx, client, items, blocked); err != nil {
			t.Fatalf("RecordLegacyRequest(%s): %v", client, err)
		}
	}
	clk.advance(time.Minute)
	record(a, 10, 2)
	last := clk.advance(time.Minute)
	record(a, 5, 0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.RecordLegacyRequest(ctx, a, 1, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	record(none, 3, 3) // no window: nothing is counted, and no window appears
	l, err := db.FindLegacyIngest(ctx, none)
	wantNotFound(t, "FindLegacyIngest of a client that never had a window", l, err)

	got := mustFindLegacy(t, db, a)
	if got.Requests != 10 || got.Items != 23 || got.Blocked != 10 || got.LastRequestAt == nil || !got.LastRequestAt.Equal(last) {
		t.Errorf("counts %+v (last request %v), want 10 requests, 23 items, 10 blocked, last at %v", got, got.LastRequestAt, last)
	}
	if other := mustFindLegacy(t, db, b); other.Requests != 0 || other.Items != 0 || other.LastRequestAt != nil {
		t.Errorf("another client's window counted %+v", other)
	}

	moved := until.Add(24 * time.Hour)
	if moved, err := db.SetLegacyIngest(ctx, a, &moved); err != nil || moved.Requests != 10 || moved.Items != 23 || moved.Blocked != 10 {
		t.Errorf("counts after moving the end: %+v %v, want kept", moved, err)
	}
	if _, err := db.SetLegacyIngest(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	record(a, 4, 4) // the window is closed: not counted
	if reopened, err := db.SetLegacyIngest(ctx, a, &until); err != nil || reopened.Requests != 0 || reopened.Items != 0 || reopened.LastRequestAt != nil {
		t.Errorf("reopened window %+v %v, want fresh counts", reopened, err)
	}
}
