package migrate_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/migrate"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

const perClient = 330 // about 1,000 leads over three clients

func mustSource(t testing.TB, dir string) migrate.Source {
	t.Helper()
	files, err := migrate.ScanDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return migrate.NewCSVSource(files)
}

func byClient(rep *migrate.Report) map[string]*migrate.ClientReport {
	out := map[string]*migrate.ClientReport{}
	for _, c := range rep.Clients {
		out[c.ClientID] = c
	}
	return out
}

// A fake agency (3 clients, ~1,000 leads with the cases of issue 13) migrates end to end:
// counts match, scores, statuses and assessments are kept, nothing is left for a scorer
// but what the original had not scored, and a second import changes nothing.
func TestImportOriginalAgency(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAgency(t, perClient)
		rep, err := migrate.Import(ctx, db, mustSource(t, a.dir), migrate.Options{ChunkSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		want := checkAgencyImport(t, db, a, rep)
		before := mustAgencyLeads(t, db)
		again, err := migrate.Import(ctx, db, mustSource(t, a.dir), migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkNothingChanged(t, db, want, again, before)
	})
}

// checkAgencyImport checks the first import of the agency and returns what it expects
// per client.
func checkAgencyImport(t *testing.T, db *sqldb.DB, a *agency, rep *migrate.Report) map[string]migrate.ClientReport {
	t.Helper()
	ctx := context.Background()
	got := byClient(rep)
	if bad := got["Bad Client"]; bad == nil || bad.Client != "rejected" || !strings.Contains(strings.Join(bad.Notes, ""), "Client ID") {
		t.Errorf("client with an invalid ID: %+v, want rejected saying why", bad)
	}
	want := map[string]migrate.ClientReport{
		"Guy-Wilson": {Client: "created", Rubric: "created", LeadsRead: perClient + 12, Created: perClient + 9,
			ScoresKept: a.scored["Guy-Wilson"] + 3, Rejected: 1},
		"Dean-Hobin": {Client: "created", Rubric: "created", LeadsRead: perClient, Created: perClient, ScoresKept: a.scored["Dean-Hobin"]},
		"Sarah-Chen": {Client: "created", Rubric: "none", LeadsRead: perClient, Created: perClient, ScoresKept: a.scored["Sarah-Chen"]},
	}
	for id, w := range want {
		c := got[id]
		if c == nil {
			t.Fatalf("no report for %s", id)
		}
		if c.Client != w.Client || c.Rubric != w.Rubric || c.LeadsRead != w.LeadsRead || c.Created != w.Created ||
			c.Updated != 0 || c.Unchanged != 0 || c.ScoresKept != w.ScoresKept || c.Rejected != w.Rejected {
			t.Errorf("%s: %s/%s read %d created %d updated %d unchanged %d kept %d rejected %d; want %s/%s %d %d 0 0 %d %d",
				id, c.Client, c.Rubric, c.LeadsRead, c.Created, c.Updated, c.Unchanged, c.ScoresKept, c.Rejected,
				w.Client, w.Rubric, w.LeadsRead, w.Created, w.ScoresKept, w.Rejected)
		}
		counts, err := db.CountLeadsByStatus(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, n := range counts {
			total += n
		}
		if int(total) != w.Created || int(counts[leadrun.StatusScored]) != w.ScoresKept {
			t.Errorf("%s: database holds %v; want %d leads, %d scored", id, counts, w.Created, w.ScoresKept)
		}
	}
	checkFormula(t, a, got)
	if rep.Tokens != 0 {
		t.Errorf("tokens %d, want 0", rep.Tokens)
	}
	if runs, err := db.FindRuns(ctx, leadrun.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("runs %d (%v): an import must not start scoring", len(runs), err)
	}
	checkGuyWilson(t, db)
	checkRubric(t, db)
	checkClients(t, db)
	return want
}

// checkNothingChanged checks that a second import wrote nothing: every client, rubric and
// lead unchanged in the report, and the stored leads as they were.
func checkNothingChanged(t *testing.T, db *sqldb.DB, want map[string]migrate.ClientReport, again *migrate.Report, before map[string]*leadrun.Lead) {
	t.Helper()
	for id, w := range want {
		c := byClient(again)[id]
		if c.Client != "unchanged" || (c.Rubric != "unchanged" && c.Rubric != "none") || c.Created != 0 || c.Updated != 0 || c.Unchanged != w.Created {
			t.Errorf("second import, %s: %s/%s created %d updated %d unchanged %d; want nothing changed", id, c.Client, c.Rubric, c.Created, c.Updated, c.Unchanged)
		}
	}
	if after := mustAgencyLeads(t, db); !reflect.DeepEqual(before, after) {
		t.Error("second import changed stored leads")
	}
}

// mustAgencyLeads returns every lead of the agency's clients, with its extras, by client
// and profile key.
func mustAgencyLeads(t *testing.T, db *sqldb.DB) map[string]*leadrun.Lead {
	t.Helper()
	out := map[string]*leadrun.Lead{}
	for _, id := range []string{"Guy-Wilson", "Dean-Hobin", "Sarah-Chen"} {
		for _, l := range mustAllLeads(t, db, id) {
			if err := db.LoadLeadExtras(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			out[id+" "+l.ProfileKey] = l
		}
	}
	return out
}

func checkFormula(t *testing.T, a *agency, got map[string]*migrate.ClientReport) {
	t.Helper()
	// Guy-Wilson's special cases add two: a score over 100 with I auto-awarded (changes),
	// and Bree, whose 72.5 rests on 15 points (26.32 under either formula: crosses down).
	extra := map[string][3]int{"Guy-Wilson": {2, 0, 1}}
	for _, id := range []string{"Guy-Wilson", "Dean-Hobin", "Sarah-Chen"} {
		f := got[id].Formula
		w := [3]int{a.wouldChange[id] + extra[id][0], a.crossUp[id] + extra[id][1], a.crossDown[id] + extra[id][2]}
		if [3]int{f.Changed, f.CrossUp, f.CrossDown} != w {
			t.Errorf("%s formula: change %d up %d down %d; want %v", id, f.Changed, f.CrossUp, f.CrossDown, w)
		}
	}
	if f := got["Guy-Wilson"].Formula; f.Clamped < 1 {
		t.Errorf("Guy-Wilson: %d scores clamped, want the 104.5 one at least", f.Clamped)
	}
	if a.wouldChange["Guy-Wilson"] == 0 || a.crossDown["Guy-Wilson"] == 0 {
		t.Error("fixture has no score that moves: the check proves nothing")
	}
}

func mustAllLeads(t *testing.T, db *sqldb.DB, clientID string) []*leadrun.Lead {
	t.Helper()
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	return leads
}

func findLead(t *testing.T, db *sqldb.DB, leads []*leadrun.Lead, url string) *leadrun.Lead {
	t.Helper()
	key, _ := leadrun.ProfileKey(url)
	for _, l := range leads {
		if l.ProfileKey == key {
			if err := db.LoadLeadExtras(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			return l
		}
	}
	t.Fatalf("no lead %s", key)
	return nil
}

func checkGuyWilson(t *testing.T, db *sqldb.DB) {
	t.Helper()
	leads := mustAllLeads(t, db, "Guy-Wilson")
	bree := findLead(t, db, leads, "linkedin.com/in/bree-taylor")
	day := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format("2006-01-02")
	}
	if bree.LastName != "Taylor" || bree.ScoringStatus != leadrun.StatusScored || bree.Score == nil || *bree.Score != 72.5 ||
		bree.Assessment != "Bree runs her own advisory beside a CFO role." || day(bree.ScoredAt) != "2025-09-23" ||
		day(bree.ExportedAt) != "2025-10-01" || day(bree.ConnectedAt) != "2025-08-15" ||
		bree.SalesNavigatorURL != "https://www.linkedin.com/sales/lead/ACwAAAbree" ||
		!slices.Equal(bree.Messages, []string{"Thanks for connecting, Bree!"}) || bree.ConnectionStatus != leadrun.ConnectionConnected {
		t.Errorf("bree = %+v", bree)
	}
	if bree.Breakdown == nil || len(bree.Breakdown.Items) != 1 || bree.Breakdown.Items[0].Points != 15 || bree.Breakdown.Items[0].Reason != "Founder of Taylor Advisory." {
		t.Errorf("bree breakdown = %+v", bree.Breakdown)
	}
	if want := []leadrun.Job{{Title: "Director", Company: "Acme", Start: "2021", End: "Present"}}; !reflect.DeepEqual(bree.Experience, want) {
		t.Errorf("bree experience = %+v, want %+v", bree.Experience, want)
	}
	if over := findLead(t, db, leads, "linkedin.com/in/over-100"); over.Score == nil || *over.Score != 100 {
		t.Errorf("104.5 stored as %v, want 100 (leadrun scores are 0–100)", over.Score)
	}
	if pf := findLead(t, db, leads, "linkedin.com/in/parse-fail"); pf.ScoringStatus != leadrun.StatusFailed || pf.LastReason != leadrun.ReasonParseError || pf.Attempts != 1 {
		t.Errorf("parse-fail = %s %s %d", pf.ScoringStatus, pf.LastReason, pf.Attempts)
	}
	if ex := findLead(t, db, leads, "linkedin.com/in/excluded"); ex.ScoringStatus != leadrun.StatusExcluded {
		t.Errorf("excluded = %s", ex.ScoringStatus)
	}
	if odd := findLead(t, db, leads, "linkedin.com/in/odd-history"); len(odd.Experience) == 0 {
		t.Error("odd Job History: no experience")
	}
	if slim := findLead(t, db, leads, "linkedin.com/in/slim-json"); slim.Headline != "Fractional CMO" || len(slim.Experience) != 1 ||
		slim.ScoringStatus != leadrun.StatusSkippedMissingData || slim.Score != nil {
		t.Errorf("slim-json = %+v", slim)
	}
	if jose := findLead(t, db, leads, "https://www.linkedin.com/in/josé-x"); jose.Headline != "Head of Growth" {
		t.Errorf("josé = %q, want the first of the two rows", jose.Headline)
	}
}

func checkRubric(t *testing.T, db *sqldb.DB) {
	t.Helper()
	r, err := db.FindRubric(context.Background(), "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Preamble, "You are scoring") || !strings.Contains(r.Preamble, "Any disqualifying negative forces the score to 0%") {
		t.Errorf("preamble = %q; want the PREAMBLE row and the Global Rule row", r.Preamble)
	}
	attr := func(id string) leadrun.Attribute { a, _ := r.Attribute(id); return a }
	if a := attr("N1"); a.Penalty != -10 || a.Disqualifying {
		t.Errorf("N1 = %+v, want penalty -10", a)
	}
	if a := attr("N2"); a.Penalty != -5 || !a.Disqualifying {
		t.Errorf("N2 = %+v, want penalty -5 from Max Points, disqualifying", a)
	}
	if a := attr("E"); !a.Bonus || a.MaxPoints != 8 {
		t.Errorf("E = %+v, want bonus 8", a)
	}
	if a := attr("K"); a.IsActive() {
		t.Error("K unticked, want inactive")
	}
	if a := attr("A"); !slices.Equal(a.Signals, []string{"founder", "owner", "side hustle", "started my own"}) || a.MinToQualify != 5 {
		t.Errorf("A = %+v", a)
	}
	if r.Post == nil || len(r.Post.Criteria) != 3 {
		t.Fatalf("post rubric = %+v", r.Post)
	}
	pen := r.Post.Criteria[2]
	if pen.ID != "POST_PROMOTIONAL_PENALTY" || pen.Category != leadrun.CategoryNegative || pen.Penalty != -20 ||
		!slices.Contains(pen.NegativeKeywords, "book a call") || slices.Contains(pen.NegativeKeywords, "lessons learned") || !pen.IsActive() {
		t.Errorf("penalty criterion = %+v; want -20 triggered by its Positive Indicators only", pen)
	}
}

func checkClients(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	guy, _ := db.FindClientByID(ctx, "Guy-Wilson")
	dean, _ := db.FindClientByID(ctx, "Dean-Hobin")
	sarah, _ := db.FindClientByID(ctx, "Sarah-Chen")
	if guy == nil || guy.ServiceLevel != 2 || guy.LHSenderEmail != "guy@wingguy.example" || guy.DailyTokenBudget != 0 {
		t.Errorf("guy = %+v", guy)
	}
	if dean == nil || dean.LHSenderEmail != "dean@hobin.example" || dean.ServiceLevel != 1 {
		t.Errorf("dean = %+v", dean)
	}
	if sarah == nil || sarah.Status != leadrun.ClientPaused || sarah.Stream != 2 {
		t.Errorf("sarah = %+v", sarah)
	}
}

// failingSource stops with an error after a number of lead records, like a crash.
type failingSource struct {
	migrate.Source
	after int
}

func (s *failingSource) Table(ctx context.Context, clientID, table string, fn func(migrate.Record) error) error {
	return s.Source.Table(ctx, clientID, table, func(r migrate.Record) error {
		if table == migrate.TableLeads {
			if s.after == 0 {
				return errors.New("connection lost")
			}
			s.after--
		}
		return fn(r)
	})
}

// An import that stops half-way resumes: the next one stores only what was not stored,
// and the result is the same as one clean import.
func TestImportResumes(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := mustAgency(t, 120)
		opts := migrate.Options{ClientIDs: []string{"Dean-Hobin"}, ChunkSize: 50}
		_, err := migrate.Import(ctx, db, &failingSource{Source: mustSource(t, a.dir), after: 110}, opts)
		if err == nil || !strings.Contains(err.Error(), "connection lost") {
			t.Fatalf("err = %v, want the source's failure", err)
		}
		if n := len(mustAllLeads(t, db, "Dean-Hobin")); n != 100 {
			t.Errorf("%d leads stored before the failure, want the two committed chunks (100)", n)
		}
		rep, err := migrate.Import(ctx, db, mustSource(t, a.dir), opts)
		if err != nil {
			t.Fatal(err)
		}
		c := byClient(rep)["Dean-Hobin"]
		if c.Created != 20 || c.Unchanged != 100 || c.Updated != 0 || len(rep.Clients) != 1 {
			t.Errorf("resumed: created %d unchanged %d updated %d (%d clients); want 20, 100, 0 (1)", c.Created, c.Unchanged, c.Updated, len(rep.Clients))
		}
		if _, err := migrate.Import(ctx, db, mustSource(t, a.dir), migrate.Options{ClientIDs: []string{"Nobody"}}); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
			t.Errorf("unknown --client: %v, want ENOTFOUND", err)
		}
	})
}
