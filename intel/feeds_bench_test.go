package intel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// benchMISPFeed generates a MISP feed of events × attrs attributes (ip-dst and domain values, distinct).
func benchMISPFeed(b *testing.B, events, attrs int) string {
	dir := b.TempDir()
	var list []*misp.Event
	for i := range events {
		e := &misp.Event{UUID: misp.NewUUID(), Info: fmt.Sprintf("bench event %d", i), Timestamp: 1700000000,
			Date: misp.DateOf(time.Unix(1700000000, 0)), Orgc: &misp.Organisation{Name: "Bench Org", UUID: "5b5c6f41-0bd8-4f2e-a7e0-0f3b1b2c3d4e"}}
		for j := range attrs {
			a := misp.Attribute{Type: "ip-dst", Category: "Network activity", UUID: misp.NewUUID(),
				Value: fmt.Sprintf("10.%d.%d.%d", i%250, j/250%250, j%250)}
			if j%2 == 1 {
				a.Type, a.Value = "domain", fmt.Sprintf("d%d-%d.bench.example.com", i, j)
			}
			e.Attribute = append(e.Attribute, a)
		}
		list = append(list, e)
	}
	mispFeedDir(b, dir, list)
	return dir
}

// BenchmarkFeedFetchMISP fetches a generated MISP feed into an empty store each iteration and reports
// attributes/s.
func BenchmarkFeedFetchMISP(b *testing.B) {
	const events, attrs = 20, 500
	dir := benchMISPFeed(b, events, attrs)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		fx := inteltest.New(b, inteltest.Options{})
		f := &misp.Feed{Name: "bench", URL: srv.URL, SourceFormat: misp.FeedFormatMISP, Enabled: true}
		if err := fx.Svc.AddFeed(context.Background(), fx.ACL("admin"), f, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := fx.Svc.FetchFeed(context.Background(), fx.ACL("admin"), int64(f.ID))
		total += time.Since(start)
		if err != nil || res.Added != events {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(events*attrs*b.N)/total.Seconds(), "attrs/s")
}

// freetextLines is n distinct IPs, one a line.
func freetextLines(n int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
	}
	return sb.String()
}

// BenchmarkFeedFetchFreetext100k fetches a 100 000-line freetext feed into its fixed event and reports
// attributes/s.
func BenchmarkFeedFetchFreetext100k(b *testing.B) {
	const n = 100_000
	body := freetextLines(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		fx := inteltest.New(b, inteltest.Options{})
		f := &misp.Feed{Name: "bench", URL: srv.URL, Enabled: true}
		if err := fx.Svc.AddFeed(context.Background(), fx.ACL("admin"), f, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := fx.Svc.FetchFeed(context.Background(), fx.ACL("admin"), int64(f.ID))
		total += time.Since(start)
		if err != nil || res.New != n {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "attrs/s")
}

// BenchmarkFeedCache100k caches a 100 000-line freetext feed and reports values/s.
func BenchmarkFeedCache100k(b *testing.B) {
	const n = 100_000
	body := freetextLines(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	fx := inteltest.New(b, inteltest.Options{})
	f := &misp.Feed{Name: "bench", URL: srv.URL, Enabled: true}
	if err := fx.Svc.AddFeed(context.Background(), fx.ACL("admin"), f, nil); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		got, err := fx.Svc.CacheFeed(context.Background(), fx.ACL("admin"), int64(f.ID))
		total += time.Since(start)
		if err != nil || got != n {
			b.Fatalf("%d %v", got, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "values/s")
}

// BenchmarkFeedHitLookup measures the hit lookup per value against a 100 000-value cache, one value at a time and
// in batches of 1000 (an event's attributes).
func BenchmarkFeedHitLookup(b *testing.B) {
	const n = 100_000
	body := freetextLines(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	fx := inteltest.New(b, inteltest.Options{})
	admin := fx.ACL("admin")
	f := &misp.Feed{Name: "bench", URL: srv.URL, Enabled: true}
	if err := fx.Svc.AddFeed(context.Background(), admin, f, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := fx.Svc.CacheFeed(context.Background(), admin, int64(f.ID)); err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 1000} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			values := make([]intel.TypedValue, batch)
			i := 0
			for b.Loop() {
				for k := range values {
					i = (i + 1) % n
					values[k] = intel.TypedValue{Type: "ip-dst", Value: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
				}
				hits, err := fx.Svc.FeedHits(context.Background(), admin, values)
				if err != nil || len(hits) == 0 {
					b.Fatalf("%d hits %v", len(hits), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/value")
		})
	}
}
