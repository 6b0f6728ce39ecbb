// Package sqldb is leadrun's storage: one database/sql layer over SQLite (the embedded
// default, pure Go) and PostgreSQL, with embedded migrations per dialect. It is the only
// package that imports database drivers.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"modernc.org/sqlite"

	"github.com/leadrun/leadrun"
)

//go:embed migrations
var migrationsFS embed.FS

// Kind is the database backend.
type Kind string

// Backends.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// sqliteTime is how times are stored in SQLite: UTC, fixed width, so text order is time order.
const sqliteTime = "2006-01-02 15:04:05.000000"

// DB is an open leadrun database.
type DB struct {
	kind Kind
	url  string // with any password removed, for messages
	// db serves leadrun's own reads and writes.
	db *sql.DB
	// jobs is the pool River uses. On SQLite it has exactly one connection (River's
	// requirement); on PostgreSQL it is db itself.
	jobs *sql.DB
	// listener holds PostgreSQL's LISTEN connection for River, so jobs inserted in a
	// transaction start at once instead of at the next poll.
	listener *pgxpool.Pool

	// writer serializes this process's SQLite write transactions. SQLite has one writer
	// at a time; without this, concurrent writers wait in SQLite's busy handler, which
	// sleeps for milliseconds. (Other processes still wait there, on busy_timeout.)
	writer sync.Mutex
	// writeConn is the one connection of SQLite write transactions (nil on PostgreSQL).
	// In WAL mode a connection drops its whole page cache whenever another connection
	// committed since its last transaction; with one writing connection the pages a
	// run keeps rewriting stay cached.
	writeConn *sql.DB
	// stmts holds prepared statements of the hot path by SQL text (*sql.Stmt): a run
	// executes the same few statements for every chunk, and preparing them again each
	// time costs more than executing them for a lead.
	stmts sync.Map
	// totals caches the totals of finished runs (see finishedTotals).
	totals finishedTotals

	// Now is the clock. Tests replace it; a transaction stamps it once.
	Now func() time.Time
}

// Options tune Open.
type Options struct {
	MaxConns int // PostgreSQL pool size (default 20); SQLite uses 8 for leadrun, 1 for River
}

// Open opens a database URL: sqlite://PATH (e.g. sqlite://./leadrun.db) or postgres://….
// It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opts)
	default:
		return nil, leadrun.Errorf(leadrun.EINVALID,
			"database URL %q: use sqlite://PATH (e.g. sqlite://./leadrun.db) or postgres://USER@HOST:PORT/DB", redactURL(rawURL))
	}
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "sqlite:// needs a file path, e.g. sqlite://./leadrun.db")
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(30000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=wal_autocheckpoint(10000)&_txlock=immediate"
	open := func(conns int) (*sql.DB, error) {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		db.SetConnMaxLifetime(0)
		return db, nil
	}
	app, err := open(8)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := app.PingContext(ctx); err != nil {
		app.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	jobs, err := open(1)
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writeConn, err := open(1)
	if err != nil {
		app.Close()
		jobs.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{kind: SQLite, url: "sqlite://" + path, db: app, jobs: jobs, writeConn: writeConn, Now: time.Now}, nil
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	if opts.MaxConns == 0 {
		opts.MaxConns = 20
	}
	connCfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redactURL(rawURL), err)
	}
	// Every statement is bounded: a lock held elsewhere or a statement that never returns
	// ends in an error (retried as transient) instead of holding an operation past its
	// time limit or a cancel. The URL may set other values (?lock_timeout=30s).
	for param, value := range map[string]string{"lock_timeout": "10s", "statement_timeout": "5min",
		"idle_in_transaction_session_timeout": "5min"} {
		if _, set := connCfg.RuntimeParams[param]; !set {
			connCfg.RuntimeParams[param] = value
		}
	}
	db := stdlib.OpenDB(*connCfg)
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactURL(rawURL), err)
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redactURL(rawURL), err)
	}
	cfg.MaxConns = 2
	listener, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redactURL(rawURL), err)
	}
	return &DB{kind: Postgres, url: redactURL(rawURL), db: db, jobs: db, listener: listener, Now: time.Now}, nil
}

