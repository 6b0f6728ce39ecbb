package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Excluding and including a lead moves it excluded ⇄ to_be_scored, only within its
// client, refuses a no-op, and records each change with who made it.
func TestLeadExcludeInclude(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		for _, id := range []string{"A", "B"} {
			must(t, db.CreateClient(ctx, &leadrun.Client{ID: id, Name: id, Status: leadrun.ClientActive}))
		}
		_, err := db.UpsertLeads(ctx, "A", []*leadrun.Lead{{ProfileURL: "https://www.linkedin.com/in/a1/", FirstName: "A"}})
		must(t, err)
		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "A"})
		must(t, err)
		id := leads[0].ID
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'failed', attempts = 3 WHERE id = $1`, id)
			return err
		}))

		if _, err := db.SetLeadExcluded(ctx, "B", id, true, "cli bob"); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Fatalf("excluding another client's lead: %v, want ENOTFOUND", err)
		}
		if _, err := db.SetLeadExcluded(ctx, "A", id, true, "evil\nforged line"); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Fatalf("multi-line actor: %v, want EINVALID", err)
		}
		if _, err := db.SetLeadExcluded(ctx, "A", id, false, "cli bob"); leadrun.ErrorCode(err) != leadrun.ECONFLICT {
			t.Fatalf("including a lead that is not excluded: %v, want ECONFLICT", err)
		}
		l, err := db.SetLeadExcluded(ctx, "A", id, true, "dashboard")
		must(t, err)
		if l.ScoringStatus != leadrun.StatusExcluded {
			t.Fatalf("after exclude: %s", l.ScoringStatus)
		}
		if _, err := db.SetLeadExcluded(ctx, "A", id, true, "dashboard"); leadrun.ErrorCode(err) != leadrun.ECONFLICT {
			t.Fatalf("excluding twice: %v, want ECONFLICT", err)
		}
		l, err = db.SetLeadExcluded(ctx, "A", id, false, "api")
		must(t, err)
		if l.ScoringStatus != leadrun.StatusToBeScored || l.Attempts != 0 {
			t.Fatalf("after include: %s with %d attempts, want to_be_scored with 0", l.ScoringStatus, l.Attempts)
		}
		hist, err := db.FindActions(ctx, "A", id, 10)
		must(t, err)
		if len(hist) != 2 || hist[0].Kind != leadrun.ActionLeadIncluded || hist[0].By != "api" || hist[0].Detail != "was excluded" ||
			hist[1].Kind != leadrun.ActionLeadExcluded || hist[1].By != "dashboard" || hist[1].Detail != "was failed" {
			t.Fatalf("lead history = %+v", hist)
		}
		if other, err := db.FindActions(ctx, "B", 0, 10); err != nil || len(other) != 0 {
			t.Fatalf("client B history = %+v, %v; want empty", other, err)
		}
	})
}

// ChangeClient records what changed and who changed it; a pause and a resume are named
// so; an invalid change writes neither the client nor its history.
func TestChangeClientHistory(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }
		must(t, db.CreateClient(ctx, &leadrun.Client{ID: "A", Name: "A", Status: leadrun.ClientActive, ScoreThreshold: 70}))
		paused, active := leadrun.ClientPaused, leadrun.ClientActive
		th, stream, bad := 80.0, 2, -5.0
		_, err := db.ChangeClient(ctx, "A", leadrun.ClientUpdate{ScoreThreshold: &th, Stream: &stream}, "cli alice")
		must(t, err)
		_, err = db.ChangeClient(ctx, "A", leadrun.ClientUpdate{Status: &paused}, "dashboard")
		must(t, err)
		_, err = db.ChangeClient(ctx, "A", leadrun.ClientUpdate{Status: &active}, "api")
		must(t, err)
		_, err = db.ChangeClient(ctx, "A", leadrun.ClientUpdate{Status: &active}, "api") // no change: no line
		must(t, err)
		if _, err := db.ChangeClient(ctx, "A", leadrun.ClientUpdate{ScoreThreshold: &bad, Status: &paused}, "api"); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Fatalf("threshold -5: %v, want EINVALID", err)
		}
		c, err := db.FindClientByID(ctx, "A")
		must(t, err)
		if c.ScoreThreshold != 80 || c.Status != leadrun.ClientActive || c.Stream != 2 {
			t.Fatalf("client = %+v after a refused change", c)
		}
		hist, err := db.FindActions(ctx, "A", 0, 10)
		must(t, err)
		if len(hist) != 3 {
			t.Fatalf("history = %+v, want 3 lines", hist)
		}
		if hist[0].Kind != leadrun.ActionClientResumed || hist[1].Kind != leadrun.ActionClientPaused || hist[1].By != "dashboard" ||
			hist[2].Kind != leadrun.ActionClientChanged || hist[2].By != "cli alice" ||
			!strings.Contains(hist[2].Detail, "threshold 70 → 80") || !strings.Contains(hist[2].Detail, "stream 1 → 2") {
			t.Fatalf("history = %+v", hist)
		}
		budget := int64(5)
		_, err = db.ChangeClient(ctx, "A", leadrun.ClientUpdate{DailyTokenBudget: &budget}, "")
		if leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Fatalf("no actor: %v, want EINVALID", err)
		}
	})
}
