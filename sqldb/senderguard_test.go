package sqldb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A client's expected Linked Helper sender is stored, changed, cleared and validated.
func TestClientSenderEmail(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.CreateClient(ctx, &leadrun.Client{ID: "Guy-Wilson", LHSenderEmail: "guy@example.com"}); err != nil {
			t.Fatal(err)
		}
		if c, err := db.FindClientByID(ctx, "Guy-Wilson"); err != nil || c.LHSenderEmail != "guy@example.com" {
			t.Fatalf("stored sender: %+v %v", c, err)
		}
		other := "guy.lh@example.com"
		if c, err := db.UpdateClient(ctx, "Guy-Wilson", leadrun.ClientUpdate{LHSenderEmail: &other}); err != nil || c.LHSenderEmail != other {
			t.Fatalf("changed sender: %+v %v", c, err)
		}
		bad := "not an email"
		if _, err := db.UpdateClient(ctx, "Guy-Wilson", leadrun.ClientUpdate{LHSenderEmail: &bad}); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("bad sender: %v, want EINVALID", err)
		}
		none := ""
		if c, err := db.UpdateClient(ctx, "Guy-Wilson", leadrun.ClientUpdate{LHSenderEmail: &none}); err != nil || c.LHSenderEmail != "" {
			t.Fatalf("cleared sender: %+v %v", c, err)
		}
		if err := db.CreateClient(ctx, &leadrun.Client{ID: "Bad", LHSenderEmail: "x@"}); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("create with a bad sender: %v, want EINVALID", err)
		}
	})
}

// Mismatches add up per client and normalized sender, concurrently too, keep their first
// and last seen times, and never leak to another client.
func TestSenderMismatches(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		now := start
		var clock sync.Mutex
		db.Now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
		for _, id := range []string{"Guy-Wilson", "Dean-Hobin"} {
			if err := db.CreateClient(ctx, &leadrun.Client{ID: id, LHSenderEmail: "owner@example.com"}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := db.FindSenderMismatches(ctx, "Guy-Wilson"); err != nil || len(got) != 0 {
			t.Fatalf("before any: %v %v", got, err)
		}
		mustRecord := func(client string, seen ...leadrun.SenderMismatch) {
			t.Helper()
			if err := db.RecordSenderMismatches(ctx, client, seen); err != nil {
				t.Fatal(err)
			}
		}
		mustRecord("Guy-Wilson", leadrun.SenderMismatch{Sender: "dean@example.com", Items: 2, Blocked: 0})
		clock.Lock()
		now = start.Add(time.Hour)
		clock.Unlock()
		mustRecord("Guy-Wilson", leadrun.SenderMismatch{Sender: " DEAN@example.com", Items: 3, Blocked: 3},
			leadrun.SenderMismatch{Sender: "", Items: 9}) // no sender: ignored
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.RecordSenderMismatches(ctx, "Guy-Wilson", []leadrun.SenderMismatch{{Sender: "eve@example.com", Items: 1, Blocked: 1}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := db.FindSenderMismatches(ctx, "Guy-Wilson")
		if err != nil {
			t.Fatal(err)
		}
		want := []leadrun.SenderMismatch{
			{Sender: "dean@example.com", Items: 5, Blocked: 3, FirstSeenAt: start, LastSeenAt: start.Add(time.Hour)},
			{Sender: "eve@example.com", Items: 10, Blocked: 10, FirstSeenAt: start.Add(time.Hour), LastSeenAt: start.Add(time.Hour)},
		}
		if len(got) != len(want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Sender != w.Sender || g.Items != w.Items || g.Blocked != w.Blocked || !g.FirstSeenAt.Equal(w.FirstSeenAt) || !g.LastSeenAt.Equal(w.LastSeenAt) {
				t.Errorf("row %d: got %+v, want %+v", i, g, w)
			}
		}
		if dean, err := db.FindSenderMismatches(ctx, "Dean-Hobin"); err != nil || len(dean) != 0 {
			t.Errorf("another client's counts leaked: %v %v", dean, err)
		}
		totals, err := db.SenderMismatchTotals(ctx)
		if err != nil || len(totals) != 1 || totals[0] != (sqldb.SenderMismatchTotal{ClientID: "Guy-Wilson", Items: 15, Blocked: 13}) {
			t.Errorf("totals: %+v %v", totals, err)
		}
		err = db.RecordSenderMismatches(ctx, "Nobody", []leadrun.SenderMismatch{{Sender: "x@example.com", Items: 1}})
		if leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("unknown client: %v, want ENOTFOUND", err)
		}
	})
}
