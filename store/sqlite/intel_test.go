package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/store/sqlite"
	"github.com/hunchsec/hunch/store/storetest"
)

// TestIntelConformance runs the intel store's conformance suite on real database files.
func TestIntelConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hunch.db"), sqlite.Options{})
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
