package migrate_test

import (
	"context"
	"go/build"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/migrate"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// The fake agency migrates from Airtable's API end to end, on both databases, its three
// client bases read at once: the same counts, scores, statuses, assessments, rubrics and
// clients as from its CSV exports — lead for lead the same stored leads — with values typed
// as the API returns them; no base ever gets more than 5 requests in a second; a second
// import writes nothing.
func TestImportAirtableAgency(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAirtableAgency(t, perClient, airtabletest.Options{})
		src, _ := a.source(t, migrate.AirtableConfig{})
		rep, err := migrate.Import(ctx, db, src, migrate.Options{ChunkSize: 200, Parallel: 3})
		if err != nil {
			t.Fatal(err)
		}
		want := checkAgencyImport(t, db, a.agency, rep)
		fromAirtable := mustAgencyLeads(t, db)

		fromCSV := sqldbtest.MustOpen(t, db.Kind())
		if _, err := migrate.Import(ctx, fromCSV, mustSource(t, a.dir), migrate.Options{}); err != nil {
			t.Fatal(err)
		}
		checkSameLeads(t, "Airtable import", fromAirtable, "CSV import", mustAgencyLeads(t, fromCSV))
		checkWithinLimit(t, a)

		again, err := migrate.Import(ctx, db, src, migrate.Options{Parallel: 3})
		if err != nil {
			t.Fatal(err)
		}
		checkNothingChanged(t, db, want, again, fromAirtable)
		checkWithinLimit(t, a)
	})
}

// checkWithinLimit reads the fake's counts: no base ever got more than 5 requests in one
// second, none was refused.
func checkWithinLimit(t *testing.T, a *airtableAgency) {
	t.Helper()
	for _, base := range append([]string{masterBase}, a.bases["Guy-Wilson"], a.bases["Dean-Hobin"], a.bases["Sarah-Chen"]) {
		st := a.fake.Stats(base)
		if st.Requests == 0 || st.MaxPerSecond > 5 || st.RateLimited != 0 || st.Refused != 0 {
			t.Errorf("base %s: %+v; want requests, at most 5 in any second, none refused", base, st)
		}
	}
}

// checkSameLeads compares two sets of stored leads, leaving out what differs by nature
// (row IDs, times of writing, the raw record the lead came from).
func checkSameLeads(t *testing.T, what string, got map[string]*leadrun.Lead, than string, want map[string]*leadrun.Lead) {
	t.Helper()
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s stored %d leads, %s %d", what, len(got), than, len(want))
	}
	strip := func(l *leadrun.Lead) leadrun.Lead {
		c := *l
		c.ID, c.Raw, c.CreatedAt, c.UpdatedAt = 0, nil, time.Time{}, time.Time{}
		return c
	}
	diffs := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s lacks %s", what, k)
			diffs++
		} else if gs, ws := strip(g), strip(w); !reflect.DeepEqual(gs, ws) {
			t.Errorf("%s differs from %s for %s:\n%+v\n%+v", what, than, k, gs, ws)
			diffs++
		}
		if diffs > 3 {
			t.FailNow()
		}
	}
}

