package stix

import (
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// benchTypes is the mix of attribute types the benchmarks write.
var benchTypes = []string{"ip-dst", "ip-src", "domain", "url", "md5", "sha256", "filename|sha256", "hostname", "email-src", "text"}

func benchAttr(i int) misp.Attribute {
	a := attr(i, benchTypes[i%len(benchTypes)], i%3 != 0)
	a.Value = sampleValue(a.Type)
	return a
}

// peakHeap samples the live heap every millisecond until stop is called, which returns
// the highest value seen.
func peakHeap() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapAlloc)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

const benchN = 100_000

// BenchmarkWriteAttributes streams 100 000 attributes through WriteAttribute, as
// attributes/restSearch does: the heap should not grow with the number written.
func BenchmarkWriteAttributes(b *testing.B) {
	ev := &EventContext{UUID: testEvent, Orgc: testOrgc(), Timestamp: 1600000000}
	pool := make([]misp.Attribute, 1000)
	for i := range pool {
		pool[i] = benchAttr(i)
	}
	runtime.GC()
	stop := peakHeap()
	start := time.Now()
	for b.Loop() {
		w := NewBundleWriter(io.Discard, Options{})
		for i := 0; i < benchN; i++ {
			if err := w.WriteAttribute(&pool[i%len(pool)], ev); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*benchN)/el.Seconds(), "attrs/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
}

// BenchmarkWriteEvent writes one event of 100 000 attributes (the event itself, already
// in memory, is counted in the peak heap).
func BenchmarkWriteEvent(b *testing.B) {
	e := event(true)
	e.Attribute = make([]misp.Attribute, benchN)
	for i := range e.Attribute {
		e.Attribute[i] = benchAttr(i)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	stop := peakHeap()
	start := time.Now()
	for b.Loop() {
		w := NewBundleWriter(io.Discard, Options{})
		if err := w.WriteEvent(e); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*benchN)/el.Seconds(), "attrs/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "event-heap-MB")
}
