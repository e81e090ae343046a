package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/storetest"
)

// TestCacheConformance runs the shared cache suite (store/storetest) against this backend.
func TestCacheConformance(t *testing.T) {
	storetest.RunCache(t, func(t *testing.T) store.Cache { return openTest(t, Options{}) })
}

// TestConcurrentWriters has goroutines write through one DB while others read, with the pool
// smaller than the number of goroutines, so that they queue for connections.
func TestConcurrentWriters(t *testing.T) {
	for _, conns := range []int32{2, 16} {
		t.Run(fmt.Sprintf("max conns %d", conns), func(t *testing.T) {
			testConcurrentWriters(t, openTest(t, Options{MaxConns: conns}))
		})
	}
}

func testConcurrentWriters(t *testing.T, db *DB) {
	const writers, puts = 8, 500
	ctx := context.Background()
	errs := make(chan error, writers*2)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range puts {
				v := fmt.Sprintf("203.0.113.%d/%d", w, i)
				if err := db.PutCached(ctx, "p", "ipv4", v, i%4, []byte(v), t0, t0.Add(time.Hour)); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for i := range puts {
				if _, _, err := db.GetCached(ctx, "p", "ipv4", fmt.Sprintf("203.0.113.%d/%d", w, i), t0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stats, err := db.CacheStats(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Entries != writers*puts || stats[0].Verdicts != [4]int64{1000, 1000, 1000, 1000} {
		t.Errorf("after %d×%d puts: %+v", writers, puts, stats)
	}
	for w := range writers {
		v := fmt.Sprintf("203.0.113.%d/%d", w, puts-1)
		if data, ok, err := db.GetCached(ctx, "p", "ipv4", v, t0); err != nil || !ok || string(data) != v {
			t.Errorf("GetCached(%s) = %q, %v, %v", v, data, ok, err)
		}
	}
}

// TestConcurrentHandles writes through two DBs on one database, as two hunch processes would.
func TestConcurrentHandles(t *testing.T) {
	const handles, writers, puts = 2, 4, 250
	dsn := testpg.DSN(t)
	ctx := context.Background()
	var dbs [handles]*DB
	for h := range handles {
		db, err := Open(ctx, dsn, Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[h] = db
	}
	errs := make(chan error, handles*writers)
	var wg sync.WaitGroup
	for h, db := range dbs {
		for w := range writers {
			wg.Go(func() {
				for i := range puts {
					v := fmt.Sprintf("h%d-w%d-%d.example", h, w, i)
					if err := db.PutCached(ctx, "p", "domain", v, 1, nil, t0, t0.Add(time.Hour)); err != nil {
						errs <- err
						return
					}
					if i%50 == 0 {
						if _, err := db.PurgeCache(ctx, "other", true, t0); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stats, err := dbs[0].CacheStats(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Entries != handles*writers*puts {
		t.Errorf("after concurrent writes through %d handles: %+v", handles, stats)
	}
}
