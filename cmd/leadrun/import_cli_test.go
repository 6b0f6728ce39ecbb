package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leads import` on both databases: an unclosed quote is one rejected item at its line and
// the rows after it are stored ("0 rejected" with rows lost was the bug); a Latin-1 cell is
// repaired and noted; a BOM before a quoted header is read (issue 11, defect 7).
func TestLeadsImportHostileCSV(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			mustCLI(t, "clients", "add", "Sarah-Chen", "--db", dbURL)
			file := filepath.Join(t.TempDir(), "leads.csv")
			os.WriteFile(file, []byte("\ufeff\"profile_url\",\"first_name\",\"headline\"\n"+
				"linkedin.com/in/a,\"Ann,Founder\n"+
				"linkedin.com/in/b,Bob,Coach\n"+
				"linkedin.com/in/c,Jos\xe9,CEO\n"+
				"linkedin.com/in/d,Di,\"CTO, \"\"Ops\"\"\"\n"), 0o644)
			out := mustCLI(t, "leads", "import", "Sarah-Chen", file, "--db", dbURL)
			for _, want := range []string{"4 items read, 3 leads created", "1 rejected, 1 repaired",
				"item 2: line 2: a quoted field opened on this line never closes", "item 4 repaired: "} {
				if !strings.Contains(out, want) {
					t.Errorf("leads import output lacks %q:\n%s", want, out)
				}
			}
			if show := mustCLI(t, "clients", "show", "Sarah-Chen", "--db", dbURL); !strings.Contains(show, "3 to be scored") {
				t.Errorf("clients show: %s", show)
			}
		})
	}
}
