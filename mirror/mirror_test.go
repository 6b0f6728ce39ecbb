package mirror_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

func stamp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// wantRun is the Job Tracking record of a run, written out field by field.
func wantRun(run *leadrun.Run) map[string]any {
	tt := run.Totals
	status := map[leadrun.RunStatus]string{leadrun.RunCompleted: "Completed", leadrun.RunCompletedWithErrors: "Completed with Errors",
		leadrun.RunFailed: "Failed", leadrun.RunCancelled: "Cancelled", leadrun.RunAbandoned: "Abandoned"}[run.Status]
	rate, rated := tt.SuccessRate()
	f := map[string]any{"Run ID": run.ID, "Status": status, "Stream": float64(run.Stream),
		"Start Time": stamp(run.StartedAt), "End Time": stamp(run.FinishedAt),
		"Clients Processed": float64(tt.ClientsTotal), "Clients Succeeded": float64(tt.ClientsSucceeded),
		"Clients With Errors": float64(tt.ClientsWithErrors), "Clients Failed": float64(tt.ClientsFailed),
		"Total Profiles Examined": float64(tt.LeadsExamined), "Total Profiles Scored": float64(tt.LeadsScored),
		"Total Posts Scored": float64(tt.PostsScored), "Total Tokens Used": float64(tt.PromptTokens + tt.CompletionTokens),
		"Total API Cost": float64(tt.CostMicros) / 1e6}
	if rated {
		f["Success Rate"] = rate / 100
	}
	return f
}

// wantClient is the Client Run Results record of a client result.
func wantClient(cr *leadrun.ClientResult, runRecord string) map[string]any {
	f := map[string]any{"Run ID": cr.RunID + "-C" + cr.ClientID, "Client ID": cr.ClientID, "Client Name": cr.ClientName,
		"Job Tracking": []any{runRecord}, "Status": "Completed", "Total API Cost": 0.0}
	for _, op := range cr.Operations {
		tokens := float64(op.PromptTokens + op.CompTokens)
		if op.Kind == leadrun.OpLeadScoring {
			f["Profiles Examined for Scoring"], f["Profiles Successfully Scored"], f["Profile Scoring Tokens"] = float64(op.Examined), float64(op.Scored), tokens
		} else {
			f["Posts Examined for Scoring"], f["Posts Successfully Scored"], f["Post Scoring Tokens"] = float64(op.Examined), float64(op.Scored), tokens
		}
		f["Total API Cost"] = f["Total API Cost"].(float64) + float64(op.CostMicros)/1e6
		if op.StartedAt != nil && (f["Start Time"] == nil || stamp(op.StartedAt).(string) < f["Start Time"].(string)) {
			f["Start Time"] = stamp(op.StartedAt)
		}
		if op.FinishedAt != nil && (f["End Time"] == nil || stamp(op.FinishedAt).(string) > f["End Time"].(string)) {
			f["End Time"] = stamp(op.FinishedAt)
		}
	}
	return f
}

// compare checks got against want key by key; long-text fields are checked apart.
func compare(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
			t.Errorf("%s: field %q = %#v, want %#v", what, k, got[k], w)
		}
	}
	var extra []string
	for k := range got {
		if _, ok := want[k]; !ok && k != "System Notes" && k != "Progress Log" && k != "Error Details" {
			extra = append(extra, k)
		}
	}
	if sort.Strings(extra); len(extra) > 0 {
		t.Errorf("%s: unexpected fields %v", what, extra)
	}
}

// A demo run lands in Job Tracking and Client Run Results field for field, once, and the
// computed Duration field is never written.
func TestDemoRunMirroredFieldForField(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := newFake(t)
		loadDemo(t, db)
		e := newEnv(t, db, fake, fastConfig())
		run := e.runToEnd(t, 1)
		if run.Status != leadrun.RunCompleted {
			t.Fatalf("run ended %s: %s", run.Status, run.StatusReason)
		}
		results, err := db.FindClientResults(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		waitMirrored(t, db, fake, run, len(results))
		runs := byKey(t, fake.Records(testBase, "Job Tracking"))
		rec := runs[run.ID]
		compare(t, "Job Tracking", rec.Fields, wantRun(run))
		notes, _ := rec.Fields["System Notes"].(string)
		for _, want := range []string{run.ID, "completed", fmt.Sprintf("Clients: %d (%d succeeded", len(results), len(results))} {
			if !strings.Contains(notes, want) {
				t.Errorf("System Notes %q lacks %q", notes, want)
			}
		}
		clients := byKey(t, fake.Records(testBase, "Client Run Results"))
		events, err := db.FindEvents(ctx, run.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range results {
			got := clients[cr.DisplayID()].Fields
			compare(t, cr.DisplayID(), got, wantClient(cr, rec.ID))
			log, _ := got["Progress Log"].(string)
			for _, ev := range events {
				if ev.ClientID == cr.ClientID && !strings.Contains(log, ev.Message) {
					t.Errorf("%s: Progress Log lacks %q", cr.DisplayID(), ev.Message)
				}
			}
		}
		line, err := e.mirror.RunStatusLine(ctx, run.ID)
		if err != nil || !strings.HasPrefix(line, "Airtable: synced ") || strings.Contains(line, "pending") || strings.Contains(line, "failing") {
			t.Errorf("status line %q, %v", line, err)
		}
		if strings.Contains(e.logs.String(), testToken) {
			t.Error("the token is in the logs")
		}
	})
}

// waitMirrored waits until the run's record shows its final status, each client result
// has its record and nothing is pending.
func waitMirrored(t *testing.T, db *sqldb.DB, fake *airtabletest.Server, run *leadrun.Run, clients int) {
	t.Helper()
	want := wantRun(run)["Status"]
	t.Cleanup(func() {
		if t.Failed() {
			st, err := db.AirtableStatus(context.Background(), testBase)
			t.Logf("mirror state: %+v (%v); fake: %+v", st, err, fake.Stats(testBase))
			for _, tbl := range []string{"Job Tracking", "Client Run Results"} {
				for _, r := range fake.Records(testBase, tbl) {
					t.Logf("%s: %v %v end=%v", tbl, r.Fields["Run ID"], r.Fields["Status"], r.Fields["End Time"])
				}
			}
		}
	})
	waitFor(t, 2*time.Minute, "run "+run.ID+" mirrored", func() bool {
		n, _, err := db.AirtablePending(context.Background())
		if err != nil || n > 0 {
			return false
		}
		found := 0
		for _, r := range fake.Records(testBase, "Job Tracking") {
			if r.Fields["Run ID"] == run.ID && r.Fields["Status"] == want {
				found++
			}
		}
		crs := 0
		for _, r := range fake.Records(testBase, "Client Run Results") {
			if strings.HasPrefix(r.Fields["Run ID"].(string), run.ID+"-C") && r.Fields["End Time"] != nil {
				crs++
			}
		}
		return found == 1 && crs == clients
	})
}

var _ = airtable.KeyField
