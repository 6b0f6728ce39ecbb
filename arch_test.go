package leadrun_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The package rules of docs/ARCHITECTURE.md, checked on the code: only sqldb talks to a
// database or River's drivers, no production code outside sqldb runs SQL of its own,
// status changes are written only by the lifecycle's primitives, and no dashboard file
// outgrows one page.

// goFile is one parsed Go file of the module.
type goFile struct {
	path string // slash-separated, relative to the module root
	src  string
	ast  *ast.File
}

func (f goFile) test() bool { return strings.HasSuffix(f.path, "_test.go") }
func (f goFile) dir() string {
	if d := filepath.ToSlash(filepath.Dir(f.path)); d != "." {
		return d
	}
	return ""
}

func moduleFiles(t *testing.T) []goFile {
	t.Helper()
	var out []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		out = append(out, goFile{path: filepath.ToSlash(path), src: string(src), ast: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found %d Go files: run the test from the module root", len(out))
	}
	return out
}

func inSQLDB(f goFile) bool { return f.dir() == "sqldb" || strings.HasPrefix(f.dir(), "sqldb/") }

// TestStoreIsSealed: database and River drivers are imported only by sqldb, and no
// production code elsewhere reaches past the store's methods to the SQL pool or runs raw
// statements in a transaction.
func TestStoreIsSealed(t *testing.T) {
	drivers := []string{"database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/lib/pq",
		"github.com/riverqueue/river/riverdriver"}
	raw := regexp.MustCompile(`\.SQL\(\)|\.ExecRaw\(`)
	for _, f := range moduleFiles(t) {
		if inSQLDB(f) || f.test() {
			continue
		}
		for _, imp := range f.ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, d := range drivers {
				if p == d || strings.HasPrefix(p, d+"/") {
					t.Errorf("%s imports %s: only package sqldb may", f.path, p)
				}
			}
		}
		if m := raw.FindString(f.src); m != "" {
			t.Errorf("%s calls %s: production code outside sqldb goes through the store's methods", f.path, m)
		}
	}
}

// TestStatusWrittenOnlyByLifecycle: SQL that sets the status of a run, client result or
// operation appears only in sqldb/lifecycle.go, whose primitives runner/lifecycle.go calls.
func TestStatusWrittenOnlyByLifecycle(t *testing.T) {
	update := regexp.MustCompile(`(?i)UPDATE\s+(runs|operations|client_results)\s+SET\s`)
	setsStatus := regexp.MustCompile(`(?i)(^|[\s,])status\s*=`)
	found := false
	for _, f := range moduleFiles(t) {
		if f.test() {
			continue
		}
		for _, loc := range update.FindAllStringIndex(f.src, -1) {
			set := f.src[loc[1]:]
			if end := regexp.MustCompile("(?i)\\bWHERE\\b|`|;").FindStringIndex(set); end != nil {
				set = set[:end[0]]
			}
			if !setsStatus.MatchString(set) {
				continue
			}
			if f.path == "sqldb/lifecycle.go" {
				found = true
				continue
			}
			t.Errorf("%s changes a status (%s): only sqldb/lifecycle.go may", f.path, strings.Join(strings.Fields(f.src[loc[0]:loc[1]]+set), " "))
		}
	}
	if !found {
		t.Error("no status change found in sqldb/lifecycle.go: the pattern no longer matches the code")
	}
}

// TestWebFilesStaySmall: one file per dashboard page, none over 400 lines.
func TestWebFilesStaySmall(t *testing.T) {
	for _, f := range moduleFiles(t) {
		if f.dir() == "web" && !f.test() {
			if n := strings.Count(f.src, "\n"); n > 400 {
				t.Errorf("%s has %d lines: split it (one file per page, at most 400 lines)", f.path, n)
			}
		}
	}
}