// Close closes every pool.
func (db *DB) Close() error {
	db.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	err := db.db.Close()
	if db.jobs != db.db {
		err = errors.Join(err, db.jobs.Close())
	}
	if db.writeConn != nil {
		err = errors.Join(err, db.writeConn.Close())
	}
	if db.listener != nil {
		db.listener.Close()
	}
	return err
}

// Kind is the backend of the database.
func (db *DB) Kind() Kind { return db.kind }

// URL is the database URL without its password.
func (db *DB) URL() string { return db.url }

// SQL is leadrun's own pool, for tests that inspect tables the store has no method for
// (River's jobs, server statistics). No production code outside this package uses it:
// TestStoreIsSealed checks.
func (db *DB) SQL() *sql.DB { return db.db }

// JobDriver returns the River driver for this database.
func (db *DB) JobDriver() riverdriver.Driver[*sql.Tx] {
	if db.kind == SQLite {
		return riversqlite.New(db.jobs)
	}
	return riverdatabasesql.NewWithPgxListener(db.jobs, db.listener)
}

// Migrate brings leadrun's schema and River's tables up to date.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	provider, err := db.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate leadrun schema: %w", err)
	}
	migrator, err := rivermigrate.New(db.JobDriver(), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate job tables: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job tables: %w", err)
	}
	return nil
}

// CheckSchema refuses to run on a schema that is not current: older (run migrate) or newer
// (this binary is too old for the database).
func (db *DB) CheckSchema(ctx context.Context) error {
	provider, err := db.migrationProvider()
	if err != nil {
		return err
	}
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if pending {
		return leadrun.Errorf(leadrun.EINVALID, "database %s has an old schema: run `leadrun migrate`", db.url)
	}
	current, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	sources := provider.ListSources()
	if latest := sources[len(sources)-1].Version; current > latest {
		return leadrun.Errorf(leadrun.EINVALID, "database %s has schema version %d, newer than this leadrun (%d): upgrade leadrun", db.url, current, latest)
	}
	return nil
}

func (db *DB) migrationProvider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if db.kind == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	fsys, err := fs.Sub(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.db, fsys, goose.WithDisableGlobalRegistry(true))
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// ts converts a time to the backend's stored form.
func (db *DB) ts(t time.Time) any {
	if db.kind == SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

// tsp converts an optional time.
func (db *DB) tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.ts(*t)
}

// Tx is a leadrun transaction. Its Now is stamped once when it begins.
type Tx struct {
	raw  *sql.Tx // never leaves the package: callers go through Tx's methods
	db   *DB
	pool *sql.DB // the pool the transaction came from
	Now  time.Time

	unprepared []string             // queries of tx.stmt not yet in db.stmts
	local      map[string]*sql.Stmt // statements of this transaction, by query
	events     []leadrun.RunEvent   // progress-log lines to write before it commits (see AddEvent)
}