// An import that Airtable stops half-way (503 on every request from some point, past
// the retries) stops with Airtable's message and the base and table, keeps only whole
// chunks, and the next import resumes to the same end state as one clean import.
func TestImportAirtableResumesAfterOutage(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAirtableAgency(t, 250, airtabletest.Options{})
		// 2 requests for the master base, then Guy-Wilson's schema, rubric tables and 2 of
		// the 3 pages of his Leads: Airtable goes down in the middle of them.
		a.fake.SetFaults(airtabletest.Faults{DownAfter: 2 + 3 + 2})
		src, said := a.source(t, migrate.AirtableConfig{Retries: 1, RetryWait: 10 * time.Millisecond})
		const chunk = 40
		_, err := migrate.Import(ctx, db, src, migrate.Options{ChunkSize: chunk})
		for _, want := range []string{"503", "Service temporarily unavailable", `base appGuyWilson0001 of client Guy-Wilson, table "Leads"`, "run the same command again"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to say %q", err, want)
			}
		}
		if !strings.Contains(said.String(), "asking again") {
			t.Errorf("no word of the retry: %q", said)
		}
		stored := len(mustAllLeads(t, db, "Guy-Wilson"))
		if stored == 0 || stored%chunk != 0 || stored >= 262 {
			t.Errorf("%d leads stored when Airtable went down: want whole chunks of %d, and not all", stored, chunk)
		}
		if n := len(mustAllLeads(t, db, "Dean-Hobin")); n != 0 {
			t.Errorf("%d leads of the next client stored: the import should have stopped", n)
		}

		a.fake.SetFaults(airtabletest.Faults{})
		resumed, err := migrate.Import(ctx, db, src, migrate.Options{ChunkSize: chunk})
		if err != nil {
			t.Fatal(err)
		}
		if g := byClient(resumed)["Guy-Wilson"]; g.Unchanged != stored || g.Created+g.Unchanged != 250+9 {
			t.Errorf("resumed: Guy-Wilson %d created, %d unchanged; want the %d stored unchanged and the rest created", g.Created, g.Unchanged, stored)
		}
		clean := sqldbtest.MustOpen(t, db.Kind())
		if _, err := migrate.Import(ctx, clean, src, migrate.Options{}); err != nil {
			t.Fatal(err)
		}
		checkSameLeads(t, "resumed import", mustAgencyLeads(t, db), "clean import", mustAgencyLeads(t, clean))
	})
}

// A 429 lock-out in the middle of the import is waited out (the penalty, said on the
// progress line) and the import finishes with every lead; no request is sent during the
// penalty.
func TestImportAirtableWaitsOutLockOut(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		const penalty = 1500 * time.Millisecond // Airtable's is 30 s; the fake's is set to match
		a := mustAirtableAgency(t, 150, airtabletest.Options{Penalty: penalty})
		a.fake.SetFaults(airtabletest.Faults{LockOutAfter: 6})
		src, said := a.source(t, migrate.AirtableConfig{Penalty: penalty})
		rep, err := migrate.Import(ctx, db, src, migrate.Options{ChunkSize: 50, Parallel: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Totals(); got.LeadsRead != 3*150+12 || got.Created != 3*150+9 {
			t.Errorf("read %d created %d; want every lead", got.LeadsRead, got.Created)
		}
		locked, refused := 0, 0
		for _, base := range []string{masterBase, a.bases["Guy-Wilson"], a.bases["Dean-Hobin"], a.bases["Sarah-Chen"]} {
			st := a.fake.Stats(base)
			locked += st.RateLimited
			refused += st.Refused
		}
		if locked != 1 || refused != 0 {
			t.Errorf("%d lock-outs, %d requests refused during one; want 1 and 0", locked, refused)
		}
		if s := said.String(); !strings.Contains(s, "429") || !strings.Contains(s, "waiting 1.5s") {
			t.Errorf("progress did not say it waited: %q", s)
		}
	})
}

