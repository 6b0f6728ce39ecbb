package sqldb_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Conformance cases of what a run reads and writes about leads and posts, and of the
// read models built on operations: due work, post outcomes, quiet clients, tokens used,
// streams and the metrics snapshot.

var storeLeadCases = []storeCase{
	{"DueLeadsAndPosts", testDueLeadsAndPosts},
	{"QuietClients", testQuietClients},
	{"TokensUsed", testTokensUsed},
	{"StreamsAndSnapshot", testStreamsAndSnapshot},
}

// mustClientLeads stores n leads of a client and returns their IDs in order.
func mustClientLeads(t *testing.T, db *sqldb.DB, clientID string, n int) []int64 {
	t.Helper()
	var leads []*leadrun.Lead
	for i := range n {
		leads = append(leads, &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/%s-%d/", clientID, i),
			FirstName: fmt.Sprintf("Lead%d", i), Headline: "CTO"})
	}
	if _, err := db.UpsertLeads(context.Background(), clientID, leads); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, l := range leads {
		ids = append(ids, l.ID)
	}
	return ids
}

func postIDs(ps []*leadrun.Post) []int64 {
	var ids []int64
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

// applyLeads writes lead outcomes as a run does.
func applyLeads(t *testing.T, db *sqldb.DB, clientID, runID string, updates ...leadrun.LeadUpdate) {
	t.Helper()
	mustTx(t, db, func(tx *sqldb.Tx) error {
		_, err := tx.ApplyLeadUpdates(context.Background(), clientID, runID, 3, updates)
		return err
	})
}

// What is due: leads to be scored or failed with attempts left, posts unscored with
// attempts left; a post outcome applies once, and only to the client's own posts.
func testDueLeadsAndPosts(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, b := u.id("A"), u.id("B")
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	runID := mustPlanRun(t, db, u.stream(1), a, b)
	ids := mustClientLeads(t, db, a, 4) // scored, failed once, to be scored, to be scored
	other := mustClientLeads(t, db, b, 1)
	score := 72.0
	applyLeads(t, db, a, runID, leadrun.LeadUpdate{LeadID: ids[0], Status: leadrun.StatusScored, Score: &score},
		leadrun.LeadUpdate{LeadID: ids[1], Status: leadrun.StatusFailed, Reason: "ai_error"})

	due := func(afterID int64, maxAttempts, limit int, want []int64) {
		t.Helper()
		got, err := db.DueLeads(ctx, a, afterID, maxAttempts, limit)
		if err != nil || !reflect.DeepEqual(leadIDs(got), want) {
			t.Errorf("DueLeads(after %d, attempts %d, limit %d) = %v %v, want %v", afterID, maxAttempts, limit, leadIDs(got), err, want)
		}
	}
	due(0, 2, 10, ids[1:])
	due(0, 1, 10, ids[2:]) // the failed lead used its one attempt
	due(ids[1], 2, 10, ids[2:])
	due(0, 2, 2, ids[1:3])
	if got, err := db.DueLeads(ctx, a, 0, 2, 10); err == nil && len(got) > 0 && (got[0].FirstName != "Lead1" || got[0].Headline != "CTO") {
		t.Errorf("a due lead lacks what the scorer reads: %+v", got[0])
	}

	testPostOutcomes(t, db, a, b, ids, other[0])
}

// testPostOutcomes stores posts of two of a's leads and one of b's, and checks what is due
// and what applies as they are scored.
func testPostOutcomes(t *testing.T, db *sqldb.DB, a, b string, ids []int64, otherLead int64) {
	ctx := context.Background()
	posts := []leadrun.PostInput{{ProfileKey: profileKey(t, db, a, ids[0]), Post: leadrun.Post{PostURL: "https://x/p/1", Content: "first post content"}},
		{ProfileKey: profileKey(t, db, a, ids[0]), Post: leadrun.Post{PostURL: "https://x/p/2", Content: "second post content"}},
		{ProfileKey: profileKey(t, db, a, ids[2]), Post: leadrun.Post{PostURL: "https://x/p/3", Content: "third post content"}}}
	if _, failed, err := db.UpsertPosts(ctx, a, posts); err != nil || len(failed) != 0 {
		t.Fatalf("posts: %v %v", failed, err)
	}
	if _, failed, err := db.UpsertPosts(ctx, b, []leadrun.PostInput{{ProfileKey: profileKey(t, db, b, otherLead),
		Post: leadrun.Post{PostURL: "https://x/p/9", Content: "another client's post"}}}); err != nil || len(failed) != 0 {
		t.Fatalf("posts of B: %v %v", failed, err)
	}
	countDue(t, db, a, 2, 3, 3)
	if got, err := db.DuePostLeads(ctx, a, 0, 2, 10); err != nil || !reflect.DeepEqual(leadIDs(got), []int64{ids[0], ids[2]}) {
		t.Errorf("DuePostLeads %v %v, want %v", leadIDs(got), err, []int64{ids[0], ids[2]})
	}
	if got, err := db.DuePostLeads(ctx, a, ids[0], 2, 10); err != nil || !reflect.DeepEqual(leadIDs(got), []int64{ids[2]}) {
		t.Errorf("DuePostLeads after the first: %v %v", leadIDs(got), err)
	}
	first, err := db.DuePosts(ctx, a, ids[0], 2)
	if err != nil || len(first) != 2 || first[0].PostURL != "https://x/p/1" || first[0].LeadID != ids[0] {
		t.Fatalf("DuePosts %+v %v", first, err)
	}
	foreign, err := db.FindPosts(ctx, b, otherLead)
	if err != nil || len(foreign) != 1 {
		t.Fatalf("posts of B: %v %v", foreign, err)
	}

	high, low := 91.0, 40.0
	var applied []bool
	mustTx(t, db, func(tx *sqldb.Tx) error {
		applied, err = tx.ApplyPostUpdates(ctx, a, 2, []leadrun.PostUpdate{
			{PostID: first[0].ID, Score: &low, Rationale: "meh"},
			{PostID: first[1].ID, FailReason: "ai_error"},
			{PostID: foreign[0].ID, Score: &high}, // another client's post
		})
		return err
	})
	if want := []bool{true, true, false}; !reflect.DeepEqual(applied, want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
	mustTx(t, db, func(tx *sqldb.Tx) error {
		applied, err = tx.ApplyPostUpdates(ctx, a, 2, []leadrun.PostUpdate{
			{PostID: first[0].ID, Score: &high}, // already scored
			{PostID: first[1].ID, Score: &high, Rationale: "good"},
		})
		return err
	})
	if want := []bool{false, true}; !reflect.DeepEqual(applied, want) {
		t.Errorf("applied again %v, want %v", applied, want)
	}
	stored, err := db.FindPosts(ctx, a, ids[0])
	if err != nil || len(stored) != 2 || *stored[0].Score != low || stored[0].Rationale != "meh" || stored[0].ScoredAt == nil ||
		*stored[1].Score != high || stored[1].Attempts != 2 {
		t.Errorf("posts after scoring %+v %v", stored, err)
	}
	if lead, err := db.FindLeadByID(ctx, a, ids[0]); err != nil || lead.TopPostID == nil || *lead.TopPostID != first[1].ID {
		t.Errorf("top post of the lead: %v %v, want %d", lead.TopPostID, err, first[1].ID)
	}
	if got, err := db.FindPosts(ctx, a, otherLead); len(got) != 0 || err != nil {
		t.Errorf("client A sees B's posts: %v %v", got, err)
	}
	if got, err := db.DuePosts(ctx, a, ids[0], 2); len(got) != 0 || err != nil {
		t.Errorf("due posts after scoring: %v %v", postIDs(got), err)
	}
	countDue(t, db, a, 2, 3, 1)
	countDue(t, db, a, 1, 2, 1)
}

func profileKey(t *testing.T, db *sqldb.DB, clientID string, id int64) string {
	t.Helper()
	l, err := db.FindLeadByID(context.Background(), clientID, id)
	if err != nil {
		t.Fatal(err)
	}
	return l.ProfileKey
}

// countDue checks CountDueByClient for the client, asked together with one that has
// nothing (not in the maps).
func countDue(t *testing.T, db *sqldb.DB, clientID string, maxAttempts int, wantLeads, wantPosts int64) {
	t.Helper()
	ctx := context.Background()
	mustTx(t, db, func(tx *sqldb.Tx) error {
		leads, posts, err := tx.CountDueByClient(ctx, []string{clientID, clientID + "-none"}, maxAttempts)
		if leads[clientID] != wantLeads || posts[clientID] != wantPosts || len(leads) > 1 || len(posts) > 1 || err != nil {
			t.Errorf("Tx.CountDueByClient(%d) = %v leads %v posts %v, want %d %d", maxAttempts, leads, posts, err, wantLeads, wantPosts)
		}
		return nil
	})
}

// A quiet client is active, older than the limit, with no lead scored since.
func testQuietClients(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := mustClock(db, t0)
	scored, never, paused, young := u.id("scored"), u.id("never"), u.id("paused"), u.id("young")
	runID := mustPlanRun(t, db, u.stream(1), scored, never, paused)
	lead := mustClientLeads(t, db, scored, 1)
	pausedStatus := leadrun.ClientPaused
	if _, err := db.UpdateClient(ctx, paused, leadrun.ClientUpdate{Status: &pausedStatus}); err != nil {
		t.Fatal(err)
	}
	scoredAt := clk.advance(time.Hour)
	score := 55.0
	applyLeads(t, db, scored, runID, leadrun.LeadUpdate{LeadID: lead[0], Status: leadrun.StatusScored, Score: &score})
	clk.advance(time.Hour)
	mustCreateClient(t, db, young, u.stream(1))

	quiet := func(since time.Time) map[string]*time.Time {
		t.Helper()
		all, err := db.QuietClients(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*time.Time{}
		for _, q := range all {
			if q.ClientID == scored || q.ClientID == never || q.ClientID == paused || q.ClientID == young {
				out[q.ClientID] = q.LastScored
			}
		}
		return out
	}
	got := quiet(t0.Add(90 * time.Minute))
	if len(got) != 2 || got[never] != nil || got[scored] == nil || !got[scored].Equal(scoredAt) {
		t.Errorf("quiet since after the scoring: %v, want %s (never scored) and %s (last %v)", got, never, scored, scoredAt)
	}
	if _, ok := got[never]; !ok {
		t.Errorf("the client that never scored is not quiet: %v", got)
	}
	got = quiet(t0.Add(30 * time.Minute))
	if _, ok := got[never]; len(got) != 1 || !ok {
		t.Errorf("quiet since before the scoring: %v, want only %s", got, never)
	}
}

// Tokens spent since two times, in and out of a transaction, per client.
func testTokensUsed(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := mustClock(db, t0)
	a, b := u.id("A"), u.id("B")
	spend := func(client string, tokens int64) {
		t.Helper()
		runID := mustPlanRun(t, db, u.stream(1), client)
		k := opKey(runID, client, leadrun.OpLeadScoring)
		mustTx(t, db, func(tx *sqldb.Tx) error {
			if _, err := tx.StartOperation(ctx, k, "w1"); err != nil {
				return err
			}
			if op, err := tx.AddOperationCounts(ctx, k, leadrun.OpDelta{Usage: leadrun.Usage{PromptTokens: tokens, CompletionTokens: 1}}); op == nil || err != nil {
				t.Errorf("add counts: %v %v", op, err)
			}
			_, err := tx.CancelOperations(ctx, runID, "done")
			if err == nil {
				_, err = tx.FinishRun(ctx, runID, leadrun.RunCancelled, "done")
			}
			return err
		})
	}
	spend(a, 99) // t0
	clk.advance(24 * time.Hour)
	spend(a, 9) // t0 + 1 day
	spend(b, 1000)
	want := func(sinceA, sinceB time.Time, wantA, wantB int64) {
		t.Helper()
		if x, y, err := db.TokensUsed(ctx, a, sinceA, sinceB); x != wantA || y != wantB || err != nil {
			t.Errorf("DB.TokensUsed = %d %d %v, want %d %d", x, y, err, wantA, wantB)
		}
		mustTx(t, db, func(tx *sqldb.Tx) error {
			if x, y, err := tx.TokensUsed(ctx, a, sinceA, sinceB); x != wantA || y != wantB || err != nil {
				t.Errorf("Tx.TokensUsed = %d %d %v, want %d %d", x, y, err, wantA, wantB)
			}
			return nil
		})
	}
	want(t0.Add(time.Hour), t0, 10, 110)
	want(t0, t0.Add(time.Hour), 110, 10) // either order
	want(t0.Add(48*time.Hour), t0.Add(48*time.Hour), 0, 0)
}

// Streams lists every stream with a client or a run; the snapshot counts runs by status,
// active runs per stream, the last success, tokens and items by outcome and reason.
func testStreamsAndSnapshot(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := mustClock(db, t0)
	before, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done, active, clientOnly := u.stream(1), u.stream(2), u.stream(3)
	mustCreateClient(t, db, u.id("idle"), clientOnly)
	runID := mustPlanRun(t, db, done, u.id("A"))
	mustPlanRun(t, db, active, u.id("B"))
	k := opKey(runID, u.id("A"), leadrun.OpLeadScoring)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if _, err := tx.StartRun(ctx, runID, 2); err != nil {
			return err
		}
		if _, err := tx.StartOperation(ctx, k, "w1"); err != nil {
			return err
		}
		op, err := tx.AddOperationCounts(ctx, k, leadrun.OpDelta{Examined: 6, Scored: 4, Skipped: 2,
			SkippedBy: map[string]int64{"conformance_reason": 2}, Usage: leadrun.Usage{PromptTokens: 700, CompletionTokens: 70, CostMicros: 7}})
		if err == nil && (op == nil || op.Examined != 6 || op.Scored != 4 || op.Skipped != 2 || op.PromptTokens != 700 ||
			op.Status != leadrun.OpRunning) {
			t.Errorf("AddOperationCounts returned %+v, want the running operation with the counts added", op)
		}
		return err
	})
	finished := clk.advance(90 * time.Second)
	mustTx(t, db, func(tx *sqldb.Tx) error {
		if _, err := tx.CancelOperations(ctx, runID, "end"); err != nil {
			return err
		}
		if op, err := tx.AddOperationCounts(ctx, k, leadrun.OpDelta{Examined: 1}); op != nil || err != nil {
			t.Errorf("AddOperationCounts of a cancelled operation: %+v %v, want nil, nil", op, err)
		}
		_, err := tx.FinishRun(ctx, runID, leadrun.RunCompleted, "")
		return err
	})

	wantStreams(t, db, []int{done, active, clientOnly}, u.stream(4))
	after, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSnapshotDelta(t, before, after, done, active, finished)
}

// wantStreams checks that Streams lists the streams in order, with want and without not.
func wantStreams(t *testing.T, db *sqldb.DB, want []int, not int) {
	t.Helper()
	ctx := context.Background()
	streams, err := db.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i, s := range streams {
		seen[s] = true
		if i > 0 && streams[i-1] >= s {
			t.Errorf("streams not in order: %v", streams)
		}
	}
	for _, s := range want {
		if !seen[s] {
			t.Errorf("streams %v lack %d", streams, s)
		}
	}
	if seen[not] {
		t.Errorf("streams %v list %d, which has neither a client nor a run", streams, not)
	}

}

// wantSnapshotDelta checks what one finished and one queued run added to the snapshot.
func wantSnapshotDelta(t *testing.T, before, after *sqldb.Snapshot, done, active int, finished time.Time) {
	t.Helper()
	if d := after.RunsByStatus[leadrun.RunCompleted] - before.RunsByStatus[leadrun.RunCompleted]; d != 1 {
		t.Errorf("completed runs +%d, want +1", d)
	}
	if d := after.RunsByStatus[leadrun.RunQueued] - before.RunsByStatus[leadrun.RunQueued]; d != 1 {
		t.Errorf("queued runs +%d, want +1", d)
	}
	if n, ok := after.ActiveRuns[done]; n != 0 || !ok {
		t.Errorf("active runs of the finished stream %d %v, want 0 reported", n, ok)
	}
	if after.ActiveRuns[active] != 1 {
		t.Errorf("active runs of the busy stream %d, want 1", after.ActiveRuns[active])
	}
	if got := after.LastSuccess[done]; got != float64(finished.Unix()) {
		t.Errorf("last success %v, want %d", got, finished.Unix())
	}
	if d := len(after.RunDurationsByEnd) - len(before.RunDurationsByEnd); d != 1 {
		t.Errorf("run durations +%d, want +1", d)
	}
	if p, c, m := after.PromptTokens-before.PromptTokens, after.CompletionTokens-before.CompletionTokens,
		after.CostMicros-before.CostMicros; p != 700 || c != 70 || m != 7 {
		t.Errorf("tokens +%d +%d cost +%d, want 700, 70, 7", p, c, m)
	}
	items := func(s *sqldb.Snapshot, outcome, reason string) int64 {
		for _, it := range s.Items {
			if it.Operation == leadrun.OpLeadScoring && it.Outcome == outcome && it.Reason == reason {
				return it.Count
			}
		}
		return 0
	}
	if d := items(after, "scored", "") - items(before, "scored", ""); d != 4 {
		t.Errorf("scored items +%d, want +4", d)
	}
	if n := items(after, "skipped", "conformance_reason"); n != 2 {
		t.Errorf("skipped items by reason %d, want 2", n)
	}
}
