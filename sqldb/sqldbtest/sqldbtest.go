// Package sqldbtest opens fresh, migrated test databases: SQLite always, PostgreSQL when a
// server is reachable (required when CI is set, so CI never skips it).
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver for creating test databases

	"github.com/leadrun/leadrun/sqldb"
)

// PostgresAdminURL is the server tests create their databases on; override it with
// LEADRUN_TEST_POSTGRES_URL.
func PostgresAdminURL() string {
	if u := os.Getenv("LEADRUN_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Kinds are the backends a test suite runs on.
var Kinds = []sqldb.Kind{sqldb.SQLite, sqldb.Postgres}

// ForEach runs fn as a subtest on every backend, each with its own fresh database.
func ForEach(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			fn(t, MustOpen(t, kind))
		})
	}
}

// MustOpen opens a fresh migrated database of the kind, closed and dropped at cleanup.
func MustOpen(t testing.TB, kind sqldb.Kind) *sqldb.DB {
	t.Helper()
	dbURL := NewURL(t, kind)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate %s: %v", kind, err)
	}
	return db
}

// NewURL creates an empty database of the kind and returns its URL; it is removed at
// cleanup. PostgreSQL tests skip when no server answers, unless CI is set.
func NewURL(t testing.TB, kind sqldb.Kind) string {
	t.Helper()
	if kind == sqldb.SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "leadrun.db")
	}
	admin, err := sql.Open("pgx", PostgresAdminURL())
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI but %s does not answer: %v", PostgresAdminURL(), err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set LEADRUN_TEST_POSTGRES_URL): %v", PostgresAdminURL(), err)
	}
	admin.Close()
	name := "leadrun_test_" + randomHex()
	dbURL, err := sqldb.CreatePostgresDatabase(ctx, PostgresAdminURL(), name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sqldb.DropPostgresDatabase(ctx, PostgresAdminURL(), name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return dbURL
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
