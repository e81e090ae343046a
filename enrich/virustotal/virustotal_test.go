package virustotal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "vt-test-key-0123456789"

// wantPath is the API path a lookup of ind must request, worked out independently of locate.
func wantPath(ind enrich.Indicator) string {
	switch ind.Type {
	case ioc.IPv4, ioc.IPv6:
		return "/api/v3/ip_addresses/" + ind.Value
	case ioc.Domain:
		return "/api/v3/domains/" + ind.Value
	case ioc.URL:
		id := strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(ind.Value)), "=")
		return "/api/v3/urls/" + id
	}
	return "/api/v3/files/" + ind.Value
}

func harness() enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL + "/api/v3/", Key: testKey})
			if err != nil {
				panic(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			t.Helper()
			if r.Method != http.MethodGet {
				t.Errorf("method %s, want GET", r.Method)
			}
			if want := wantPath(ind); r.Path != want {
				t.Errorf("path %q, want %q", r.Path, want)
			}
			if len(r.Query) != 0 {
				t.Errorf("query %v, want none", r.Query)
			}
			if got := r.Header.Get("x-apikey"); got != testKey {
				t.Errorf("x-apikey %q, want %q", got, testKey)
			}
		},
	}
}

func notFoundReply(name string) enrichtest.Reply {
	return enrichtest.Reply{Status: http.StatusNotFound, File: filepath.Join("testdata", name)}
}

// checkDetails asserts the result's reference, that its details hold want (and possibly more) and,
// when rawFile is set, that Raw is that file's bytes.
func checkDetails(ref, rawFile string, want map[string]any) func(*testing.T, enrich.Result) {
	return enrichtest.All(enrichtest.Reference(ref), enrichtest.Details(want), enrichtest.RawFile(rawFile))
}

