package postgres

import (
	"context"
	"testing"

	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/store/storetest"
)

// TestIntelConformance runs the intel store's conformance suite on PostgreSQL, each test on a fresh database.
func TestIntelConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		db, err := Open(context.Background(), testpg.DSN(t), Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		return db
	})
}
