package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Runs are found by their ID or its start, in any case, with or without "SR-", and by a
// client's ID or part of its name (the runs that included it); LIKE's wildcards in a
// search match only themselves.
func testSearchRuns(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	stream := u.stream(1)
	acme, beta := u.id("Acme"), u.id("Beta")
	must(t, db.CreateClient(ctx, &leadrun.Client{ID: acme, Name: "Acme 100% Coaching", Stream: stream}))
	must(t, db.CreateClient(ctx, &leadrun.Client{ID: beta, Name: "Beta Ltd", Stream: stream}))
	r1 := mustPlanRun(t, db, stream, acme)
	mustTx(t, db, func(tx *sqldb.Tx) error { _, err := tx.FinishRun(ctx, r1, leadrun.RunCompleted, "done"); return err })
	r2 := mustPlanRun(t, db, stream, acme, beta)
	find := func(search string) []string {
		t.Helper()
		runs, err := db.FindRuns(ctx, leadrun.RunFilter{Stream: &stream, Search: &search, Limit: 10})
		if err != nil {
			t.Fatalf("search %q: %v", search, err)
		}
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	day := strings.TrimPrefix(r1[:len("SR-YYMMDD")], "SR-")
	for search, want := range map[string][]string{
		r1:                    {r1},
		strings.ToLower(r2):   {r2},
		"SR-" + day:           {r2, r1},
		day:                   {r2, r1},
		"sr-" + day + "-":     {r2, r1},
		acme:                  {r2, r1},
		strings.ToUpper(beta): {r2},
		"beta ltd":            {r2},
		"100%":                {r2, r1},
		"10_%":                nil, // "_" is no wildcard
		"SR-000101":           nil,
		"Nobody":              nil,
	} {
		if got := find(search); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("search %q: %v, want %v", search, got, want)
		}
	}
}

// Clients are found by part of their ID or name and paged by ID both ways.
func testSearchAndPageClients(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		must(t, db.CreateClient(ctx, &leadrun.Client{ID: u.id(id), Name: "Page Client " + strings.ToUpper(id), Stream: u.stream(1)}))
	}
	ids := func(f leadrun.ClientFilter) string {
		t.Helper()
		cs, err := db.FindClients(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(clientIDs(cs), ",")
	}
	search := u.prefix // every client of this case, by ID
	after, before := u.id("b"), u.id("e")
	for name, c := range map[string]struct {
		f    leadrun.ClientFilter
		want string
	}{
		"first page":        {leadrun.ClientFilter{Search: &search, Limit: 2}, u.id("a") + "," + u.id("b")},
		"after b":           {leadrun.ClientFilter{Search: &search, AfterID: &after, Limit: 2}, u.id("c") + "," + u.id("d")},
		"before e":          {leadrun.ClientFilter{Search: &search, BeforeID: &before, Limit: 2}, u.id("c") + "," + u.id("d")},
		"by name, any case": {leadrun.ClientFilter{Search: ptr("pAGE client C"), Stream: ptr(u.stream(1))}, u.id("c")},
	} {
		if got := ids(c.f); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
	now := time.Now()
	health, err := db.FindClientHealthPage(ctx, leadrun.ClientFilter{Search: &search, AfterID: &after, Limit: 1}, now)
	if err != nil || len(health) != 1 || health[0].Client.ID != u.id("c") {
		t.Fatalf("health page: %d %v", len(health), err)
	}
}

// A client's leads page both ways by ID.
func testPageLeads(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	ids := mustLeads(t, db, u.id("A"), 7)
	page := func(f leadrun.LeadFilter) []int64 {
		t.Helper()
		f.ClientID = u.id("A")
		leads, err := db.FindLeads(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, l := range leads {
			out = append(out, l.ID)
		}
		return out
	}
	if got := page(leadrun.LeadFilter{AfterID: ids[1], Limit: 3}); len(got) != 3 || got[0] != ids[2] || got[2] != ids[4] {
		t.Errorf("after: %v", got)
	}
	if got := page(leadrun.LeadFilter{BeforeID: ids[5], Limit: 3}); len(got) != 3 || got[0] != ids[2] || got[2] != ids[4] {
		t.Errorf("before: %v", got)
	}
	if got := page(leadrun.LeadFilter{BeforeID: ids[1], Limit: 3}); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("before the second: %v", got)
	}
}
