// Package testpg gives tests a PostgreSQL database of their own on the server named by
// $HUNCH_TEST_POSTGRES: a fresh database with a random name, created for the test and dropped
// when it ends, so tests can run in parallel. Without the variable tests skip (fail when CI=true).
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable holding the connection string of a PostgreSQL server
// whose role may create databases, e.g. postgres://hunch_ci:…@127.0.0.1:5432/hunch_ci.
const EnvVar = "HUNCH_TEST_POSTGRES"

// ServerDSN returns $HUNCH_TEST_POSTGRES, skipping the test when it is unset, or failing it
// when CI=true, so that a CI run that silently tested nothing on PostgreSQL cannot pass.
func ServerDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set and CI=true (.ci/run sets it after starting PostgreSQL)", EnvVar)
		}
		tb.Skipf("skipping: %s is not set (a postgres:// URL of a role that may create databases)", EnvVar)
	}
	return dsn
}

// DSN creates a database with a fresh random name on the server of ServerDSN, owned by the
// connecting role, and returns a connection string for it. The database is dropped, with any
// connections still open to it, when the test and its subtests end.
func DSN(tb testing.TB) string {
	tb.Helper()
	server := ServerDSN(tb)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "hunch_test_" + hex.EncodeToString(b[:])
	dsn, err := WithDatabase(server, name)
	if err != nil {
		tb.Fatalf("%s: %v", EnvVar, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin(ctx, server, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// An autovacuum worker may be busy on the database, and a role that is not a superuser may not end
		// it: such a drop fails, and is tried again once the worker is done.
		var err error
		for range 20 {
			if err = admin(ctx, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err == nil {
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		tb.Errorf("drop test database: %v", err)
	})
	return dsn
}

// WithDatabase returns dsn, a postgres:// URL or a keyword/value connection string, naming
// database db instead of its own.
func WithDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse connection url: %w", err)
		}
		u.Path = "/" + db
		u.RawPath = ""
		return u.String(), nil
	}
	// A later keyword overrides an earlier one.
	return dsn + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(db) + "'", nil
}

func admin(ctx context.Context, dsn, stmt string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s server: %w", EnvVar, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return err
	}
	return nil
}
