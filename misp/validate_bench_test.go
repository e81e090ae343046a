package misp

import (
	"fmt"
	"testing"
)

// benchValues is a deterministic mix of attribute types and values, weighted the way
// indicator feeds are: mostly hashes, addresses, domains and URLs.
func benchValues() [][2]string {
	var out [][2]string
	for i := 0; i < 256; i++ {
		h := fmt.Sprintf("%032X", uint64(i)*0x9E3779B97F4A7C15)
		out = append(out,
			[2]string{"md5", h[:32]},
			[2]string{"sha256", h + h},
			[2]string{"ip-dst", fmt.Sprintf("10.%d.%d.%d", i, i*7%256, i*13%256)},
			[2]string{"ip-src", fmt.Sprintf("2001:db8::%x", i)},
			[2]string{"domain", fmt.Sprintf("Host%d.Example.COM", i)},
			[2]string{"hostname", fmt.Sprintf("c2-%d.evil[.]net", i)},
			[2]string{"url", fmt.Sprintf("hxxp://evil%d.com/gate.php?id=%d", i, i)},
			[2]string{"email-src", fmt.Sprintf("User%d@Example.org", i)},
			[2]string{"filename|sha1", fmt.Sprintf("payload%d.exe|%040x", i, i)},
			[2]string{"ip-dst|port", fmt.Sprintf("192.0.2.%d:%d", i, 1024+i)},
			[2]string{"AS", fmt.Sprintf("AS%d", 64512+i)},
			[2]string{"text", fmt.Sprintf("free text note number %d", i)},
		)
	}
	return out
}

func BenchmarkNormalizeValue(b *testing.B) {
	vals := benchValues()
	for _, v := range vals {
		if _, err := NormalizeValue(v[0], v[1]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := vals[i%len(vals)]
		if _, err := NormalizeValue(v[0], v[1]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGuessAttribute(b *testing.B) {
	vals := benchValues()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		GuessAttribute(vals[i%len(vals)][1])
	}
}
