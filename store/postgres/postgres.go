// Package postgres is hunch's intel store on PostgreSQL, for deployments that outgrow one SQLite
// file: Open connects a pgx connection pool, applies the schema migrations embedded in the binary
// and returns a DB that implements the same store interfaces, with the same semantics, as store/sqlite.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

// Options tunes Open. The zero value is ready to use; a pool_max_conns or similar parameter in
// the connection string is overridden only by the fields that are set here.
type Options struct {
	// MaxConns caps the pool's connections. Zero keeps the connection string's pool_max_conns,
	// or else 4 × GOMAXPROCS, at least 8; negative is an error.
	MaxConns int32
	// MinConns is how many idle connections the pool keeps open. Zero keeps the connection
	// string's pool_min_conns (default 0); negative or above MaxConns is an error.
	MinConns int32
	// MaxConnLifetime closes connections older than this (zero keeps pgx's default, one hour).
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes connections idle for longer than this (zero keeps pgx's default, 30 minutes).
	MaxConnIdleTime time.Duration
	// Logger receives the schema migrations' progress. Nil discards it.
	Logger *slog.Logger
	// Now is the clock the intel store stamps unset timestamps with (MISP's timestamp, date_sighting, an API
	// key's creation). Nil means time.Now.
	Now func() time.Time
}

// DB is an open hunch database on a PostgreSQL server, reached through a pgx connection pool: the
// enrichment cache (store.Cache) and the intel store (store.Intel). Unlike SQLite's single writer,
// writers run side by side, each in its own transaction. A DB is safe for concurrent use.
//
// The pool is pgx's own (pgxpool) rather than database/sql over pgx: whole-event saves use COPY and
// searches use cursors in read-only transactions, which database/sql cannot reach inside one of its
// transactions; the schema migrations see the same pool through a database/sql view of it.
type DB struct {
	// Store is the SQL this backend shares with store/sqlite.
	*sqlstore.Store

	pool *pgxpool.Pool
	name string           // "host:port/database", for messages; never the password
	now  func() time.Time // Options.Now

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ store.Cache = (*DB)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a keyword/value string, as
// libpq takes them, pool_* parameters included) and brings its schema up to date. The role needs
// the right to create tables in the database's search_path schema on first use. Migrations hold
// an advisory lock, so several hunch processes may open one fresh database at the same time.
//
// A database last migrated by a newer hunch is refused with an error wrapping
// store.ErrSchemaNewer and is not modified.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("open postgres database: empty connection string")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors show the connection string with its password redacted.
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	name := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	if err := applyOptions(cfg, opts, strings.Contains(dsn, "pool_max_conns")); err != nil {
		return nil, fmt.Errorf("open postgres database %s: %w", name, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres database %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres database %s: %w", name, err)
	}
	if err := migrate(ctx, pool, logger); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres database %s: %w", name, err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{pool: pool, name: name, now: now}
	db.Store = sqlstore.New(conn{db}, now)
	return db, nil
}

// applyOptions sets the pool sizing the options ask for on cfg.
func applyOptions(cfg *pgxpool.Config, opts Options, dsnSetsMax bool) error {
	switch {
	case opts.MaxConns < 0:
		return fmt.Errorf("negative MaxConns %d", opts.MaxConns)
	case opts.MinConns < 0:
		return fmt.Errorf("negative MinConns %d", opts.MinConns)
	case opts.MaxConnLifetime < 0 || opts.MaxConnIdleTime < 0:
		return errors.New("negative connection lifetime or idle time")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !dsnSetsMax {
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if cfg.MinConns > cfg.MaxConns {
		return fmt.Errorf("MinConns %d above MaxConns %d", cfg.MinConns, cfg.MaxConns)
	}
	if opts.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = opts.MaxConnLifetime
	}
	if opts.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = opts.MaxConnIdleTime
	}
	return nil
}

// Name returns "host:port/database", the database this DB is connected to.
func (db *DB) Name() string { return db.name }

// Pool returns the underlying connection pool, for callers (and tests) that need PostgreSQL
// directly. Closing the DB closes it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close waits for the connections in use to be released and closes the pool. Calls after the
// first do nothing; calls on a closed DB return store.ErrClosed.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.pool.Close()
	})
	return nil
}

// check returns store.ErrClosed once Close has been called.
func (db *DB) check() error {
	if db.closed.Load() {
		return store.ErrClosed
	}
	return nil
}