// A wrong token stops the import at its first request with Airtable's own message and
// what to check, writing nothing; a client base the token cannot read stops the import at
// that client with the base named, keeping the clients before it.
func TestImportAirtableStopsOnAuthErrors(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAirtableAgency(t, 20, airtabletest.Options{})
		src, said := a.source(t, migrate.AirtableConfig{Token: "patWRONG.token"})
		_, err := migrate.Import(ctx, db, src, migrate.Options{})
		for _, want := range []string{"401", "AUTHENTICATION_REQUIRED", "Authentication required", "LEADRUN_AIRTABLE_TOKEN", "base " + masterBase} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "patWRONG") || strings.Contains(err.Error(), fakeToken) {
			t.Errorf("the error shows a token: %v", err)
		}
		if said.String() != "" {
			t.Errorf("a 401 was retried or waited for: %q", said)
		}
		if clients, err := db.FindClients(ctx, leadrun.ClientFilter{}); err != nil || len(clients) != 0 {
			t.Errorf("%d clients stored after a 401 (%v), want none", len(clients), err)
		}

		dean := a.bases["Dean-Hobin"]
		a.fake.RemoveBase(dean)
		src, _ = a.source(t, migrate.AirtableConfig{})
		rep, err := migrate.Import(ctx, db, src, migrate.Options{})
		for _, want := range []string{"403", "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "base " + dean + " of client Dean-Hobin", "Airtable Base ID in the master base's Clients table"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to say %q", err, want)
			}
		}
		if g := byClient(rep)["Guy-Wilson"]; g == nil || g.Created != 20+9 || len(mustAllLeads(t, db, "Guy-Wilson")) != 20+9 {
			t.Errorf("Guy-Wilson, imported before the unreadable base: %+v", g)
		}
		// Clients read at once: the unreadable base's error is the one reported (not the
		// cancellation of the others), and nothing else is lost.
		other := sqldbtest.MustOpen(t, db.Kind())
		_, err = migrate.Import(ctx, other, src, migrate.Options{Parallel: 3})
		if err == nil || !strings.Contains(err.Error(), "base "+dean+" of client Dean-Hobin") {
			t.Errorf("parallel import: err = %v, want Dean-Hobin's base named", err)
		}
		if _, err := migrate.Import(ctx, db, src, migrate.Options{ClientIDs: []string{"Nobody"}}); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("unknown --client: %v, want ENOTFOUND", err)
		}
	})
}

// The import never calls a scorer: package migrate does not even import one, nor the
// runner that would start a run. (The report's 0 tokens and the empty runs table are
// checked by every import test.)
func TestImportCannotScore(t *testing.T) {
	seen := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		if seen[path] || !strings.HasPrefix(path, "github.com/leadrun/leadrun") {
			return
		}
		seen[path] = true
		pkg, err := build.Import(path, ".", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			walk(imp)
		}
	}
	walk("github.com/leadrun/leadrun/migrate")
	for p := range seen {
		if strings.Contains(p, "/scoring") || strings.HasSuffix(p, "/runner") {
			t.Errorf("migrate depends on %s", p)
		}
	}
	if len(seen) < 3 {
		t.Fatalf("walked only %v", seen)
	}
}

// An expired listing offset (Airtable's 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE) does
// not stop the import: the table is read again from its first page, the records already
// handed on are passed over, and every lead is read exactly once.
func TestImportAirtableRestartsExpiredListing(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAirtableAgency(t, 120, airtabletest.Options{})
		a.fake.SetFaults(airtabletest.Faults{ExpireOffsetAfter: 1}) // Dean-Hobin's second page of Leads
		src, said := a.source(t, migrate.AirtableConfig{})
		rep, err := migrate.Import(ctx, db, src, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := byClient(rep)["Dean-Hobin"]; d.LeadsRead != 120 || d.Created != 120 || strings.Contains(strings.Join(d.Notes, ";"), "repeat") {
			t.Errorf("Dean-Hobin: read %d created %d notes %q; want 120 read once", d.LeadsRead, d.Created, d.Notes)
		}
		if n := len(mustAllLeads(t, db, "Dean-Hobin")); n != 120 {
			t.Errorf("%d leads stored, want 120", n)
		}
		if s := said.String(); !strings.Contains(s, `base appDeanHobin0002 of client Dean-Hobin, table "Leads": Airtable's listing expired`) || !strings.Contains(s, "passing over the 100 records") {
			t.Errorf("progress did not say it read again: %q", s)
		}
	})
}

// A base that answers nothing but 429 (the workspace's monthly API calls used up, or
// another program spending the budget) stops the import after the waits, saying so,
// instead of waiting forever.
func TestImportAirtableStopsOnEndless429(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		a := mustAirtableAgency(t, 5, airtabletest.Options{})
		a.fake.SetFaults(airtabletest.Faults{RateLimited: 1})
		src, said := a.source(t, migrate.AirtableConfig{Penalty: 10 * time.Millisecond})
		_, err := migrate.Import(context.Background(), db, src, migrate.Options{})
		if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "API call allowance") {
			t.Fatalf("err = %v, want the 429 and what to check", err)
		}
		if n := strings.Count(said.String(), "waiting 10ms"); n != 10 {
			t.Errorf("%d waits said, want 10:\n%s", n, said)
		}
	})
}
