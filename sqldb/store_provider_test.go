package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Conformance cases of the AI provider's store: provider statuses, the scorer workers'
// liveness, a run's scorer and an operation's failure code, and retrying failed leads.

var storeProviderCases = []storeCase{
	{"ProviderStatuses", testProviderStatuses},
	{"ScorerWorkers", testScorerWorkers},
	{"RunScorerAndFailureCode", testRunScorerAndFailureCode},
	{"RequeueLeads", testRequeueLeads},
}

// ownStatuses is ProviderStatuses restricted to the case's scorers: the suite's cases
// share a database.
func ownStatuses(t *testing.T, db *sqldb.DB, u uniq) []leadrun.ProviderStatus {
	t.Helper()
	all, err := db.ProviderStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []leadrun.ProviderStatus
	for _, st := range all {
		if strings.HasPrefix(st.Scorer.Name, u.prefix) {
			out = append(out, *st)
		}
	}
	return out
}

// One status per scorer, host and model, replaced by the next, most recent first; the
// message is cleaned; a status saved in a rolled-back transaction is not kept.
func testProviderStatuses(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	openai := leadrun.ScorerInfo{Name: u.id("openai"), Host: "api.openai.com", Model: "gpt-4o-mini"}
	other := leadrun.ScorerInfo{Name: u.id("openai"), Host: "ai.example.com", Model: "gpt-4o-mini"}
	rules := leadrun.ScorerInfo{Name: u.id("rules")}
	first := clk.now
	if err := db.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: openai, OK: false, Message: "401 bad key\x00", Source: "check ai"}); err != nil {
		t.Fatal(err)
	}
	explicit := first.Add(-time.Hour) // an explicit time is kept, not replaced by now
	if err := db.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: rules, OK: true, Source: "serve start", CheckedAt: explicit}); err != nil {
		t.Fatal(err)
	}
	want := []leadrun.ProviderStatus{
		{Scorer: openai, OK: false, Message: "401 bad key", Source: "check ai", CheckedAt: first},
		{Scorer: rules, OK: true, Source: "serve start", CheckedAt: explicit},
	}
	if got := ownStatuses(t, db, u); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %+v, want %+v", got, want)
	}

	later := clk.advance(time.Minute)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if err := tx.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: openai, OK: true, Message: "ok", Source: "run SR-1"}); err != nil {
			return err
		}
		return tx.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: other, OK: true, Source: "check ai"})
	})
	rollback := errors.New("roll back")
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.SaveProviderStatus(ctx, leadrun.ProviderStatus{Scorer: rules, OK: false, Source: "lost"}); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("InTx: %v", err)
	}
	want = []leadrun.ProviderStatus{
		{Scorer: other, OK: true, Source: "check ai", CheckedAt: later},
		{Scorer: openai, OK: true, Message: "ok", Source: "run SR-1", CheckedAt: later},
		{Scorer: rules, OK: true, Source: "serve start", CheckedAt: explicit},
	}
	if got := ownStatuses(t, db, u); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses after replacing %+v, want %+v", got, want)
	}

	newest := clk.advance(time.Minute) // only the 20 most recent are listed
	for i := range 21 {
		st := leadrun.ProviderStatus{Scorer: leadrun.ScorerInfo{Name: u.id("many"), Model: fmt.Sprintf("m%02d", i)}, OK: true,
			CheckedAt: newest.Add(time.Duration(i) * time.Second)}
		if err := db.SaveProviderStatus(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got := ownStatuses(t, db, u)
	if len(got) != 20 || got[0].Scorer.Model != "m20" || got[19].Scorer.Model != "m01" {
		t.Errorf("%d statuses listed, want the 20 most recent, m20 to m01: %+v", len(got), got)
	}
}

// A queue is served while a running worker registered on it heartbeats: from its last
// heartbeat on, not after it stopped, and not on a queue it no longer serves.
func testScorerWorkers(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	q1, q2, w1, w2 := u.id("q1"), u.id("q2"), u.id("w1"), u.id("w2")
	served := func(queue string, since time.Time, want bool) {
		t.Helper()
		guard(t, db, "QueueServed "+queue+" since "+since.Format(time.TimeOnly), want, func(tx *sqldb.Tx) (bool, error) {
			return tx.QueueServed(ctx, queue, since)
		})
	}
	register := func(worker, queue string) {
		t.Helper()
		if err := db.RegisterWorker(ctx, worker, "host-1", 4242, "openai/gpt-4o-mini", queue); err != nil {
			t.Fatal(err)
		}
	}
	t0 := clk.now
	served(q1, t0.Add(-time.Hour), false)
	register(w1, q1)
	served(q1, t0, true) // a heartbeat at exactly since counts
	served(q1, t0.Add(time.Second), false)
	served(q2, t0.Add(-time.Hour), false)

	t1 := clk.advance(time.Minute)
	if err := db.HeartbeatWorker(ctx, w1); err != nil {
		t.Fatal(err)
	}
	served(q1, t1, true)
	register(w2, q1)
	register(w1, q2) // the process restarted with another scorer configuration
	served(q2, t1, true)
	if err := db.StopWorker(ctx, w2); err != nil {
		t.Fatal(err)
	}
	served(q1, t0, false) // w1 moved to q2, w2 stopped
	served(q2, t1, true)
	for range 2 { // stopping is idempotent
		if err := db.StopWorker(ctx, w1); err != nil {
			t.Fatal(err)
		}
	}
	served(q2, t0, false)
}

// A run keeps the scorer it was requested with; a failed operation its failure code,
// which no other operation gets; a missing run or operation is ENOTFOUND.
func testRunScorerAndFailureCode(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), u.id("A"), u.id("B"))
	otherRun := mustPlanRun(t, db, u.stream(2), u.id("C"))
	s := leadrun.ScorerInfo{Name: "openai", Host: "ai.example.com", Model: "gpt-4o-mini"}
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.SetRunScorer(ctx, runID, s) })
	if r, err := db.FindRunByID(ctx, runID); err != nil || r.Scorer != s {
		t.Errorf("run scorer %+v %v, want %+v", r.Scorer, err, s)
	}
	if r, err := db.FindRunByID(ctx, otherRun); err != nil || r.Scorer != (leadrun.ScorerInfo{}) {
		t.Errorf("another run's scorer %+v %v, want none", r.Scorer, err)
	}

	k := opKey(runID, u.id("A"), leadrun.OpLeadScoring)
	guard(t, db, "FinishOperation failed", true, func(tx *sqldb.Tx) (bool, error) {
		return tx.FinishOperation(ctx, k, leadrun.OpFailed, "", "AI provider unavailable: 503")
	})
	mustTx(t, db, func(tx *sqldb.Tx) error { return tx.SetOperationFailureCode(ctx, k, leadrun.ReasonProviderUnavailable) })
	if op := mustFindOp(t, db, k); op.FailureCode != leadrun.ReasonProviderUnavailable || op.Status != leadrun.OpFailed {
		t.Errorf("operation %s %s failure code %q, want failed provider_unavailable", k, op.Status, op.FailureCode)
	}
	for _, o := range []leadrun.OpKey{opKey(runID, u.id("A"), leadrun.OpPostScoring), opKey(runID, u.id("B"), leadrun.OpLeadScoring)} {
		if op := mustFindOp(t, db, o); op.FailureCode != "" {
			t.Errorf("operation %s got failure code %q", o, op.FailureCode)
		}
	}

	missing := []struct {
		what string
		fn   func(tx *sqldb.Tx) error
	}{
		{"SetRunScorer of a missing run", func(tx *sqldb.Tx) error { return tx.SetRunScorer(ctx, "SR-000101-404-S1", s) }},
		{"SetOperationFailureCode of a missing operation", func(tx *sqldb.Tx) error {
			return tx.SetOperationFailureCode(ctx, opKey(runID, u.id("C"), leadrun.OpLeadScoring), leadrun.ReasonProviderUnavailable)
		}},
	}
	for _, m := range missing {
		if err := db.InTx(ctx, m.fn); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", m.what, err)
		}
	}
}

