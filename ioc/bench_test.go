package ioc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The development corpus comes from the peer's generator:
//
//	python3 ../shared/bench/gen_corpus.py --out /tmp/ioccorpus --size-mb 20 --seed 1
//	HUNCH_BENCH_CORPUS=/tmp/ioccorpus.txt go test -run=^$ -bench=ExtractAll ./ioc
//
// The committed headline benchmark lives with the Go corpus generator; this one drives
// development of the scanner.
func benchCorpus(tb testing.TB) []byte {
	tb.Helper()
	p := os.Getenv("HUNCH_BENCH_CORPUS")
	if p == "" {
		tb.Skip("skipping: set HUNCH_BENCH_CORPUS to a corpus written by ../shared/bench/gen_corpus.py")
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

// truthType maps the generator's msticpy type names to hunch types.
var truthType = map[string]Type{
	"ipv4": IPv4, "ipv6": IPv6, "dns": Domain, "url": URL, "email": Email, "md5_hash": MD5,
	"sha1_hash": SHA1, "sha256_hash": SHA256, "windows_path": WindowsPath, "linux_path": LinuxPath,
}

type truthKey struct {
	line int
	typ  Type
	val  string
}

func canonTruth(t Type, v string) string {
	switch t {
	case MD5, SHA1, SHA256, Domain:
		return strings.ToLower(v)
	case IPv6:
		// The generator keeps the text as planted; hunch reports RFC 5952 form.
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
	}
	return v
}

// TestBenchCorpusTruth reports recall and precision per type against the generator's
// ground truth (indicators visible without decoding). Hunch-only types (cve, registry keys,
// …) are not in the truth and not counted.
func TestBenchCorpusTruth(t *testing.T) {
	data := benchCorpus(t)
	tf, err := os.Open(strings.TrimSuffix(os.Getenv("HUNCH_BENCH_CORPUS"), ".txt") + ".truth.jsonl")
	if err != nil {
		t.Fatalf("opening truth: %v", err)
	}
	defer tf.Close()
	truth := map[truthKey]int{}
	sc := bufio.NewScanner(tf)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Line    int    `json:"line"`
			Type    string `json:"type"`
			Value   string `json:"value"`
			Encoded bool   `json:"encoded"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Encoded {
			continue
		}
		ty := truthType[r.Type]
		truth[truthKey{r.Line, ty, canonTruth(ty, r.Value)}]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	e, _ := NewExtractor(Options{})
	tp, fp, fn := map[Type]int{}, map[Type]int{}, map[Type]int{}
	fpEx := map[Type][]string{}
	found := map[truthKey]int{}
	for ln, line := range bytes.Split(data, []byte("\n")) {
		for _, m := range e.AppendMatches(nil, line) {
			k := truthKey{ln + 1, m.Type, canonTruth(m.Type, m.Value)}
			if _, counted := truthTypes()[m.Type]; !counted {
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
	for ty := range truthTypes() {
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
	}
}

func truthTypes() map[Type]bool {
	m := map[Type]bool{}
	for _, t := range truthType {
		m[t] = true
	}
	return m
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
