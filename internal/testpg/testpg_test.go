package testpg

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		dsn, db, want string
	}{
		{"postgres://u:p@127.0.0.1:5432/base?sslmode=disable", "t1", "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable"},
		{"postgresql://u@localhost", "t2", "postgresql://u@localhost/t2"},
		{"postgres://u:p%2Fw@[::1]:5433/a%2Fb", "t3", "postgres://u:p%2Fw@[::1]:5433/t3"},
		{"host=127.0.0.1 user=u dbname=base", "t4", "host=127.0.0.1 user=u dbname=base dbname='t4'"},
	}
	for _, tt := range tests {
		got, err := WithDatabase(tt.dsn, tt.db)
		if err != nil || got != tt.want {
			t.Errorf("WithDatabase(%q, %q) = %q, %v; want %q", tt.dsn, tt.db, got, err, tt.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.Database != tt.db {
			t.Errorf("%q parses to database %q, %v; want %q", got, cfg.Database, err, tt.db)
		}
	}
}

func TestWithParam(t *testing.T) {
	tests := []struct {
		dsn, want string
	}{
		{"postgres://u:p@127.0.0.1:5432/base?sslmode=disable", "postgres://u:p@127.0.0.1:5432/base?search_path=s1&sslmode=disable"},
		{"postgres://u@localhost/db?search_path=old", "postgres://u@localhost/db?search_path=s1"},
		{"host=127.0.0.1 user=u dbname=base", "host=127.0.0.1 user=u dbname=base search_path='s1'"},
	}
	for _, tt := range tests {
		got, err := WithParam(tt.dsn, "search_path", "s1")
		if err != nil || got != tt.want {
			t.Errorf("WithParam(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.RuntimeParams["search_path"] != "s1" {
			t.Errorf("%q parses to search_path %q, %v", got, cfg.RuntimeParams["search_path"], err)
		}
	}
}

// TestDSN checks that the test's schema is the one its connections use, starts empty, and is gone after it.
func TestDSN(t *testing.T) {
	server := ServerDSN(t)
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
		var tables int
		if err := conn.QueryRow(ctx, `SELECT current_schema(), (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "hunch_test_") || tables != 1 {
			t.Errorf("current schema %q with %d tables; want a hunch_test_ schema holding the one table made", name, tables)
		}
	})
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema %q still there after the test: %d, %v", name, n, err)
	}
}
