package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// insertOp stores a finished run with one client result and a lead-scoring operation.
func insertOp(t *testing.T, db *sqldb.DB, runID, clientID string, at time.Time, scored, tokens int64) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.ExecRaw(ctx, `INSERT INTO runs (id, day, seq, stream, status, trigger, created_at, started_at, finished_at)
			VALUES ($1, $2, $3, 1, 'completed', 'cli', $4, $4, $4)`, runID, at.Format("2006-01-02"), at.Unix()%100000, db.Stamp(at)); err != nil {
			return err
		}
		if err := tx.ExecRaw(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at) VALUES ($1,$2,$2,$3)`,
			runID, clientID, db.Stamp(at)); err != nil {
			return err
		}
		err := tx.ExecRaw(ctx, `INSERT INTO operations (run_id, client_id, operation, status, examined, scored,
			prompt_tokens, completion_tokens, started_at, finished_at) VALUES ($1,$2,'lead_scoring','succeeded',$3,$3,$4,0,$5,$5)`,
			runID, clientID, scored, tokens, db.Stamp(at))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The dashboard's client health: last run and result, last scoring, tokens today and this
// month, lead counts; and tokens per client per day.
func TestClientHealthAndTokens(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
		for _, id := range []string{"A", "B"} {
			if err := db.CreateClient(ctx, &leadrun.Client{ID: id, Name: "Client " + id, DailyTokenBudget: 1000}); err != nil {
				t.Fatal(err)
			}
		}
		insertOp(t, db, "R-last-month", "A", time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC), 5, 700)
		insertOp(t, db, "R-this-month", "A", time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), 4, 300)
		insertOp(t, db, "R-today", "A", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), 3, 200)
		insertOp(t, db, "R-today-empty", "A", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), 0, 0)
		lead := &leadrun.Lead{ProfileURL: "https://www.linkedin.com/in/bo/", FirstName: "Bo", Headline: "CTO",
			Experience: []leadrun.Job{{Title: "CTO"}}}
		if _, err := db.UpsertLeads(ctx, "B", []*leadrun.Lead{lead, {ProfileURL: "https://www.linkedin.com/in/cy/", FirstName: "Cy"}}); err != nil {
			t.Fatal(err)
		}

		all, err := db.FindClientHealth(ctx, "", now)
		if err != nil || len(all) != 2 {
			t.Fatalf("health: %d %v", len(all), err)
		}
		a, b := all[0], all[1]
		if a.TokensToday != 200 || a.TokensMonth != 500 {
			t.Errorf("A tokens today/month = %d/%d, want 200/500", a.TokensToday, a.TokensMonth)
		}
		if a.LastRun == nil || a.LastRun.ID != "R-today-empty" || a.LastResult == nil || a.LastResult.ClientID != "A" {
			t.Errorf("A last run = %+v", a.LastRun)
		}
		// The last scoring is the last run that scored something, not the last run.
		if want := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC); a.LastScoredAt == nil || !a.LastScoredAt.Equal(want) {
			t.Errorf("A last scored = %v, want %v", a.LastScoredAt, want)
		}
		if b.LastRun != nil || b.LastScoredAt != nil || b.TokensMonth != 0 {
			t.Errorf("B has no run: %+v", b)
		}

		one, err := db.FindClientHealth(ctx, "B", now)
		if err != nil || len(one) != 1 || one[0].LeadsTotal != 2 || one[0].Leads[leadrun.StatusToBeScored] != 2 {
			t.Fatalf("B alone: %+v %v", one, err)
		}
		if _, err := db.FindClientHealth(ctx, "Nobody", now); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Fatalf("unknown client: %v", err)
		}

		days, err := db.TokensPerDay(ctx, "", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(days) != 2 || days[0].Tokens != 300 || days[1].Tokens != 200 ||
			!days[1].Day.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || days[1].ClientID != "A" {
			t.Fatalf("tokens per day: %+v %v", days, err)
		}
		if only, err := db.TokensPerDay(ctx, "B", time.Time{}); err != nil || len(only) != 0 {
			t.Fatalf("B tokens per day: %+v %v", only, err)
		}
	})
}

// A run's failed and skipped leads are listed under it; sessions live until logout.
func TestAffectedLeadsAndSessions(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.CreateClient(ctx, &leadrun.Client{ID: "A"}); err != nil {
			t.Fatal(err)
		}
		leads := []*leadrun.Lead{
			{ProfileURL: "https://www.linkedin.com/in/a1/", FirstName: "Ann", LastName: "One", Headline: "CEO", Experience: []leadrun.Job{{Title: "CEO"}}},
			{ProfileURL: "https://www.linkedin.com/in/a2/", FirstName: "Ben", Headline: "CTO", Experience: []leadrun.Job{{Title: "CTO"}}},
		}
		if _, err := db.UpsertLeads(ctx, "A", leads); err != nil {
			t.Fatal(err)
		}
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ApplyLeadUpdates(ctx, "A", "SR-X", 3, []leadrun.LeadUpdate{
				{LeadID: leads[0].ID, Status: leadrun.StatusFailed, Reason: leadrun.ReasonTimeout},
				{LeadID: leads[1].ID, Status: leadrun.StatusScored, Score: ptr(50.0), Breakdown: []byte(`{"items":[],"raw":1,"denominator":2,"score":50}`)},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if none, err := db.AffectedLeads(ctx, "SR-X", "A", leadrun.ReasonAPIError, 10); err != nil || len(none) != 0 {
			t.Fatalf("affected by another reason: %+v %v", none, err)
		}
		got, err := db.AffectedLeads(ctx, "SR-X", "A", leadrun.ReasonTimeout, 10)
		if err != nil || len(got) != 1 || got[0].ID != leads[0].ID || got[0].Name != "Ann One" || got[0].Reason != leadrun.ReasonTimeout {
			t.Fatalf("affected: %+v %v", got, err)
		}

		history, err := db.LeadFailures(ctx, "A", leads[0].ID)
		if err != nil || len(history) != 1 || history[0].RunID != "SR-X" || history[0].Reason != leadrun.ReasonTimeout || history[0].FailedAt.IsZero() {
			t.Fatalf("failure history: %+v %v", history, err)
		}
		if none, err := db.LeadFailures(ctx, "B", leads[0].ID); err != nil || len(none) != 0 {
			t.Fatalf("another client sees the lead's history: %+v %v", none, err)
		}
		if none, err := db.LeadFailures(ctx, "A", leads[1].ID); err != nil || len(none) != 0 {
			t.Fatalf("a scored lead has failures: %+v %v", none, err)
		}

		s, err := db.CreateSession(ctx, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		found, err := db.FindSession(ctx, s.Cookie)
		if err != nil || found == nil || found.CSRFToken != s.CSRFToken {
			t.Fatalf("session: %+v %v", found, err)
		}
		for _, cookie := range []string{s.Cookie + "x", ""} {
			if other, err := db.FindSession(ctx, cookie); other != nil || leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
				t.Fatalf("cookie %q found %+v, %v; want ENOTFOUND", cookie, other, err)
			}
		}
		var stored string
		if err := db.SQL().QueryRowContext(ctx, `SELECT id_hash FROM dashboard_sessions`).Scan(&stored); err != nil || stored == s.Cookie {
			t.Fatalf("the cookie is stored in clear: %v", err)
		}
		if err := db.DeleteSession(ctx, s.Cookie); err != nil {
			t.Fatal(err)
		}
		if gone, err := db.FindSession(ctx, s.Cookie); gone != nil || leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Fatalf("a deleted session: %+v, %v; want ENOTFOUND", gone, err)
		}
		expired, err := db.CreateSession(ctx, -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if old, err := db.FindSession(ctx, expired.Cookie); old != nil || leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Fatalf("an expired session: %+v, %v; want ENOTFOUND", old, err)
		}
	})
}
