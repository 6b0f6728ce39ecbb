package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

func createRun(ctx context.Context, db *sqldb.DB, stream int) (*leadrun.Run, error) {
	var run *leadrun.Run
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		run, err = tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerAPI})
		return err
	})
	return run, err
}

// 50 runs created concurrently (on 50 streams) get 50 distinct IDs with sequences 1…50,
// allocated by the database.
func TestRunIDsConcurrent(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fixed := time.Date(2025, 9, 23, 4, 8, 41, 0, time.UTC)
		db.Now = func() time.Time { return fixed }
		var mu sync.Mutex
		var ids []string
		var seqs []int
		var wg sync.WaitGroup
		for stream := 1; stream <= 50; stream++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run, err := createRun(ctx, db, stream)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids, seqs = append(ids, run.ID), append(seqs, run.Seq)
				if want := (leadrun.RunID{Day: fixed, Seq: run.Seq, Stream: stream}).String(); run.ID != want {
					t.Errorf("id %s, want %s", run.ID, want)
				}
			}()
		}
		wg.Wait()
		sort.Ints(seqs)
		seen := map[string]bool{}
		for i, id := range ids {
			seen[id] = true
			if seqs[i] != i+1 {
				t.Fatalf("sequences %v, want 1…50", seqs)
			}
		}
		if len(seen) != 50 {
			t.Fatalf("%d distinct IDs, want 50", len(seen))
		}
		stored, err := db.FindRunByID(ctx, "SR-250923-007-S"+fmt.Sprint(streamOf(t, db, 7)))
		if err != nil || stored.Seq != 7 || !stored.Day.Equal(time.Date(2025, 9, 23, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("stored parts: %+v %v", stored, err)
		}
		// The next day starts again at 001.
		db.Now = func() time.Time { return fixed.Add(24 * time.Hour) }
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.FinishRun(ctx, stored.ID, leadrun.RunCancelled, "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		next, err := createRun(ctx, db, stored.Stream)
		if err != nil || next.ID != fmt.Sprintf("SR-250924-001-S%d", stored.Stream) {
			t.Fatalf("next day: %v %v", next, err)
		}
	})
}

func streamOf(t *testing.T, db *sqldb.DB, seq int) int {
	t.Helper()
	var stream int
	if err := db.SQL().QueryRow(`SELECT stream FROM runs WHERE seq = $1`, seq).Scan(&stream); err != nil {
		t.Fatal(err)
	}
	return stream
}

// A stream with an active run refuses a second one and names the active run; the refused
// attempt consumes no sequence number.
func TestStreamBusy(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		first, err := createRun(ctx, db, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = createRun(ctx, db, 1)
		var busy *leadrun.StreamBusyError
		if !errors.As(err, &busy) || busy.RunID != first.ID || leadrun.ErrorCode(err) != leadrun.ECONFLICT {
			t.Fatalf("second run: %v, want busy naming %s", err, first.ID)
		}
		second, err := createRun(ctx, db, 2)
		if err != nil || second.Seq != 2 {
			t.Fatalf("other stream: %v, seq %v; want seq 2 (the refused attempt used none)", err, second)
		}
	})
}

// Re-ingesting a lead updates its profile but never resets its scoring status, and never
// blanks a stored email, phone or location. Leads are tenant data: one client never sees
// another's.
func TestUpsertLeads(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		for _, id := range []string{"A", "B"} {
			if err := db.CreateClient(ctx, &leadrun.Client{ID: id}); err != nil {
				t.Fatal(err)
			}
		}
		lead := &leadrun.Lead{ProfileURL: "https://www.linkedin.com/in/ann/", FirstName: "Ann", Headline: "Founder",
			Email: "ann@example.com", Location: "Brisbane", Experience: []leadrun.Job{{Title: "CEO", Company: "Acme"}}}
		if res, err := db.UpsertLeads(ctx, "A", []*leadrun.Lead{lead}); err != nil || res.Created != 1 {
			t.Fatalf("create: %+v %v", res, err)
		}
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ApplyLeadUpdates(ctx, "A", "SR-1", 3, []leadrun.LeadUpdate{{LeadID: lead.ID, Status: leadrun.StatusScored,
				Score: ptr(70.0), Assessment: "good", Breakdown: []byte(`{"items":[],"raw":7,"denominator":10,"score":70}`)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		again := &leadrun.Lead{ProfileURL: "linkedin.com/in/ANN?trk=x", FirstName: "Ann", Headline: "Founder & Coach",
			Experience: []leadrun.Job{{Title: "CEO", Company: "Acme"}}}
		if res, err := db.UpsertLeads(ctx, "A", []*leadrun.Lead{again}); err != nil || res.Updated != 1 || res.Created != 0 {
			t.Fatalf("update: %+v %v", res, err)
		}
		got, err := db.FindLeadByID(ctx, "A", lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ScoringStatus != leadrun.StatusScored || got.Headline != "Founder & Coach" || got.Email != "ann@example.com" ||
			got.Location != "Brisbane" || got.Breakdown == nil || got.Breakdown.Score != 70 || got.Assessment != "good" {
			t.Errorf("after re-ingest: %+v", got)
		}
		if _, err := db.FindLeadByID(ctx, "B", lead.ID); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("client B reads client A's lead: %v", err)
		}
		if leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "B"}); err != nil || len(leads) != 0 {
			t.Errorf("client B lists %d leads", len(leads))
		}
		// A lead already scored is not due: applying again changes nothing.
		err = db.InTx(ctx, func(tx *sqldb.Tx) error {
			applied, err := tx.ApplyLeadUpdates(ctx, "A", "SR-2", 3, []leadrun.LeadUpdate{{LeadID: lead.ID, Status: leadrun.StatusFailed, Reason: leadrun.ReasonAPIError}})
			if err == nil && applied[0] {
				t.Error("a scored lead was scored again")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Migrations are current after Migrate, and a fresh database refuses CheckSchema.
func TestSchema(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		if err := db.CheckSchema(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	db, err := sqldb.Open(context.Background(), sqldbtest.NewURL(t, sqldb.SQLite), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSchema(context.Background()); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("unmigrated database: %v, want an error telling to migrate", err)
	}
	if _, err := sqldb.Open(context.Background(), "mysql://x", sqldb.Options{}); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("unknown scheme: %v", err)
	}
}

// A client filter may name only active clients of the run's stream.
func TestClientFilterChecked(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	ctx := context.Background()
	db.CreateClient(ctx, &leadrun.Client{ID: "On-Two", Stream: 2})
	db.CreateClient(ctx, &leadrun.Client{ID: "Paused", Stream: 1, Status: leadrun.ClientPaused})
	for _, filter := range [][]string{{"Nobody"}, {"On-Two"}, {"Paused"}} {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Params: leadrun.RunParams{ClientFilter: filter}})
			return err
		})
		if leadrun.ErrorCode(err) != leadrun.EINVALID || !strings.Contains(err.Error(), filter[0]) {
			t.Errorf("%v: %v", filter, err)
		}
	}
}
