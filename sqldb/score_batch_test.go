package sqldb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A chunk's updates keep ApplyLeadUpdates's contract on both databases (PostgreSQL writes
// the chunk in one statement, SQLite row by row): applied[i] per update, a lead written only
// while due and only for its client, assessments upserted, failures kept in the history.
func TestApplyLeadUpdatesChunk(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ids := mustLeads(t, db, "A", 6)
		other := mustLeads(t, db, "B", 1)
		// Lead 4 is already scored; lead 5 failed out of attempts (max 2): neither is due.
		mustApply(t, db, "A", "SR-0", 2, []leadrun.LeadUpdate{{LeadID: ids[4], Status: leadrun.StatusScored, Score: ptr(10.0)}})
		for range 2 {
			mustApply(t, db, "A", "SR-0", 2, []leadrun.LeadUpdate{{LeadID: ids[5], Status: leadrun.StatusFailed, Reason: leadrun.ReasonAPIError}})
		}
		chunk := []leadrun.LeadUpdate{
			{LeadID: ids[0], Status: leadrun.StatusScored, Score: ptr(82.5), Assessment: "strong",
				Breakdown: []byte(`{"items":[],"raw":8,"denominator":10,"score":82.5}`), Excluded: true, ExcludeDetails: "competitor"},
			{LeadID: ids[1], Status: leadrun.StatusSkippedMissingData, Reason: leadrun.ReasonMissingCriticalData, Assessment: "Not scored: no headline."},
			{LeadID: other[0], Status: leadrun.StatusScored, Score: ptr(99.0)}, // client B's lead: never written
			{LeadID: ids[2], Status: leadrun.StatusFailed, Reason: leadrun.ReasonInvalidAIResponse, Assessment: "Scoring failed: x"},
			{LeadID: ids[4], Status: leadrun.StatusFailed, Reason: leadrun.ReasonAPIError},
			{LeadID: ids[5], Status: leadrun.StatusScored, Score: ptr(50.0)},
			{LeadID: ids[3], Status: leadrun.StatusScored, Score: ptr(0.0), Assessment: "weak"},
		}
		applied := mustApply(t, db, "A", "SR-1", 2, chunk)
		if want := []bool{true, true, false, true, false, false, true}; fmt.Sprint(applied) != fmt.Sprint(want) {
			t.Fatalf("applied = %v, want %v", applied, want)
		}
		got := leadState(t, db, "A", ids)
		want := []string{
			"scored 82.5 attempts=1 reason= run=SR-1 scored_at=true assessment=strong excluded=true/competitor breakdown=82.5",
			"skipped_missing_data - attempts=1 reason=missing_critical_data run=SR-1 scored_at=false assessment=Not scored: no headline. excluded=false/ breakdown=-",
			"failed - attempts=1 reason=invalid_ai_response run=SR-1 scored_at=false assessment=Scoring failed: x excluded=false/ breakdown=-",
			"scored 0 attempts=1 reason= run=SR-1 scored_at=true assessment=weak excluded=false/ breakdown=-",
			"scored 10 attempts=1 reason= run=SR-0 scored_at=true assessment= excluded=false/ breakdown=-",
			"failed - attempts=2 reason=api_error run=SR-0 scored_at=false assessment= excluded=false/ breakdown=-",
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("lead %d:\n got %s\nwant %s", i, got[i], want[i])
			}
		}
		if b := leadState(t, db, "B", other); b[0] != "to_be_scored - attempts=0 reason= run= scored_at=false assessment= excluded=false/ breakdown=-" {
			t.Errorf("client B's lead was written: %s", b[0])
		}
		var failures int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM lead_failures WHERE run_id = 'SR-1' AND lead_id = $1
			AND reason = 'invalid_ai_response'`, ids[2]).Scan(&failures); err != nil || failures != 1 {
			t.Errorf("failure history of SR-1: %d rows, %v", failures, err)
		}
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM lead_failures`).Scan(&failures); err != nil || failures != 3 {
			t.Errorf("failure history: %d rows in all, want 3 (2 of SR-0, 1 of SR-1), %v", failures, err)
		}
	})
}

