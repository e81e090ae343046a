package xforce

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const (
	testKey      = "xforce-test-key"
	testPassword = "xforce-test-password"
)

func ind(t ioc.Type, v string) enrich.Indicator { return enrich.Indicator{Type: t, Value: v} }

func notFound() enrichtest.Reply {
	return enrichtest.Reply{Status: 404, File: "testdata/not_found.json"}
}

// wantPath is the decoded request path for an indicator.
func wantPath(i enrich.Indicator) string {
	switch kindOf(i.Type) {
	case kindIP:
		return "/api/ipr/" + i.Value
	case kindURL:
		return "/api/url/" + i.Value
	}
	return "/api/malware/" + i.Value
}

func harness(t *testing.T, o Options) enrichtest.Harness {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"+testPassword))
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			o := o
			o.HTTP, o.BaseURL, o.Key, o.Password = h, baseURL, testKey, testPassword
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, i enrich.Indicator, r enrichtest.Request) {
			if want := wantPath(i); r.Method != http.MethodGet || r.Path != want {
				t.Errorf("request %s %s, want GET %s", r.Method, r.Path, want)
			}
			if len(r.Query) != 0 {
				t.Errorf("unexpected query %v (the indicator leaked out of the path)", r.Query)
			}
			if got := r.Header.Get("Authorization"); got != auth {
				t.Errorf("Authorization %q, want basic auth with key and password", got)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept header %q, want application/json", got)
			}
		},
	}
}

// check asserts the result's reference, that its details hold want (and possibly more), and that
// it keeps the raw reply.
func check(ref string, want map[string]any) func(*testing.T, enrich.Result) {
	return enrichtest.All(enrichtest.Reference(ref), enrichtest.Details(want), enrichtest.RawJSON())
}