func TestLookup(t *testing.T) {
	ip := enrich.Indicator{Type: ioc.IPv4, Value: "185.220.101.4"}
	cases := []enrichtest.Case{
		{Name: "ip-malicious", Indicator: ip, Replies: []enrichtest.Reply{enrichtest.File("ip_malicious.json")},
			Want: enrich.Malicious, WantSummary: "14/94 engines malicious, 2 suspicious", WantRequests: 1,
			Check: checkDetails("https://www.virustotal.com/gui/ip-address/185.220.101.4", "ip_malicious.json", map[string]any{
				"malicious": 14, "suspicious": 2, "harmless": 51, "undetected": 27, "engines": 94,
				"country": "DE", "as_owner": "Zwiebelfreunde e.V.", "asn": int64(208294), "network": "185.220.101.0/24",
				"reputation": -34, "votes_malicious": 19, "votes_harmless": 2,
				"last_analysis_date": time.Date(2025, 11, 19, 8, 18, 36, 0, time.UTC),
			})},
		{Name: "ipv6-one-engine-suspicious", Indicator: enrich.Indicator{Type: ioc.IPv6, Value: "2001:db8:85a3::8a2e:370:7334"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_suspicious.json")},
			Want:    enrich.Suspicious, WantSummary: "1/94 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/ip-address/2001:db8:85a3::8a2e:370:7334", "", map[string]any{"country": "NL"})},
		{Name: "ip-benign", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "8.8.8.8"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_benign.json")}, Want: enrich.Benign, WantSummary: "0/94 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/ip-address/8.8.8.8", "ip_benign.json",
				map[string]any{"as_owner": "GOOGLE", "asn": int64(15169), "reputation": 558})},
		{Name: "ip-not-analysed", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "10.1.2.3"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_unanalysed.json")}, Want: enrich.Unknown, WantSummary: "not analysed yet",
			Check: checkDetails("https://www.virustotal.com/gui/ip-address/10.1.2.3", "", map[string]any{"tags": []string{"private"}})},
		{Name: "domain-malicious", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "down.mykings.pw"},
			Replies: []enrichtest.Reply{enrichtest.File("domain_malicious.json")}, Want: enrich.Malicious, WantSummary: "8/98 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/domain/down.mykings.pw", "domain_malicious.json", map[string]any{
				"registrar": "Namecheap", "reputation": -12,
				"categories": map[string]string{"Dr.Web": "known infection source",
					"Forcepoint ThreatSeeker": "information technology", "sophos": "malware callhome, command and control"},
			})},
		{Name: "domain-benign", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "example.com"},
			Replies: []enrichtest.Reply{enrichtest.File("domain_benign.json")}, Want: enrich.Benign, WantSummary: "0/94 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/domain/example.com", "", nil)},
		{Name: "domain-not-found", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "never-seen-before-0c9a1.example"},
			Replies: []enrichtest.Reply{notFoundReply("domain_notfound.json")}, Want: enrich.Unknown, WantSummary: "not found",
			WantRequests: 1,
			Check:        checkDetails("https://www.virustotal.com/gui/domain/never-seen-before-0c9a1.example", "domain_notfound.json", nil)},
		{Name: "url-malicious", Indicator: enrich.Indicator{Type: ioc.URL, Value: "http://login-micr0soft.example/owa/index.php?session=1"},
			Replies: []enrichtest.Reply{enrichtest.File("url_malicious.json")}, Want: enrich.Malicious, WantSummary: "7/92 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/url/8a3a5b5c1e3f8e6bd8e1e1d7c5c6a3e2d8f6b1b0b7e5c1d4a6f0e2c9b8a7d6e5",
				"url_malicious.json", map[string]any{"title": "Sign in to your account",
					"last_final_url": "http://login-micr0soft.example/owa/index.php?session=1"})},
		{Name: "url-benign", Indicator: enrich.Indicator{Type: ioc.URL, Value: "https://example.com/"},
			Replies: []enrichtest.Reply{enrichtest.File("url_benign.json")}, Want: enrich.Benign, WantSummary: "0/97 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/url/0f115db062b7c0dd030b16878c99dea5c354b49dc37b38eb8846179c7783e9d7", "", nil)},
		{Name: "url-not-found", Indicator: enrich.Indicator{Type: ioc.URL, Value: "https://unseen.example/a?b=c&d=e#f"},
			Replies: []enrichtest.Reply{notFoundReply("url_notfound.json")}, Want: enrich.Unknown, WantSummary: "not found",
			Check: checkDetails("https://www.virustotal.com/gui/search/https:%2F%2Funseen.example%2Fa%3Fb=c&d=e%23f", "", nil)},
		{Name: "sha256-malicious-with-threat-label", Indicator: enrich.Indicator{Type: ioc.SHA256,
			Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
			Replies: []enrichtest.Reply{enrichtest.File("file_malicious.json")}, Want: enrich.Malicious,
			WantSummary: "62/64 engines malicious; virus.eicar/testfile",
			Check: checkDetails("https://www.virustotal.com/gui/file/275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
				"file_malicious.json", map[string]any{
					"meaningful_name": "eicar.com", "type_description": "Text", "size": int64(68),
					"threat_label": "virus.eicar/testfile", "threat_categories": []string{"virus", "trojan"},
					"threat_names": []string{"eicar", "testfile"}, "timeout": 1,
					"md5": "44d88612fea8a8f36de82e1278abb02f", "sha1": "3395856ce81f2b7382dee72602f798b642f14140",
					"tags": []string{"text", "attachment"},
				})},
		{Name: "md5-answered-with-sha256-object", Indicator: enrich.Indicator{Type: ioc.MD5, Value: "44d88612fea8a8f36de82e1278abb02f"},
			Replies: []enrichtest.Reply{enrichtest.File("file_malicious.json")}, Want: enrich.Malicious, WantSummary: "62/64",
			Check: checkDetails("https://www.virustotal.com/gui/file/275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "", nil)},
		{Name: "sha1-only-undetected-is-unknown", Indicator: enrich.Indicator{Type: ioc.SHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			Replies: []enrichtest.Reply{enrichtest.File("file_undetected.json")}, Want: enrich.Unknown, WantSummary: "0/62 engines malicious",
			Check: checkDetails("https://www.virustotal.com/gui/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "",
				map[string]any{"undetected": 62, "meaningful_name": "empty.txt"})},
		{Name: "md5-not-found", Indicator: enrich.Indicator{Type: ioc.MD5, Value: "0123456789abcdef0123456789abcdef"},
			Replies: []enrichtest.Reply{notFoundReply("file_notfound.json")}, Want: enrich.Unknown, WantSummary: "not found",
			Check: checkDetails("https://www.virustotal.com/gui/file/0123456789abcdef0123456789abcdef", "file_notfound.json", nil)},
		{Name: "quota-exceeded-retried", Indicator: ip,
			Replies: []enrichtest.Reply{{Status: http.StatusTooManyRequests, File: filepath.Join("testdata", "quota.json")},
				enrichtest.File("ip_malicious.json")},
			Want: enrich.Malicious, WantRequests: 2, WantSleeps: []time.Duration{time.Second}},
		{Name: "quota-exceeded-every-time", Indicator: ip,
			Replies: []enrichtest.Reply{{Status: http.StatusTooManyRequests, File: filepath.Join("testdata", "quota.json")}},
			WantErr: enrich.ErrRateLimited, WantErrText: "QuotaExceededError", WantRequests: 1 + enrich.DefaultRetries},
		{Name: "invalid-argument", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "bad..example"},
			Replies: []enrichtest.Reply{{Status: http.StatusBadRequest,
				Body: `{"error":{"code":"InvalidArgumentError","message":"Domain \"bad..example\" is not a valid domain pattern"}}`}},
			WantErrText: "InvalidArgumentError", WantRequests: 1},
		{Name: "200-without-data", Indicator: ip, Replies: []enrichtest.Reply{{Body: `{"links":{}}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "no data object"},
	}
	harness().Run(t, cases)
}

func TestErrorMatrix(t *testing.T) {
	ind := enrich.Indicator{Type: ioc.SHA256, Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}
	harness().Run(t, enrichtest.ErrorCases(Name, ind, enrichtest.File("file_malicious.json"), enrich.Malicious))
}

func TestVerdictThresholds(t *testing.T) {
	cases := []struct {
		name      string
		s         stats
		threshold int
		want      enrich.Verdict
	}{
		{"nothing analysed", stats{}, 3, enrich.Unknown},
		{"only undetected", stats{Undetected: 70, TypeUnsupported: 5}, 3, enrich.Unknown},
		{"only timeouts", stats{Timeout: 3, Failure: 2}, 3, enrich.Unknown},
		{"harmless, no detections", stats{Harmless: 1, Undetected: 80}, 3, enrich.Benign},
		{"one suspicious", stats{Harmless: 80, Suspicious: 1}, 3, enrich.Suspicious},
		{"one malicious", stats{Harmless: 80, Malicious: 1}, 3, enrich.Suspicious},
		{"below threshold", stats{Malicious: 2, Suspicious: 5}, 3, enrich.Suspicious},
		{"at threshold", stats{Malicious: 3}, 3, enrich.Malicious},
		{"threshold one", stats{Malicious: 1, Harmless: 90}, 1, enrich.Malicious},
		{"raised threshold", stats{Malicious: 9}, 10, enrich.Suspicious},
		{"zero threshold still needs a detection", stats{Harmless: 4}, 0, enrich.Benign},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := verdictOf(c.s, c.threshold); got != c.want {
				t.Errorf("verdictOf(%+v, %d) = %v, want %v", c.s, c.threshold, got, c.want)
			}
		})
	}
}

// TestMaliciousEnginesOption checks that Options.MaliciousEngines reaches the verdict.
func TestMaliciousEnginesOption(t *testing.T) {
	for _, c := range []struct {
		engines int
		want    enrich.Verdict
	}{{0, enrich.Malicious}, {14, enrich.Malicious}, {15, enrich.Suspicious}} {
		srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("ip_malicious.json")))
		cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey,
			MaliciousEngines: c.engines})
		if err != nil {
			t.Fatal(err)
		}
		r := cl.Lookup(context.Background(), []enrich.Indicator{{Type: ioc.IPv4, Value: "185.220.101.4"}})[0]
		if r.Err != nil || r.Verdict != c.want {
			t.Errorf("MaliciousEngines %d: verdict %v (err %v), want %v", c.engines, r.Verdict, r.Err, c.want)
		}
	}
}

func TestURLID(t *testing.T) {
	cases := []struct{ url, want string }{
		// The examples VirusTotal's documentation works through: unpadded base64url.
		{"http://example.com/", "aHR0cDovL2V4YW1wbGUuY29tLw"},
		{"https://www.virustotal.com", "aHR0cHM6Ly93d3cudmlydXN0b3RhbC5jb20"},
		// "??>" is "Pz8+" in standard base64: the URL-safe alphabet turns "+" into "-".
		{"http://a.example/??>", "aHR0cDovL2EuZXhhbXBsZS8_Pz4"},
		{"http://a.example/~~~", "aHR0cDovL2EuZXhhbXBsZS9-fn4"},
	}
	for _, c := range cases {
		got := URLID(c.url)
		if got != c.want {
			t.Errorf("URLID(%q) = %q, want %q", c.url, got, c.want)
		}
		if strings.ContainsAny(got, "=+/") {
			t.Errorf("URLID(%q) = %q holds padding or a standard-alphabet character", c.url, got)
		}
		dec, err := base64.RawURLEncoding.DecodeString(got)
		if err != nil || string(dec) != c.url {
			t.Errorf("URLID(%q) does not decode back: %q, %v", c.url, dec, err)
		}
	}
}

// TestEscapedPaths checks the request paths as sent on the wire, before the server decodes them.
func TestEscapedPaths(t *testing.T) {
	cases := []struct {
		ind  enrich.Indicator
		want string
	}{
		{enrich.Indicator{Type: ioc.URL, Value: "http://a.example/??>"}, "/urls/aHR0cDovL2EuZXhhbXBsZS8_Pz4"},
		{enrich.Indicator{Type: ioc.URL, Value: "https://x.example/p a/%41?q=1#frag"},
			"/urls/" + base64.RawURLEncoding.EncodeToString([]byte("https://x.example/p a/%41?q=1#frag"))},
		{enrich.Indicator{Type: ioc.IPv6, Value: "2001:db8::1"}, "/ip_addresses/2001:db8::1"},
		{enrich.Indicator{Type: ioc.Domain, Value: "Example.COM."}, "/domains/example.com"},
		{enrich.Indicator{Type: ioc.SHA256, Value: "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"},
			"/files/275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
	}
	for _, c := range cases {
		var got string
		srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
			got = r.URL.EscapedPath()
			return enrichtest.File("ip_benign.json")
		})
		cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		r := cl.Lookup(context.Background(), []enrich.Indicator{c.ind})[0]
		if r.Err != nil {
			t.Errorf("%v: %v", c.ind, r.Err)
		}
		if got != c.want {
			t.Errorf("%v: requested %q, want %q", c.ind, got, c.want)
		}
	}
}

func TestBatchOrderAndUnsupported(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
		switch {
		case strings.HasPrefix(r.URL.Path, "/ip_addresses/"):
			return enrichtest.File("ip_benign.json")
		case strings.HasPrefix(r.URL.Path, "/files/"):
			return notFoundReply("file_notfound.json")
		}
		t.Errorf("unexpected request %s", r.URL.Path)
		return enrichtest.Reply{Status: 500}
	})
	cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		{Type: ioc.SHA512, Value: strings.Repeat("ab", 64)},
		{Type: ioc.IPv4, Value: "8.8.8.8"},
		{Type: ioc.Email, Value: "a@example.com"},
		{Type: ioc.MD5, Value: "0123456789abcdef0123456789abcdef"},
		{Type: ioc.Domain, Value: "  "},
	}
	res := enrichtest.Lookup(t, cl, batch)
	for _, i := range []int{0, 2} {
		if !errors.Is(res[i].Err, enrich.ErrUnsupported) {
			t.Errorf("%v: error %v, want ErrUnsupported", batch[i], res[i].Err)
		}
	}
	if res[1].Err != nil || res[1].Verdict != enrich.Benign {
		t.Errorf("8.8.8.8: %v %v", res[1].Verdict, res[1].Err)
	}
	if res[3].Err != nil || res[3].Summary != "not found" {
		t.Errorf("md5: %q %v", res[3].Summary, res[3].Err)
	}
	if res[4].Err == nil {
		t.Errorf("empty domain: no error")
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestCancelled(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("ip_benign.json")))
	cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	enrichtest.CheckCancelled(t, cl, srv, []enrich.Indicator{{Type: ioc.IPv4, Value: "8.8.8.8"}, {Type: ioc.IPv4, Value: "1.1.1.1"}})
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{Provider: Name}
	enrichtest.CheckNew(t, New, func(t *testing.T, cl *Client) {
		if cl.base != DefaultBaseURL || cl.malicious != DefaultMaliciousEngines || cl.Name() != Name {
			t.Errorf("defaults not applied: %+v", cl)
		}
	}, []enrichtest.NewCase[Options]{
		{Name: "no key", Options: Options{HTTP: h}, WantErr: "virustotal: an API key is required"},
		{Name: "blank key", Options: Options{HTTP: h, Key: "  "}, WantErr: "virustotal: an API key is required"},
		{Name: "no HTTP", Options: Options{Key: "k"}, WantErr: "request path is required"},
		{Name: "bad base", Options: Options{HTTP: h, Key: "k", BaseURL: "ftp://x"}, WantErr: "not an http(s) URL"},
		{Name: "relative base", Options: Options{HTTP: h, Key: "k", BaseURL: "/api"}, WantErr: "not an http(s) URL"},
		{Name: "negative threshold", Options: Options{HTTP: h, Key: "k", MaliciousEngines: -1}, WantErr: "negative"},
		{Name: "ok", Options: Options{HTTP: h, Key: "k"}},
	})
}

func TestTypes(t *testing.T) {
	cl, err := New(Options{HTTP: &enrich.HTTP{}, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range cl.Types() {
		if _, err := locate(enrich.Indicator{Type: typ, Value: "x"}); err != nil {
			t.Errorf("declared type %s is not handled: %v", typ, err)
		}
	}
}

// TestRawIsValidJSON makes sure a result always marshals: Raw holds only valid JSON.
func TestRawIsValidJSON(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.Reply{Status: 404, Body: "<html>not here</html>"}))
	cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	r := cl.Lookup(context.Background(), []enrich.Indicator{{Type: ioc.IPv4, Value: "8.8.8.8"}})[0]
	if r.Err != nil || r.Summary != "not found" || r.Raw != nil {
		t.Errorf("html 404: summary %q raw %q err %v", r.Summary, r.Raw, r.Err)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
}
