package main

import (
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

const airtableToken = "patCLI.0123456789secret"

// airtableFake is a fake Airtable with an empty base; the environment points leadrun at it.
func airtableFake(t *testing.T, base string) *airtabletest.Server {
	t.Helper()
	fake := airtabletest.New(airtabletest.Options{Token: airtableToken, Penalty: 300 * time.Millisecond})
	t.Cleanup(fake.Close)
	fake.AddBase("appGOOD")
	t.Setenv("LEADRUN_AIRTABLE_TOKEN", airtableToken)
	t.Setenv("LEADRUN_AIRTABLE_BASE", base)
	t.Setenv("LEADRUN_AIRTABLE_API_URL", fake.URL)
	t.Setenv("LEADRUN_LOG_LEVEL", "debug")
	return fake
}

// `airtable check` says exactly what is wrong — token, base, missing table — and never
// prints the token; `init` fixes the base; `backfill` mirrors past runs, idempotently;
// `runs show` then says the run is synced.
func TestAirtableCommands(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := sqldbtest.NewURL(t, kind)
			fake := airtableFake(t, "appGOOD")
			mustCLI(t, "demo", "--db", dbURL) // the mirror's first use: the demo run is before it, so backfill

			t.Setenv("LEADRUN_AIRTABLE_TOKEN", "patWRONG")
			expectFail(t, []string{"401", "AUTHENTICATION_REQUIRED", "check LEADRUN_AIRTABLE_TOKEN"}, "airtable", "check", "--db", dbURL)
			t.Setenv("LEADRUN_AIRTABLE_TOKEN", airtableToken)
			expectFail(t, []string{"appNOPE", "403", "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "LEADRUN_AIRTABLE_BASE"},
				"airtable", "check", "--db", dbURL, "--airtable-base", "appNOPE")
			expectFail(t, []string{"Job Tracking: table missing", "Client Run Results: table missing"}, "airtable", "check", "--db", dbURL)
			expectFail(t, []string{"starts with \"app\""}, "airtable", "check", "--db", dbURL, "--airtable-base", "base1")

			out := mustCLI(t, "airtable", "init", "--db", dbURL)
			if !strings.Contains(out, `created table "Job Tracking"`) || !strings.Contains(out, "Client Run Results: ok") {
				t.Errorf("init:\n%s", out)
			}
			if again := mustCLI(t, "airtable", "init", "--db", dbURL); !strings.Contains(again, "nothing to create") {
				t.Errorf("second init:\n%s", again)
			}
			for range 2 {
				code, out, errOut := cli(t, "airtable", "backfill", "--db", dbURL)
				if code != 0 || !strings.Contains(errOut, "1 runs queued") || !strings.Contains(errOut, "0 waiting") {
					t.Fatalf("backfill: exit %d\n%s%s", code, out, errOut)
				}
				noToken(t, out+errOut)
			}
			if n := len(fake.Records("appGOOD", "Job Tracking")); n != 1 {
				t.Errorf("%d Job Tracking records after two backfills, want 1", n)
			}
			if n := len(fake.Records("appGOOD", "Client Run Results")); n != 2 {
				t.Errorf("%d Client Run Results records, want 2", n)
			}
			runID := fake.Records("appGOOD", "Job Tracking")[0].Fields[airtable.KeyField].(string)
			if show := mustCLI(t, "runs", "show", runID, "--db", dbURL); !strings.Contains(show, "Airtable: synced ") {
				t.Errorf("runs show lacks the Airtable line:\n%s", show)
			}
		})
	}
}

func expectFail(t *testing.T, want []string, args ...string) {
	t.Helper()
	code, out, errOut := cli(t, args...)
	if code == 0 {
		t.Errorf("leadrun %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	for _, w := range want {
		if !strings.Contains(out+errOut, w) {
			t.Errorf("leadrun %s: output lacks %q:\n%s%s", strings.Join(args, " "), w, out, errOut)
		}
	}
	noToken(t, out+errOut)
}

func noToken(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, airtableToken) || strings.Contains(s, "patWRONG") {
		t.Errorf("a token is in the output:\n%s", s)
	}
}
