package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

// The headline benchmarks (BENCHMARKS.md) run over hunch's deterministic synthetic corpus: mixed
// Windows process events, encoded PowerShell, syslog, proxy logs, defanged notes, mail logs and
// auditd, generated in Go by internal/benchcorpus.

const benchSize = 32 << 20

var corpusOnce = sync.OnceValue(func() []byte { return benchcorpus.Bytes(benchSize, 1) })

// forLines calls fn for each line of data.
func forLines(data []byte, fn func([]byte)) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			fn(data)
			return
		}
		fn(data[:i])
		data = data[i+1:]
	}
}

// BenchmarkExtractAll: all built-in indicator types, one goroutine, line by line.
func BenchmarkExtractAll(b *testing.B) {
	data := corpusOnce()
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var ms []ioc.Match
	n := 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		n = 0
		forLines(data, func(line []byte) {
			ms = ex.AppendMatches(ms[:0], line)
			n += len(ms)
		})
	}
	b.ReportMetric(float64(n), "matches")
}

// BenchmarkUnpackExtract: decode every blob in each line and extract from the line and from
// every decoded text — what extract --unpack does per field — on one goroutine.
func BenchmarkUnpackExtract(b *testing.B) {
	data := corpusOnce()
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	opts := unpack.DefaultOptions()
	opts.NoHashes = true // as extract --unpack: only the decoded text is scanned
	up, err := unpack.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	var ms []ioc.Match
	n, blobs := 0, 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		n, blobs = 0, 0
		forLines(data, func(line []byte) {
			ms = ex.AppendMatches(ms[:0], line)
			n += len(ms)
			res := up.Unpack(string(line))
			for _, bl := range res.Blobs {
				blobs++
				if bl.Text != "" {
					ms = ex.AppendMatchesString(ms[:0], bl.Text)
					n += len(ms)
				}
			}
		})
	}
	b.ReportMetric(float64(n), "matches")
	b.ReportMetric(float64(blobs), "blobs")
}

// BenchmarkExtractStream measures the record pipeline as `hunch extract -j N` runs it, short of
// rendering the output: text records read by record.Read from the corpus in a file, through
// Extract with 1 and 2 workers, match records out. The ratio of the two is -j's scaling. Reading
// from a file keeps the live heap what the command's is (a few MB), so the collector works as
// it does there; GOGC=400 GOMEMLIMIT=64MiB in the environment gives it the pacing the command
// sets for itself (internal/cli/gc.go).
func BenchmarkExtractStream(b *testing.B) {
	path := filepath.Join(b.TempDir(), "corpus.txt")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchcorpus.Write(f, benchSize, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name    string
		workers int
	}{{"workers=1", 1}, {"workers=2", 2}} {
		b.Run(w.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			for range b.N {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				in := record.Read(context.Background(), f, path, record.ReadOptions{Format: record.FormatText})
				n := 0
				for _, err := range Extract(context.Background(), in, ExtractOptions{Workers: w.workers}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				f.Close()
				if n == 0 {
					b.Fatal("no matches")
				}
			}
		})
	}
}

// BenchmarkExtractScanParallel measures the scanner alone on 1 and 2 goroutines, each taking
// every other 64 KiB chunk of lines — the part of -j that is pure extraction, without building
// records.
func BenchmarkExtractScanParallel(b *testing.B) {
	data := corpusOnce()
	var chunks [][]byte
	for len(data) > 0 {
		n := min(64<<10, len(data))
		if i := bytes.IndexByte(data[n-1:], '\n'); i >= 0 {
			n += i
		} else {
			n = len(data)
		}
		chunks = append(chunks, data[:n])
		data = data[n:]
	}
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(corpusOnce())))
			for range b.N {
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var ms []ioc.Match
						for i := w; i < len(chunks); i += workers {
							forLines(chunks[i], func(line []byte) { ms = ex.AppendMatches(ms[:0], line) })
						}
					}()
				}
				wg.Wait()
			}
		})
	}
}