// Failed leads are made due again by reason or all at once, keeping their last reason;
// scored leads and other clients' leads are not touched; the request must say which.
func testRequeueLeads(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a, b := u.id("A"), u.id("B")
	runID := mustPlanRun(t, db, u.stream(1), a, b)
	ids, others := mustLeads(t, db, a, 4), mustLeads(t, db, b, 1)
	score := 80.0
	timeout, apiErr := leadrun.ReasonTimeout, leadrun.ReasonAPIError
	for range 3 { // three attempts: out of attempts at maxAttempts 3
		applyLeads(t, db, a, runID,
			leadrun.LeadUpdate{LeadID: ids[0], Status: leadrun.StatusFailed, Reason: timeout},
			leadrun.LeadUpdate{LeadID: ids[1], Status: leadrun.StatusFailed, Reason: timeout},
			leadrun.LeadUpdate{LeadID: ids[2], Status: leadrun.StatusFailed, Reason: apiErr})
		applyLeads(t, db, b, runID, leadrun.LeadUpdate{LeadID: others[0], Status: leadrun.StatusFailed, Reason: timeout})
	}
	applyLeads(t, db, a, runID, leadrun.LeadUpdate{LeadID: ids[3], Status: leadrun.StatusScored, Score: &score})
	due := func(client string, want []int64) {
		t.Helper()
		got, err := db.DueLeads(ctx, client, 0, 3, 100)
		if err != nil || !slices.Equal(leadIDs(got), want) {
			t.Errorf("due leads of %s %v %v, want %v", client, leadIDs(got), err, want)
		}
	}
	due(a, nil)
	requeue := func(f leadrun.RequeueFilter, want int64) {
		t.Helper()
		if n, err := db.RequeueLeads(ctx, a, f); n != want || err != nil {
			t.Errorf("RequeueLeads(%+v) = %d %v, want %d", f, n, err, want)
		}
	}
	requeue(leadrun.RequeueFilter{Reason: &timeout}, 2)
	due(a, ids[:2])
	due(b, nil) // another client's lead failed with the same reason stays
	if l, err := db.FindLeadByID(ctx, a, ids[0]); err != nil || l.Attempts != 0 || l.LastReason != timeout || l.ScoringStatus != leadrun.StatusFailed {
		t.Errorf("requeued lead %+v %v, want failed, 0 attempts, last reason kept", l, err)
	}
	requeue(leadrun.RequeueFilter{AllFailed: true}, 3) // every failed lead, the scored one not
	due(a, ids[:3])
	if l, err := db.FindLeadByID(ctx, a, ids[3]); err != nil || l.Attempts != 1 || l.ScoringStatus != leadrun.StatusScored {
		t.Errorf("scored lead %+v %v, want untouched", l, err)
	}
	if n, err := db.RequeueLeads(ctx, a, leadrun.RequeueFilter{}); leadrun.ErrorCode(err) != leadrun.EINVALID || n != 0 {
		t.Errorf("RequeueLeads without a selection: %d %v, want EINVALID", n, err)
	}
	if n, err := db.RequeueLeads(ctx, u.id("missing"), leadrun.RequeueFilter{AllFailed: true}); leadrun.ErrorCode(err) != leadrun.ENOTFOUND || n != 0 {
		t.Errorf("RequeueLeads of a missing client: %d %v, want ENOTFOUND", n, err)
	}
}
