package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// cli runs the command line in-process and returns its exit code and outputs.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, args...)
	if code != 0 {
		t.Fatalf("leadrun %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// The demo works from nothing, prints the summary, and is safe to run again: the sample
// clients examine at most 100 leads per run, so the second run resumes with the rest and
// the third finds nothing due.
func TestDemoTwice(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := sqldbtest.NewURL(t, kind)
			out := mustCLI(t, "demo", "--db", dbURL)
			for _, want := range []string{"— completed", "-CGuy-Wilson", "-CDean-Hobin", "TOTAL (2 clients)", "SUCCESS"} {
				if !strings.Contains(out, want) {
					t.Errorf("demo output lacks %q:\n%s", want, out)
				}
			}
			if again := mustCLI(t, "demo", "--db", dbURL); !strings.Contains(again, " 0 new leads") || strings.Contains(again, "nothing was due") {
				t.Errorf("second demo should load nothing new and score the rest:\n%s", again)
			}
			if third := mustCLI(t, "demo", "--db", dbURL); !strings.Contains(third, "nothing was due") {
				t.Errorf("third demo should find nothing due:\n%s", third)
			}
			var runs []report.RunView
			if err := json.Unmarshal([]byte(mustCLI(t, "runs", "list", "--db", dbURL, "--json")), &runs); err != nil {
				t.Fatal(err)
			}
			if len(runs) != 3 || runs[2].Status != "completed" || runs[2].Totals.LeadsExamined != 200 || runs[2].SuccessRate == nil {
				t.Fatalf("runs list: %+v", runs)
			}
			counts := map[string]int64{}
			for _, r := range runs {
				counts["examined"] += r.Totals.LeadsExamined
			}
			if counts["examined"] != 266 || runs[0].Totals.LeadsExamined != 0 {
				t.Errorf("the three runs examined %d leads (last %d), want the 266 sample leads of stream 1, then none", counts["examined"], runs[0].Totals.LeadsExamined)
			}
			var detail report.RunDetailView
			if err := json.Unmarshal([]byte(mustCLI(t, "runs", "show", runs[2].RunID, "--db", dbURL, "--json")), &detail); err != nil {
				t.Fatal(err)
			}
			if len(detail.ClientResults) != 2 || len(detail.Events) < 4 || detail.ClientResults[0].ClientRunID != runs[2].RunID+"-C"+detail.ClientResults[0].ClientID {
				t.Errorf("runs show: %d client results, %d events", len(detail.ClientResults), len(detail.Events))
			}
		})
	}
}

// `run` on a busy stream exits 3 and names the active run.
func TestRunOnBusyStream(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	mustCLI(t, "clients", "add", "Guy-Wilson", "--db", dbURL)
	first := mustCLI(t, "run", "--stream", "1", "--db", dbURL, "--json")
	var run report.RunView
	if err := json.Unmarshal([]byte(first), &run); err != nil || run.Status != "queued" {
		t.Fatalf("run --json: %v %q", err, first)
	}
	code, _, errOut := cli(t, "run", "--stream", "1", "--db", dbURL)
	if code != exitStreamBusy || !strings.Contains(errOut, run.RunID) {
		t.Fatalf("busy stream: exit %d, stderr %q; want %d naming %s", code, errOut, exitStreamBusy, run.RunID)
	}
	mustCLI(t, "runs", "cancel", run.RunID, "--db", dbURL)
	if code, _, _ := cli(t, "runs", "cancel", run.RunID, "--db", dbURL); code != exitError {
		t.Errorf("cancelling a cancelled run: exit %d", code)
	}
	mustCLI(t, "run", "--stream", "1", "--db", dbURL)
}