// A failed lead with attempts left is due again: a second chunk rewrites its assessment
// (the upsert's update branch), and a chunk naming a lead twice applies it once.
func TestApplyLeadUpdatesRetryAndDuplicate(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ids := mustLeads(t, db, "A", 2)
		mustApply(t, db, "A", "SR-1", 3, []leadrun.LeadUpdate{{LeadID: ids[0], Status: leadrun.StatusFailed,
			Reason: leadrun.ReasonAPIError, Assessment: "Scoring failed: timeout"}})
		applied := mustApply(t, db, "A", "SR-2", 3, []leadrun.LeadUpdate{{LeadID: ids[0], Status: leadrun.StatusScored,
			Score: ptr(40.0), Assessment: "retried"}})
		if !applied[0] {
			t.Fatal("a failed lead with attempts left was not retried")
		}
		if got := leadState(t, db, "A", ids[:1])[0]; got != "scored 40 attempts=2 reason= run=SR-2 scored_at=true assessment=retried excluded=false/ breakdown=-" {
			t.Errorf("after retry: %s", got)
		}
		applied = mustApply(t, db, "A", "SR-3", 3, []leadrun.LeadUpdate{
			{LeadID: ids[1], Status: leadrun.StatusScored, Score: ptr(1.0)},
			{LeadID: ids[1], Status: leadrun.StatusScored, Score: ptr(2.0)},
		})
		if fmt.Sprint(applied) != "[true false]" {
			t.Errorf("duplicate lead in a chunk: applied %v, want [true false]", applied)
		}
		if got := leadState(t, db, "A", ids[1:])[0]; got != "scored 1 attempts=1 reason= run=SR-3 scored_at=true assessment= excluded=false/ breakdown=-" {
			t.Errorf("duplicate lead: %s", got)
		}
	})
}

func mustLeads(t *testing.T, db *sqldb.DB, clientID string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := db.FindClientByID(ctx, clientID); err != nil {
		if err := db.CreateClient(ctx, &leadrun.Client{ID: clientID}); err != nil {
			t.Fatal(err)
		}
	}
	leads := make([]*leadrun.Lead, n)
	for i := range leads {
		leads[i] = &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/%s-%d/", clientID, i), FirstName: "P", Headline: "H"}
	}
	if _, err := db.UpsertLeads(ctx, clientID, leads); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, l := range leads {
		ids[i] = l.ID
	}
	return ids
}

func mustApply(t *testing.T, db *sqldb.DB, clientID, runID string, maxAttempts int, updates []leadrun.LeadUpdate) []bool {
	t.Helper()
	var applied []bool
	err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		applied, err = tx.ApplyLeadUpdates(context.Background(), clientID, runID, maxAttempts, updates)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(updates) {
		t.Fatalf("applied has %d entries for %d updates", len(applied), len(updates))
	}
	return applied
}

// leadState describes each lead's stored scoring state in one comparable line.
func leadState(t *testing.T, db *sqldb.DB, clientID string, ids []int64) []string {
	t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		l, err := db.FindLeadByID(context.Background(), clientID, id)
		if err != nil {
			t.Fatal(err)
		}
		score, breakdown := "-", "-"
		if l.Score != nil {
			score = fmt.Sprint(*l.Score)
		}
		if l.Breakdown != nil {
			breakdown = fmt.Sprint(l.Breakdown.Score)
		}
		out[i] = fmt.Sprintf("%s %s attempts=%d reason=%s run=%s scored_at=%v assessment=%s excluded=%v/%s breakdown=%s",
			l.ScoringStatus, score, l.Attempts, l.LastReason, l.LastRunID, l.ScoredAt != nil, l.Assessment,
			l.AIExcluded, l.ExcludeDetails, breakdown)
	}
	return out
}

// Several clients' chunks in one transaction (a group's small operations written
// together), each with a failed lead: every failure is recorded (the statements the
// transaction prepared stay usable until it ends).
func TestApplyLeadUpdatesTwiceInOneTransaction(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a, b := mustLeads(t, db, "A", 2), mustLeads(t, db, "B", 2)
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			for client, ids := range map[string][]int64{"A": a, "B": b} {
				// A duplicate makes PostgreSQL take the per-row path, the one that records failures row by row.
				applied, err := tx.ApplyLeadUpdates(ctx, client, "SR-1", 3, []leadrun.LeadUpdate{
					{LeadID: ids[0], Status: leadrun.StatusFailed, Reason: leadrun.ReasonAPIError, Assessment: "Scoring failed: timeout"},
					{LeadID: ids[1], Status: leadrun.StatusScored, Score: ptr(10.0)},
					{LeadID: ids[1], Status: leadrun.StatusScored, Score: ptr(11.0)},
				})
				if err != nil {
					return fmt.Errorf("client %s: %w", client, err)
				}
				if fmt.Sprint(applied) != "[true true false]" {
					t.Errorf("client %s: applied %v", client, applied)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var failures int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM lead_failures WHERE run_id = 'SR-1'`).Scan(&failures); err != nil || failures != 2 {
			t.Errorf("failure history: %d rows, %v; want 2", failures, err)
		}
	})
}
