package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/report"
)

// FuzzRender reads arbitrary NDJSON and renders it: Build and Render must not fail on any input that reads, no
// value may end the data block or the inlined script early, and the data block must decode to the same values.
func FuzzRender(f *testing.F) {
	f.Add([]byte(`{"UtcTime":"2026-03-14 08:03:45","Computer":"</script><script>alert(1)</script>","CommandLine":"a \"b\" 'c'"}`))
	f.Add([]byte(`{"ts":1773480000.5,"lat":"91","lon":-200,"ip":"<!--","host":{"name":"x"}}` + "\n" + `{"@timestamp":"bad","EventID":1,"ProcessGuid":"{1}","ParentProcessGuid":"{1}"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var recs []record.Record
		for r, err := range record.Read(context.Background(), bytes.NewReader(in), "fuzz.ndjson", record.ReadOptions{}) {
			if err != nil {
				return
			}
			recs = append(recs, r)
		}
		d, err := report.Build(stream(recs...), report.Options{MaxRecords: 100, Interval: 0})
		if err != nil {
			if strings.Contains(err.Error(), "buckets") {
				return // times too far apart for the interval: refused with an error, as intended
			}
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := report.Render(&buf, d, report.Options{}); err != nil {
			t.Fatal(err)
		}
		html := buf.String()
		if n := strings.Count(strings.ToLower(html), "</script"); n != 2 {
			t.Fatalf("%d </script in the output", n)
		}
		got := dataBlock(t, html)
		if got.Records != d.Records || len(got.Table.Rows) != len(d.Table.Rows) {
			t.Fatalf("data block: %d records, %d rows; want %d, %d", got.Records, len(got.Table.Rows), d.Records, len(d.Table.Rows))
		}
		for i, r := range d.Table.Rows {
			for j, c := range r {
				if got.Table.Rows[i][j] != c {
					t.Fatalf("cell %d,%d: %q, want %q", i, j, got.Table.Rows[i][j], c)
				}
			}
		}
	})
}
