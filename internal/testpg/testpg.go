// Package testpg gives tests a PostgreSQL store of their own on the server named by
// $HUNCH_TEST_POSTGRES: a fresh schema with a random name, created for the test and dropped when it
// ends, so tests can run in parallel. Without the variable tests skip (fail when CI=true).
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

// DSN creates a schema with a fresh random name in the database of ServerDSN, owned by the
// connecting role, and returns a connection string whose connections use it (search_path), so
// that everything a test creates lands there. The schema is dropped with all it holds when the test
// and its subtests end. A schema rather than a database: CREATE DATABASE copies a template and
// takes a third of a second, CREATE SCHEMA a millisecond.
func DSN(tb testing.TB) string {
	tb.Helper()
	server := ServerDSN(tb)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "hunch_test_" + hex.EncodeToString(b[:])
	dsn, err := WithParam(server, "search_path", name)
	if err != nil {
		tb.Fatalf("%s: %v", EnvVar, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin(ctx, server, "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin(ctx, server, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			tb.Errorf("drop test schema: %v", err)
		}
	})
	return dsn
}

// WithParam returns dsn, a postgres:// URL or a keyword/value connection string, with the
// connection parameter key set to value (a run-time setting such as search_path, sent when
// connecting).
func WithParam(dsn, key, value string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse connection url: %w", err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " " + key + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'", nil
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