// Rubric and lead files go in and out; bad input gets a clear error and nothing is stored.
func TestRubricAndLeadFiles(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	dir := t.TempDir()
	mustCLI(t, "clients", "add", "Sarah-Chen", "--service-level", "2", "--stream", "2", "--db", dbURL)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("attributes:\n  - id: A\n    category: positive\n    heading: Founder\n    max_points: 0\n"), 0o644)
	code, _, errOut := cli(t, "rubric", "import", "Sarah-Chen", bad, "--db", dbURL)
	if code != exitError || !strings.Contains(errOut, "max_points") {
		t.Fatalf("bad rubric: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli(t, "rubric", "export", "Sarah-Chen", "-", "--db", dbURL); code != exitError {
		t.Errorf("export with no rubric stored: exit %d", code)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"Founder","instructions":"0-10","max_points":10,"signals":["founder"]}]}`), 0o644)
	mustCLI(t, "rubric", "import", "Sarah-Chen", good, "--db", dbURL)
	exported := filepath.Join(dir, "out.yaml")
	mustCLI(t, "rubric", "export", "Sarah-Chen", exported, "--db", dbURL)
	if b, _ := os.ReadFile(exported); !strings.Contains(string(b), "max_points: 10") {
		t.Errorf("exported rubric:\n%s", b)
	}
	leads := filepath.Join(dir, "leads.csv")
	os.WriteFile(leads, []byte("profile_url,first_name,headline,job_title,company\n"+
		"https://www.linkedin.com/in/ann/,Ann,Founder,CEO,Acme\n"+
		"not a url,Bob,Coach,,\n"+
		"https://linkedin.com/in/ANN,Ann,Founder and CEO,CEO,Acme\n"), 0o644)
	out := mustCLI(t, "leads", "import", "Sarah-Chen", leads, "--db", dbURL)
	if !strings.Contains(out, "1 leads created") || !strings.Contains(out, "1 rejected") {
		t.Errorf("leads import: %s", out)
	}
	show := mustCLI(t, "clients", "show", "Sarah-Chen", "--db", dbURL)
	if !strings.Contains(show, "1 to be scored") {
		t.Errorf("clients show: %s", show)
	}
}

// Help exits 0 and shows the commands; a usage error exits 2 and says what is missing.
func TestHelpAndUsage(t *testing.T) {
	code, out, _ := cli(t, "--help")
	if code != 0 || !strings.Contains(out, "runs cancel <run-id>") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, _, _ := cli(t, "run", "--help"); code != 0 {
		t.Errorf("run --help: exit %d", code)
	}
	code, _, errOut := cli(t, "run")
	if code != exitUsage || !strings.Contains(errOut, "--stream") {
		t.Errorf("run without --stream: exit %d, %q", code, errOut)
	}
}

// rescore previews a changed rubric on scored leads and saves nothing.
func TestRescorePreview(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	mustCLI(t, "demo", "--db", dbURL)
	dir := t.TempDir()
	file := filepath.Join(dir, "rubric.json")
	mustCLI(t, "rubric", "export", "Guy-Wilson", file, "--db", dbURL)
	b, _ := os.ReadFile(file)
	var rubric map[string]any
	if err := json.Unmarshal(b, &rubric); err != nil {
		t.Fatal(err)
	}
	attrs := rubric["attributes"].([]any)
	attrs[0].(map[string]any)["active"] = false // drop the first positive attribute
	b, _ = json.Marshal(rubric)
	os.WriteFile(file, b, 0o644)
	mustCLI(t, "rubric", "import", "Guy-Wilson", file, "--db", dbURL)
	before := mustCLI(t, "runs", "list", "--db", dbURL, "--json")
	var preview struct {
		Leads []rescoreRow `json:"leads"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "rescore", "Guy-Wilson", "--sample", "20", "--db", dbURL, "--json")), &preview); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, r := range preview.Leads {
		if r.Error != "" {
			t.Errorf("lead %d not scored: %s", r.LeadID, r.Error)
		}
		if r.Delta != 0 {
			changed++
		}
		if r.Delta != r.New-r.Old {
			t.Errorf("lead %d: delta %v != %v - %v", r.LeadID, r.Delta, r.New, r.Old)
		}
	}
	if len(preview.Leads) != 20 || changed == 0 {
		t.Fatalf("%d leads previewed, %d changed; want 20 with some changed", len(preview.Leads), changed)
	}
	again := mustCLI(t, "rescore", "Guy-Wilson", "--sample", "20", "--db", dbURL, "--json")
	var second struct {
		Leads []rescoreRow `json:"leads"`
	}
	json.Unmarshal([]byte(again), &second)
	if second.Leads[5].Old != preview.Leads[5].Old || mustCLI(t, "runs", "list", "--db", dbURL, "--json") != before {
		t.Error("the preview changed stored scores or runs")
	}
}

func TestParsePrices(t *testing.T) {
	got, err := parsePrices("gpt-4o-mini=0.15/0.60; gemini-2.5-flash = 0.3/2.5")
	if err != nil || got["gpt-4o-mini"].CompletionPerMillion != 0.60 || got["gemini-2.5-flash"].PromptPerMillion != 0.3 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"gpt", "gpt=1", "gpt=a/b", "=1/2", "gpt=-1/2"} {
		if _, err := parsePrices(bad); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("%q: %v, want EINVALID", bad, err)
		}
	}
}

