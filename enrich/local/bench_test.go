package local

import (
	"fmt"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// benchList is a deterministic list of n domains, n/10 addresses and n/100 networks of mixed
// prefix lengths.
func benchList(n int) *List {
	es := make([]Entry, 0, n+n/10+n/100)
	for i := range n {
		es = append(es, Entry{Value: fmt.Sprintf("host%d.example%d.com", i, i%97), Type: ioc.Domain, Verdict: enrich.Malicious})
	}
	for i := range n / 10 {
		es = append(es, Entry{Value: fmt.Sprintf("198.%d.%d.%d", i>>16&255, i>>8&255, i&255), Verdict: enrich.Suspicious})
	}
	for i := range n / 100 {
		es = append(es, Entry{Value: fmt.Sprintf("10.%d.%d.0/%d", i>>8&255, i&255, 16+i%9), Verdict: enrich.Benign})
	}
	return NewList(es)
}

func BenchmarkListMatch(b *testing.B) {
	l := benchList(100_000)
	cases := []struct {
		name string
		ind  enrich.Indicator
	}{
		{"domain-hit", enrich.Indicator{Type: ioc.Domain, Value: "host4242.example71.com"}},
		{"domain-miss", enrich.Indicator{Type: ioc.Domain, Value: "nothing.example.org"}},
		{"ipv4-exact", enrich.Indicator{Type: ioc.IPv4, Value: "198.0.16.1"}},
		{"ipv4-network", enrich.Indicator{Type: ioc.IPv4, Value: "10.0.3.77"}},
		{"ipv4-miss", enrich.Indicator{Type: ioc.IPv4, Value: "192.0.2.1"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Match(c.ind)
			}
		})
	}
}

func BenchmarkNewList(b *testing.B) {
	es := make([]Entry, 0, 100_000)
	for i := range 100_000 {
		es = append(es, Entry{Value: fmt.Sprintf("host%d.example.com", i), Type: ioc.Domain, Verdict: enrich.Malicious})
	}
	b.ReportAllocs()
	for b.Loop() {
		NewList(es)
	}
}
