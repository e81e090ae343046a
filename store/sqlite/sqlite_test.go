package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/store"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// openTest opens a fresh database file under t.TempDir() and closes it when the test ends.
func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "hunch.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func pragma(t *testing.T, p *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := p.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenPragmas(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		writer map[string]string
		reader map[string]string
	}{
		{
			name:   "defaults",
			writer: map[string]string{"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1", "synchronous": "1", "query_only": "0"},
			reader: map[string]string{"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1", "synchronous": "1", "query_only": "1"},
		},
		{
			name:   "busy timeout option",
			opts:   Options{BusyTimeout: 250 * time.Millisecond},
			writer: map[string]string{"busy_timeout": "250"},
			reader: map[string]string{"busy_timeout": "250"},
		},
		{
			name:   "sub-millisecond busy timeout rounds up",
			opts:   Options{BusyTimeout: time.Microsecond},
			writer: map[string]string{"busy_timeout": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t, tt.opts)
			for name, want := range tt.writer {
				if got := pragma(t, db.w, name); got != want {
					t.Errorf("writer %s = %q, want %q", name, got, want)
				}
			}
			for name, want := range tt.reader {
				if got := pragma(t, db.r, name); got != want {
					t.Errorf("reader %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	db := openTest(t, Options{})
	_, err := db.r.Exec(`DELETE FROM enrich_cache`)
	if err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
}

func TestOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	dir := filepath.Join(t.TempDir(), "data", "hunch")
	path := filepath.Join(dir, "hunch.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutCached(context.Background(), "p", "ipv4", "192.0.2.1", 3, []byte("x"), t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	checks := []struct {
		path string
		want fs.FileMode
	}{
		{filepath.Dir(dir), 0o700 | fs.ModeDir},
		{dir, 0o700 | fs.ModeDir},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	}
	for _, c := range checks {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != c.want {
			t.Errorf("%s: mode %v, want %v", c.path, got, c.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	notDB := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("these are not the pages you are looking for\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		opts Options
		want string
	}{
		{"empty path", "", Options{}, "empty path"},
		{"memory", ":memory:", Options{}, "in-memory databases are not supported"},
		{"memory uri", "file::memory:?cache=shared", Options{}, "in-memory databases are not supported"},
		{"negative busy timeout", filepath.Join(t.TempDir(), "x.db"), Options{BusyTimeout: -time.Second}, "negative busy timeout"},
		{"not a database", notDB, Options{}, "not a database"},
		{"parent is a file", filepath.Join(blocked, "hunch.db"), Options{}, "create database directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.path, tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestOpenPathNeedsEscaping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "hunch.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutCached(context.Background(), "p", "domain", "example.org", 1, nil, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the path given: %v", err)
	}
}

// versions returns the applied versions goose recorded, in order.
func versions(t *testing.T, path string) []int64 {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT version_id FROM goose_db_version ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func equalVersions(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hunch.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCached(ctx, "vt", "url", "http://example.com/a", 2, []byte(`{"a":1}`), t0, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	first := versions(t, path)
	if want := append([]int64{0}, embeddedVersions(t)...); !equalVersions(first, want) {
		t.Fatalf("versions after first open = %v, want %v", first, want)
	}

	for range 2 {
		db, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		data, ok, err := db.GetCached(ctx, "vt", "url", "http://example.com/a", t0.Add(time.Hour))
		if err != nil || !ok || string(data) != `{"a":1}` {
			t.Errorf("after reopen: GetCached = %q, %v, %v", data, ok, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if again := versions(t, path); !equalVersions(again, first) {
		t.Errorf("reopening changed the recorded versions: %v, was %v", again, first)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hunch.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCached(ctx, "otx", "domain", "example.net", 0, []byte("kept"), t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// What a future hunch would leave behind: a migration this binary has never seen.
	all := embeddedVersions(t)
	latest := all[len(all)-1]
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE future_things (id INTEGER PRIMARY KEY)`,
		fmt.Sprintf(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, 1)`, latest+1),
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	before := versions(t, path)

	db, err = Open(ctx, path, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a database from a newer schema")
	}
	if !errors.Is(err, store.ErrSchemaNewer) {
		t.Errorf("error %v does not wrap store.ErrSchemaNewer", err)
	}
	for _, want := range []string{fmt.Sprintf("version %d", latest+1), fmt.Sprintf("up to %d", latest), path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after := versions(t, path); !equalVersions(after, before) {
		t.Errorf("refused open changed the versions: %v, was %v", after, before)
	}
	raw, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var data string
	if err := raw.QueryRow(`SELECT data FROM enrich_cache WHERE value = 'example.net'`).Scan(&data); err != nil || data != "kept" {
		t.Errorf("cache row after refused open: %q, %v", data, err)
	}
}

func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hunch.db")
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), path, Options{}) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("open %d: %v", i, errs[i])
			continue
		}
		if err := dbs[i].PutCached(context.Background(), "p", "ipv4", "198.51.100.1", i%4, nil, t0, t0.Add(time.Hour)); err != nil {
			t.Errorf("put through handle %d: %v", i, err)
		}
		dbs[i].Close()
	}
}

func TestOpenTemp(t *testing.T) {
	ctx := context.Background()
	db, err := OpenTemp(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.PutCached(ctx, "p", "sha256", strings.Repeat("a", 64), 3, []byte("x"), t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("temporary database file: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary directory left behind after Close: %v", err)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	db, err := OpenTemp(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	calls := map[string]error{}
	_, _, calls["GetCached"] = db.GetCached(ctx, "p", "t", "v", t0)
	calls["PutCached"] = db.PutCached(ctx, "p", "t", "v", 0, nil, t0, t0)
	_, calls["CacheStats"] = db.CacheStats(ctx, t0)
	_, calls["PurgeCache"] = db.PurgeCache(ctx, "", false, t0)
	for name, err := range calls {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want store.ErrClosed", name, err)
		}
	}
}

// embeddedVersions returns the versions of the embedded migrations, in order (the number each file name starts
// with; numbers may have gaps).
func embeddedVersions(t *testing.T) []int64 {
	t.Helper()
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, e := range entries {
		var v int64
		if _, err := fmt.Sscanf(e.Name(), "%d_", &v); err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		out = append(out, v)
	}
	return out
}
