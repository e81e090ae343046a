package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"

	"github.com/hunchsec/hunch/store"
)

// migrationFiles holds the schema, one goose SQL file per version: NNNNN_name.sql with
// "-- +goose Up" and "-- +goose Down" sections. A released file is never edited; a change is a
// new file with the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the pending migrations, after refusing a database whose recorded version is
// beyond the newest one embedded here (written by a newer hunch).
func migrate(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("read embedded migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys,
		goose.WithDisableGlobalRegistry(true),
		// Each migration adds tables of its own aggregate, so one numbered below the database's version (made
		// by a build that lacked it) is applied rather than refused.
		goose.WithAllowOutofOrder(true),
		goose.WithSlog(logger),
	)
	if err != nil {
		return fmt.Errorf("load embedded migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if current > latest {
		return fmt.Errorf("%w: the file is at schema version %d and this hunch knows versions up to %d; "+
			"upgrade hunch or use another data directory", store.ErrSchemaNewer, current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema from version %d to %d: %w", current, latest, err)
	}
	return nil
}