// The openai scorer refuses to start without a key, and says where to put it.
func TestOpenAIScorerNeedsKey(t *testing.T) {
	t.Setenv("LEADRUN_OPENAI_API_KEY", "")
	t.Setenv("LEADRUN_OPENAI_API_KEY_FILE", "")
	dbURL := migratedURL(t, sqldb.SQLite)
	mustCLI(t, "clients", "add", "A", "--db", dbURL)
	code, _, errOut := cli(t, "run", "--stream", "1", "--scorer", "openai", "--openai-model", "m", "--db", dbURL)
	if code != exitError || !strings.Contains(strings.ToLower(errOut), "key") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// A waited-for run that did not complete exits 4, also with --json and in the demo.
func TestEndedBadlyExitCode(t *testing.T) {
	var errOut strings.Builder
	for status, want := range map[leadrun.RunStatus]int{leadrun.RunCompleted: 0, leadrun.RunCompletedWithErrors: 0,
		leadrun.RunCancelled: exitRunFailed, leadrun.RunFailed: exitRunFailed, leadrun.RunAbandoned: exitRunFailed} {
		if got := exitCode(&errOut, endedBadly(&leadrun.Run{ID: "SR-1", Status: status})); got != want {
			t.Errorf("%s: exit %d, want %d", status, got, want)
		}
	}
}

// The expected Linked Helper sender is set on add, changed and cleared with set-sender,
// validated, and shown with its mismatch counts.
func TestClientSender(t *testing.T) {
	dbURL := migratedURL(t, sqldb.SQLite)
	mustCLI(t, "clients", "add", "Guy-Wilson", "--lh-sender", "Guy@Example.com", "--db", dbURL)
	if show := mustCLI(t, "clients", "show", "Guy-Wilson", "--db", dbURL); !strings.Contains(show, "Linked Helper sender: Guy@Example.com") {
		t.Errorf("clients show: %s", show)
	}
	if code, _, errOut := cli(t, "clients", "add", "Dean-Hobin", "--lh-sender", "dean", "--db", dbURL); code != exitError || !strings.Contains(errOut, "lh_sender_email") {
		t.Errorf("add with a bad sender: exit %d, %q", code, errOut)
	}
	mustCLI(t, "clients", "set-sender", "Guy-Wilson", "guy.lh@example.com", "--db", dbURL)
	for _, args := range [][]string{{"Guy-Wilson"}, {"Guy-Wilson", "x@example.com", "--clear"}, {"Guy-Wilson", "not-an-email"}, {"Nobody", "x@example.com"}} {
		if code, _, _ := cli(t, append(append([]string{"clients", "set-sender"}, args...), "--db", dbURL)...); code != exitError {
			t.Errorf("set-sender %v: exit %d, want %d", args, code, exitError)
		}
	}
	db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RecordSenderMismatches(t.Context(), "Guy-Wilson", []leadrun.SenderMismatch{{Sender: "dean@example.com", Items: 3, Blocked: 1}}); err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Client     leadrun.Client           `json:"client"`
		Mismatches []leadrun.SenderMismatch `json:"sender_mismatches"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "clients", "show", "Guy-Wilson", "--json", "--db", dbURL)), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Client.LHSenderEmail != "guy.lh@example.com" || len(shown.Mismatches) != 1 || shown.Mismatches[0].Items != 3 || shown.Mismatches[0].Blocked != 1 {
		t.Errorf("clients show --json: %+v", shown)
	}
	if show := mustCLI(t, "clients", "show", "Guy-Wilson", "--db", dbURL); !strings.Contains(show, "from dean@example.com: 3 items (1 blocked)") {
		t.Errorf("clients show: %s", show)
	}
	mustCLI(t, "clients", "set-sender", "Guy-Wilson", "--clear", "--db", dbURL)
	if show := mustCLI(t, "clients", "show", "Guy-Wilson", "--db", dbURL); !strings.Contains(show, "Linked Helper sender: none") {
		t.Errorf("after --clear: %s", show)
	}
}

// serve refuses an unknown sender guard mode before it opens anything, naming the variable.
func TestServeSenderGuardChecked(t *testing.T) {
	for mode, ok := range map[string]bool{"warn": true, "block": true, "off": true, "": false, "blok": false, "WARN": false} {
		if err := (&ServeCmd{SenderGuard: mode}).validate(); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", mode, err, ok)
		}
	}
	t.Setenv("LEADRUN_LH_SENDER_GUARD", "blok")
	code, _, errOut := cli(t, "serve", "--listen", "127.0.0.1:0", "--db", sqldbtest.NewURL(t, sqldb.SQLite))
	if code != exitError || !strings.Contains(errOut, "LEADRUN_LH_SENDER_GUARD") || !strings.Contains(errOut, "warn, block or off") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
