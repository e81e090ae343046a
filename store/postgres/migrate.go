package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/hunchsec/hunch/store"
)

// migrationFiles holds the schema, one goose SQL file per version: NNNNN_name.sql with
// "-- +goose Up" and "-- +goose Down" sections. A released file is never edited; a change is a
// new file with the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockID is the advisory lock that serialises migrations of one database between
// processes ("hunch" in ASCII). It is taken with pg_advisory_lock, which wakes the next waiter as
// soon as it is released, rather than with goose's session locker, which polls every few seconds.
const migrationLockID = 0x68756e6368

// newProvider returns a goose provider over the embedded migrations, on a database/sql view of
// pool. No goose package state is used.
func newProvider(pool *pgxpool.Pool, logger *slog.Logger) (*goose.Provider, func() error, error) {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithDisableGlobalRegistry(true),
		// Each migration adds tables of its own aggregate, so one numbered below the database's version (made
		// by a build that lacked it) is applied rather than refused.
		goose.WithAllowOutofOrder(true),
		goose.WithSlog(logger),
	)
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("load embedded migrations: %w", err)
	}
	return p, sqlDB.Close, nil
}

// migrate applies the pending migrations, after refusing a database whose recorded version is
// beyond the newest one embedded here (written by a newer hunch).
func migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (err error) {
	// The lock is held on a connection of its own, outside the pool, so that a pool of one
	// connection is left free for the migrations.
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockID)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// Closing the connection releases the lock in any case; unlocking first says so sooner.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLockID)); uerr != nil && err == nil {
			err = fmt.Errorf("migration unlock: %w", uerr)
		}
	}()
	p, closeDB, err := newProvider(pool, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if current > latest {
		return fmt.Errorf("%w: the database is at schema version %d and this hunch knows versions up to %d; "+
			"upgrade hunch or use another database", store.ErrSchemaNewer, current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema from version %d to %d: %w", current, latest, err)
	}
	return nil
}