// InTx runs fn in a transaction, committing if it returns nil and rolling back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	pool := db.db
	if db.kind == SQLite {
		db.writer.Lock()
		defer db.writer.Unlock()
		pool = db.writeConn
	}
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{raw: sqlTx, db: db, pool: pool, Now: db.Now().UTC()}
	defer func() {
		if len(tx.unprepared) > 0 { // after the commit: a SQLite write pool has one connection
			db.prepare(context.WithoutCancel(ctx), pool, tx.unprepared)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := tx.writeEvents(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// stmt returns a prepared statement for query bound to the transaction. Statements of the hot path are prepared once per pool and reused: a run
// executes the same few for every chunk, and preparing one costs more than executing it
// for a lead. The first time, the statement is prepared in the transaction only and
// cached after it ends: a SQLite write pool has one connection, which the transaction
// holds until then.
//
// Statements bound to a transaction are closed when it ends; the transaction also keeps
// them for its own later calls (a plan runs the same statements for every client), so a
// caller must not Close them.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s := tx.local[query]; s != nil {
		return s, nil
	}
	var s *sql.Stmt
	if shared, ok := tx.db.stmts.Load(stmtKey{tx.pool, query}); ok {
		s = tx.raw.StmtContext(ctx, shared.(*sql.Stmt))
	} else {
		var err error
		if s, err = tx.raw.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		tx.unprepared = append(tx.unprepared, query)
	}
	if tx.local == nil {
		tx.local = map[string]*sql.Stmt{}
	}
	tx.local[query] = s
	return s, nil
}

// prepare caches the statements a finished transaction used for the first time.
func (db *DB) prepare(ctx context.Context, pool *sql.DB, queries []string) {
	for _, q := range queries {
		_, _ = db.prepared(ctx, pool, q) // on error, prepared in each transaction instead
	}
}

// prepared returns the cached statement of query on pool, preparing it if need be.
func (db *DB) prepared(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{pool, query}
	if s, ok := db.stmts.Load(key); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(key, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// cached is the main pool with statements prepared once, for queries of the hot path.
func (db *DB) cached() querier { return cachedPool{db} }

type cachedPool struct{ db *DB }

func (c cachedPool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.db.prepared(ctx, c.db.db, query)
}

func (c cachedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c cachedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c cachedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return c.db.db.QueryRowContext(ctx, query, args...) // reports the error in Scan
	}
	return s.QueryRowContext(ctx, args...)
}

// cached returns the transaction as a querier whose statements are prepared once per pool
// and reused (see stmt): for statements that every operation or client runs.
func (tx *Tx) cached() querier { return cachedTx{tx} }

type cachedTx struct{ tx *Tx }

// The statements are bound to the transaction, which closes them when it ends.
func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.tx.stmt(ctx, query)
	if err != nil {
		return c.tx.raw.QueryRowContext(ctx, query, args...) // reports the error in Scan
	}
	return s.QueryRowContext(ctx, args...)
}

// querier is what *sql.DB and *sql.Tx share, so reads work in and out of transactions.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conditions builds a WHERE clause with numbered placeholders.
type conditions struct {
	terms []string
	args  []any
}

// add appends a condition whose "$%d" takes the value's placeholder number.
func (c *conditions) add(cond string, v any) {
	c.args = append(c.args, v)
	c.terms = append(c.terms, fmt.Sprintf(cond, len(c.args)))
}

// sql is the conditions joined with AND ("1=1" when there are none).
func (c *conditions) sql() string {
	if len(c.terms) == 0 {
		return "1=1"
	}
	return strings.Join(c.terms, " AND ")
}

// collect runs a query and scans each row with scan.
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

// mapError turns driver errors into domain errors in one place: no rows → ENOTFOUND, a
// unique violation → ECONFLICT. what names the thing, e.g. "client Guy-Wilson".
func mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return leadrun.Errorf(leadrun.ENOTFOUND, "%s not found", what)
	}
	if isUniqueViolation(err) {
		return leadrun.Errorf(leadrun.ECONFLICT, "%s already exists", what)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		return sqliteErr.Code() == 2067 || sqliteErr.Code() == 1555 // UNIQUE, PRIMARYKEY
	}
	return false
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// ExecRaw runs a statement the store has no method for inside the transaction: for tests
// that arrange a state no user path makes (a dropped rubric, a renamed table). No
// production code outside this package uses it: TestStoreIsSealed checks.
func (tx *Tx) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := tx.raw.ExecContext(ctx, query, args...)
	return err
}

// Stamp converts a time to the backend's stored form, for hand-written SQL in tests.
func (db *DB) Stamp(t time.Time) any { return db.ts(t) }

// IsTransient reports whether err is a database failure that passes by itself: a lost or
// refused connection, a server shutting down, a lock or statement timeout, a deadlock or
// serialization failure, a busy SQLite file. Work that meets one waits and retries; any
// other error is a fault to report.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller's own deadline or cancel, not the database's failure
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "57P"),         // admin/crash shutdown, cannot connect now
			pgErr.Code == "40001", pgErr.Code == "40P01", // serialization failure, deadlock
			pgErr.Code == "55P03", pgErr.Code == "57014", // lock_not_available (lock_timeout), query_canceled (statement_timeout)
			pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code() & 0xff
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "conn closed")
}

// stamp is the transaction's time in the backend's stored form.
func (tx *Tx) stamp() any { return tx.db.ts(tx.Now) }
