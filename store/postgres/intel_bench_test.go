package postgres

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/storetest"
)

func openBench(b *testing.B) (*DB, misp.FlexInt) {
	db := openTest(b, Options{})
	org := &misp.Organisation{Name: "ORG"}
	if err := db.CreateOrg(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	return db, org.ID
}

// BenchmarkSaveEvent measures bulk ingest: whole events saved in one transaction each, their elements by COPY.
// The 10 000-attribute case is store/sqlite's BenchmarkSaveEvent.
func BenchmarkSaveEvent(b *testing.B) {
	for _, per := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("attrs=%d", per), func(b *testing.B) {
			db, org := openBench(b)
			ctx := context.Background()
			n := 0
			for b.Loop() {
				b.StopTimer()
				e := storetest.BulkEvent(org, n*per, per)
				b.StartTimer()
				if err := db.SaveEvent(ctx, e); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n*per)/b.Elapsed().Seconds(), "attrs/s")
		})
	}
}

// BenchmarkSaveEventParallel saves 1000-attribute events from GOMAXPROCS goroutines at once: PostgreSQL takes
// concurrent writers, where SQLite has one.
func BenchmarkSaveEventParallel(b *testing.B) {
	const per = 1000
	db, org := openBench(b)
	ctx := context.Background()
	var next atomicCounter
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.add()
			if err := db.SaveEvent(ctx, storetest.BulkEvent(org, n*per, per)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(int(next.load())*per)/b.Elapsed().Seconds(), "attrs/s")
}

// BenchmarkSearchValue measures an exact attribute value search under a non-admin user's conditions over a store
// of 200 000 attributes (with HUNCH_BENCH_LARGE=1 also 1 000 000; with -short 20 000), and reports the median and
// 99th percentile latency of single searches besides the mean: store/sqlite's BenchmarkSearchValue.
func BenchmarkSearchValue(b *testing.B) {
	sizes := []int{20}
	if testing.Short() {
		sizes = []int{2}
	}
	if os.Getenv("HUNCH_BENCH_LARGE") != "" {
		sizes = append(sizes, 100)
	}
	for _, events := range sizes {
		const per = 10000
		b.Run(fmt.Sprintf("attrs=%d", events*per), func(b *testing.B) {
			db, org := openBench(b)
			ctx := context.Background()
			for i := range events {
				if err := db.SaveEvent(ctx, storetest.BulkEvent(org, i*per, per)); err != nil {
					b.Fatal(err)
				}
			}
			// Statistics, as autovacuum would gather them on a live server, so that the planner uses the indexes.
			if _, err := db.Pool().Exec(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			cond := acl.Conditions{OwnerOrgID: 999, EventDistributions: []acl.Distribution{1, 2, 3},
				ElementDistributions: []acl.Distribution{1, 2, 3, 5}}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				k := (i * 7919) % (events * per)
				k -= k % 4 // an ip-dst
				f := store.AttributeFilter{Conditions: cond, Value: store.Any(fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255))}
				start := time.Now()
				got := 0
				for _, err := range db.SearchAttributes(ctx, f) {
					if err != nil {
						b.Fatal(err)
					}
					got++
				}
				lat = append(lat, time.Since(start))
				if got != 1 {
					b.Fatalf("search %d found %d attributes", k, got)
				}
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// atomicCounter hands out 0, 1, 2, … to concurrent callers.
type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) add() int    { return int(c.n.Add(1) - 1) }
func (c *atomicCounter) load() int64 { return c.n.Load() }