func TestLookup(t *testing.T) {
	const (
		md5    = "474B9CCF5AB9D72CA8A333889BBB34F0"
		sha256 = "55d2ad612f36aebf2184f138d37ba1a16b774627fbbafd737425731369efd010"
		sha1   = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
		c2URL  = "http://domain-example.com/f1q7qx.php?id=7&x=a b#frag"
	)
	cases := []enrichtest.Case{
		// IP reports.
		{Name: "ip-malicious", Indicator: ind(ioc.IPv4, "1.2.3.4"), Replies: []enrichtest.Reply{enrichtest.File("ipr_malicious.json")},
			Want: enrich.Malicious, WantRequests: 1,
			WantSummary: "score 7.1; Anonymization Services, Botnet Command and Control Server, Malware; AU",
			Check: check(ExchangeURL+"/ip/1.2.3.4", map[string]any{"score": 7.1, "country": "Australia", "countrycode": "AU",
				"reason": "Content found on multihoster", "subnets": []string{"1.2.3.0/24"},
				"categories": []string{"Anonymization Services", "Botnet Command and Control Server", "Malware"}})},
		{Name: "ip-suspicious", Indicator: ind(ioc.IPv4, "198.54.117.200"), Replies: []enrichtest.Reply{enrichtest.File("ipr_suspicious.json")},
			Want: enrich.Suspicious, WantSummary: "score 4.3; Anonymisation Services, Botnet Command and Control Server, Malware; US"},
		{Name: "ip-benign", Indicator: ind(ioc.IPv4, "8.8.8.8"), Replies: []enrichtest.Reply{enrichtest.File("ipr_benign.json")},
			Want: enrich.Benign, WantSummary: "score 1; US",
			Check: check(ExchangeURL+"/ip/8.8.8.8", map[string]any{"score": 1.0, "reason": "Regional Internet Registry"})},
		{Name: "ip-not-found", Indicator: ind(ioc.IPv4, "192.0.2.1"), Replies: []enrichtest.Reply{notFound()},
			Want: enrich.Unknown, WantSummary: "not found", WantRequests: 1,
			Check: func(t *testing.T, r enrich.Result) {
				if r.Reference != ExchangeURL+"/ip/192.0.2.1" || string(r.Raw) != "{\"error\":\"Not found.\"}\n" {
					t.Errorf("not found: reference %q raw %q", r.Reference, r.Raw)
				}
			}},
		{Name: "ipv6-malicious", Indicator: ind(ioc.IPv6, "2001:db8::53"), Replies: []enrichtest.Reply{enrichtest.File("ipr_ipv6.json")},
			Want: enrich.Malicious, WantSummary: "score 8.6; Scanning IPs; DE",
			Check: check(ExchangeURL+"/ip/2001:db8::53", nil)},
		// URL reports, for URLs and domains.
		{Name: "url-malicious", Indicator: ind(ioc.URL, c2URL), Replies: []enrichtest.Reply{enrichtest.File("url_malicious.json")},
			Want: enrich.Malicious, WantSummary: "score 10; Botnet Command and Control Server", WantRequests: 1,
			Check: check(ExchangeURL+"/url/http:%2F%2Fdomain-example.com%2Ff1q7qx.php%3Fid=7&x=a%20b%23frag",
				map[string]any{"score": 10.0, "url": "domain-example.com/f1q7qx.php", "associated": 1})},
		{Name: "url-benign", Indicator: ind(ioc.URL, "https://www.google.com"), Replies: []enrichtest.Reply{enrichtest.File("url_benign.json")},
			Want: enrich.Benign, WantSummary: "score 1; Search Engines / Web Catalogs / Portals"},
		{Name: "url-unscored", Indicator: ind(ioc.URL, "http://example.org/"), Replies: []enrichtest.Reply{enrichtest.File("url_unscored.json")},
			Want: enrich.Unknown, WantSummary: "not scored",
			Check: func(t *testing.T, r enrich.Result) {
				if _, ok := r.Details["score"]; ok {
					t.Errorf("unscored URL has a score in details: %v", r.Details)
				}
			}},
		{Name: "url-not-found", Indicator: ind(ioc.URL, "http://unseen.example/x"), Replies: []enrichtest.Reply{notFound()},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "domain-malicious", Indicator: ind(ioc.Domain, "mx76.m2bp.com"), Replies: []enrichtest.Reply{enrichtest.File("domain_malicious.json")},
			Want: enrich.Malicious, WantSummary: "score 10; Malware, Spam URLs",
			Check: check(ExchangeURL+"/url/mx76.m2bp.com", map[string]any{"categories": []string{"Malware", "Spam URLs"}})},
		{Name: "domain-benign", Indicator: ind(ioc.Domain, "google.com"), Replies: []enrichtest.Reply{enrichtest.File("url_benign.json")},
			Want: enrich.Benign},
		{Name: "domain-not-found", Indicator: ind(ioc.Domain, "unseen.example"), Replies: []enrichtest.Reply{notFound()},
			Want: enrich.Unknown, WantSummary: "not found"},
		// Malware reports.
		{Name: "md5-malicious", Indicator: ind(ioc.MD5, md5), Replies: []enrichtest.Reply{enrichtest.File("malware_malicious.json")},
			Want: enrich.Malicious, WantSummary: "risk high; family tsunami, badur; Trojan",
			Check: check(ExchangeURL+"/malware/"+md5, map[string]any{"risk": "high", "family": []string{"tsunami", "badur"},
				"malwareType": "Trojan", "platform": "Win32", "detectionCoverage": 43.0, "source": "reversingLabs", "type": "md5"})},
		{Name: "sha256-low-risk", Indicator: ind(ioc.SHA256, sha256), Replies: []enrichtest.Reply{enrichtest.File("malware_low.json")},
			Want: enrich.Benign, WantSummary: "risk low",
			Check: check(ExchangeURL+"/malware/"+sha256, map[string]any{"detectionCoverage": 0.0, "type": "sha256"})},
		{Name: "sha1-not-found", Indicator: ind(ioc.SHA1, sha1), Replies: []enrichtest.Reply{notFound()},
			Want: enrich.Unknown, WantSummary: "not found"},
		// Errors with X-Force's own explanation.
		{Name: "auth-message", Indicator: ind(ioc.IPv4, "1.2.3.4"), Replies: []enrichtest.Reply{{Status: 401, File: "testdata/error_401.json"}},
			WantErr: enrich.ErrAuth, WantErrText: "xforce: HTTP 401: check the API key for xforce: Not authorized.", WantRequests: 1},
		{Name: "payment-required", Indicator: ind(ioc.IPv4, "1.2.3.4"), Replies: []enrichtest.Reply{{Status: 402, Body: `{"error":"Payment Required"}`}},
			WantErrText: "xforce: HTTP 402: Payment Required", WantRequests: 1},
		{Name: "url-report-without-result", Indicator: ind(ioc.URL, "http://x.example/"), Replies: []enrichtest.Reply{{Body: `{"tags":[]}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "no result", WantRequests: 1},
		{Name: "malware-report-without-malware", Indicator: ind(ioc.MD5, md5), Replies: []enrichtest.Reply{{Body: `{}`}},
			WantErr: enrich.ErrBadReply, WantRequests: 1},
	}
	cases = append(cases, enrichtest.ErrorCases(Name, ind(ioc.IPv4, "1.2.3.4"), enrichtest.File("ipr_malicious.json"), enrich.Malicious)...)
	cases = append(cases, enrichtest.ErrorCases(Name, ind(ioc.URL, c2URL), enrichtest.File("url_malicious.json"), enrich.Malicious)...)
	cases = append(cases, enrichtest.ErrorCases(Name, ind(ioc.MD5, md5), enrichtest.File("malware_malicious.json"), enrich.Malicious)...)
	harness(t, Options{}).Run(t, cases)
}

func TestLookupThresholds(t *testing.T) {
	harness(t, Options{MaliciousScore: 4.3, SuspiciousScore: 1}).Run(t, []enrichtest.Case{
		{Name: "malicious-at-4.3", Indicator: ind(ioc.IPv4, "198.54.117.200"), Replies: []enrichtest.Reply{enrichtest.File("ipr_suspicious.json")},
			Want: enrich.Malicious},
		{Name: "suspicious-at-1", Indicator: ind(ioc.IPv4, "8.8.8.8"), Replies: []enrichtest.Reply{enrichtest.File("ipr_benign.json")},
			Want: enrich.Suspicious},
	})
}

func TestVerdict(t *testing.T) {
	c, err := New(Options{HTTP: &enrich.HTTP{}, Key: testKey, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ   ioc.Type
		reply string
		want  enrich.Verdict
	}{
		{ioc.IPv4, `{"score":10}`, enrich.Malicious},
		{ioc.IPv4, `{"score":7}`, enrich.Malicious},
		{ioc.IPv4, `{"score":6.9}`, enrich.Suspicious},
		{ioc.IPv4, `{"score":4}`, enrich.Suspicious},
		{ioc.IPv4, `{"score":3.9}`, enrich.Benign},
		{ioc.IPv4, `{"score":1}`, enrich.Benign},
		{ioc.IPv4, `{"score":null}`, enrich.Unknown},
		{ioc.IPv4, `{"ip":"192.0.2.1"}`, enrich.Unknown},
		{ioc.URL, `{"result":{"score":7}}`, enrich.Malicious},
		{ioc.URL, `{"result":{"score":5.7}}`, enrich.Suspicious},
		{ioc.Domain, `{"result":{"score":2}}`, enrich.Benign},
		{ioc.Domain, `{"result":{"score":null,"cats":{"Malware":true}}}`, enrich.Unknown},
		{ioc.SHA256, `{"malware":{"risk":"high"}}`, enrich.Malicious},
		{ioc.SHA256, `{"malware":{"risk":"low","family":["emotet"]}}`, enrich.Malicious},
		{ioc.SHA256, `{"malware":{"risk":"low","family":"emotet"}}`, enrich.Malicious},
		{ioc.SHA256, `{"malware":{"risk":"low","origins":{"external":{"family":["badur"]}}}}`, enrich.Malicious},
		{ioc.SHA256, `{"malware":{"risk":"medium","family":[]}}`, enrich.Suspicious},
		{ioc.SHA1, `{"malware":{"risk":"Low","family":null}}`, enrich.Benign},
		{ioc.MD5, `{"malware":{"family":[" "]}}`, enrich.Unknown},
		{ioc.MD5, `{"malware":{"risk":"unrated"}}`, enrich.Unknown},
	}
	for _, tt := range tests {
		r, err := c.parse(ind(tt.typ, "00"), []byte(tt.reply))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.typ, tt.reply, err)
		}
		if r.Verdict != tt.want {
			t.Errorf("%s %s: verdict %v, want %v (summary %q)", tt.typ, tt.reply, r.Verdict, tt.want, r.Summary)
		}
	}
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{}
	enrichtest.CheckNew(t, New, func(t *testing.T, c *Client) {
		if c.base != DefaultBaseURL || c.malicious != DefaultMaliciousScore || c.suspicious != DefaultSuspiciousScore {
			t.Errorf("defaults: %+v", c)
		}
	}, []enrichtest.NewCase[Options]{
		{Name: "no-http", Options: Options{Key: testKey, Password: testPassword},
			WantErr: "xforce: Options.HTTP is required"},
		{Name: "no-key", Options: Options{HTTP: h, Password: testPassword}, WantErr: "xforce: an API key is required"},
		{Name: "no-password", Options: Options{HTTP: h, Key: testKey}, WantErr: "xforce: an API password is required"},
		{Name: "malicious-above-10", Options: Options{HTTP: h, Key: testKey, Password: testPassword, MaliciousScore: 11},
			WantErr: "malicious score 11 is out of range"},
		{Name: "suspicious-above-malicious", Options: Options{HTTP: h, Key: testKey, Password: testPassword, MaliciousScore: 5, SuspiciousScore: 6},
			WantErr: "suspicious score 6 is out of range"},
		{Name: "negative", Options: Options{HTTP: h, Key: testKey, Password: testPassword, SuspiciousScore: -1},
			WantErr: "suspicious score -1 is out of range"},
		{Name: "ok", Options: Options{HTTP: h, Key: testKey, Password: testPassword}},
	})
}

// TestEscaping checks the escaped request paths on the wire: a URL is one path segment, its
// "/", "?", "#" and spaces escaped; IPv6 colons stay.
func TestEscaping(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath()+"|"+r.URL.RawQuery)
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"Not found."}`))
	}))
	defer srv.Close()
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL + "/",
		Key: testKey, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		ind(ioc.URL, "http://evil.example/a b/../c?x=1&y=%41#top"),
		ind(ioc.Domain, "xn--bcher-kva.example"),
		ind(ioc.IPv6, "2001:DB8::1"),
		ind(ioc.SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
	}
	for i, r := range c.Lookup(context.Background(), batch) {
		if r.Err != nil || r.Verdict != enrich.Unknown || r.Indicator != batch[i] {
			t.Errorf("%v: %+v", batch[i], r)
		}
	}
	want := []string{
		"/api/url/http:%2F%2Fevil.example%2Fa%20b%2F..%2Fc%3Fx=1&y=%2541%23top|",
		"/api/url/xn--bcher-kva.example|",
		"/api/ipr/2001:db8::1|",
		"/api/malware/da39a3ee5e6b4b0d3255bfef95601890afd80709|",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("paths:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

// TestBatch checks one result per indicator in order, with unsupported and malformed
// indicators answered without a request.
func TestBatch(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
		return enrichtest.File("ipr_benign.json")
	})
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL,
		Key: testKey, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		ind(ioc.Email, "a@example.com"),
		ind(ioc.IPv4, "8.8.8.8"),
		ind(ioc.IPv4, "8.8.8.8/../../malware/x"),
		ind(ioc.SHA256, "../../api/ipr/1.2.3.4"),
		ind(ioc.URL, " "),
		ind(ioc.IPv4, "8.8.8.8"),
	}
	res := enrichtest.Lookup(t, c, batch)
	if !errors.Is(res[0].Err, enrich.ErrUnsupported) {
		t.Errorf("email: error %v, want ErrUnsupported", res[0].Err)
	}
	for _, i := range []int{2, 3, 4} {
		if res[i].Err == nil {
			t.Errorf("%v: no error", batch[i])
		}
	}
	if res[1].Verdict != enrich.Benign || res[5].Verdict != enrich.Benign {
		t.Errorf("verdicts %v %v", res[1].Verdict, res[5].Verdict)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestLookupCancelled(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("ipr_benign.json")))
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL,
		Key: testKey, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	enrichtest.CheckCancelled(t, c, srv, []enrich.Indicator{ind(ioc.IPv4, "8.8.8.8"), ind(ioc.Domain, "example.com")})
}

func FuzzParse(f *testing.F) {
	for _, b := range enrichtest.Seeds(f, "*.json") {
		for _, typ := range []ioc.Type{ioc.IPv4, ioc.URL, ioc.SHA256} {
			f.Add(string(typ), b)
		}
	}
	f.Add(string(ioc.MD5), []byte(`{"malware":{"family":[1,2],"origins":{"external":{"family":"x"}}}}`))
	f.Add(string(ioc.IPv4), []byte(`{"score":"7","cats":[]}`))
	c, err := New(Options{HTTP: &enrich.HTTP{}, Key: testKey, Password: testPassword})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		i := ind(ioc.Type(typ), "00")
		r, err := c.parse(i, body)
		if err != nil {
			if !errors.Is(err, enrich.ErrBadReply) && !errors.Is(err, enrich.ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrBadReply nor ErrUnsupported", err)
			}
			return
		}
		enrichtest.CheckResult(t, i, r)
		if r.Reference == "" {
			t.Fatalf("no reference in %+v", r)
		}
	})
}
