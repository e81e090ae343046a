package warninglist

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

const testLists = "testdata/warninglists/lists"

func TestParse(t *testing.T) {
	valid := `{"name":"n","description":"d","version":20260101,"type":"string","list":["a","b"],"matching_attributes":["md5"]}`
	tests := []struct {
		name, in, wantErr string
	}{
		{"valid", valid, ""},
		{"no matching_attributes", `{"name":"n","description":"d","version":1,"type":"cidr","list":[]}`, ""},
		{"unknown field", `{"name":"n","description":"d","version":1,"type":"string","list":[],"category":"known"}`, `unknown field "category"`},
		{"missing name", `{"description":"d","version":1,"type":"string","list":[]}`, "missing field name"},
		{"null name", `{"name":null,"description":"d","version":1,"type":"string","list":[]}`, "missing field name"},
		{"empty name", `{"name":"","description":"d","version":1,"type":"string","list":[]}`, "empty name"},
		{"missing description", `{"name":"n","version":1,"type":"string","list":[]}`, "missing field description"},
		{"missing version", `{"name":"n","description":"d","type":"string","list":[]}`, "missing field version"},
		{"missing type", `{"name":"n","description":"d","version":1,"list":[]}`, "missing field type"},
		{"missing list", `{"name":"n","description":"d","version":1,"type":"string"}`, "missing field list"},
		{"version as string", `{"name":"n","description":"d","version":"1","type":"string","list":[]}`, "not an integer"},
		{"version as float", `{"name":"n","description":"d","version":1.5,"type":"string","list":[]}`, "not an integer"},
		{"type list", `{"name":"n","description":"d","version":1,"type":["string"],"list":[]}`, "not a warninglist"},
		{"unknown type", `{"name":"n","description":"d","version":1,"type":"glob","list":[]}`, `unknown type "glob"`},
		{"entry not a string", `{"name":"n","description":"d","version":1,"type":"string","list":[1]}`, "not a warninglist"},
		{"duplicate entry", `{"name":"n","description":"d","version":1,"type":"string","list":["a","a"]}`, `"a" more than once`},
		{"duplicate attribute", `{"name":"n","description":"d","version":1,"type":"string","list":[],"matching_attributes":["md5","md5"]}`, `"md5" more than once`},
		{"trailing data", valid + `{}`, "data after the object"},
		{"array", `[]`, "not a warninglist"},
		{"empty", ``, "not a warninglist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse([]byte(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if l.Name != "n" || l.Description != "d" {
					t.Errorf("got %+v", l)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	l, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 20260101 || l.Type != TypeString || !slices.Equal(l.Entries, []string{"a", "b"}) ||
		!slices.Equal(l.MatchingAttributes, []string{"md5"}) {
		t.Errorf("parsed %+v", l)
	}
}

func TestLoadDirNamesBadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "list.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b-good", `{"name":"good","description":"d","version":1,"type":"string","list":["x"]}`)
	write("a-bad", `{"name":"bad","description":"d","version":1,"type":"string","list":["x"],"extra":1}`)
	if err := os.MkdirAll(filepath.Join(dir, "c-empty"), 0o755); err != nil { // no list.json: not a list
		t.Fatal(err)
	}
	lists, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a-bad", "list.json")) ||
		!strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Fatalf("LoadDir error = %v, want one naming a-bad/list.json", err)
	}
	if len(lists) != 1 || lists[0].Name != "good" || lists[0].Path != filepath.Join(dir, "b-good", "list.json") {
		t.Fatalf("lists = %+v", lists)
	}
	if lists, err := LoadDir(filepath.Join(dir, "missing")); err != nil || lists != nil {
		t.Errorf("missing dir: %v, %v", lists, err)
	}
}

