package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
	"github.com/hunchsec/hunch/store/storetest"
)

func openBench(b *testing.B) (*sqlite.DB, misp.FlexInt) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "hunch.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	org := &misp.Organisation{Name: "ORG"}
	if err := db.CreateOrg(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	return db, org.ID
}

// BenchmarkSaveEvent measures bulk ingest: whole events of 10 000 attributes saved in one transaction each.
func BenchmarkSaveEvent(b *testing.B) {
	const per = 10000
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
}

// BenchmarkSearchValue measures an exact attribute value search under a non-admin user's conditions, over stores
// of 200 000 and 1 000 000 attributes (HUNCH_BENCH_LARGE=1 for the second; HUNCH_BENCH_ATTRS=N for a store of N
// attributes, rounded down to whole events of 10 000, e.g. 10000000 once), and reports the median and 99th
// percentile latency of single searches besides the mean.
func BenchmarkSearchValue(b *testing.B) {
	sizes := []int{20}
	if os.Getenv("HUNCH_BENCH_LARGE") != "" {
		sizes = append(sizes, 100)
	}
	if v := os.Getenv("HUNCH_BENCH_ATTRS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10000 {
			b.Fatalf("HUNCH_BENCH_ATTRS=%q: want a number of attributes of at least 10000", v)
		}
		sizes = []int{n / 10000}
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
