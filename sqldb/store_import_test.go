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

// Conformance cases of the import from the original platform: leads stored with their
// original results and fingerprints, in groups of many rows, resumable, per client.

var storeImportCases = []storeCase{
	{"ImportLeads", testImportLeads},
	{"ImportKeepsOwnResults", testImportKeepsOwnResults},
	{"ImportRefusals", testImportRefusals},
}

func importURL(client string, i int) string {
	return fmt.Sprintf("https://www.linkedin.com/in/%s-imp-%d/", client, i)
}

// importItems makes n items of a client, lead i with fingerprint "fp<i>" plus suffix.
func importItems(client string, n int, suffix string) []leadrun.ImportItem {
	items := make([]leadrun.ImportItem, n)
	for i := range items {
		items[i] = leadrun.ImportItem{Fingerprint: fmt.Sprintf("fp%d%s", i, suffix), Lead: &leadrun.Lead{
			ProfileURL: importURL(client, i), FirstName: fmt.Sprintf("First%d", i), Company: "Acme", Headline: "CTO"}}
	}
	return items
}

func mustImport(t *testing.T, db *sqldb.DB, client string, items []leadrun.ImportItem, want leadrun.ImportCounts) {
	t.Helper()
	if got, err := db.ImportLeads(context.Background(), client, items); err != nil || got != want {
		t.Fatalf("ImportLeads(%s, %d items) = %+v %v, want %+v", client, len(items), got, err, want)
	}
}

func mustFingerprints(t *testing.T, db *sqldb.DB, client string) map[string]string {
	t.Helper()
	fps, err := db.ImportFingerprints(context.Background(), client)
	if err != nil {
		t.Fatal(err)
	}
	return fps
}

// findImported returns a client's lead by profile URL, with its extras.
func findImported(t *testing.T, db *sqldb.DB, client, url string) *leadrun.Lead {
	t.Helper()
	key, err := leadrun.ProfileKey(url)
	if err != nil {
		t.Fatal(err)
	}
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: client, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		if l.ProfileKey == key {
			if err := db.LoadLeadExtras(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			return l
		}
	}
	t.Fatalf("client %s has no lead %s", client, url)
	return nil
}

