package evtx

import (
	"context"
	"os"
	"path"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// BenchmarkReadLargest reads the largest EVTX file of the corpus (by bytes, then by events) and
// reports records per second.
func BenchmarkReadLargest(b *testing.B) {
	var best manifestEntry
	var bestSize int64
	for _, e := range evtxManifest(b) {
		fi, err := os.Stat(testcorpus.Path(b, "logs/"+e.File))
		if err != nil {
			b.Fatal(err)
		}
		if fi.Size() > bestSize || fi.Size() == bestSize && e.Events > best.Events {
			best, bestSize = e, fi.Size()
		}
	}
	p := testcorpus.Path(b, "logs/"+best.File)
	b.Logf("%s: %d bytes, %d events", path.Base(best.File), bestSize, best.Events)
	b.SetBytes(bestSize)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range r.Records(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
