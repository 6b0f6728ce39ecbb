package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun import original DIR` prints the report, shows progress on stderr, and a
// second run changes nothing; per-file flags name exports one by one.
func TestImportOriginalCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			dir := filepath.Join("..", "..", "migrate", "testdata", "original")
			code, out, errOut := cli(t, "import", "original", dir, "--db", dbURL)
			if code != 0 || !strings.Contains(out, "Guy-Wilson") || !strings.Contains(out, "0 tokens spent") ||
				!strings.Contains(out, "rejected LinkedIn") && !strings.Contains(out, "no LinkedIn Profile URL") {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "import: ") || !strings.Contains(errOut, "ETA") {
				t.Errorf("no progress on stderr: %q", errOut)
			}
			var rep struct {
				Clients []struct {
					ClientID  string `json:"client_id"`
					Created   int    `json:"created"`
					Unchanged int    `json:"unchanged"`
				} `json:"clients"`
			}
			again := mustCLI(t, "import", "original", dir, "--db", dbURL, "--json")
			if err := json.Unmarshal([]byte(again), &rep); err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Clients {
				if c.ClientID == "Guy-Wilson" && (c.Created != 0 || c.Unchanged != 9) {
					t.Errorf("second import: %+v, want 0 created, 9 unchanged", c)
				}
			}
			// One client's files named by flags, into the same database: nothing new; Bree's
			// row in the portal export (fewer columns) now comes first and refreshes her lead.
			single := mustCLI(t, "import", "original", "--db", dbURL, "--client", "Guy-Wilson",
				"--clients-file", filepath.Join(dir, "Clients-Grid view.csv"),
				"--leads", "Guy-Wilson="+filepath.Join(dir, "Guy-Wilson", "portal-export.csv"))
			if !strings.Contains(single, "1 clients, 2 leads read: 0 created, 1 updated, 1 unchanged") {
				t.Errorf("per-file import:\n%s", single)
			}
			formula := mustCLI(t, "rescore", "Guy-Wilson", "--formula", "--db", dbURL)
			if !strings.Contains(formula, "Guy-Wilson: 3 scored leads, 2 with a breakdown; under leadrun's formula 1 would change score, 0 would cross the threshold 50 up and 1 down") {
				t.Errorf("rescore --formula:\n%s", formula)
			}
			if out := mustCLI(t, "clients", "set-ingest", "Guy-Wilson", "--legacy-until", time.Now().AddDate(0, 0, 30).Format("2006-01-02"), "--db", dbURL); !strings.Contains(out, "only from guy@wingguy.example") {
				t.Errorf("set-ingest:\n%s", out)
			}
			if show := mustCLI(t, "clients", "show", "Guy-Wilson", "--db", dbURL); !strings.Contains(show, "Token-less Linked Helper window: OPEN until") {
				t.Errorf("clients show:\n%s", show)
			}
			if code, _, errOut := cli(t, "clients", "set-ingest", "Sarah-Chen", "--legacy-until", "2020-01-01", "--db", dbURL); code == 0 || !strings.Contains(errOut, "in the future") {
				t.Errorf("set-ingest in the past: exit %d %q", code, errOut)
			}
			if code, _, errOut := cli(t, "import", "original", "--db", dbURL); code == 0 || !strings.Contains(errOut, "Clients") {
				t.Errorf("no exports named: exit %d %q", code, errOut)
			}
		})
	}
}
