package sqldb_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The store conformance check (River's driver-suite idea): every exported function and
// method of sqldb must be referenced by a test of package sqldb itself, so that a store method cannot be added, or
// code moved between packages, without a test pinning its behaviour. The tests themselves
// run on both databases (sqldbtest.ForEach); this check only finds the untested names.
//
// Methods are named with their receiver ("DB.AddEvent", "Tx.AddEvent"): a method that
// exists on both DB and Tx is two methods, and testing one does not cover the other. A
// reference x.M counts for the receiver x is declared with when the file says it (a
// parameter or variable of type *sqldb.DB or *sqldb.Tx, or a variable set from
// sqldbtest.MustOpen or sqldb.Open); otherwise for every receiver that has a method M.

// apiName is an exported function ("Open") or method ("DB.Open") of sqldb.
type apiName struct {
	recv string // receiver type name, "" for a function
	name string
}

func (n apiName) String() string {
	if n.recv == "" {
		return n.name
	}
	return n.recv + "." + n.name
}

// exportedAPI lists the exported functions and the exported methods of exported types
// declared in the non-test files.
func exportedAPI(files []*ast.File) []apiName {
	var out []apiName
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() {
				continue
			}
			if fd.Recv == nil {
				out = append(out, apiName{name: fd.Name.Name})
				continue
			}
			if recv := typeName(fd.Recv.List[0].Type); ast.IsExported(recv) {
				out = append(out, apiName{recv: recv, name: fd.Name.Name})
			}
		}
	}
	return out
}

// typeName is the name of a (pointer to a, possibly package-qualified) named type:
// "DB" for *DB, *sqldb.DB and sqldb.DB; "" for anything else.
func typeName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		if pkg, ok := t.X.(*ast.Ident); ok && pkg.Name == "sqldb" {
			return t.Sel.Name
		}
	}
	return ""
}

// references collects what test files refer to: "recv.name" for a method called on a
// receiver of known type, "*.name" for any other selector, and, in files of package
// sqldb itself (internal tests), bare identifiers as function names.
func references(files []*ast.File) map[string]bool {
	used := map[string]bool{}
	for _, f := range files {
		internal := f.Name.Name == "sqldb"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				used[receiverOf(n.X)+"."+n.Sel.Name] = true
			case *ast.Ident:
				if internal {
					used[n.Name] = true
				}
			}
			return true
		})
	}
	return used
}

// receiverOf tells the sqldb type of a selector's operand when its declaration in the
// file says it, and "*" otherwise. It relies on the parser's identifier resolution,
// which resolves parameters and local variables within a file.
func receiverOf(x ast.Expr) string {
	id, ok := x.(*ast.Ident)
	if !ok || id.Obj == nil {
		return "*"
	}
	switch decl := id.Obj.Decl.(type) {
	case *ast.Field:
		if name := typeName(decl.Type); name == "DB" || name == "Tx" {
			return name
		}
	case *ast.ValueSpec:
		if decl.Type != nil {
			if name := typeName(decl.Type); name == "DB" || name == "Tx" {
				return name
			}
		}
	case *ast.AssignStmt:
		if len(decl.Rhs) == 1 && opensDB(decl.Rhs[0]) {
			return "DB"
		}
	}
	return "*"
}

// opensDB reports whether e is a call that returns a *sqldb.DB.
func opensDB(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && (pkg.Name == "sqldbtest" && sel.Sel.Name == "MustOpen" || pkg.Name == "sqldb" && sel.Sel.Name == "Open")
}

// untested returns the names of api that no reference covers, sorted.
func untested(api []apiName, used map[string]bool) []string {
	var missing []string
	for _, n := range api {
		covered := used[n.recv+"."+n.name] || used["*."+n.name]
		if n.recv == "" {
			covered = used[n.name] || used["*."+n.name]
		}
		if !covered {
			missing = append(missing, n.String())
		}
	}
	sort.Strings(missing)
	return missing
}

func mustParseDir(t *testing.T, root string, keep func(path string) bool) []*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || !keep(path) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestStoreConformance fails naming every exported sqldb function or method that no test
// of package sqldb references: each must be exercised directly by the store's own tests
// (the suite in TestStore runs on both databases), not only through runner or web tests,
// so that code moved out of or into the store keeps a test pinning its behaviour. The
// message tells which of them other packages' tests reach.
func TestStoreConformance(t *testing.T) {
	isTest := func(path string) bool { return strings.HasSuffix(path, "_test.go") }
	srcs := mustParseDir(t, ".", func(path string) bool { return filepath.Dir(path) == "." && !isTest(path) })
	api := exportedAPI(srcs)
	if len(api) < 90 { // the walk found the package: it has about a hundred
		t.Fatalf("found only %d exported functions and methods in sqldb", len(api))
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	own := mustParseDir(t, ".", func(path string) bool { return filepath.Dir(path) == "." && isTest(path) })
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	others := mustParseDir(t, root, func(path string) bool { return isTest(path) && filepath.Dir(path) != here })
	missing := untested(api, references(own))
	if len(missing) == 0 {
		t.Logf("%d exported sqldb functions and methods, all referenced by sqldb's tests", len(api))
		return
	}
	elsewhere := map[string]bool{}
	for _, n := range missing {
		elsewhere[n] = true
	}
	for _, n := range untested(api, references(others)) {
		delete(elsewhere, n)
	}
	lines := make([]string, len(missing))
	for i, n := range missing {
		lines[i] = n
		if elsewhere[n] {
			lines[i] += " (referenced only by other packages' tests)"
		}
	}
	t.Errorf("%d of %d exported sqldb functions and methods are referenced by no test of package sqldb; "+
		"add a case to the store suite (TestStore, both databases) for each:\n  %s",
		len(missing), len(api), strings.Join(lines, "\n  "))
}

// The check itself: it names an untested method, tells a DB method from its Tx twin when
// the receiver's declaration says which, and counts bare identifiers only in package sqldb.
func TestStoreConformanceCheck(t *testing.T) {
	parse := func(src string) *ast.File {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	api := exportedAPI([]*ast.File{parse(`package sqldb
type DB struct{}
type Tx struct{}
type cached struct{}
func Open() {}
func IsTransient() {}
func helper() {}
func (db *DB) AddEvent() {}
func (tx *Tx) AddEvent() {}
func (db *DB) Ping() {}
func (tx *Tx) Stamp() {}
func (c cached) ExecContext() {}`)})
	if got := len(api); got != 6 {
		t.Fatalf("api %v: %d names, want 6 (unexported functions and methods of unexported types left out)", api, got)
	}
	tests := []*ast.File{
		parse(`package sqldb_test
func TestA(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	db.AddEvent()
	sqldb.Open()
	IsTransient() // a bare name outside package sqldb is not sqldb's
}`),
		parse(`package runner
func f(s *server) { s.db.Stamp() }`),
	}
	want := []string{"IsTransient", "DB.Ping", "Tx.AddEvent"}
	sort.Strings(want)
	if got := untested(api, references(tests)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("untested %v, want %v", got, want)
	}
	tests = append(tests, parse(`package sqldb
func TestB(t *testing.T) { IsTransient(); var tx *Tx; tx.AddEvent(); f(func(db *DB) { db.Ping() }) }`))
	if got := untested(api, references(tests)); len(got) != 0 {
		t.Errorf("untested %v, want none", got)
	}
}
