package ioc

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// Each TestMsticpyQuirk_ test shows hunch's behaviour on one bug verified in msticpy's
// IoCExtract (../shared/reference/msticpy.md §3.1).

func values(ms []Match, ty Type) []string {
	var out []string
	for _, m := range ms {
		if m.Type == ty {
			out = append(out, m.Value)
		}
	}
	return out
}

func TestMsticpyQuirk_IPv4RangeAndBoundary(t *testing.T) {
	// msticpy: 999.1.1.1 accepted, 11.22.33.4444 gives 11.22.33.444, 1234.5.6.7 gives 234.5.6.7.
	for _, in := range []string{"999.1.1.1", "11.22.33.4444", "1234.5.6.7", "1.2.3.256", "x 01.02.03.1234 y"} {
		if got := values(Extract(in), IPv4); len(got) != 0 {
			t.Errorf("Extract(%q) ipv4 = %q, want none", in, got)
		}
	}
	if got := values(Extract("from 10.1.2.3, to 255.255.255.255."), IPv4); !slices.Equal(got, []string{"10.1.2.3", "255.255.255.255"}) {
		t.Errorf("valid addresses: got %q", got)
	}
}

func TestMsticpyQuirk_DNSRightBoundary(t *testing.T) {
	// msticpy: a.ps1 gives the domain a.ps.
	for _, in := range []string{"a.ps1", "run update.ps1 now", "x.com1"} {
		if got := values(Extract(in), Domain); len(got) != 0 {
			t.Errorf("Extract(%q) domains = %q, want none", in, got)
		}
	}
}

