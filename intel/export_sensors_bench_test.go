package intel_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/store/storetest"
)

// sensorBenchAttrs is how many attributes BenchmarkRestSearchSuricata exports: HUNCH_BENCH_SENSOR_ATTRS, or
// 200 000.
func sensorBenchAttrs(b *testing.B) int { return benchSize(b, "HUNCH_BENCH_SENSOR_ATTRS", 200000) }

// BenchmarkRestSearchSuricata streams attributes/restSearch as Suricata rules over N attributes of
// storetest.BulkEvent in SQLite (ip-dst, domain, url and filename|md5 in turn, so three in four write rules),
// as the site admin: attrs/s and the peak live heap while streaming.
func BenchmarkRestSearchSuricata(b *testing.B) {
	n := sensorBenchAttrs(b)
	f := inteltest.New(b, inteltest.Options{})
	ctx := context.Background()
	org := f.Orgs[inteltest.HostOrg].ID
	const perEvent = 10000
	start := time.Now()
	for base := 0; base < n; base += perEvent {
		if err := f.Store.SaveEvent(ctx, storetest.BulkEvent(org, base, min(perEvent, n-base))); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("ingested %d attributes in %v", n, time.Since(start).Round(time.Millisecond))
	// The bulk events are not published: name the filters so the restrictive defaults do not apply.
	q := intel.Search{Format: intel.FormatSuricata, PublishedGiven: true, ToIDSGiven: true}
	check := bytes.Buffer{}
	small := q
	small.Limit = 4
	if err := f.Svc.Export(ctx, intel.System, intel.ScopeAttributes, small, &check); err != nil {
		b.Fatal(err)
	}
	// ip-dst 1 rule, domain 2, url 1, filename|md5 none.
	if rules := strings.Count(check.String(), "\nalert "); rules != 4 {
		b.Fatalf("suricata of 4 attributes has %d rules:\n%s", rules, check.String())
	}
	var peakHeap uint64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := newHeapSampler()
		if err := f.Svc.Export(ctx, intel.System, intel.ScopeAttributes, q, w); err != nil {
			b.Fatal(err)
		}
		peakHeap = max(peakHeap, w.peak)
		b.SetBytes(w.bytes)
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "attrs/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
}
