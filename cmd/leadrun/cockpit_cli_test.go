package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun help [command]` prints the help of leadrun or of that command; an unknown
// command is a usage error.
func TestHelpCommand(t *testing.T) {
	if out := mustCLI(t, "help"); !strings.Contains(out, "runs report <run-id>") || !strings.Contains(out, "help [<command> ...]") {
		t.Errorf("help:\n%s", out)
	}
	if out := mustCLI(t, "help", "runs", "report"); !strings.Contains(out, "leadrun runs report <run-id>") || !strings.Contains(out, "--csv") {
		t.Errorf("help runs report:\n%s", out)
	}
	if code, _, errOut := cli(t, "help", "nope"); code != exitUsage || !strings.Contains(errOut, "nope") {
		t.Errorf("help nope: exit %d\n%s", code, errOut)
	}
}

// --db naming a missing SQLite file is an error saying how to create it, on every command
// but demo and migrate, and creates nothing; migrate creates it.
func TestMissingSQLiteRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.db")
	dbURL := "sqlite://" + path
	for _, args := range [][]string{{"runs", "list"}, {"clients", "list"}, {"runs", "report", "SR-250923-001-S1"},
		{"run", "--stream", "1"}, {"worker"}, {"serve"}} {
		code, _, errOut := cli(t, append(args, "--db", dbURL)...)
		if code != exitError || !strings.Contains(errOut, "no database at "+path) || !strings.Contains(errOut, "leadrun migrate --db "+dbURL) {
			t.Errorf("%v on a missing file: exit %d\n%s", args, code, errOut)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%v created %s", args, path)
		}
	}
	mustCLI(t, "migrate", "--db", dbURL)
	mustCLI(t, "runs", "list", "--db", dbURL)
}

// `runs report ID` prints the run's report as JSON, and with --csv one row per client ×
// operation; an unknown run is an error. Both databases.
func TestRunsReportCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := sqldbtest.NewURL(t, kind)
			mustCLI(t, "demo", "--db", dbURL)
			var runs []report.RunView
			if err := json.Unmarshal([]byte(mustCLI(t, "runs", "list", "--db", dbURL, "--json")), &runs); err != nil || len(runs) != 1 {
				t.Fatalf("runs list: %v %v", runs, err)
			}
			id := runs[0].RunID
			var rep report.RunReport
			if err := json.Unmarshal([]byte(mustCLI(t, "runs", "report", id, "--db", dbURL)), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Run.RunID != id || len(rep.Clients) != 2 || len(rep.Operations) != 2 || rep.Operations[0].Examined != 200 || len(rep.Reasons) == 0 {
				t.Errorf("report: %+v", rep)
			}
			rows, err := csv.NewReader(strings.NewReader(mustCLI(t, "runs", "report", id, "--csv", "--db", dbURL))).ReadAll()
			if err != nil || len(rows) != 5 || rows[0][0] != "run_id" || rows[1][0] != id {
				t.Errorf("CSV: %v %v", rows, err)
			}
			if code, _, errOut := cli(t, "runs", "report", "SR-000101-001-S1", "--db", dbURL); code != exitError || !strings.Contains(errOut, "SR-000101-001-S1") {
				t.Errorf("unknown run: exit %d %s", code, errOut)
			}
		})
	}
}

// On a terminal, run --wait shows examined of due, the rate and the time left; the
// plain line (not a terminal) has neither.
func TestRunProgressLine(t *testing.T) {
	started := time.Now().Add(-10 * time.Second)
	run := &leadrun.Run{ID: "SR-261130-001-S1", Status: leadrun.RunRunning, CreatedAt: started, StartedAt: &started,
		Totals: leadrun.Totals{LeadsExamined: 100, LeadsScored: 90, LeadsFailed: 2}}
	line := rateLine(run, 400, 10*time.Second)
	for _, want := range []string{"100 of 400 (25 %) examined", "90 scored", "10 leads/s", "about 30s left"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	run.Status = leadrun.RunCompleted
	if line := rateLine(run, 400, 10*time.Second); strings.Contains(line, "left") {
		t.Errorf("a finished run has no time left: %q", line)
	}
	var buf bytes.Buffer
	p := newProgress(&buf).withDue(context.Background(), nil, run.ID)
	p.update(run)
	if out := buf.String(); strings.Contains(out, "leads/s") || !strings.Contains(out, "100 examined") {
		t.Errorf("not a terminal: %q", out)
	}
}

// migratedURL is a fresh database, migrated: every command but demo and migrate refuses a
// missing SQLite file.
func migratedURL(t *testing.T, kind sqldb.Kind) string {
	t.Helper()
	dbURL := sqldbtest.NewURL(t, kind)
	mustCLI(t, "migrate", "--db", dbURL)
	return dbURL
}

// A run cancelled from the command line records who cancelled it, shown by `runs show`
// and in the JSON. Both databases.
func TestRunsCancelRecordsWho(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Setenv("USER", "ops")
			dbURL := migratedURL(t, kind)
			mustCLI(t, "clients", "add", "Guy-Wilson", "--db", dbURL)
			var run report.RunView
			if err := json.Unmarshal([]byte(mustCLI(t, "run", "--stream", "1", "--json", "--db", dbURL)), &run); err != nil {
				t.Fatal(err)
			}
			mustCLI(t, "runs", "cancel", run.RunID, "--db", dbURL)
			if show := mustCLI(t, "runs", "show", run.RunID, "--db", dbURL); !strings.Contains(show, "cancelled by cli ops@") {
				t.Errorf("runs show lacks who cancelled:\n%s", show)
			}
			var runs []report.RunView
			if err := json.Unmarshal([]byte(mustCLI(t, "runs", "list", "--json", "--db", dbURL)), &runs); err != nil || len(runs) != 1 ||
				!strings.HasPrefix(runs[0].CancelledBy, "cli ops@") || runs[0].Trigger != leadrun.TriggerCLI {
				t.Errorf("runs list: %+v %v", runs, err)
			}
		})
	}
}