func testSet(t testing.TB) *Set {
	t.Helper()
	lists, err := LoadDir(testLists)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(lists)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProblems(t *testing.T) {
	s := testSet(t)
	var got []string
	for _, p := range s.Problems() {
		var pr *Problem
		if !errors.As(p, &pr) {
			t.Fatalf("problem %v is no *Problem", p)
		}
		if !strings.Contains(p.Error(), pr.Path) || pr.Path == "" {
			t.Errorf("problem %q does not name its file", p)
		}
		got = append(got, pr.Entry)
	}
	want := []string{"/(?<=x)y/", "no-delimiters", "bogus"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	s := testSet(t)
	const (
		dns       = "Test public DNS resolvers"
		hashes    = "Test hashes of empty files"
		hosts     = "Test well-known domains"
		disposab  = "Test disposable e-mail domains"
		contacts  = "Test contact addresses and numbers"
		everyType = "Test list for every type"
	)
	type hit struct{ list, matched, value string }
	tests := []struct {
		typ, value string
		want       []hit
	}{
		// cidr: addresses, ranges inside and wider than a list range, composites, IPv6
		{"ip-dst", "8.8.8.8", []hit{{dns, "8.8.8.8/32", "8.8.8.8"}, {everyType, "8.8.8.8", "8.8.8.8"}}},
		{"ip-src", "10.1.2.3", []hit{{dns, "10.0.0.0/8", "10.1.2.3"}}},
		{"ip-src", "10.1.0.0/16", []hit{{dns, "10.0.0.0/8", "10.1.0.0/16"}}},
		{"ip-src", "10.0.0.0/7", nil},
		{"ip-src", "192.168.1.200", []hit{{dns, "192.168.1.0/24", "192.168.1.200"}}},
		{"ip-src", "2001:4860:4860:0:0:0:0:8888", []hit{{dns, "2001:4860:4860::8888/128", "2001:4860:4860:0:0:0:0:8888"}}},
		{"ip-src", "::ffff:146.112.61.104", []hit{{dns, "::ffff:146.112.61.104/128", "::ffff:146.112.61.104"}}},
		{"ip-dst|port", "8.8.8.8|53", []hit{{dns, "8.8.8.8/32", "8.8.8.8"}, {everyType, "8.8.8.8", "8.8.8.8"}}},
		{"domain|ip", "example.net|10.9.9.9", []hit{{dns, "10.0.0.0/8", "10.9.9.9"}}},
		{"ip-dst", "192.0.2.1", nil},
		{"ip-dst", "not an ip", nil},
		{"url", "8.8.8.8", []hit{{everyType, "8.8.8.8", "8.8.8.8"}}}, // dns does not apply to url
		// string: exact, case-sensitive; composite parts; empty entries never match
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", []hit{{hashes, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"}}},
		{"md5", "D41D8CD98F00B204E9800998ECF8427E", nil},
		{"filename|md5", "empty.txt|d41d8cd98f00b204e9800998ecf8427e", []hit{{hashes, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"}}},
		{"malware-sample", "x.exe|d41d8cd98f00b204e9800998ecf8427e", []hit{{hashes, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"}}},
		{"md5", "", nil},
		{"sha256", "d41d8cd98f00b204e9800998ecf8427e", nil},
		// hostname: the domain or a subdomain, case-insensitive; URLs reduced to their host
		{"domain", "example.com", []hit{{hosts, "example.com", "example.com"}}},
		{"hostname", "WWW.Example.com.", []hit{{hosts, "example.com", "WWW.Example.com."}}},
		{"domain", "notexample.com", nil},
		{"domain", "com", nil},
		{"url", "https://user@a.b.test.org:8443/path?q=1", []hit{{hosts, "test.org", "https://user@a.b.test.org:8443/path?q=1"}}},
		{"url", "test.org/index.html", []hit{{hosts, "test.org", "test.org/index.html"}}},
		{"hostname|port", "mail.example.com|25", []hit{{hosts, "example.com", "mail.example.com"}}},
		{"domain", "example.com.evil.net", nil},
		// substring: anywhere in the value, overlapping entries
		{"email-src", "joe@inbox.mail.ru", []hit{{disposab, "ail.r", "joe@inbox.mail.ru"}}},
		{"email-dst", "ushers@x.y", []hit{{disposab, "she", "ushers@x.y"}}},
		{"email-dst", "joe@gmail.com", nil},
		// regex: flags, the JavaScript g flag, other delimiters
		{"email-src", "Security@corp.example", []hit{{contacts, `/^(security|abuse)@.*\..*$/i`, "Security@corp.example"}}},
		{"phone-number", "+1 555 0123", nil},
		{"phone-number", "+15550123", []hit{{contacts, `/((?:\+|00)1)?55501([0-9]{2})/g`, "+15550123"}}},
		{"email-dst", "noc@corp.example", []hit{{contacts, "#^noc@#", "noc@corp.example"}}},
		// a list without matching_attributes applies to every type
		{"text", "magic-value", []hit{{everyType, "magic-value", "magic-value"}}},
		{"comment", "nothing", nil},
		// no type: every list, value not split (warninglists/checkValue)
		{"", "8.8.8.8", []hit{{dns, "8.8.8.8/32", "8.8.8.8"}, {everyType, "8.8.8.8", "8.8.8.8"}}},
		{"", "http://www.example.com/x", []hit{{hosts, "example.com", "http://www.example.com/x"}}},
		{"", "8.8.8.8|53", nil},
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+tc.value, func(t *testing.T) {
			var got []hit
			for _, h := range s.Match(tc.typ, tc.value, nil) {
				got = append(got, hit{h.List.Name, h.Matched, h.Value})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Match(%q, %q) = %q, want %q", tc.typ, tc.value, got, tc.want)
			}
			if f := s.Filter(nil); f.Hit(tc.typ, tc.value) != (len(tc.want) > 0) {
				t.Errorf("Hit(%q, %q) = %v", tc.typ, tc.value, !(len(tc.want) > 0))
			}
		})
	}
}

func TestMatchEnabled(t *testing.T) {
	s := testSet(t)
	only := func(names ...string) func(string) bool {
		return func(n string) bool { return slices.Contains(names, n) }
	}
	if h := s.Match("ip-dst", "8.8.8.8", only("Test list for every type")); len(h) != 1 || h[0].List.Name != "Test list for every type" {
		t.Errorf("only every-type list enabled: %+v", h)
	}
	f := s.Filter(only())
	if f.Enabled() != 0 || f.Hit("ip-dst", "8.8.8.8") || f.Match("", "8.8.8.8") != nil {
		t.Error("nothing enabled still hits")
	}
	f = s.Filter(only("Test public DNS resolvers"))
	if f.Enabled() != 1 || !f.Hit("ip-src|port", "10.0.0.1|22") || f.Hit("md5", "d41d8cd98f00b204e9800998ecf8427e") {
		t.Error("dns filter")
	}
}

func TestAutomaton(t *testing.T) {
	ps := []acPattern{{s: "he"}, {s: "she"}, {s: "his"}, {s: "hers"}, {s: "s"}}
	a := buildAutomaton(ps)
	var got []string
	a.scan("ushers", func(p *acPattern) bool { got = append(got, p.s); return true })
	want := []string{"s", "she", "he", "hers", "s"}
	if !slices.Equal(got, want) {
		t.Errorf("scan = %q, want %q", got, want)
	}
	got = nil
	a.scan("ushers", func(p *acPattern) bool { got = append(got, p.s); return false })
	if len(got) != 1 {
		t.Errorf("scan did not stop: %q", got)
	}
	buildAutomaton(nil).scan("x", func(*acPattern) bool { t.Error("empty automaton matched"); return true })
}

func TestCompilePCRE(t *testing.T) {
	tests := []struct {
		in, match, noMatch string
		wantErr            bool
	}{
		{in: `/^abc$/`, match: "abc", noMatch: "ABC"},
		{in: `/^abc$/i`, match: "ABC", noMatch: "abcd"},
		{in: `{a.c}s`, match: "a\nc", noMatch: "ab"},
		{in: `(^x$)m`, match: "a\nx\nb", noMatch: "xx"},
		{in: `/a/u`, match: "a"},
		{in: `/a/x`, wantErr: true},
		{in: `abc`, wantErr: true},
		{in: `\abc\`, wantErr: true},
		{in: `/abc`, wantErr: true},
		{in: `/`, wantErr: true},
		{in: `/(a)\1/`, wantErr: true},
	}
	for _, tc := range tests {
		re, err := compilePCRE(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("compilePCRE(%q) = %v, want an error", tc.in, re)
			}
			continue
		}
		if err != nil {
			t.Errorf("compilePCRE(%q): %v", tc.in, err)
			continue
		}
		if !re.MatchString(tc.match) || tc.noMatch != "" && re.MatchString(tc.noMatch) {
			t.Errorf("compilePCRE(%q) = %v: wrong matches", tc.in, re)
		}
	}
}

func corpusLists(tb testing.TB) string {
	return testcorpus.Path(tb, "misp-data/warninglists/lists")
}

// TestCorpus loads every list of the corpus and checks lookups MISP's own tests rely on.
func TestCorpus(t *testing.T) {
	dir := corpusLists(t)
	start := time.Now()
	lists, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("corpus lists refused: %v", err)
	}
	s, err := NewSet(lists)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d lists, %d entries, %d problems, loaded and indexed in %v", len(lists), s.Entries(), len(s.Problems()), time.Since(start))
	for _, p := range s.Problems() {
		t.Logf("problem: %v", p)
	}
	if len(lists) < 100 || s.Entries() < 400_000 {
		t.Errorf("only %d lists, %d entries", len(lists), s.Entries())
	}
	names := func(h []Hit) []string {
		var out []string
		for _, x := range h {
			out = append(out, x.List.Name)
		}
		return out
	}
	tests := []struct {
		typ, value, want string
	}{
		{"ip-dst", "8.8.8.8", "List of known IPv4 public DNS resolvers"},
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", "List of known hashes with common false-positives (based on Florian Roth input list)"},
		{"", "d41d8cd98f00b204e9800998ecf8427e", "List of known hashes for empty files"},
		{"ip-src", "2001:4860:4860::8888", "List of known IPv6 public DNS resolvers"},
	}
	for _, tc := range tests {
		if got := names(s.Match(tc.typ, tc.value, nil)); !slices.Contains(got, tc.want) {
			t.Errorf("Match(%q, %q) = %q, want %q among them", tc.typ, tc.value, got, tc.want)
		}
	}
	if h := s.Match("ip-dst", "192.0.2.55", nil); len(h) != 0 {
		// TEST-NET-1 is in no list but the reserved ranges; pymisp_smoke.py relies on a random TEST-NET address
		// being unlisted.
		for _, x := range h {
			if !strings.Contains(strings.ToLower(x.List.Name), "reserved") && !strings.Contains(strings.ToLower(x.List.Name), "rfc") {
				t.Errorf("192.0.2.55 hits %q", x.List.Name)
			}
		}
	}
}

func BenchmarkLoadCorpus(b *testing.B) {
	dir := corpusLists(b)
	var s *Set
	for b.Loop() {
		lists, err := LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		if s, err = NewSet(lists); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(s)
}

// benchValues is a mix of attribute values: listed and unlisted addresses, domains, URLs, hashes and e-mails.
var benchValues = []struct{ typ, value string }{
	{"ip-dst", "8.8.8.8"}, {"ip-dst", "198.51.100.23"}, {"ip-src", "2001:db8::1"}, {"ip-dst|port", "1.1.1.1|53"},
	{"domain", "www.google.com"}, {"domain", "a-random-unlisted-name.example"}, {"hostname", "mail.example.org"},
	{"url", "https://evil.example.net/payload.exe"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e"},
	{"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856"},
	{"email-src", "attacker@mailinator.com"}, {"email-dst", "security@example.com"}, {"domain|ip", "example.com|10.0.0.1"},
	{"filename|md5", "a.exe|0123456789abcdef0123456789abcdef"}, {"text", "not matched by type"}, {"comment", "free text"},
}

func BenchmarkMatchCorpus(b *testing.B) {
	lists, err := LoadDir(corpusLists(b))
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSet(lists)
	if err != nil {
		b.Fatal(err)
	}
	f := s.Filter(nil)
	b.Run("Hit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			v := benchValues[i%len(benchValues)]
			f.Hit(v.typ, v.value)
			i++
		}
	})
	b.Run("Match", func(b *testing.B) {
		i := 0
		for b.Loop() {
			v := benchValues[i%len(benchValues)]
			f.Match(v.typ, v.value)
			i++
		}
	})
}
