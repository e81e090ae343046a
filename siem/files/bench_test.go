package files

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/siem"
)

// benchBytes is the size of the generated files the benchmarks search.
const benchBytes = 100 << 20

// writeBench writes lines made by line(i) to a file until it holds benchBytes, and returns its
// name and the number of lines.
func writeBench(b *testing.B, name string, line func(i int) string) (string, int) {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	n, size := 0, 0
	for size < benchBytes {
		l := line(n)
		size += len(l) + 1
		w.WriteString(l)
		w.WriteByte('\n')
		n++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p, n
}

func benchSearch(b *testing.B, path string, lines int, format, text string) {
	s, err := New(Config{Paths: []string{path}, Format: format})
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	matched := 0
	for range b.N {
		matched = 0
		for _, err := range s.Search(context.Background(), siem.Query{Text: text, Language: siem.Where}) {
			if err != nil {
				b.Fatal(err)
			}
			matched++
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(matched), "matched")
}

// BenchmarkSearchNDJSON reads a generated 100 MB NDJSON log with a where filter.
func BenchmarkSearchNDJSON(b *testing.B) {
	p, n := writeBench(b, "events.ndjson", func(i int) string {
		return fmt.Sprintf(`{"@timestamp":"2026-11-22T10:%02d:%02d.%03dZ","host":"ws-%03d","EventID":%d,"user":"user%d","CommandLine":"C:\\Windows\\System32\\cmd.exe /c echo %d","bytes":%d}`,
			i/60%60, i%60, i%1000, i%250, []int{4624, 4688, 4672, 4634}[i%4], i%97, i, i*7%100000)
	})
	benchSearch(b, p, n, "ndjson", `EventID = 4688 and CommandLine icontains "ECHO 1" and bytes > 5000`)
}

// BenchmarkSearchSyslog reads a generated 100 MB RFC 3164 syslog file with a where filter.
func BenchmarkSearchSyslog(b *testing.B) {
	p, n := writeBench(b, "messages", func(i int) string {
		return fmt.Sprintf("Nov 22 10:%02d:%02d web%02d sshd[%d]: Accepted publickey for user%d from 10.0.%d.%d port %d ssh2",
			i/60%60, i%60, i%50, 1000+i%5000, i%97, i/256%256, i%256, 1024+i%60000)
	})
	benchSearch(b, p, n, "syslog", `app = "sshd" and message contains "user7 " and host in ("web01", "web02")`)
}
