// Package sqlite is hunch's embedded database: one SQLite file (pure-Go driver, WAL journal) that
// holds the enrichment cache and the intel store (MISP's organisations, users, sharing groups,
// events, attributes, objects, tags and sightings). Open creates the file, applies the schema
// migrations embedded in the binary and returns a DB that implements store.Cache and store.Intel.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" database/sql driver

	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

// DefaultBusyTimeout is how long a statement waits for a lock held by another process when
// Options.BusyTimeout is zero.
const DefaultBusyTimeout = 5 * time.Second

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another connection (another
	// hunch process on the same file) before failing with SQLITE_BUSY. Zero means
	// DefaultBusyTimeout; negative is an error.
	BusyTimeout time.Duration
	// MaxReaders caps the pool of read-only connections. Zero means GOMAXPROCS, at least 4.
	MaxReaders int
	// Logger receives the schema migrations' progress. Nil discards it.
	Logger *slog.Logger
	// Now is the clock the intel store stamps unset timestamps with (MISP's timestamp, date_sighting, an API
	// key's creation). Nil means time.Now.
	Now func() time.Time
}

// DB is an open hunch database. Writes go through a single connection, so writers in this
// process queue in Go instead of contending for SQLite's lock; reads use a pool of read-only
// connections that WAL lets run beside the writer. A DB is safe for concurrent use.
type DB struct {
	// Store is the SQL this backend shares with store/postgres.
	*sqlstore.Store

	path    string
	tempDir string // removed by Close; set by OpenTemp

	w *sql.DB // one connection, BEGIN IMMEDIATE
	r *sql.DB // read-only pool

	now func() time.Time // Options.Now

	getStmt *sql.Stmt // on r
	putStmt *sql.Stmt // on w

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ store.Cache = (*DB)(nil)

// Open opens the database file at path, creating its parent directory (mode 0700) and the file
// (mode 0600) when they do not exist, and brings its schema up to date. The file is switched to
// the WAL journal (an error if its file system cannot have one); every connection sets
// synchronous=NORMAL, foreign_keys=ON, temp_store=MEMORY and the busy timeout, and the writer a
// 32 MiB page cache.
//
// A database last migrated by a newer hunch is refused with an error wrapping
// store.ErrSchemaNewer and is not modified. The path ":memory:" is refused: an in-memory
// database would be private to one connection, and DB uses several; tests use OpenTemp or a
// file under t.TempDir().
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	switch {
	case path == "":
		return nil, errors.New("open database: empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file::memory:"):
		return nil, errors.New("open database: in-memory databases are not supported; use sqlite.OpenTemp for a throw-away database")
	}
	if opts.BusyTimeout < 0 {
		return nil, fmt.Errorf("open database %s: negative busy timeout %v", path, opts.BusyTimeout)
	}
	busy := opts.BusyTimeout
	if busy == 0 {
		busy = DefaultBusyTimeout
	}
	readers := opts.MaxReaders
	if readers <= 0 {
		readers = max(4, runtime.GOMAXPROCS(0))
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := createFile(abs); err != nil {
		return nil, err
	}

	now := opts.Now
	if now == nil {
		now = time.Now
	}
	// Another process opening the same new file at the same moment may hold the lock while it switches the
	// journal to WAL or migrates the schema; SQLite refuses some of those steps at once with SQLITE_BUSY (a lock
	// upgrade does not wait for the busy timeout), so the whole open is tried again until the busy timeout.
	deadline := time.Now().Add(busy)
	for {
		db := &DB{path: abs, now: now}
		db.Store = sqlstore.New(conn{db}, now)
		err := db.open(ctx, busy, readers, logger)
		if err == nil {
			return db, nil
		}
		db.closeConns()
		if !isBusy(err) || time.Now().After(deadline) {
			return nil, fmt.Errorf("open database %s: %w", abs, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open database %s: %w", abs, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteBusy
}

// sqliteBusy is SQLITE_BUSY, the primary result code of every busy failure.
const sqliteBusy = 5

// OpenTemp opens a new database in a fresh private temporary directory that Close removes: for
// tests and one-off runs that need a real file shared by all connections.
func OpenTemp(ctx context.Context, opts Options) (*DB, error) {
	dir, err := os.MkdirTemp("", "hunch-db-*")
	if err != nil {
		return nil, fmt.Errorf("open temporary database: %w", err)
	}
	db, err := Open(ctx, filepath.Join(dir, "hunch.db"), opts)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	db.tempDir = dir
	return db, nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes every connection (the last one checkpoints the WAL into the main file) and, for
// a database from OpenTemp, removes its directory. Calls after the first return its result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		// optimize lets SQLite refresh the statistics its query planner uses, as it recommends
		// before closing a connection; failing it loses nothing.
		_, _ = db.w.Exec("PRAGMA optimize")
		db.closeErr = db.closeConns()
		if db.tempDir != "" {
			db.closeErr = errors.Join(db.closeErr, os.RemoveAll(db.tempDir))
		}
	})
	return db.closeErr
}

// createFile makes the parent directory and an empty database file with owner-only permissions,
// so that SQLite (which gives its -wal and -shm files the main file's mode) never creates
// anything readable by others. Existing files and directories are left as they are.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return nil
}

func (db *DB) open(ctx context.Context, busy time.Duration, readers int, logger *slog.Logger) error {
	var err error
	if db.w, err = sql.Open("sqlite", dsn(db.path, busy, true)); err != nil {
		return err
	}
	// One writer connection: goroutines wait for it in database/sql's pool, never on SQLite's
	// lock, so concurrent writers in one process cannot see SQLITE_BUSY. It is kept open for the
	// life of the DB.
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)

	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("the file system does not support the WAL journal (journal_mode is %q)", mode)
	}
	if err := migrate(ctx, db.w, logger); err != nil {
		return err
	}

	if db.r, err = sql.Open("sqlite", dsn(db.path, busy, false)); err != nil {
		return err
	}
	db.r.SetMaxOpenConns(readers)
	db.r.SetMaxIdleConns(readers)
	db.r.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.r.PingContext(ctx); err != nil {
		return err
	}
	return db.prepare(ctx)
}

func (db *DB) closeConns() error {
	var errs []error
	for _, s := range []*sql.Stmt{db.getStmt, db.putStmt} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	for _, p := range []*sql.DB{db.r, db.w} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// dsn builds the driver's connection string: a file: URI (so any character in the path is
// escaped) whose parameters the driver applies to each new connection.
func dsn(path string, busy time.Duration, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", max(busy.Milliseconds(), 1)))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals (which every multi-row statement inside a transaction may need) and temporary
	// indexes stay in memory instead of in temporary files.
	q.Add("_pragma", "temp_store(MEMORY)")
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		// A 32 MiB page cache lets a whole-event save of tens of thousands of attributes build its index
		// pages in memory instead of spilling them to the WAL before the commit.
		q.Add("_pragma", "cache_size(-32768)")
		// BEGIN IMMEDIATE takes the write lock up front, where the busy timeout applies,
		// instead of failing when a read transaction later tries to write.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/…
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}
