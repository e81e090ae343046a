package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/store"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// openTest opens a fresh database of the test's own and closes it when the test ends.
func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	if opts.MaxConns == 0 {
		opts.MaxConns = 4 // tests run in parallel against one server
	}
	db, err := Open(context.Background(), testpg.DSN(t), opts)
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

func TestOpenPoolOptions(t *testing.T) {
	dsn := testpg.DSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	tests := []struct {
		name        string
		dsn         string
		opts        Options
		wantMax     int32
		wantMin     int32
		wantLife    time.Duration
		wantIdle    time.Duration
		dsnIsParsed bool
	}{
		{"defaults", dsn, Options{}, int32(max(8, 4*runtime.GOMAXPROCS(0))), 0, time.Hour, 30 * time.Minute, false},
		{"options", dsn, Options{MaxConns: 3, MinConns: 1, MaxConnLifetime: time.Minute, MaxConnIdleTime: time.Second}, 3, 1, time.Minute, time.Second, false},
		{"connection string", dsn + sep + "pool_max_conns=5&pool_min_conns=2", Options{}, 5, 2, time.Hour, 30 * time.Minute, true},
		{"options override the connection string", dsn + sep + "pool_max_conns=5", Options{MaxConns: 6}, 6, 0, time.Hour, 30 * time.Minute, true},
		{"a pool of one connection migrates", dsn, Options{MaxConns: 1}, 1, 0, time.Hour, 30 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.dsn, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			cfg := db.Pool().Config()
			if cfg.MaxConns != tt.wantMax || cfg.MinConns != tt.wantMin || cfg.MaxConnLifetime != tt.wantLife || cfg.MaxConnIdleTime != tt.wantIdle {
				t.Errorf("pool: max %d min %d lifetime %v idle %v; want %d %d %v %v",
					cfg.MaxConns, cfg.MinConns, cfg.MaxConnLifetime, cfg.MaxConnIdleTime, tt.wantMax, tt.wantMin, tt.wantLife, tt.wantIdle)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	server := testpg.ServerDSN(t)
	missing, err := testpg.WithDatabase(server, "hunch_test_does_not_exist")
	if err != nil {
		t.Fatal(err)
	}
	wrongPassword := "postgres://hunch_nobody:s3cret-pw@127.0.0.1:1/x?connect_timeout=2"
	tests := []struct {
		name string
		dsn  string
		opts Options
		want string
	}{
		{"empty", "", Options{}, "empty connection string"},
		{"not a connection string", "postgres://%zz", Options{}, "cannot parse"},
		{"negative max", server, Options{MaxConns: -1}, "negative MaxConns"},
		{"negative min", server, Options{MinConns: -1}, "negative MinConns"},
		{"min above max", server, Options{MaxConns: 2, MinConns: 3}, "MinConns 3 above MaxConns 2"},
		{"negative lifetime", server, Options{MaxConnLifetime: -time.Second}, "negative connection lifetime"},
		{"no such database", missing, Options{}, "hunch_test_does_not_exist"},
		{"nothing listening, password kept out", wrongPassword, Options{}, "127.0.0.1:1/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.dsn, tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("error shows the password: %q", err)
			}
		})
	}
}

// TestSchemaNewer records a schema version beyond this binary's, as a newer hunch would, and
// checks that Open refuses the database without touching it.
func TestSchemaNewer(t *testing.T) {
	ctx := context.Background()
	dsn := testpg.DSN(t)
	db, err := Open(ctx, dsn, Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	latest := latestVersion(t)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, latest+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, dsn, Options{MaxConns: 2})
	if !errors.Is(err, store.ErrSchemaNewer) {
		t.Fatalf("Open = %v, want store.ErrSchemaNewer", err)
	}
	want := fmt.Sprintf("schema version %d and this hunch knows versions up to %d", latest+1, latest)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id = $1`, latest+1).Scan(&n); err != nil || n != 1 {
		t.Errorf("newer version row: %d, %v", n, err)
	}
}

func latestVersion(t *testing.T) int64 {
	t.Helper()
	db := openTest(t, Options{MaxConns: 2})
	p, closeDB, err := newProvider(db.Pool(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	s := p.ListSources()
	return s[len(s)-1].Version
}

// TestMigrationsDownUp runs every migration down and up again, so that each Down section is valid
// SQL that undoes its Up, and Up can run again afterwards.
func TestMigrationsDownUp(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{MaxConns: 2})
	p, closeDB, err := newProvider(db.Pool(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	sources := p.ListSources()
	down, err := p.DownTo(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != len(sources) {
		t.Errorf("rolled back %d migrations, want %d", len(down), len(sources))
	}
	var tables []string
	rows, _ := db.Pool().Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`)
	tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 0 {
		t.Errorf("tables left after migrating down to 0: %v", tables)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != sources[len(sources)-1].Version {
		t.Errorf("version after up = %d, %v", v, err)
	}
}

// TestConcurrentOpen opens one fresh database from several goroutines at once, as several hunch
// processes starting together would: the migration lock must let exactly one migrate.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dsn := testpg.DSN(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			db, err := Open(ctx, dsn, Options{MaxConns: 2})
			if err == nil {
				err = db.PutCached(ctx, "p", "ipv4", fmt.Sprint(i), 1, nil, t0, t0.Add(time.Hour))
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
}

func TestClosed(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checks := map[string]error{}
	_, _, checks["GetCached"] = db.GetCached(ctx, "p", "t", "v", t0)
	checks["PutCached"] = db.PutCached(ctx, "p", "t", "v", 0, nil, t0, t0)
	_, checks["CacheStats"] = db.CacheStats(ctx, t0)
	_, checks["PurgeCache"] = db.PurgeCache(ctx, "", false, t0)
	for name, err := range checks {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want store.ErrClosed", name, err)
		}
	}
}
