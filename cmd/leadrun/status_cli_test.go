package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun status` lists a client with leads due and no rubric, with its command, and
// clears when the client is paused with `clients set`; `leads exclude|include` move a
// lead both ways and the history records the CLI user; bad input is refused, unchanged.
func TestStatusAndActionsCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			if out := mustCLI(t, "status", "--db", dbURL); !strings.Contains(out, "Nothing needs attention") {
				t.Errorf("status on an empty database:\n%s", out)
			}
			mustCLI(t, "clients", "add", "Acme", "--db", dbURL)
			csv := filepath.Join(t.TempDir(), "leads.csv")
			os.WriteFile(csv, []byte("profile_url,first_name\nhttps://www.linkedin.com/in/ann/,Ann\nhttps://www.linkedin.com/in/bob/,Bob\n"), 0o644)
			mustCLI(t, "leads", "import", "Acme", csv, "--db", dbURL)

			out := mustCLI(t, "status", "--db", dbURL)
			if !strings.Contains(out, "[no_rubric] Acme (stream 1): 2 leads due") || !strings.Contains(out, "leadrun rubric import Acme FILE") {
				t.Errorf("status:\n%s", out)
			}
			var st struct {
				Items []leadrun.AttentionItem `json:"needs_attention"`
			}
			if err := json.Unmarshal([]byte(mustCLI(t, "status", "--json", "--db", dbURL)), &st); err != nil {
				t.Fatal(err)
			}
			if len(st.Items) != 1 || st.Items[0].Kind != leadrun.AttentionNoRubric || st.Items[0].Count != 2 || st.Items[0].Since == nil {
				t.Errorf("status --json: %+v", st.Items)
			}

			for _, args := range [][]string{{"Acme"}, {"Acme", "--threshold", "500"}, {"Acme", "--pause", "--resume"}, {"Nobody", "--stream", "2"}} {
				if code, _, _ := cli(t, append(append([]string{"clients", "set"}, args...), "--db", dbURL)...); code == 0 {
					t.Errorf("clients set %v: exit 0, want refused", args)
				}
			}
			out = mustCLI(t, "clients", "set", "Acme", "--threshold", "80", "--stream", "3", "--pause", "--db", dbURL)
			if !strings.Contains(out, "threshold 50 → 80") || !strings.Contains(out, "stream 1 → 3") || !strings.Contains(out, "status active → paused") {
				t.Errorf("clients set:\n%s", out)
			}
			if out := mustCLI(t, "status", "--db", dbURL); !strings.Contains(out, "Nothing needs attention") {
				t.Errorf("status after pausing the client:\n%s", out)
			}

			db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			leads, err := db.FindLeads(t.Context(), leadrun.LeadFilter{ClientID: "Acme"})
			if err != nil || len(leads) != 2 {
				t.Fatalf("leads: %v %v", leads, err)
			}
			id := strconv.FormatInt(leads[0].ID, 10)
			if out := mustCLI(t, "leads", "exclude", "Acme", id, "--db", dbURL); !strings.Contains(out, "is excluded") {
				t.Errorf("leads exclude: %s", out)
			}
			if code, _, errOut := cli(t, "leads", "exclude", "Acme", id, "--db", dbURL); code == 0 || !strings.Contains(errOut, "already excluded") {
				t.Errorf("excluding twice: exit %d %s", code, errOut)
			}
			if code, _, _ := cli(t, "leads", "exclude", "Acme", "x1", "--db", dbURL); code == 0 {
				t.Errorf("a lead ID that is not a number was accepted")
			}
			mustCLI(t, "leads", "include", "Acme", id, "--db", dbURL)
			if show := mustCLI(t, "clients", "show", "Acme", "--db", dbURL); !strings.Contains(show, "Recent changes:") ||
				!strings.Contains(show, "lead_included lead "+id+": was excluded (by cli ") {
				t.Errorf("clients show lacks the history:\n%s", show)
			}
			hist, err := db.FindActions(t.Context(), "Acme", 0, 10)
			if err != nil || len(hist) != 3 || hist[0].Kind != leadrun.ActionLeadIncluded || hist[2].Kind != leadrun.ActionClientPaused ||
				!strings.HasPrefix(hist[0].By, "cli ") {
				t.Errorf("history: %+v %v", hist, err)
			}
		})
	}
}
