package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
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

// TestIntelClock checks that unset timestamps are stamped with Options.Now.
func TestIntelClock(t *testing.T) {
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hunch.db"), sqlite.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &misp.Event{Info: "clock", Org: &misp.Organisation{Name: "ORG"}, Distribution: "0",
		Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: "a.example"}},
		Object:    []misp.Object{{Name: "file", Attribute: misp.AttributeList{{Type: "md5", Value: "00"}}}}}
	if err := db.SaveEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	s := &misp.Sighting{AttributeID: e.Attribute[0].ID}
	if err := db.AddSighting(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.Event(ctx, int64(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := misp.TimestampOf(at)
	for what, ts := range map[string]misp.Timestamp{
		"event": got.Timestamp, "attribute": got.Attribute[0].Timestamp, "object": got.Object[0].Timestamp,
		"object attribute": got.Object[0].Attribute[0].Timestamp, "sighting": s.DateSighting,
	} {
		if ts != want {
			t.Errorf("%s timestamp = %d, want %d", what, ts, want)
		}
	}
}
