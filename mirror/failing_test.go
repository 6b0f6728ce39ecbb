package mirror_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// The hook writes in the transaction of the change: when the change rolls back, so does
// the outbox row; when it commits, changes of one record coalesce into one row.
func TestHookRecordsInTheTransaction(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := newEnv(t, db, newFake(t), noSweep())
		e.stop() // nothing delivers: the outbox is what this test reads
		boom := errors.New("transition failed")
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if err := e.mirror.Hook(ctx, tx, leadrun.LifecycleEvent{Kind: leadrun.EventRunStarted, RunID: "SR-1"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n, _, _ := db.AirtablePending(ctx); n != 0 {
			t.Fatalf("%d outbox rows after a rolled-back transition", n)
		}
		for range 3 {
			emit(t, db, e.mirror, leadrun.LifecycleEvent{Kind: leadrun.EventOperationProgressed, RunID: "SR-1", ClientID: "Guy-Wilson"})
		}
		if n, _, _ := db.AirtablePending(ctx); n != 2 {
			t.Fatalf("%d outbox rows for one run and one client result, want 2", n)
		}
	})
}

// A refused token marks the mirror failing with Airtable's message, retries slowly (no
// storm) and resumes when the token is fixed; the token never reaches the logs.
func TestFailingTokenNoStormResumes(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := newFake(t)
		fake.SetToken("patROTATED")
		loadDemo(t, db)
		cfg := fastConfig()
		cfg.RetryAfter = 300 * time.Millisecond
		e := newEnv(t, db, fake, cfg)
		run := e.runToEnd(t, 1)
		waitFor(t, 20*time.Second, "the mirror to report the refused token", func() bool {
			line, _ := e.mirror.RunStatusLine(ctx, run.ID)
			return strings.Contains(line, "failing: airtable 401 AUTHENTICATION_REQUIRED: Authentication required (check LEADRUN_AIRTABLE_TOKEN)")
		})
		if !mirrorNeedsAttention(t, db) {
			t.Error("needs-attention does not list the failing mirror")
		}
		before, start := fake.Stats(testBase).Requests, time.Now()
		waitFor(t, 10*time.Second, "a second", func() bool { return time.Since(start) >= time.Second })
		tries := fake.Stats(testBase).Requests - before
		if limit := int(time.Since(start)/cfg.RetryAfter) + 2; tries > limit {
			t.Errorf("%d requests in %s while failing, want at most %d", tries, time.Since(start), limit)
		}
		fake.SetToken(testToken)
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		waitMirrored(t, db, fake, run, len(results))
		waitFor(t, 20*time.Second, "the needs-attention item to clear", func() bool { return !mirrorNeedsAttention(t, db) })
		if strings.Contains(e.logs.String(), testToken) || !strings.Contains(e.logs.String(), "airtable mirror failing") {
			t.Errorf("logs leak the token or lack the failure:\n%s", e.logs.String())
		}
		sqldbtest.MustNotStore(t, db, testToken)
	})
}

// A select option missing in the base: the mirror says so in Airtable's own words.
func TestMissingSelectOptionReported(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := airtabletest.New(airtabletest.Options{Token: testToken})
		t.Cleanup(fake.Close)
		fake.AddBase(testBase)
		fake.AddTable(testBase, airtable.Table{Name: "Job Tracking", Fields: []airtable.Field{
			{Name: "Run ID", Type: "singleLineText"},
			{Name: "Status", Type: "singleSelect", Options: map[string]any{"choices": []any{map[string]any{"name": "Running"}}}}}})
		fake.AddTable(testBase, airtable.Table{Name: "Client Run Results", Fields: []airtable.Field{{Name: "Run ID", Type: "singleLineText"}}})
		loadDemo(t, db)
		e := newEnv(t, db, fake, fastConfig())
		run := e.runToEnd(t, 1)
		want := `failing: airtable 422 INVALID_MULTIPLE_CHOICE_OPTIONS: Insufficient permissions to create new select option "Completed"`
		waitFor(t, 20*time.Second, "the mirror to report the missing option", func() bool {
			line, _ := e.mirror.RunStatusLine(ctx, run.ID)
			return strings.Contains(line, want)
		})
	})
}

// A missing table: the run page's line names it.
func TestMissingTableReported(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := airtabletest.New(airtabletest.Options{Token: testToken})
		t.Cleanup(fake.Close)
		fake.AddBase(testBase)
		loadDemo(t, db)
		e := newEnv(t, db, fake, fastConfig())
		run := e.runToEnd(t, 1)
		want := `failing: airtable: table "Job Tracking" is not in base ` + testBase + " (run `leadrun airtable check`)"
		waitFor(t, 20*time.Second, "the mirror to report the missing table", func() bool {
			line, _ := e.mirror.RunStatusLine(ctx, run.ID)
			return strings.Contains(line, want)
		})
	})
}

// mirrorNeedsAttention reports whether the needs-attention list names a failing mirror.
func mirrorNeedsAttention(t *testing.T, db *sqldb.DB) bool {
	t.Helper()
	items, err := db.NeedsAttention(context.Background(), time.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind == leadrun.AttentionMirrorFailing && strings.Contains(it.What, "AUTHENTICATION_REQUIRED") {
			return true
		}
	}
	return false
}
