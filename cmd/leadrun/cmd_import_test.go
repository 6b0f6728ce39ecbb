package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun import original DIR` prints the report, shows progress on stderr, and a
// second run changes nothing; per-file flags name exports one by one.
func TestImportOriginalCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := sqldbtest.NewURL(t, kind)
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
			if code, _, errOut := cli(t, "import", "original", "--db", dbURL); code == 0 || !strings.Contains(errOut, "Clients") {
				t.Errorf("no exports named: exit %d %q", code, errOut)
			}
		})
	}
}
