package elastic

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// benchEvents reads Windows security events (NDJSON, about 1 KB each) from the corpus.
func benchEvents(b *testing.B, max int) []record.Record {
	b.Helper()
	path := testcorpus.Path(b, "logs/json/OTRF__credential_access__psh_lsass_memory_dump_comsvcs.json")
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []record.Record
	for r, err := range record.Read(context.Background(), f, path, record.ReadOptions{Format: record.FormatNDJSON}) {
		if err != nil {
			continue
		}
		out = append(out, r)
		if len(out) == max {
			break
		}
	}
	if len(out) == 0 {
		b.Skip("no events")
	}
	return out
}

// hitsPage is a _search reply with the events as hits, each with a sort value.
func hitsPage(events []record.Record, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"pit_id":"p","took":5,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":10000,"relation":"gte"},"max_score":null,"hits":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"_index":".ds-logs-windows-2020.10.18-000001","_id":"id%d","_score":null,"_source":`, i)
		buf.Write(events[i%len(events)].AppendJSON(nil))
		fmt.Fprintf(&buf, `,"sort":[%d]}`, i)
	}
	buf.WriteString(`]}}`)
	return buf.Bytes()
}

// BenchmarkDecodeHits measures turning a 1000-hit _search reply into records.
func BenchmarkDecodeHits(b *testing.B) {
	events := benchEvents(b, 1000)
	page := hitsPage(events, 1000)
	d := newHitDecoder("@timestamp", "logs-*")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := d.decode(page)
		if err != nil || len(p.records) != 1000 {
			b.Fatal(err, len(p.records))
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSearch measures a whole paged search against a local server that replays the same
// 1000-hit page: request building, HTTP, decoding and the stream.
func BenchmarkSearch(b *testing.B) {
	events := benchEvents(b, 1000)
	page := hitsPage(events, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case strings.HasSuffix(r.URL.Path, "/_pit") && r.Method == http.MethodPost:
			_, _ = w.Write([]byte(`{"id":"p"}`))
		case r.Method == http.MethodDelete:
			_, _ = w.Write([]byte(`{"succeeded":true}`))
		default:
			_, _ = w.Write(page)
		}
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, Index: "logs-*"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	const perOp = 10000
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene, Limit: perOp}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != perOp {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(b.N)*perOp/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkUpload measures _bulk uploads of corpus events in batches of 1000 to a local server
// that reads each request and answers with a success item per document.
func BenchmarkUpload(b *testing.B) {
	events := benchEvents(b, 1000)
	item := `{"create":{"_index":"hunch","_id":"x","_version":1,"result":"created","status":201}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := bytes.Count(body, []byte{'\n'}) / 2
		var buf bytes.Buffer
		buf.WriteString(`{"took":1,"errors":false,"items":[`)
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(item)
		}
		buf.WriteString("]}")
		_, _ = w.Write(buf.Bytes())
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, Upload: UploadConfig{Index: "hunch"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	u, err := c.Uploader()
	if err != nil {
		b.Fatal(err)
	}
	const perOp = 10000
	stream := func(yield func(record.Record, error) bool) {
		for i := range perOp {
			if !yield(events[i%len(events)], nil) {
				return
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := u.Upload(context.Background(), stream)
		if err != nil || res.Sent != perOp {
			b.Fatal(err, res.Sent)
		}
	}
	b.ReportMetric(float64(b.N)*perOp/b.Elapsed().Seconds(), "records/s")
}
