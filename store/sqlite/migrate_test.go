package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestMigrationsDownUp runs every migration down and up again on a real file, so that each
// Down section is valid SQL that undoes its Up, and Up can run again afterwards.
func TestMigrationsDownUp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hunch.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys, goose.WithDisableGlobalRegistry(true), goose.WithSlog(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version

	down, err := p.DownTo(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != len(sources) {
		t.Errorf("rolled back %d migrations, want %d", len(down), len(sources))
	}
	var tables int
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'goose%' AND name NOT LIKE 'sqlite%'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables left after migrating down to 0", tables)
	}

	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != latest {
		t.Errorf("version after up = %d, %v; want %d", v, err, latest)
	}
	raw.Close()

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen after down and up: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMigrationOutOfOrder: a database migrated by a build that lacked one migration (recorded at a higher version
// without 00006) gets it applied on the next open instead of being refused.
func TestMigrationOutOfOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hunch.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// Undo 00006 by hand, as if it had never run.
	for _, stmt := range []string{"DROP TABLE feed_cache", "DROP TABLE feeds", "DELETE FROM goose_db_version WHERE version_id = 6"} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopening a database that lacks migration 6: %v", err)
	}
	defer db.Close()
	if _, err := db.ListFeeds(ctx); err != nil {
		t.Errorf("migration 6 was not applied: %v", err)
	}
}