// Many leads (several multi-row groups) are created with their fingerprints, per client;
// a second import updates them without blanking a field the original left empty; a paused
// client imports too.
func testImportLeads(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a, b := u.id("A"), u.id("B")
	mustCreateClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, b, u.stream(1))
	paused := leadrun.ClientPaused
	if _, err := db.UpdateClient(ctx, a, leadrun.ClientUpdate{Status: &paused}); err != nil {
		t.Fatal(err)
	}
	if fps := mustFingerprints(t, db, a); len(fps) != 0 {
		t.Errorf("fingerprints before any import: %v", fps)
	}
	const n = 120 // more than two groups of a multi-row statement
	mustImport(t, db, a, importItems(a, n, ""), leadrun.ImportCounts{Created: n})
	mustImport(t, db, b, importItems(b, 2, "-b"), leadrun.ImportCounts{Created: 2})
	fps := mustFingerprints(t, db, a)
	if len(fps) != n {
		t.Fatalf("%d fingerprints, want %d", len(fps), n)
	}
	for i := range n {
		key, _ := leadrun.ProfileKey(importURL(a, i))
		if fps[key] != fmt.Sprintf("fp%d", i) {
			t.Fatalf("fingerprint of %s = %q, want fp%d", key, fps[key], i)
		}
	}
	if counts, err := db.CountLeadsByStatus(ctx, a); err != nil || counts[leadrun.StatusToBeScored] != n {
		t.Errorf("leads of %s by status %v %v, want %d to be scored", a, counts, err, n)
	}
	wantB := map[string]string{}
	for i := range 2 {
		key, _ := leadrun.ProfileKey(importURL(b, i))
		wantB[key] = fmt.Sprintf("fp%d-b", i)
	}
	if got := mustFingerprints(t, db, b); !reflect.DeepEqual(got, wantB) {
		t.Errorf("fingerprints of another client %v, want %v", got, wantB)
	}

	clk.advance(time.Minute) // "updated" is told by updated_at moving past created_at
	again := importItems(a, 3, "-v2")
	again[0].Lead.FirstName, again[0].Lead.Company = "", "Newco" // empty: keep the stored name
	again[1].Lead.About, again[1].Lead.SalesNavigatorURL = "Builds things.", "https://www.linkedin.com/sales/lead/x"
	again[1].Lead.Messages = []string{"Hi", "Thanks"}
	again = append(again, importItems(a, n+1, "")[n]) // and one new lead
	mustImport(t, db, a, again, leadrun.ImportCounts{Created: 1, Updated: 3})
	if l := findImported(t, db, a, importURL(a, 0)); l.FirstName != "First0" || l.Company != "Newco" {
		t.Errorf("re-imported lead %q at %q, want First0 at Newco", l.FirstName, l.Company)
	}
	extras := findImported(t, db, a, importURL(a, 1))
	if extras.About != "Builds things." || extras.SalesNavigatorURL == "" || !reflect.DeepEqual(extras.Messages, []string{"Hi", "Thanks"}) {
		t.Errorf("re-imported profile and extras %q %q %v", extras.About, extras.SalesNavigatorURL, extras.Messages)
	}
	clk.advance(time.Minute)
	mustImport(t, db, a, importItems(a, 2, "-v3"), leadrun.ImportCounts{Updated: 2})
	if l := findImported(t, db, a, importURL(a, 1)); l.About != "Builds things." || !reflect.DeepEqual(l.Messages, []string{"Hi", "Thanks"}) {
		t.Errorf("an import without an about or messages blanked them: %q %v", l.About, l.Messages)
	}
	fps = mustFingerprints(t, db, a)
	if key, _ := leadrun.ProfileKey(importURL(a, 2)); len(fps) != n+1 || fps[key] != "fp2-v2" {
		t.Errorf("%d fingerprints, third %q; want %d, fp2-v2", len(fps), fps[key], n+1)
	}
	if l := findImported(t, db, b, importURL(b, 0)); l.FirstName != "First0" || l.Company != "Acme" {
		t.Errorf("another client's lead changed: %+v", l)
	}
}

// The original's results are stored; a lead leadrun has scored since keeps its own result
// and is counted apart; an export time is never moved.
func testImportKeepsOwnResults(t *testing.T, db *sqldb.DB, u uniq) {
	clk := mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a := u.id("A")
	runID := mustPlanRun(t, db, u.stream(1), a)
	exported := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	scoredAt := time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)
	orig := func(suffix string, score float64, exportedAt *time.Time) []leadrun.ImportItem {
		items := importItems(a, 2, suffix)
		for _, it := range items {
			s := score
			it.Lead.ScoringStatus, it.Lead.Score, it.Lead.ScoredAt = leadrun.StatusScored, &s, &scoredAt
			it.Lead.Assessment, it.Lead.ExportedAt = "Strong founder"+suffix, exportedAt
		}
		return items
	}
	first := orig("", 72, &exported)
	first[0].Lead.ScoringStatus, first[0].Lead.Score, first[0].Lead.ScoredAt = "", nil, nil // still to be scored
	mustImport(t, db, a, first, leadrun.ImportCounts{Created: 2, ScoresKept: 1})
	due := findImported(t, db, a, importURL(a, 0))
	if due.ScoringStatus != leadrun.StatusToBeScored || due.Score != nil || due.ExportedAt == nil || !due.ExportedAt.Equal(exported) {
		t.Errorf("imported lead to score %s %v exported %v, want to_be_scored, exported %v", due.ScoringStatus, due.Score, due.ExportedAt, exported)
	}
	done := findImported(t, db, a, importURL(a, 1))
	if done.ScoringStatus != leadrun.StatusScored || done.Score == nil || *done.Score != 72 ||
		done.ScoredAt == nil || !done.ScoredAt.Equal(scoredAt) || done.Assessment != "Strong founder" {
		t.Errorf("imported result %s %v %v %q, want scored 72 at %v", done.ScoringStatus, done.Score, done.ScoredAt, done.Assessment, scoredAt)
	}

	clk.advance(time.Minute)
	own := 91.0
	applyLeads(t, db, a, runID, leadrun.LeadUpdate{LeadID: due.ID, Status: leadrun.StatusScored, Score: &own, Assessment: "Scored here"})
	later := exported.Add(24 * time.Hour)
	mustImport(t, db, a, orig("-again", 40, &later), leadrun.ImportCounts{Updated: 2, ScoresKept: 1, ScoredHere: 1})
	mine := findImported(t, db, a, importURL(a, 0))
	if *mine.Score != own || mine.LastRunID != runID || mine.Assessment != "Scored here" {
		t.Errorf("lead scored here: %v run %q %q, want its own score %v kept", *mine.Score, mine.LastRunID, mine.Assessment, own)
	}
	theirs := findImported(t, db, a, importURL(a, 1))
	if *theirs.Score != 40 || theirs.Assessment != "Strong founder-again" {
		t.Errorf("original's lead: %v %q, want the new original score 40", *theirs.Score, theirs.Assessment)
	}
	for _, l := range []*leadrun.Lead{mine, theirs} {
		if l.ExportedAt == nil || !l.ExportedAt.Equal(exported) {
			t.Errorf("lead %d exported at %v, want the first export %v kept", l.ID, l.ExportedAt, exported)
		}
	}
}

