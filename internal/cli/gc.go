package cli

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The verbs that stream records (extract, unpack) keep a live heap of a few MB (the batches in
// flight) while allocating garbage at the speed of the input: the input lines and records, and
// the match or blob records themselves for the csv and table writers. At the default GOGC=100
// the collector then runs every few MB of allocation, and with -j 2 it takes its share of the
// cores from the workers. So, unless the user set GOGC or GOMEMLIMIT, these verbs let the heap
// grow to gcPercent over the live heap, bounded by the soft memory limit gcLimit
// (runtime/debug.SetGCPercent and SetMemoryLimit; see the Go GC guide): a run over 1 GiB of
// text stays at about 61 MiB resident with -j 2 (BENCHMARKS.md). A live heap that is not small
// (as --unique global remembering a million values can make it) would make the limit collect
// continuously; once the live heap passes gcBackoff the default pacing returns.
const (
	gcPercent = 400
	gcLimit   = 64 << 20
	gcBackoff = gcLimit / 2
)

// gcWatchEvery is how often paceGC looks at the live heap.
const gcWatchEvery = 20 * time.Millisecond

// paceGC applies the record verbs' collector pacing (see gcPercent) unless getenv reports GOGC or
// GOMEMLIMIT set, and returns the function that restores the previous pacing; call it when the
// verb is done.
func paceGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prevPercent := debug.SetGCPercent(gcPercent)
	prevLimit := debug.SetMemoryLimit(gcLimit)
	var once sync.Once
	back := func() {
		once.Do(func() {
			debug.SetGCPercent(prevPercent)
			debug.SetMemoryLimit(prevLimit)
		})
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(gcWatchEvery)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > gcBackoff {
				back()
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		back()
	}
}
