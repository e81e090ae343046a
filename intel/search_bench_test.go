package intel_test

import (
	"bytes"
	"context"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/store/storetest"
)

// benchAttrs is how many attributes BenchmarkRestSearchCSV exports: HUNCH_BENCH_ATTRS, or 20 000.
func benchAttrs(b *testing.B) int { return benchSize(b, "HUNCH_BENCH_ATTRS", 20000) }

// benchSize is the positive number in the environment variable name, or def when it is unset.
func benchSize(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q is not a positive number", name, v)
		}
		return n
	}
	return def
}

// heapSampler is an io.Writer that discards what it is given and samples the live heap objects every 64 writes,
// keeping the peak.
type heapSampler struct {
	n, bytes int64
	peak     uint64
	sample   []metrics.Sample
}

func newHeapSampler() *heapSampler {
	return &heapSampler{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapSampler) Write(p []byte) (int, error) {
	if h.n%64 == 0 {
		metrics.Read(h.sample)
		h.peak = max(h.peak, h.sample[0].Value.Uint64())
	}
	h.n++
	h.bytes += int64(len(p))
	return len(p), nil
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes, 0 where /proc is not there.
func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkRestSearchCSV streams attributes/restSearch as CSV (MISP's default columns) over N attributes of
// storetest.BulkEvent in SQLite, as the site admin: attrs/s, the peak live heap while streaming, and the peak
// RSS of the export (reset before it where Linux allows). HUNCH_BENCH_ATTRS=1000000 runs the 1 M case.
func BenchmarkRestSearchCSV(b *testing.B) {
	n := benchAttrs(b)
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
	q := intel.Search{Format: intel.FormatCSV}
	// One line per attribute, and the header and the final empty line.
	check := bytes.Buffer{}
	if err := f.Svc.Export(ctx, intel.System, intel.ScopeAttributes, intel.Search{Format: intel.FormatCSV, Limit: 3}, &check); err != nil {
		b.Fatal(err)
	}
	if lines := strings.Count(check.String(), "\n"); lines != 5 {
		b.Fatalf("csv of 3 attributes has %d lines:\n%s", lines, check.String())
	}
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM where the kernel allows it
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
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
}
