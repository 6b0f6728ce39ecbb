package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/leadrun/leadrun"
)

// mayCreateDB says whether a command may create a missing SQLite database: only `demo`
// and `migrate` do; any other command on a missing file is a mistyped --db.
func mayCreateDB(command string) bool {
	first, _, _ := strings.Cut(command, " ")
	return first == "demo" || first == "migrate"
}

// checkSQLiteExists refuses a sqlite:// URL whose file does not exist, saying how to
// create it, instead of silently creating an empty database. Other URLs pass.
func checkSQLiteExists(dbURL string) error {
	path, ok := strings.CutPrefix(dbURL, "sqlite://")
	if !ok || path == "" || path == ":memory:" {
		return nil
	}
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return leadrun.Errorf(leadrun.EINVALID, "no database at %s: check --db (or LEADRUN_DATABASE_URL), or create it with "+
			"`leadrun migrate --db %s` first (`leadrun demo --db %s` also loads sample data)", path, dbURL, dbURL)
	case err != nil:
		return leadrun.Errorf(leadrun.EINVALID, "database %s: %v", path, err)
	}
	return nil
}
