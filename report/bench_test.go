package report_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/report"
)

// benchRecords makes n Sysmon-like process creations over 20 hosts, 50 users and a day, deterministically.
func benchRecords(n int) []record.Record {
	rs := make([]record.Record, n)
	t0 := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	images := []string{`C:\Windows\System32\cmd.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		`C:\Windows\explorer.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\svchost.exe`}
	for i := range rs {
		host := fmt.Sprintf("WKS-%03d.corp.example.com", i%20)
		rs[i] = record.New(
			record.Field{Name: "UtcTime", Value: record.String(t0.Add(time.Duration(i) * 86400 * time.Second / time.Duration(n)).Format("2006-01-02 15:04:05.000"))},
			record.Field{Name: "EventID", Value: record.Int(1)},
			record.Field{Name: "Computer", Value: record.String(host)},
			record.Field{Name: "User", Value: record.String(fmt.Sprintf("CORP\\user%02d", i%50))},
			record.Field{Name: "Image", Value: record.String(images[i%len(images)])},
			record.Field{Name: "CommandLine", Value: record.String(fmt.Sprintf("%s --job %d", images[i%len(images)], i))},
			record.Field{Name: "ProcessGuid", Value: record.String(fmt.Sprintf("{%08d}", i))},
			record.Field{Name: "ParentProcessGuid", Value: record.String(fmt.Sprintf("{%08d}", max(0, i-20)))},
			record.Field{Name: "ProcessId", Value: record.Int(int64(1000 + i))},
			record.Field{Name: "DestinationIp", Value: record.String(fmt.Sprintf("198.51.100.%d", i%200))},
		)
	}
	return rs
}

// BenchmarkBuild: the views' data of 50,000 records in one pass.
func BenchmarkBuild(b *testing.B) {
	rs := benchRecords(report.DefaultMaxRecords)
	b.ResetTimer()
	for b.Loop() {
		if _, err := report.Build(stream(rs...), report.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRender: the HTML file of 50,000 records.
func BenchmarkRender(b *testing.B) {
	d, err := report.Build(stream(benchRecords(report.DefaultMaxRecords)...), report.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var size int
	b.ResetTimer()
	for b.Loop() {
		w := &countWriter{}
		if err := report.Render(w, d, report.Options{}); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
