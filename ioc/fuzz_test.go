package ioc

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"hxxps://evil[.]com/a.ps1 1.2.3[.]4 bob[at]evil(dot)com",
	`C:\Program Files (x86)\App\a.exe \\srv\share\x %APPDATA%\y HKLM\Software\Run`,
	"fe80::1%eth0 [2001:db8::1]:443 ::ffff:192.0.2.1 12:34:56 00:11:22:33:44:55",
	"d41d8cd98f00b204e9800998ecf8427e,da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"/usr/bin/curl -o /tmp/x http://[::1]:8080/(a) CVE-2021-44228 T1059.001",
	"words1.1.1.1words 10[[[.]]]10(((.)))10\\\\.10 http__example.com https:__x.org",
	"myuser [ @ ] example   [[[  . ])] com user@[127.0.0.1] a@b.c",
	"Registry::HKEY_CURRENT_USER\\x \"C:\\\\Users\\\\bob\\\\x.exe\" GET /a/b HTTP/1.1",
	"\xc2\xa0http://example.com/test\xc2\xa0words): \xff\xfe[.]\x00",
	"",
}

// FuzzExtract checks the scanner's invariants on arbitrary input: no panic, offsets inside
// the input, Raw equal to the text it came from, non-empty values, matches sorted by
// Start, and the same result from the string and []byte entry points.
func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	e, err := NewExtractor(Options{Custom: []Custom{{Name: "ticket", Pattern: `INC-(?P<ioc>\d+)`}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ms := e.Extract(text)
		for i, m := range ms {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
				t.Fatalf("match %d %+v: bad span for input of %d bytes", i, m, len(text))
			}
			if text[m.Start:m.End] != m.Raw {
				t.Fatalf("match %d: Raw %q != text[%d:%d] %q", i, m.Raw, m.Start, m.End, text[m.Start:m.End])
			}
			if m.Value == "" {
				t.Fatalf("match %d %+v: empty value", i, m)
			}
			if m.Type == IPv6 {
				// The scanner converts addresses itself; net/netip is the reference.
				a, err := netip.ParseAddr(m.Raw)
				if err != nil || a.String() != m.Value {
					t.Fatalf("ipv6 %q: value %q, netip says %v (%v)", m.Raw, m.Value, a, err)
				}
			}
			if i > 0 && ms[i-1].Start > m.Start {
				t.Fatalf("matches not sorted: %d starts at %d after %d", i, m.Start, ms[i-1].Start)
			}
		}
		bs := e.AppendMatches(nil, []byte(text))
		if len(bs) != len(ms) {
			t.Fatalf("AppendMatches found %d, Extract %d", len(bs), len(ms))
		}
		for i := range bs {
			if bs[i] != ms[i] {
				t.Fatalf("match %d differs: %+v vs %+v", i, bs[i], ms[i])
			}
		}
	})
}

// FuzzRefang checks that Refang never panics, grows its input only where "__" becomes
// "://", keeps valid UTF-8 valid, and that Defang then Refang gives back a live indicator.
func FuzzRefang(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("myuser { at ) example {  doT ])] com [dot tld")
	f.Add(`https://example\(.\)com/test\.html`)
	f.Fuzz(func(t *testing.T, s string) {
		r := Refang(s)
		if len(r) > len(s)+strings.Count(s, "__") {
			t.Fatalf("Refang(%q) = %q grew by more than its '__' separators", s, r)
		}
		if utf8.ValidString(s) && !utf8.ValidString(r) {
			t.Fatalf("Refang(%q) = %q is not valid UTF-8", s, r)
		}
		d := Defang(r)
		if !strings.Contains(r, "[") && !strings.Contains(r, "(") && !strings.Contains(r, "{") && !strings.Contains(r, "\\") && Refang(d) != strings.TrimSpace(r) && isPlainIndicator(r) {
			t.Fatalf("Refang(Defang(%q)) = %q", r, Refang(d))
		}
	})
}

// isPlainIndicator reports whether s looks like one live URL, domain or address, the
// values for which Refang(Defang(s)) == s must hold.
func isPlainIndicator(s string) bool {
	ms := Extract(s)
	return len(ms) > 0 && ms[0].Start == 0 && ms[0].End == len(s) && ms[0].Value == s &&
		(ms[0].Type == URL || ms[0].Type == Domain || ms[0].Type == IPv4 || ms[0].Type == Email)
}
