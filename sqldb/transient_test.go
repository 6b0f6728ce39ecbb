package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// IsTransient on real driver errors, produced on the backend under test: what passes by
// itself (a lock or statement timeout, a busy file, a lost or refused connection) is
// transient; a fault (a constraint, bad SQL, a domain error) is not.
func testIsTransient(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	cases := map[string]struct {
		err  error
		want bool
	}{
		"nil":                  {nil, false},
		"plain":                {errors.New("boom"), false},
		"not found":            {leadrun.Errorf(leadrun.ENOTFOUND, "run x not found"), false},
		"bad connection":       {fmt.Errorf("query: %w", driver.ErrBadConn), true},
		"closed connection":    {closedConnError(t, db), true},
		"refused connection":   {refusedError(t), true},
		"unique violation":     {uniqueViolation(t, db, u), false},
		"syntax error":         {db.SQL().QueryRowContext(ctx, `SELEKT 1`).Scan(new(int)), false},
		"missing row":          {db.SQL().QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = 'none'`).Scan(new(int)), false},
		"wrapped busy or lock": {fmt.Errorf("plan: %w", lockError(t, db, u)), true},
	}
	if db.Kind() == sqldb.Postgres {
		cases["statement timeout"] = struct {
			err  error
			want bool
		}{statementTimeout(t, db), true}
	}
	for name, c := range cases {
		if name != "nil" && c.err == nil {
			t.Errorf("%s: no error was produced", name)
			continue
		}
		if got := sqldb.IsTransient(c.err); got != c.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", name, c.err, got, c.want)
		}
	}
}

// closedConnError is the error of a statement on a connection already closed.
func closedConnError(t *testing.T, db *sqldb.DB) error {
	conn, err := db.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	return conn.PingContext(context.Background())
}

// refusedError is the error of connecting to a port where nothing listens.
func refusedError(t *testing.T) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := sqldb.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", sqldb.Options{})
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("open on a closed port: %v", err)
	}
	return err
}

func uniqueViolation(t *testing.T, db *sqldb.DB, u uniq) error {
	ctx := context.Background()
	q := `INSERT INTO alert_conditions (key, raised_at) VALUES ($1, $2)`
	if _, err := db.SQL().ExecContext(ctx, q, u.id("dup"), db.Stamp(time.Now())); err != nil {
		t.Fatal(err)
	}
	_, err := db.SQL().ExecContext(ctx, q, u.id("dup"), db.Stamp(time.Now()))
	return err
}

// lockError is what a writer meets while another transaction holds the lock: on
// PostgreSQL a row lock and lock_timeout (lock_not_available), on SQLite the write lock of
// the file and a connection that does not wait (SQLITE_BUSY).
func lockError(t *testing.T, db *sqldb.DB, u uniq) error {
	ctx := context.Background()
	var lockErr error
	holding := func(fn func() error) {
		mustTx(t, db, func(tx *sqldb.Tx) error {
			if err := tx.ExecRaw(ctx, `INSERT INTO alert_conditions (key, raised_at) VALUES ($1, $2)`,
				u.id("locked"), db.Stamp(tx.Now)); err != nil {
				return err
			}
			lockErr = fn()
			return nil
		})
	}
	if db.Kind() == sqldb.Postgres {
		holding(func() error {
			other, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			if _, err := other.ExecContext(ctx, `SET LOCAL lock_timeout = '20ms'`); err != nil {
				t.Fatal(err)
			}
			_, err = other.ExecContext(ctx, `INSERT INTO alert_conditions (key, raised_at) VALUES ($1, $2)`,
				u.id("locked"), db.Stamp(time.Now()))
			return err
		})
		mustMention(t, lockErr, "lock timeout")
		return lockErr
	}
	path := strings.TrimPrefix(db.URL(), "sqlite://")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	holding(func() error {
		tx, err := raw.BeginTx(ctx, nil)
		if err == nil {
			tx.Rollback()
		}
		return err
	})
	mustMention(t, lockErr, "database is locked")
	return lockErr
}

// mustMention checks that the driver produced the error the case is about.
func mustMention(t *testing.T, err error, text string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), text) {
		t.Fatalf("error %v, want one saying %q", err, text)
	}
}

// statementTimeout is PostgreSQL's query_canceled after statement_timeout.
func statementTimeout(t *testing.T, db *sqldb.DB) error {
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = '10ms'`); err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `SELECT pg_sleep(5)`)
	mustMention(t, err, "statement timeout")
	return err
}