// A bad item refuses the whole batch and writes nothing; a missing client is ENOTFOUND;
// a lead twice in one batch is refused alike on both databases.
func testImportRefusals(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	mustClock(db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a := u.id("A")
	mustCreateClient(t, db, a, u.stream(1))
	mustImport(t, db, a, importItems(a, 1, ""), leadrun.ImportCounts{Created: 1})
	before := mustFingerprints(t, db, a)

	bad := importItems(a, 60, "-bad")
	bad[55].Lead.ProfileURL = "https://example.com/not-linkedin"
	dup := importItems(a, 3, "-dup")
	dup[2].Lead.ProfileURL = importURL(a, 1) + "?trk=x" // the same lead as item 1
	conn := importItems(a, 2, "-conn")
	conn[1].Lead.ConnectionStatus = "friend"
	for _, c := range []struct {
		what  string
		items []leadrun.ImportItem
	}{{"a profile URL that is not LinkedIn's", bad}, {"one lead twice", dup}, {"a bad connection status", conn}} {
		n, err := db.ImportLeads(ctx, a, c.items)
		if leadrun.ErrorCode(err) != leadrun.EINVALID || n != (leadrun.ImportCounts{}) {
			t.Errorf("import with %s: %+v %v, want EINVALID", c.what, n, err)
		}
	}
	if got := mustFingerprints(t, db, a); !reflect.DeepEqual(got, before) {
		t.Errorf("fingerprints after refused imports %v, want %v", got, before)
	}
	if counts, err := db.CountLeadsByStatus(ctx, a); err != nil || counts[leadrun.StatusToBeScored] != 1 {
		t.Errorf("leads after refused imports %v %v, want the first one only", counts, err)
	}
	if n, err := db.ImportLeads(ctx, u.id("missing"), importItems(u.id("missing"), 1, "")); leadrun.ErrorCode(err) != leadrun.ENOTFOUND || n != (leadrun.ImportCounts{}) {
		t.Errorf("import for a missing client: %+v %v, want ENOTFOUND", n, err)
	}
	if fps, err := db.ImportFingerprints(ctx, u.id("missing")); err != nil || len(fps) != 0 {
		t.Errorf("fingerprints of a missing client %v %v, want none", fps, err)
	}
	mustImport(t, db, a, nil, leadrun.ImportCounts{}) // an empty batch is no error
}
