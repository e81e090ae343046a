package ioc

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/benchcorpus"
)

// The benchmarks run over hunch's deterministic synthetic corpus (internal/benchcorpus), or over
// the file named by HUNCH_BENCH_CORPUS when set (e.g. one written by ../shared/bench/gen_corpus.py).
func benchCorpus(tb testing.TB) []byte {
	tb.Helper()
	p := os.Getenv("HUNCH_BENCH_CORPUS")
	if p == "" {
		return benchcorpus.Bytes(20<<20, 1)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("reading bench corpus: %v", err)
	}
	return b
}

func BenchmarkExtractAll(b *testing.B) {
	data := benchCorpus(b)
	e, err := NewExtractor(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	dst := e.AppendMatches(nil, data)
	cpu0 := cpuTime()
	for b.Loop() {
		dst = e.AppendMatches(dst[:0], data)
	}
	// The machine is shared: wall-clock MB/s jitters with other load, process CPU time
	// (GC included) much less.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
	b.ReportMetric(float64(len(dst)), "matches")
}

// BenchmarkExtractLines extracts line by line, as the record pipeline does.
func BenchmarkExtractLines(b *testing.B) {
	data := benchCorpus(b)
	lines := bytes.Split(data, []byte("\n"))
	e, err := NewExtractor(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var dst []Match
	for b.Loop() {
		for _, l := range lines {
			dst = e.AppendMatches(dst[:0], l)
		}
	}
}

type truthKey struct {
	line int
	typ  Type
	val  string
}

// truthTypes are the types the generator plants.
var truthTypes = map[Type]bool{IPv4: true, IPv6: true, Domain: true, URL: true, Email: true, MD5: true,
	SHA1: true, SHA256: true, WindowsPath: true, LinuxPath: true}

// exactTypes are planted completely: every other hit of these types is a false positive. The
// generator's lines also hold real paths it does not list (/dev/null, C:\Windows\system32\), so
// paths are held to recall only.
var exactTypes = map[Type]bool{IPv4: true, IPv6: true, Domain: true, URL: true, Email: true, MD5: true, SHA1: true, SHA256: true}

// TestBenchCorpusTruth reports recall and precision per type against the ground truth of the
// synthetic corpus (indicators visible without decoding) and holds every type to recall ≥ 0.99
// and the completely planted ones to precision ≥ 0.99. msticpy, on the same mix: ipv6 precision
// 0.37, dns 0.90, linux_path recall 0.22 (../shared/reference/msticpy.md §10).
func TestBenchCorpusTruth(t *testing.T) {
	g := benchcorpus.New(7)
	var data bytes.Buffer
	truth := map[truthKey]int{}
	for ln := 1; ln <= 20000; ln++ {
		line, planted := g.Line()
		data.WriteString(line)
		data.WriteByte('\n')
		for _, r := range planted {
			if r.Encoded {
				continue
			}
			truth[truthKey{ln, Type(r.Type), r.Value}]++
		}
	}
	e, _ := NewExtractor(Options{})
	tp, fp, fn := map[Type]int{}, map[Type]int{}, map[Type]int{}
	fpEx := map[Type][]string{}
	found := map[truthKey]int{}
	for ln, line := range bytes.Split(data.Bytes(), []byte("\n")) {
		for _, m := range e.AppendMatches(nil, line) {
			k := truthKey{ln + 1, m.Type, m.Value}
			if !truthTypes[m.Type] {
				continue
			}
			if found[k] < truth[k] {
				found[k]++
				tp[m.Type]++
			} else {
				fp[m.Type]++
				if len(fpEx[m.Type]) < 8 && !slices.Contains(fpEx[m.Type], m.Raw) {
					fpEx[m.Type] = append(fpEx[m.Type], m.Raw)
				}
			}
		}
	}
	fnEx := map[Type][]string{}
	for k, n := range truth {
		if d := n - found[k]; d > 0 {
			fn[k.typ] += d
			if len(fnEx[k.typ]) < 5 {
				fnEx[k.typ] = append(fnEx[k.typ], fmt.Sprintf("line %d %q", k.line, k.val))
			}
		}
	}
	var types []string
	for ty := range truthTypes {
		types = append(types, string(ty))
	}
	sort.Strings(types)
	for _, s := range types {
		ty := Type(s)
		rec := float64(tp[ty]) / float64(max(tp[ty]+fn[ty], 1))
		prec := float64(tp[ty]) / float64(max(tp[ty]+fp[ty], 1))
		t.Logf("%-13s recall %.4f precision %.4f (tp %d fp %d fn %d)", ty, rec, prec, tp[ty], fp[ty], fn[ty])
		if len(fpEx[ty]) > 0 {
			t.Logf("    false positives e.g. %q", fpEx[ty])
		}
		if len(fnEx[ty]) > 0 {
			t.Logf("    missed e.g. %q", fnEx[ty])
		}
		if rec < 0.99 {
			t.Errorf("%s: recall %.4f below 0.99", ty, rec)
		}
		if exactTypes[ty] && prec < 0.99 {
			t.Errorf("%s: precision %.4f below 0.99", ty, prec)
		}
	}
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