func TestMsticpyQuirk_FileNameTLDs(t *testing.T) {
	// msticpy: run.py, start.sh, invoice.zip, lib.so and s.Read become domains.
	in := "run.py start.sh invoice.zip lib.so s.Read"
	if got := values(Extract(in), Domain); len(got) != 0 {
		t.Errorf("default: domains %q, want none", got)
	}
	e, err := NewExtractor(Options{FileNameTLDs: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run.py", "start.sh", "invoice.zip", "lib.so", "s.read"}
	if got := values(e.Extract(in), Domain); !slices.Equal(got, want) {
		t.Errorf("FileNameTLDs: domains %q, want %q", got, want)
	}
	// A real domain under such a TLD with more labels is still a domain.
	if got := values(Extract("c2 at cdn.evil.zip"), Domain); !slices.Equal(got, []string{"cdn.evil.zip"}) {
		t.Errorf("cdn.evil.zip: got %q", got)
	}
}

func TestMsticpyQuirk_IPv6Timestamps(t *testing.T) {
	// msticpy: hh:mm:ss syslog times match its ipv6 regex (63% of its ipv6 results).
	for _, in := range []string{"Nov 22 12:34:56 host sshd[1]: x", "12:34:56.789", "at 01:02:03:04", "aa:bb:cc:dd:ee:ff"} {
		if got := values(Extract(in), IPv6); len(got) != 0 {
			t.Errorf("Extract(%q) ipv6 = %q, want none", in, got)
		}
	}
	if got := values(Extract("Nov 22 12:34:56 from fe80::1%eth0 port 22"), IPv6); !slices.Equal(got, []string{"fe80::1%eth0"}) {
		t.Errorf("got %q", got)
	}
}

func TestMsticpyQuirk_URLTrailingPunctuation(t *testing.T) {
	// msticpy: a URL path keeps a trailing ', ), ', and .
	tests := []struct{ in, want string }{
		{"iex('http://evil.com/a.ps1')", "http://evil.com/a.ps1"},
		{"(see http://evil.com/a)", "http://evil.com/a"},
		{"['http://evil.com/a', 'x']", "http://evil.com/a"},
		{"go to http://evil.com/a.", "http://evil.com/a"},
		{"https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"},
	}
	for _, tt := range tests {
		if got := values(Extract(tt.in), URL); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("Extract(%q) urls = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMsticpyQuirk_PercentEncodedJunkDomains(t *testing.T) {
	// msticpy: %2F inside a URL yields junk domains such as 2Fevil2.com.
	ms := Extract("GET http://evil.com/r?u=https%3A%2F%2Fevil2.com%2Fx done")
	if got := values(ms, Domain); !slices.Equal(got, []string{"evil.com"}) {
		t.Errorf("domains %q, want only the URL host", got)
	}
	for _, m := range ms {
		if m.Type != URL && strings.Contains(strings.ToLower(m.Value), "2fevil2") {
			t.Errorf("junk match %v", m)
		}
	}
}

func TestMsticpyQuirk_EmailFromURLUserinfo(t *testing.T) {
	// msticpy: the URL test case yields the e-mail //myuser@some.domain.es.
	ms := Extract("ftp://myuser@some.domain.es/path")
	if got := values(ms, Email); len(got) != 0 {
		t.Errorf("emails %q, want none", got)
	}
	if got := values(ms, URL); !slices.Equal(got, []string{"ftp://myuser@some.domain.es/path"}) {
		t.Errorf("urls %q", got)
	}
	if got := values(ms, Domain); !slices.Equal(got, []string{"some.domain.es"}) {
		t.Errorf("domains %q", got)
	}
}

func TestMsticpyQuirk_TwoHashesOneApart(t *testing.T) {
	// msticpy: the boundary byte is consumed by the first match, so the second is missed.
	a, b := strings.Repeat("a1", 16), strings.Repeat("b2", 16)
	for _, sep := range []string{",", " ", ":", "|", "g"} {
		if got := values(Extract(a+sep+b), MD5); !slices.Equal(got, []string{a, b}) {
			t.Errorf("separator %q: %q", sep, got)
		}
	}
}

func TestMsticpyQuirk_DefangedValuesRefanged(t *testing.T) {
	// msticpy: evil[.]com comes back as evil[.]com.
	ms := Extract("C2 hxxps://evil[.]com/x and 1.2.3[.]4 and bob[at]evil[.]com")
	want := []Match{
		{Type: URL, Value: "https://evil.com/x", Raw: "hxxps://evil[.]com/x", Defanged: true},
		{Type: Domain, Value: "evil.com", Raw: "evil[.]com", Defanged: true},
		{Type: IPv4, Value: "1.2.3.4", Raw: "1.2.3[.]4", Defanged: true},
		{Type: Email, Value: "bob@evil.com", Raw: "bob[at]evil[.]com", Defanged: true},
		{Type: Domain, Value: "evil.com", Raw: "evil[.]com", Defanged: true},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d matches %v", len(ms), ms)
	}
	for i, w := range want {
		m := ms[i]
		if m.Type != w.Type || m.Value != w.Value || m.Raw != w.Raw || m.Defanged != w.Defanged {
			t.Errorf("match %d = %+v, want %+v", i, m, w)
		}
	}
}

func TestMsticpyQuirk_CustomTypesPerExtractor(t *testing.T) {
	// msticpy: add_ioc_type writes class-level state, so a custom type leaks into every
	// instance.
	e1, err := NewExtractor(Options{Custom: []Custom{{Name: "ticket", Pattern: `INC-\d+`}}})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := NewExtractor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := "see INC-1234"
	if got := values(e1.Extract(in), "ticket"); !slices.Equal(got, []string{"INC-1234"}) {
		t.Errorf("e1: %q", got)
	}
	for name, ms := range map[string][]Match{"e2": e2.Extract(in), "default": Extract(in)} {
		if len(ms) != 0 {
			t.Errorf("%s: custom type leaked: %v", name, ms)
		}
	}
}

func TestMsticpyQuirk_IgnoreTLDsStateLeak(t *testing.T) {
	// msticpy: ignore_tlds set through the string API is not restored afterwards. Hunch
	// keeps options in the Extractor: one extractor's options never change another's,
	// even when both run at once.
	loose, err := NewExtractor(Options{FileNameTLDs: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if got := values(loose.Extract("run.py"), Domain); len(got) != 1 {
				t.Errorf("loose: %q", got)
			}
		}()
		go func() {
			defer wg.Done()
			if got := values(Extract("run.py"), Domain); len(got) != 0 {
				t.Errorf("default after loose: %q", got)
			}
		}()
	}
	wg.Wait()
}
