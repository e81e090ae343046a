package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func ind(t ioc.Type, v string) enrich.Indicator { return enrich.Indicator{Type: t, Value: v} }

func TestExampleLists(t *testing.T) {
	c, err := New(Options{Paths: []string{"testdata/example.csv", "testdata/example.ndjson", "testdata/example.json"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ind         enrich.Indicator
		want        enrich.Verdict
		wantSummary string
		wantMatched string // "" when not listed
		wantSource  string
	}{
		{ind(ioc.Domain, "evil.example.com"), enrich.Malicious, "phishing kit host", "evil.example.com", "testdata/example.csv:3"},
		{ind(ioc.Domain, "Evil.Example.COM."), enrich.Malicious, "phishing kit host", "evil.example.com", ""},
		// type-scoped: the domain entry does not answer for another type with the same value
		{ind(ioc.WindowsPath, "evil.example.com"), enrich.Unknown, "not listed", "", ""},
		// any-type entry, written in upper case, matches whatever type asks
		{ind(ioc.Domain, "evil-cdn.example.net"), enrich.Suspicious, "2026-01 campaign", "evil-cdn.example.net", "testdata/example.csv:4"},
		{ind(ioc.WindowsPath, "evil-cdn.example.net"), enrich.Suspicious, "2026-01 campaign", "evil-cdn.example.net", ""},
		// URLs: scheme and host compare case-insensitively, the rest as written
		{ind(ioc.URL, "http://evil.example.com/Login.php?user=a"), enrich.Malicious, "credential harvesting", "http://evil.example.com/Login.php?user=a", ""},
		{ind(ioc.URL, "HTTP://EVIL.example.com/Login.php?user=a"), enrich.Malicious, "credential harvesting", "", ""},
		{ind(ioc.URL, "http://evil.example.com/login.php?user=a"), enrich.Unknown, "not listed", "", ""},
		// an exact address beats the network around it; the network answers for the rest
		{ind(ioc.IPv4, "203.0.113.7"), enrich.Suspicious, "scanner, noisy but known", "203.0.113.7", "testdata/example.csv:7"},
		{ind(ioc.IPv4, "203.0.113.8"), enrich.Malicious, "bulletproof", "203.0.113.0/24", "testdata/example.csv:6"},
		{ind(ioc.IPv4, "203.0.114.1"), enrich.Unknown, "not listed", "", ""},
		{ind(ioc.IPv4, "10.200.3.4"), enrich.Benign, "corporate network", "10.0.0.0/8", ""},
		{ind(ioc.IPv6, "2001:db8:bad::1"), enrich.Malicious, "attacker IPv6", "2001:db8:bad::/48", ""},
		{ind(ioc.IPv6, "2001:DB8:BAD:0:0:0:0:ff"), enrich.Malicious, "attacker IPv6", "2001:db8:bad::/48", ""},
		{ind(ioc.IPv6, "2001:db8:bee::1"), enrich.Unknown, "not listed", "", ""},
		{ind(ioc.MD5, "44d88612fea8a8f36de82e1278abb02f"), enrich.Malicious, "EICAR", "44d88612fea8a8f36de82e1278abb02f", ""},
		{ind(ioc.SHA1, "3395856ce81f2b7382dee72602f798b642f14140"), enrich.Unknown, "not listed", "", ""},
		{ind(ioc.Domain, "updates.example.org"), enrich.Benign, "our update server", "updates.example.org", ""},
		// NDJSON and JSON array files; the higher verdict of a duplicate wins
		{ind(ioc.Domain, "c2.example.net"), enrich.Malicious, "C2 server", "c2.example.net", "testdata/example.ndjson:1"},
		{ind(ioc.IPv4, "198.51.100.23"), enrich.Suspicious, "TOR relay", "198.51.100.23", "testdata/example.ndjson:2"},
		{ind(ioc.SHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"), enrich.Malicious, "listed in local", "", "testdata/example.ndjson:4"},
		{ind(ioc.IPv4, "192.0.2.15"), enrich.Suspicious, "partner VPN", "192.0.2.0/28", "testdata/example.json:3"},
		{ind(ioc.IPv4, "192.0.2.16"), enrich.Unknown, "not listed", "", ""},
	}
	inds := make([]enrich.Indicator, len(cases))
	for i, tc := range cases {
		inds[i] = tc.ind
	}
	res := c.Lookup(context.Background(), inds)
	if len(res) != len(cases) {
		t.Fatalf("%d results for %d indicators", len(res), len(cases))
	}
	for i, tc := range cases {
		r := res[i]
		if r.Indicator != tc.ind || r.Err != nil {
			t.Errorf("%v: result for %v, err %v", tc.ind, r.Indicator, r.Err)
			continue
		}
		if r.Verdict != tc.want || !strings.Contains(r.Summary, tc.wantSummary) {
			t.Errorf("%v: %v %q, want %v %q", tc.ind, r.Verdict, r.Summary, tc.want, tc.wantSummary)
		}
		if r.Details["listed"] != (tc.want != enrich.Unknown || tc.wantMatched != "") {
			t.Errorf("%v: details %v", tc.ind, r.Details)
		}
		if tc.wantMatched != "" && r.Details["matched"] != tc.wantMatched {
			t.Errorf("%v: matched %v, want %q", tc.ind, r.Details["matched"], tc.wantMatched)
		}
		if tc.wantSource != "" && r.Details["source"] != tc.wantSource {
			t.Errorf("%v: source %v, want %q", tc.ind, r.Details["source"], tc.wantSource)
		}
	}
	// details, reference and raw entry of one listed indicator
	r := res[0]
	if r.Reference != "https://wiki.example.org/ir/42" || r.Details["list"] != "local" || r.Details["entry_type"] != "domain" {
		t.Errorf("result %+v", r)
	}
	if tags, _ := r.Details["tags"].([]string); strings.Join(tags, "|") != "phishing|kit" {
		t.Errorf("tags %v", r.Details["tags"])
	}
	if want := `{"value":"evil.example.com","type":"domain","verdict":"malicious","summary":"phishing kit host",` +
		`"reference":"https://wiki.example.org/ir/42","tags":["phishing","kit"],"source":"testdata/example.csv:3"}`; string(r.Raw) != want {
		t.Errorf("raw %s\nwant %s", r.Raw, want)
	}
	if res[9].Details["network"] != true {
		t.Errorf("network match details %v", res[9].Details)
	}
	if n := c.List().Len(); n != 13 { // 14 rows, c2.example.net twice
		t.Errorf("list has %d entries, want 13", n)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		file, content, wantErr string
	}{
		{"a.csv", "", "a.csv: empty file: expected a header line"},
		{"a.csv", "# only a comment\nvalue,type\n", `a.csv:2: the header has no "verdict" column`},
		{"a.csv", "value,verdicts\n", `a.csv:1: unknown column "verdicts"`},
		{"a.csv", "value,verdict,Value\n", `a.csv:1: column "value" given twice`},
		{"a.csv", "value,verdict\nx.example,malicious\ny.example,evil\n", `a.csv:3: unknown verdict "evil"`},
		{"a.csv", "value,verdict\nx.example,malicious\ny.example\n", "a.csv:3: wrong number of fields"},
		{"a.csv", "value,verdict\n,malicious\n", "a.csv:2: the value is empty"},
		{"a.csv", "value,verdict\nx.example,\n", `a.csv:2: no verdict for "x.example"`},
		{"a.csv", "value,type,verdict\n2001:db8::1,ipv4,3\n", `a.csv:2: "2001:db8::1" is not an ipv4 address or network`},
		{"a.csv", "value,type,verdict\n10.0.0.0/33,ip,3\n", `a.csv:2: type ip: "10.0.0.0/33" is not an IP address or network`},
		{"a.csv", "value,type,verdict\nabc,hash,3\n", `a.csv:2: type hash: "abc" is not an MD5`},
		{"a.csv", "value,type,verdict\nabcd,sha1,3\n", `a.csv:2: "abcd" is not an sha1 in hex`},
		{"a.csv", "value,type,verdict\nx.example,dom,3\n", `a.csv:2: unknown indicator type "dom"`},
		{"a.csv", "value,verdict\n\"x.example,3\n", "a.csv:2: extraneous or missing \" in quoted-field"},
		{"a.json", "[\n {\"value\": \"a.example\", \"verdict\": 3},\n {\"value\": \"b.example\", \"verdict\": \"nasty\"}\n]", `a.json:3: unknown verdict "nasty"`},
		{"a.json", "[\n {\"value\": \"a.example\", \"verdict\": 3},\n {\"value\": \"b.example\" \"verdict\": 1}\n]", "a.json:3: invalid character"},
		{"a.json", "[\n {\"value\": \"a.example\", \"verdict\": 3}\n", "a.json:3: unexpected end of the JSON array"},
		{"a.json", "[{\"value\": \"a.example\", \"verdict\": 3}]\n{}", "a.json:2: text after the closing ']'"},
		{"a.json", "[{\"value\": \"a.example\", \"verdict\": 3.5}]", "a.json:1: verdict 3.5: use a name or a number 0-3"},
		{"a.json", "[{\"value\": \"a.example\", \"verdict\": 3, \"tags\": 4}]", "a.json:1: tags: use an array of strings"},
		{"a.ndjson", "{\"value\": \"a.example\", \"verdict\": 3}\n{\"value\": \"b.example\", \"verdict\": 3, \"colour\": \"red\"}\n", `a.ndjson:2: json: unknown field "colour"`},
		{"a.ndjson", "{\"value\": \"a.example\", \"verdict\": 7}\n", `a.ndjson:1: unknown verdict "7"`},
		{"a.ndjson", "{\"verdict\": 2}\n", `a.ndjson:1: no "value"`},
		{"a.ndjson", "{\"value\": \"a.example\", \"verdict\": 3} {}\n", "a.ndjson:1: more than one JSON value on the line"},
		{"a.jsonl", "nonsense\n", "a.jsonl:1: invalid character"},
		{"a.txt", "x.example\n", "a.txt: unknown list format"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		p := filepath.Join(dir, tc.file)
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := New(Options{Paths: []string{p}})
		want := "local: " + filepath.Join(dir, tc.wantErr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s %q:\n got %v\nwant %s", tc.file, tc.content, err, want)
		}
	}
	if _, err := New(Options{Paths: []string{filepath.Join(dir, "missing.csv")}}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadAccepts(t *testing.T) {
	cases := []struct {
		name, content string
		want          Entry
	}{
		{"bom.csv", "\ufeffValue , VERDICT\n x.example , 3\n", Entry{Value: "x.example", Verdict: enrich.Malicious}},
		{"quoted.csv", "value,verdict,summary,tags\n\"a,b.example\",bad,\"one, two\",\"x, y;z\"\n",
			Entry{Value: "a,b.example", Verdict: enrich.Malicious, Summary: "one, two", Tags: []string{"x", "y", "z"}}},
		{"mapped.csv", "value,type,verdict\n::ffff:10.0.0.0/104,ip,good\n", Entry{Value: "10.0.0.0/8", Type: ioc.IPv4, Verdict: enrich.Benign}},
		{"hash.csv", "value,type,verdict\nDA39A3EE5E6B4B0D3255BFEF95601890AFD80709,hash,0\n",
			Entry{Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709", Type: ioc.SHA1, Verdict: enrich.Unknown}},
		{"email.json", `[{"value":"Bob@EXAMPLE.com","verdict":"suspicious","type":"email","tags":null}]`,
			Entry{Value: "Bob@example.com", Type: ioc.Email, Verdict: enrich.Suspicious}},
		{"empty.json", "  \n", Entry{}},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		p := filepath.Join(dir, tc.name)
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		es, err := ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.want.Value == "" {
			if len(es) != 0 {
				t.Errorf("%s: %d entries, want none", tc.name, len(es))
			}
			continue
		}
		if len(es) != 1 {
			t.Fatalf("%s: %d entries", tc.name, len(es))
		}
		e := es[0]
		if e.Value != tc.want.Value || e.Type != tc.want.Type || e.Verdict != tc.want.Verdict || e.Summary != tc.want.Summary ||
			strings.Join(e.Tags, "|") != strings.Join(tc.want.Tags, "|") {
			t.Errorf("%s: %+v, want %+v", tc.name, e, tc.want)
		}
	}
}

// writeList writes content to path with the given modification time.
func writeList(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.csv")
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeList(t, path, "value,verdict\na.example,malicious\n", mtime)
	clock := enrichtest.NewClock(time.Time{})
	c, err := New(Options{Paths: []string{path}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	look := func(v string) enrich.Result {
		t.Helper()
		return c.Lookup(context.Background(), []enrich.Indicator{ind(ioc.Domain, v)})[0]
	}
	if r := look("a.example"); r.Verdict != enrich.Malicious {
		t.Fatalf("initial: %v", r.Verdict)
	}

	writeList(t, path, "value,verdict\nb.example,suspicious\n", mtime.Add(time.Second))
	clock.Advance(DefaultReloadCheck - time.Millisecond)
	if r := look("a.example"); r.Verdict != enrich.Malicious {
		t.Errorf("reloaded before the check interval: %v", r.Verdict)
	}
	clock.Advance(time.Millisecond)
	if r := look("a.example"); r.Verdict != enrich.Unknown {
		t.Errorf("a.example after reload: %v", r.Verdict)
	}
	if r := look("b.example"); r.Verdict != enrich.Suspicious {
		t.Errorf("b.example after reload: %v", r.Verdict)
	}

	// A broken file keeps the old list; every result says why until the file is fixed.
	writeList(t, path, "value,verdict\nc.example,malicious\nd.example,???\n", mtime.Add(2*time.Second))
	clock.Advance(DefaultReloadCheck)
	r := look("b.example")
	if r.Verdict != enrich.Suspicious || r.Err != nil {
		t.Errorf("after a bad reload: %v %v", r.Verdict, r.Err)
	}
	if msg, _ := r.Details["reload_error"].(string); !strings.Contains(msg, path+":3: unknown verdict") {
		t.Errorf("reload_error %q", msg)
	}
	clock.Advance(DefaultReloadCheck) // unchanged broken file: not read again, still reported
	if r := look("c.example"); r.Verdict != enrich.Unknown || r.Details["reload_error"] == nil {
		t.Errorf("still broken: %v %v", r.Verdict, r.Details)
	}
	if err := c.Reload(); err == nil || !strings.Contains(err.Error(), ":3:") {
		t.Errorf("Reload: %v", err)
	}

	writeList(t, path, "value,verdict\nc.example,malicious\nd.example,benign\n", mtime.Add(3*time.Second))
	clock.Advance(DefaultReloadCheck)
	r = look("d.example")
	if r.Verdict != enrich.Benign || r.Details["reload_error"] != nil {
		t.Errorf("after the fix: %v %v", r.Verdict, r.Details)
	}

	// A file that disappears counts as a change, and its reload fails.
	os.Remove(path)
	clock.Advance(DefaultReloadCheck)
	if r := look("d.example"); r.Verdict != enrich.Benign || r.Details["reload_error"] == nil {
		t.Errorf("after removal: %v %v", r.Verdict, r.Details)
	}
}

func TestNoReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.ndjson")
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeList(t, path, `{"value":"a.example","verdict":3}`, mtime)
	clock := enrichtest.NewClock(time.Time{})
	c, err := New(Options{Paths: []string{path}, Clock: clock, ReloadCheck: -1})
	if err != nil {
		t.Fatal(err)
	}
	writeList(t, path, `{"value":"a.example","verdict":1}`, mtime.Add(time.Hour))
	clock.Advance(24 * time.Hour)
	if r := c.Lookup(context.Background(), []enrich.Indicator{ind(ioc.Domain, "a.example")})[0]; r.Verdict != enrich.Malicious {
		t.Errorf("reloaded although ReloadCheck < 0: %v", r.Verdict)
	}
}

func TestNewOptions(t *testing.T) {
	cases := []struct {
		o       Options
		wantErr string
	}{
		{Options{}, "local: at least one list file is required"},
		{Options{Name: "Block List", Paths: []string{"testdata/example.csv"}}, `name "Block List"`},
		{Options{Paths: []string{"testdata/example.csv"}, Batch: -1}, "must not be negative"},
	}
	for _, tc := range cases {
		if _, err := New(tc.o); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("New(%+v): %v, want %q", tc.o, err, tc.wantErr)
		}
	}
	block, err := New(Options{Name: "blocklist", Paths: []string{"testdata/example.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := New(Options{Name: "allow_list-2", Paths: []string{"testdata/example.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if block.Name() != "blocklist" || allow.Name() != "allow_list-2" || block.MaxBatch() != DefaultMaxBatch {
		t.Errorf("names %q %q batch %d", block.Name(), allow.Name(), block.MaxBatch())
	}
	r := block.Lookup(context.Background(), []enrich.Indicator{ind(ioc.Domain, "c2.example.net"), ind(ioc.Domain, "updates.example.org")})
	if r[0].Verdict != enrich.Unknown || r[0].Details["list"] != "blocklist" || r[1].Summary != "our update server" {
		t.Errorf("blocklist: %+v", r)
	}
	if r := allow.Lookup(context.Background(), []enrich.Indicator{ind(ioc.Domain, "c2.example.net")}); r[0].Details["list"] != "allow_list-2" {
		t.Errorf("allow list details %v", r[0].Details)
	}
}

func TestUnsupportedAndCancelled(t *testing.T) {
	c, err := New(Options{Paths: []string{"testdata/example.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Lookup(context.Background(), []enrich.Indicator{ind("btc_address", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")})
	if !errors.Is(r[0].Err, enrich.ErrUnsupported) || r[0].Verdict != enrich.Unknown {
		t.Errorf("custom type: %v %v", r[0].Verdict, r[0].Err)
	}
	enrichtest.CheckCancelled(t, c, nil, []enrich.Indicator{ind(ioc.Domain, "evil.example.com")})
}

func TestListMatchOrder(t *testing.T) {
	l := NewList([]Entry{
		{Value: "10.0.0.0/8", Verdict: enrich.Benign, Summary: "any /8"},
		{Value: "10.1.0.0/16", Type: ioc.IPv4, Verdict: enrich.Suspicious, Summary: "v4 /16"},
		{Value: "10.1.2.0/24", Type: ioc.IPv6, Verdict: enrich.Malicious, Summary: "wrongly typed /24"},
		{Value: "10.1.2.3", Verdict: enrich.Benign, Summary: "any exact"},
		{Value: "10.1.2.3", Type: ioc.IPv4, Verdict: enrich.Malicious, Summary: "typed exact"},
		{Value: "10.1.2.4", Verdict: enrich.Suspicious, Summary: "first"},
		{Value: "10.1.2.4", Verdict: enrich.Malicious, Summary: "higher"},
		{Value: "10.1.2.4", Verdict: enrich.Malicious, Summary: "equal, later"},
		{Value: "10.1.2.4", Verdict: enrich.Benign, Summary: "lower, later"},
	})
	cases := []struct {
		ind  enrich.Indicator
		want string
	}{
		{ind(ioc.IPv4, "10.1.2.3"), "typed exact"},
		{ind(ioc.IPv4, "10.1.2.4"), "higher"},
		{ind(ioc.IPv4, "10.1.2.5"), "v4 /16"}, // the /24 is scoped to ipv6
		{ind(ioc.IPv4, "10.2.0.1"), "any /8"},
		{ind(ioc.IPv4, "11.0.0.1"), ""},
		{ind(ioc.Domain, "10.1.2.9"), ""}, // networks answer for ipv4 and ipv6 indicators only
		{ind(ioc.IPv4, "not an address"), ""},
	}
	for _, tc := range cases {
		e, ok := l.Match(tc.ind)
		if ok != (tc.want != "") || e.Summary != tc.want {
			t.Errorf("%v: %q %v, want %q", tc.ind, e.Summary, ok, tc.want)
		}
	}
	if l.Len() != 6 {
		t.Errorf("Len %d, want 6", l.Len())
	}
	var zero *List
	if _, ok := zero.Match(ind(ioc.IPv4, "10.0.0.1")); ok || zero.Len() != 0 {
		t.Errorf("nil list matched")
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		t        ioc.Type
		in, want string
	}{
		{ioc.IPv4, " 010.1.1.1 ", "010.1.1.1"}, // not an address: left as written
		{ioc.IPv6, "::FFFF:1.2.3.4", "1.2.3.4"},
		{ioc.IPv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
		{ioc.Domain, "WWW.Example.COM.", "www.example.com"},
		{ioc.SHA256, "ABCDEF", "abcdef"},
		{ioc.Email, "John.Doe@Example.COM", "John.Doe@example.com"},
		{ioc.URL, "HTTPS://User:PW@Example.COM:8443/A/B?C=D#E", "https://User:PW@example.com:8443/A/B?C=D#E"},
		{ioc.URL, "hxxp-no-scheme/Path", "hxxp-no-scheme/Path"},
		{ioc.WindowsPath, `C:\Users\Bob\X.EXE`, `C:\Users\Bob\X.EXE`},
		{"", "Evil.Example.COM", "evil.example.com"},
		{"", "ABCDEF0123456789ABCDEF0123456789", "abcdef0123456789abcdef0123456789"},
		{"", "HTTP://A.EXAMPLE/X", "http://a.example/X"},
		{"", "Bob@A.EXAMPLE", "Bob@a.example"},
		{"", `C:\Temp\A.EXE`, `C:\Temp\A.EXE`},
		{"", "CVE-2021-44228", "CVE-2021-44228"},
	}
	for _, tc := range cases {
		if got := Normalize(tc.t, tc.in); got != tc.want {
			t.Errorf("Normalize(%q, %q) = %q, want %q", tc.t, tc.in, got, tc.want)
		}
	}
}

// Extracted indicators and list entries meet in one normal form.
func TestNormalizeAgreesWithExtraction(t *testing.T) {
	text := `get HTTP://EVIL.Example.COM/Path?Q=1 from Evil.Example.COM at 2001:DB8:0:0::1, mail User@Example.COM, ` +
		`hash ABCDEF0123456789ABCDEF0123456789`
	ms := ioc.Extract(text)
	if len(ms) < 5 {
		t.Fatalf("extracted %v", ms)
	}
	for _, m := range ms {
		if got := Normalize(m.Type, m.Raw); got != m.Value {
			t.Errorf("%s %q: Normalize gives %q, the extractor %q", m.Type, m.Raw, got, m.Value)
		}
		if got := Normalize("", m.Raw); got != m.Value {
			t.Errorf("untyped %q: Normalize gives %q, the extractor %q", m.Raw, got, m.Value)
		}
	}
}
