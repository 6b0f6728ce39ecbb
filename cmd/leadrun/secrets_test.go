package main

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// serve refuses an admin token or webhook secret shorter than 16 characters at start, says
// how to make one, and never prints the secret (defect 4).
func TestServeRefusesShortSecrets(t *testing.T) {
	for _, name := range []string{"LEADRUN_ADMIN_TOKEN", "LEADRUN_WEBHOOK_SECRET"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("LEADRUN_ADMIN_TOKEN", "")
			t.Setenv("LEADRUN_WEBHOOK_SECRET", "")
			t.Setenv(name, "shortsecret15ch")
			code, _, errOut := cli(t, "serve", "--listen", "127.0.0.1:0", "--db", sqldbtest.NewURL(t, sqldb.SQLite))
			if code != exitError || !strings.Contains(errOut, name+" is 15 characters long") ||
				!strings.Contains(errOut, "openssl rand -hex 32") || strings.Contains(errOut, "shortsecret15ch") {
				t.Errorf("exit %d, %q", code, errOut)
			}
		})
	}
	if err := checkSecretStrength("LEADRUN_ADMIN_TOKEN", strings.Repeat("k", MinSecretLength)); err != nil {
		t.Errorf("a 16-character token is enough: %v", err)
	}
	if err := checkSecretStrength("LEADRUN_ADMIN_TOKEN", ""); err != nil {
		t.Errorf("an unset token disables its routes, it is not refused: %v", err)
	}
}
