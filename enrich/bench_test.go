package enrich_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func manyIndicators(n int) []enrich.Indicator {
	out := make([]enrich.Indicator, n)
	for i := range out {
		out[i] = enrich.Indicator{Type: ioc.IPv4, Value: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	}
	return out
}

// BenchmarkCachedLookups: 1 M lookups answered from the cache, in batches of 10 000 (target: ≤ 2 s
// for the million). distinct is the number of different indicators among them: 100 k fits the
// in-memory layer's default bound (each is asked ten times, as in a hunt that keeps meeting the
// same indicators); 1 M makes every lookup a different one.
func BenchmarkCachedLookups(b *testing.B) {
	for _, distinct := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("distinct=%d", distinct), func(b *testing.B) {
			const n, batch = 1_000_000, 10_000
			p := &countProvider{name: "fake", types: []ioc.Type{ioc.IPv4}}
			e, _ := enrich.New(enrich.Options{Cache: enrich.NewCache(nil, distinct), Sources: []enrich.Source{{Provider: p}}})
			inds := manyIndicators(distinct)
			for i := 0; i < distinct; i += batch {
				e.Lookup(context.Background(), inds[i:i+batch], enrich.LookupOptions{})
			}
			asked := p.items.Load()
			b.ResetTimer()
			for range b.N {
				for i := 0; i < n; i += batch {
					j := i % distinct
					reps, _ := e.Lookup(context.Background(), inds[j:j+batch], enrich.LookupOptions{})
					if !reps[0].Results[0].Cached {
						b.Fatal("not cached")
					}
				}
			}
			b.StopTimer()
			if p.items.Load() != asked {
				b.Fatal("the provider was asked again")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9, "s/1M-lookups")
		})
	}
}

// BenchmarkUncachedOverhead: the engine's own cost per uncached lookup, with a provider that
// answers at once (target: ≤ 20 µs per lookup). One indicator per Lookup call, the worst case.
func BenchmarkUncachedOverhead(b *testing.B) {
	p := &countProvider{name: "fake", types: []ioc.Type{ioc.IPv4}}
	e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p}}})
	inds := manyIndicators(1 << 16)
	b.ResetTimer()
	for i := range b.N {
		e.Lookup(context.Background(), inds[i&(1<<16-1):i&(1<<16-1)+1], enrich.LookupOptions{})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/lookup")
}

// BenchmarkLatency10k: 10 000 uncached lookups through the production HTTP path against a local
// server that takes 50 ms per request, with concurrency 16 (target: ≤ 35 s; the floor is
// 10 000 × 50 ms / 16 = 31.25 s). Skipped with -short: it takes half a minute.
func BenchmarkLatency10k(b *testing.B) {
	if testing.Short() {
		b.Skip("takes over 30 s; run without -short")
	}
	const n, conc = 10_000, 16
	srv := enrichtest.NewServer(b, nil, func(*http.Request, int) enrichtest.Reply {
		time.Sleep(50 * time.Millisecond)
		return enrichtest.Reply{Body: `{"verdict":"benign"}`}
	})
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = conc
	for range b.N {
		h := &enrich.HTTP{Provider: "echo", Client: client}
		e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: echo{h, srv.URL}, Concurrency: conc}}})
		start := time.Now()
		reps, _ := e.Lookup(context.Background(), manyIndicators(n), enrich.LookupOptions{})
		for _, r := range reps {
			if r.Verdict != enrich.Benign {
				b.Fatalf("%v: %v %v", r.Indicator, r.Verdict, r.Results[0].Err)
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-lookups")
	}
}
