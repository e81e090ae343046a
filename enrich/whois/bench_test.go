package whois

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkRecordFromJSON(b *testing.B) {
	body := []byte(strings.NewReplacer("{{ARIN}}", "https://rdap.arin.net").Replace(readFile(b, "rdap/arin_ip_8.8.8.8.json")))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := recordFromJSON(KindIP, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCymruLine(b *testing.B) {
	line := "15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := parseCymruLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupLocal is one whole Lookup against a local RDAP server with the bootstrap
// cached: request, redirect-free reply, conversion. Network latency of a real registry is
// not included.
func BenchmarkLookupLocal(b *testing.B) {
	e := newEnv(b)
	opts := e.options()
	opts.DisableCymru = true
	c := New(opts)
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "8.8.8.8"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Lookup(ctx, "8.8.8.8"); err != nil {
			b.Fatal(err)
		}
	}
}
