package unpack_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/unpack"
)

// BenchmarkUnpack unpacks, line by line, the corpus file named by $HUNCH_BENCH_CORPUS
// (for example the output of ../shared/bench/gen_corpus.py --size-mb 20 --seed 1).
func BenchmarkUnpack(b *testing.B) {
	path := os.Getenv("HUNCH_BENCH_CORPUS")
	if path == "" {
		b.Skip("skipping: set HUNCH_BENCH_CORPUS to a log file to benchmark on")
	}
	lines, size := readLines(b, path)
	benchLines(b, unpack.DefaultOptions(), lines, size)
}

// benchLines unpacks every line once per iteration and reports MB/s, cpuMB/s and blobs/op.
func benchLines(b *testing.B, opts unpack.Options, lines []string, size int64) {
	u, err := unpack.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	blobs, n := 0, 0
	cpu := cpuTime()
	for b.Loop() {
		blobs = 0
		for _, l := range lines {
			blobs += len(u.Unpack(l).Blobs)
		}
		n++
	}
	reportCPU(b, cpu, size, n)
	b.ReportMetric(float64(blobs), "blobs/op")
}

// reportCPU reports throughput per second of process CPU time ("cpuMB/s"), which a busy
// shared machine distorts far less than wall-clock MB/s.
func reportCPU(b *testing.B, start time.Duration, size int64, n int) {
	if d := cpuTime() - start; d > 0 && n > 0 {
		b.ReportMetric(float64(size)*float64(n)/d.Seconds()/1e6, "cpuMB/s")
	}
}

// BenchmarkUnpackGenerated unpacks, line by line, 8 MB of the repository's deterministic
// synthetic log corpus (internal/benchcorpus, seed 1).
func BenchmarkUnpackGenerated(b *testing.B) {
	benchGenerated(b, unpack.DefaultOptions())
}

// BenchmarkUnpackGeneratedNoHashes is BenchmarkUnpackGenerated without hashes and previews,
// as a caller that only reads the decoded text runs it.
func BenchmarkUnpackGeneratedNoHashes(b *testing.B) {
	opts := unpack.DefaultOptions()
	opts.NoHashes = true
	benchGenerated(b, opts)
}

func benchGenerated(b *testing.B, opts unpack.Options) {
	data := benchcorpus.Bytes(8<<20, 1)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	benchLines(b, opts, lines, int64(len(data)))
}

// BenchmarkScanNoBlobs measures the candidate scan on log text that holds no blob.
func BenchmarkScanNoBlobs(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 4<<20; i++ {
		fmt.Fprintf(&sb, "Nov 22 10:%02d:%02d srv-%03d sshd[%d]: Accepted publickey for svc_backup from 198.51.100.%d port %d ssh2: RSA SHA256:d41d8cd98f00b204e9800998ecf8427e\n", i%60, i%60, i%200, 1000+i, i%250, 40000+i)
		fmt.Fprintf(&sb, "Process Create: Image: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe CommandLine: powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\jdoe\\AppData\\Local\\Temp\\update_%d.ps1 ProcessGuid: {860ba2e3-9f13-5f52-2703-000000000400}\n", i)
		fmt.Fprintf(&sb, "GET https://cdn.example.com/static/js/vendor/jquery-3.6.0.min.js?v=%d HTTP/1.1 200 text/javascript Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36\n", i)
	}
	lines := strings.SplitAfter(sb.String(), "\n")
	u, _ := unpack.New(unpack.Options{})
	b.SetBytes(int64(sb.Len()))
	n := 0
	cpu := cpuTime()
	for b.Loop() {
		for _, l := range lines {
			if r := u.Unpack(l); len(r.Blobs) != 0 {
				b.Fatalf("blob in %q: %+v", l, r.Blobs[0])
			}
		}
		n++
	}
	reportCPU(b, cpu, int64(sb.Len()), n)
}

// readLines reads a file into lines (without newlines) and returns their total size.
func readLines(tb testing.TB, path string) ([]string, int64) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []string
	var size int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		size += int64(len(sc.Bytes())) + 1
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines, size
}
