package main

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `runs list --search` finds runs by ID prefix and by client; `--before` pages; `clients
// list --search --after --limit` finds and pages clients; a bad limit or cursor is refused.
func TestListSearchAndPagesCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			mustCLI(t, "clients", "add", "Acme", "--name", "Acme Coaching", "--db", dbURL)
			mustCLI(t, "clients", "add", "Beta", "--name", "Beta Ltd", "--db", dbURL)
			mustCLI(t, "clients", "add", "Gamma", "--name", "Gamma Coaching", "--db", dbURL)
			db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := t.Context()
			var ids []string
			for _, clients := range [][]string{{"Acme"}, {"Beta"}, {"Acme", "Beta"}} {
				err := db.InTx(ctx, func(tx *sqldb.Tx) error {
					run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
					if err != nil {
						return err
					}
					ids = append(ids, run.ID)
					for _, id := range clients {
						if err := tx.CreateClientResult(ctx, run.ID, &leadrun.Client{ID: id, Name: id}); err != nil {
							return err
						}
					}
					_, err = tx.FinishRun(ctx, run.ID, leadrun.RunCompleted, "done")
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			out := mustCLI(t, "runs", "list", "--search", "beta ltd", "--db", dbURL)
			if !strings.Contains(out, ids[1]) || !strings.Contains(out, ids[2]) || strings.Contains(out, ids[0]) {
				t.Errorf("runs list --search 'beta ltd':\n%s", out)
			}
			out = mustCLI(t, "runs", "list", "--search", strings.ToLower(ids[0]), "--db", dbURL)
			if !strings.Contains(out, ids[0]) || strings.Contains(out, ids[1]) {
				t.Errorf("runs list --search %s:\n%s", ids[0], out)
			}
			out = mustCLI(t, "runs", "list", "--limit", "2", "--db", dbURL)
			if !strings.Contains(out, "leadrun runs list --before "+ids[1]) || strings.Contains(out, ids[0]) {
				t.Errorf("runs list --limit 2:\n%s", out)
			}
			out = mustCLI(t, "runs", "list", "--limit", "2", "--before", ids[1], "--db", dbURL)
			if !strings.Contains(out, ids[0]) || strings.Contains(out, ids[2]) || strings.Contains(out, "--before") {
				t.Errorf("runs list --before %s:\n%s", ids[1], out)
			}
			if code, _, errOut := cli(t, "runs", "list", "--before", "SR-000101-001-S1", "--db", dbURL); code == 0 || !strings.Contains(errOut, "no such run") {
				t.Errorf("unknown cursor: exit %d %s", code, errOut)
			}

			out = mustCLI(t, "clients", "list", "--search", "COACHING", "--limit", "1", "--db", dbURL)
			if !strings.Contains(out, "Acme") || strings.Contains(out, "Gamma") || !strings.Contains(out, "leadrun clients list --after Acme") {
				t.Errorf("clients list --search COACHING --limit 1:\n%s", out)
			}
			out = mustCLI(t, "clients", "list", "--search", "coaching", "--after", "Acme", "--db", dbURL)
			if !strings.Contains(out, "Gamma") || strings.Contains(out, "Acme") || strings.Contains(out, "Beta") {
				t.Errorf("clients list --after Acme:\n%s", out)
			}
			if code, _, _ := cli(t, "clients", "list", "--limit", "0", "--db", dbURL); code == 0 {
				t.Errorf("clients list --limit 0 was accepted")
			}
		})
	}
}
