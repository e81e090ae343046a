package intel

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// FuzzNIDSRule writes one attribute of a type with rules as Suricata and Snort rules: every line after the
// header must be a whole rule (no value may start a line of its own), with a sid.
func FuzzNIDSRule(f *testing.F) {
	for _, s := range []struct{ typ, v string }{
		{"ip-dst", "198.51.100.7"}, {"ip-src|port", "203.0.113.1|80"}, {"domain", "evil.example"},
		{"hostname", "a.b.example"}, {"domain|ip", "x.example|192.0.2.1"}, {"url", "http://[::1]:8080/p?q"},
		{"url", "https://h.example"}, {"url", "ftp://192.0.2.9"}, {"user-agent", "a\"b;c|d\nalert"},
		{"email-subject", "x\r\ny"}, {"email-attachment", "0x0x.exe"}, {"ja3-fingerprint-md5", "abc"},
	} {
		f.Add(s.typ, s.v)
	}
	f.Fuzz(func(t *testing.T, typ, v string) {
		if typ == "snort" {
			return // passed through as written
		}
		for _, format := range []Format{FormatSuricata, FormatSnort} {
			var buf bytes.Buffer
			w := NewNIDSWriter(&buf, NIDSOptions{Format: format, SidBase: DefaultNIDSSid})
			if err := w.WriteHeader(); err != nil {
				t.Fatal(err)
			}
			header := buf.Len()
			a := &misp.Attribute{ID: 7, Type: typ, Value: v}
			if err := w.WriteAttribute(a, NIDSEvent{ID: 1, ThreatLevel: 2}, []string{`t"a;g`}); err != nil {
				t.Fatal(err)
			}
			rest := buf.String()[header:]
			if rest == "" {
				continue
			}
			for l := range strings.SplitSeq(strings.TrimPrefix(rest, "\n"), "\n") {
				if !strings.HasPrefix(l, "alert ") || !strings.Contains(l, "; sid:400007") || !strings.HasSuffix(l, ";) ") {
					t.Fatalf("%s %s %q: line %q", format, typ, v, l)
				}
			}
		}
	})
}
