package main

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `runs rerun` queues a new run of a finished run's failed clients (recording the CLI
// user) and refuses a run where nothing failed.
func TestRunsRerunCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Setenv("USER", "ops")
			dbURL := migratedURL(t, kind)
			mustCLI(t, "clients", "add", "Acme", "--db", dbURL)
			mustCLI(t, "clients", "add", "Beta", "--db", dbURL)
			db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := t.Context()
			finished := func(failed string) string {
				var id string
				err := db.InTx(ctx, func(tx *sqldb.Tx) error {
					run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
					if err != nil {
						return err
					}
					id = run.ID
					for _, c := range []string{"Acme", "Beta"} {
						if err := tx.CreateClientResult(ctx, id, &leadrun.Client{ID: c, Name: c}); err != nil {
							return err
						}
						status := leadrun.OpSucceeded
						if c == failed {
							status = leadrun.OpFailed
						}
						if err := tx.CreateOperation(ctx, &leadrun.Operation{RunID: id, ClientID: c, Kind: leadrun.OpLeadScoring, Status: status}); err != nil {
							return err
						}
					}
					_, err = tx.FinishRun(ctx, id, leadrun.RunCompletedWithErrors, "1 client failed")
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			clean := finished("")
			if code, _, errOut := cli(t, "runs", "rerun", clean, "--db", dbURL); code == 0 || !strings.Contains(errOut, "no failed or abandoned client") {
				t.Errorf("rerun of a clean run: exit %d %s", code, errOut)
			}
			failed := finished("Beta")
			out := mustCLI(t, "runs", "rerun", failed, "--db", dbURL)
			if !strings.Contains(out, "a rerun of "+failed+" for Beta") {
				t.Fatalf("runs rerun:\n%s", out)
			}
			runs, err := db.FindRuns(ctx, leadrun.RunFilter{Limit: 1})
			if err != nil || len(runs) != 1 || !strings.Contains(runs[0].RequestedBy, "cli ops@") || !strings.Contains(runs[0].RequestedBy, "rerun of "+failed) ||
				strings.Join(runs[0].Params.ClientFilter, ",") != "Beta" {
				t.Errorf("the rerun: %+v %v", runs, err)
			}
		})
	}
}
