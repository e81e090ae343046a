package testpg

import (
	"context"
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

// TestDSN checks that the database exists during the test, is empty, and is gone after it.
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
		var tables int
		if err := conn.QueryRow(ctx, `SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("fresh database %s has %d tables", name, tables)
		}
	})
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Errorf("database %q still there after the test: %d, %v", name, n, err)
	}
}
