package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// attentionFixture stores one client per kind of attention item at t0 and one run at
// t0+10m whose lead-scoring operations were skipped for the budget and for an unusable
// rubric.
func attentionFixture(t *testing.T, db *sqldb.DB, t0 time.Time) {
	t.Helper()
	ctx := context.Background()
	at := func(d time.Duration) { db.Now = func() time.Time { return t0.Add(d) } }
	at(0)
	for _, id := range []string{"NoRub", "Budget", "Signals", "Fail", "Send", "Fine"} {
		c := &leadrun.Client{ID: id, Name: id + " Ltd", Status: leadrun.ClientActive, Stream: 1}
		if id == "Send" {
			c.Stream = 2
		}
		must(t, db.CreateClient(ctx, c))
		if id != "NoRub" {
			must(t, db.SetRubric(ctx, id, attentionRubric()))
		}
		leads := make([]*leadrun.Lead, 3)
		for i := range leads {
			leads[i] = &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/%s-%d/", id, i), FirstName: id}
		}
		_, err := db.UpsertLeads(ctx, id, leads)
		must(t, err)
	}
	must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
		err := tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'failed', attempts = 3 WHERE client_id = 'Fail'`)
		return err
	}))
	at(5 * time.Minute)
	must(t, db.RecordSenderMismatches(ctx, "Send", []leadrun.SenderMismatch{{Sender: "Other@Example.com", Items: 4}}))
	must(t, db.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: leadrun.ScorerInfo{Name: "openai", Host: "api.example", Model: "m"},
		OK: false, Message: "401 invalid key", Source: "check ai"}))
	at(10 * time.Minute)
	must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
		run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
		if err != nil {
			return err
		}
		for id, reason := range map[string]string{"Budget": leadrun.SkipBudgetExceeded, "Signals": leadrun.SkipRubricWithoutSignals} {
			c, err := db.FindClientByID(ctx, id)
			if err != nil {
				return err
			}
			if err := tx.CreateClientResult(ctx, run.ID, c); err != nil {
				return err
			}
			op := &leadrun.Operation{RunID: run.ID, ClientID: id, Kind: leadrun.OpLeadScoring, Status: leadrun.OpSkipped, SkipReason: reason, Due: 3}
			if err := tx.CreateOperation(ctx, op); err != nil {
				return err
			}
		}
		return nil
	}))
}

func attentionRubric() *leadrun.Rubric {
	return &leadrun.Rubric{Attributes: []leadrun.Attribute{
		{ID: "A", Category: "positive", Heading: "Founder", Instructions: "0-10", MaxPoints: 10, Signals: []string{"Founder"}},
	}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// attentionKinds maps each item's kind to its client (or "" for a provider).
func attentionKinds(t *testing.T, db *sqldb.DB, now time.Time) map[leadrun.AttentionKind][]*leadrun.AttentionItem {
	t.Helper()
	items, err := db.NeedsAttention(context.Background(), now, 3)
	must(t, err)
	out := map[leadrun.AttentionKind][]*leadrun.AttentionItem{}
	for _, it := range items {
		if it.What == "" || it.Action == "" || it.Command == "" || it.Since == nil {
			t.Errorf("%s %s: incomplete item %+v", it.Kind, it.ClientID, it)
		}
		out[it.Kind] = append(out[it.Kind], it)
	}
	return out
}

// Every kind of the needs-attention list appears for the client it is about, with its
// count, and clears when a person fixes its cause.
func TestNeedsAttentionAppearsAndClears(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		attentionFixture(t, db, t0)
		want := map[leadrun.AttentionKind]struct {
			client string
			count  int64
		}{
			leadrun.AttentionProviderFailing: {"", 1}, leadrun.AttentionNoRubric: {"NoRub", 3},
			leadrun.AttentionBudgetExceeded: {"Budget", 3}, leadrun.AttentionRubricWithoutSignals: {"Signals", 3},
			leadrun.AttentionLeadsFailed: {"Fail", 3}, leadrun.AttentionSenderMismatch: {"Send", 4},
		}
		got := attentionKinds(t, db, t0.Add(time.Hour))
		for kind, w := range want {
			items := got[kind]
			if len(items) != 1 || items[0].ClientID != w.client || items[0].Count != w.count {
				t.Errorf("%s: got %+v, want one item for %q with count %d", kind, items, w.client, w.count)
			}
		}
		if len(got) != len(want) {
			t.Errorf("kinds = %v, want exactly %v (nobody quiet yet)", got, want)
		}
		if s := got[leadrun.AttentionSenderMismatch]; len(s) == 1 && s[0].Stream != 2 {
			t.Errorf("sender item stream = %d, want the client's stream 2", s[0].Stream)
		}

		// Fix every cause.
		db.Now = func() time.Time { return t0.Add(20 * time.Minute) }
		must(t, db.SetRubric(ctx, "NoRub", attentionRubric()))
		must(t, db.SetRubric(ctx, "Signals", attentionRubric()))
		budget := int64(1_000_000)
		_, err := db.UpdateClient(ctx, "Budget", leadrun.ClientUpdate{DailyTokenBudget: &budget})
		must(t, err)
		_, err = db.RequeueLeads(ctx, "Fail", leadrun.RequeueFilter{AllFailed: true})
		must(t, err)
		sender := "other@example.com"
		_, err = db.UpdateClient(ctx, "Send", leadrun.ClientUpdate{LHSenderEmail: &sender})
		must(t, err)
		must(t, db.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: leadrun.ScorerInfo{Name: "openai", Host: "api.example", Model: "m"},
			OK: true, Message: "ok", Source: "check ai"}))
		if got := attentionKinds(t, db, t0.Add(time.Hour)); len(got) != 0 {
			t.Errorf("after the fixes, still needs attention: %v", got)
		}

		// Three days on, every active client that never had a lead scored is quiet;
		// one scored lead clears its client.
		later := t0.Add(leadrun.QuietAfter + 2*time.Hour)
		if n := len(attentionKinds(t, db, later)[leadrun.AttentionQuiet]); n != 6 {
			t.Errorf("quiet clients = %d, want 6", n)
		}
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE leads SET scored_at = $1 WHERE client_id = 'Fine'`, db.Stamp(later.Add(-time.Hour)))
			return err
		}))
		for _, it := range attentionKinds(t, db, later)[leadrun.AttentionQuiet] {
			if it.ClientID == "Fine" {
				t.Errorf("Fine had a lead scored an hour ago but is still quiet")
			}
		}
	})
}
