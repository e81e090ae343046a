package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchEntries is the cache size the benchmarks run against, and benchJSON a typical stored
// answer (a few hundred bytes of a provider's JSON reply).
const (
	benchEntries = 10_000
	benchJSON    = `{"data":{"id":"192.0.2.1","type":"ip_address","attributes":{"last_analysis_stats":` +
		`{"harmless":61,"malicious":3,"suspicious":1,"undetected":24,"timeout":0},"reputation":-12,` +
		`"as_owner":"EXAMPLE-AS","country":"ZZ","network":"192.0.2.0/24","tags":["scanner"]}}}`
)

func benchKey(i int) string { return fmt.Sprintf("https://host-%d.example/path/%d?q=%d", i%97, i, i) }

func benchDB(b *testing.B) *DB {
	db := openTest(b, Options{})
	ctx := context.Background()
	data := []byte(benchJSON)
	for i := range benchEntries {
		if err := db.PutCached(ctx, "virustotal", "url", benchKey(i), i%4, data, t0, t0.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func BenchmarkGetCached(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.Run("hit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok, err := db.GetCached(ctx, "virustotal", "url", benchKey(i%benchEntries), t0); err != nil || !ok {
				b.Fatal(ok, err)
			}
			i++
		}
	})
	b.Run("miss", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok, err := db.GetCached(ctx, "otx", "url", benchKey(i%benchEntries), t0); err != nil || ok {
				b.Fatal(ok, err)
			}
			i++
		}
	})
	b.Run("hit-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, ok, err := db.GetCached(ctx, "virustotal", "url", benchKey(i%benchEntries), t0); err != nil || !ok {
					b.Fatal(ok, err)
				}
				i += 7
			}
		})
	})
}

func BenchmarkPutCached(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	data := []byte(benchJSON)
	b.Run("replace", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := db.PutCached(ctx, "virustotal", "url", benchKey(i%benchEntries), i%4, data, t0, t0.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("insert", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := db.PutCached(ctx, "otx", "url", benchKey(i), i%4, data, t0, t0.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
