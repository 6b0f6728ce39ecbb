package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun tokens add` prints a token once, which then authenticates as its name;
// `tokens list` shows names and times but never a token; `tokens revoke` ends it at once;
// bad names and unknown tokens are refused with what to do. Both databases.
func TestTokensCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			if out := mustCLI(t, "tokens", "list", "--db", dbURL); !strings.Contains(out, "No API tokens. Make one with: leadrun tokens add NAME") {
				t.Errorf("tokens list on an empty database:\n%s", out)
			}
			out := mustCLI(t, "tokens", "add", "zapier", "--db", dbURL)
			token := regexp.MustCompile(`lrat_[A-Za-z0-9_-]{40,}`).FindString(out)
			if token == "" || !strings.Contains(out, "api:zapier") || !strings.Contains(out, "shown once") {
				t.Fatalf("tokens add:\n%s", out)
			}
			for _, args := range [][]string{{"zapier"}, {"Zapier"}, {"admin"}, {"two words"}, {strings.Repeat("x", 65)}} {
				if code, _, errOut := cli(t, append(append([]string{"tokens", "add"}, args...), "--db", dbURL)...); code == 0 || errOut == "" {
					t.Errorf("tokens add %q: exit %d, want refused with a message", args[0], code)
				}
			}
			db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if name, err := db.AuthenticateAPIToken(t.Context(), token); err != nil || name != "zapier" {
				t.Fatalf("the printed token: %q %v", name, err)
			}
			list := mustCLI(t, "tokens", "list", "--db", dbURL)
			if !regexp.MustCompile(`zapier\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+\d{4}-`).MatchString(list) || strings.Contains(list, token) {
				t.Errorf("tokens list (want the name, created and last used, never the token):\n%s", list)
			}
			if out := mustCLI(t, "tokens", "revoke", "zapier", "--db", dbURL); !strings.Contains(out, "zapier revoked") {
				t.Errorf("tokens revoke: %s", out)
			}
			if _, err := db.AuthenticateAPIToken(t.Context(), token); leadrun.ErrorCode(err) != leadrun.EUNAUTHORIZED {
				t.Errorf("a revoked token still authenticates: %v", err)
			}
			if code, _, errOut := cli(t, "tokens", "revoke", "zapier", "--db", dbURL); code == 0 || !strings.Contains(errOut, "tokens list") {
				t.Errorf("revoking twice: exit %d %s", code, errOut)
			}
			sqldbtest.MustNotStore(t, db, token)
		})
	}
}
