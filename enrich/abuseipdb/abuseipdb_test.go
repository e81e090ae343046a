package abuseipdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "abuseipdb-test-key"

func ip(v string) enrich.Indicator  { return enrich.Indicator{Type: ioc.IPv4, Value: v} }
func ip6(v string) enrich.Indicator { return enrich.Indicator{Type: ioc.IPv6, Value: v} }

func harness(t *testing.T, o Options, wantMaxAge string) enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			o := o
			o.HTTP, o.BaseURL, o.Key = h, baseURL, testKey
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			if r.Method != http.MethodGet || r.Path != "/check" {
				t.Errorf("request %s %s, want GET /check", r.Method, r.Path)
			}
			if got := r.Query.Get("ipAddress"); got != ind.Value {
				t.Errorf("ipAddress=%q, want %q", got, ind.Value)
			}
			if got := r.Query.Get("maxAgeInDays"); got != wantMaxAge {
				t.Errorf("maxAgeInDays=%q, want %q", got, wantMaxAge)
			}
			if len(r.Query) != 2 {
				t.Errorf("query %v has parameters besides ipAddress and maxAgeInDays", r.Query)
			}
			if got := r.Header.Get("Key"); got != testKey {
				t.Errorf("Key header %q, want the API key", got)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept header %q, want application/json", got)
			}
		},
	}
}

// details asserts that the result's details hold want (and possibly more), that it refers to the
// address's page and that it keeps the raw reply.
func details(want map[string]any) func(*testing.T, enrich.Result) {
	return enrichtest.All(enrichtest.Details(want), enrichtest.RawJSON(), func(t *testing.T, r enrich.Result) {
		t.Helper()
		enrichtest.Reference("https://www.abuseipdb.com/check/"+r.Indicator.Value)(t, r)
	})
}

func TestLookup(t *testing.T) {
	cases := []enrichtest.Case{
		{Name: "malicious", Indicator: ip("118.25.6.39"), Replies: []enrichtest.Reply{enrichtest.File("check_malicious.json")},
			Want: enrich.Malicious, WantSummary: "confidence 100%, 1 report", WantRequests: 1,
			Check: details(map[string]any{"countryCode": "CN", "isp": "Tencent Cloud Computing (Beijing) Co. Ltd",
				"usageType": "Data Center/Web Hosting/Transit", "totalReports": 1, "isTor": false,
				"lastReportedAt": "2018-12-20T20:55:14+00:00", "abuseConfidenceScore": 100})},
		{Name: "suspicious-tor", Indicator: ip("185.220.101.7"), Replies: []enrichtest.Reply{enrichtest.File("check_suspicious.json")},
			Want: enrich.Suspicious, WantSummary: "confidence 41%, 57 reports, Tor exit",
			Check: details(map[string]any{"isTor": true, "countryCode": "DE", "numDistinctUsers": 12})},
		{Name: "benign-whitelisted", Indicator: ip("8.8.8.8"), Replies: []enrichtest.Reply{enrichtest.File("check_whitelisted.json")},
			Want: enrich.Benign, WantSummary: "confidence 0%, 14 reports, whitelisted",
			Check: details(map[string]any{"isWhitelisted": true, "usageType": "Content Delivery Network", "hostnames": []string{"dns.google"}})},
		{Name: "unknown-unreported", Indicator: ip("203.0.113.9"), Replies: []enrichtest.Reply{enrichtest.File("check_unreported.json")},
			Want: enrich.Unknown, WantSummary: "confidence 0%, 0 reports",
			Check: func(t *testing.T, r enrich.Result) {
				for _, k := range []string{"countryCode", "usageType", "isp", "lastReportedAt", "domain"} {
					if _, ok := r.Details[k]; ok {
						t.Errorf("details has %q for a null or empty field: %v", k, r.Details)
					}
				}
			}},
		{Name: "unknown-low-score-whitelist-null", Indicator: ip("198.51.100.23"), Replies: []enrichtest.Reply{enrichtest.File("check_low_score.json")},
			Want: enrich.Unknown, WantSummary: "confidence 9%, 2 reports",
			Check: details(map[string]any{"isWhitelisted": false})},
		{Name: "ipv6", Indicator: ip6("2001:db8:85a3::8a2e:370:7334"), Replies: []enrichtest.Reply{enrichtest.File("check_ipv6.json")},
			Want: enrich.Malicious, WantSummary: "confidence 88%, 230 reports"},
		{Name: "auth-detail", Indicator: ip("118.25.6.39"), Replies: []enrichtest.Reply{{Status: 401, File: "testdata/error_401.json"}},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for abuseipdb: Authentication failed. Your API key is either missing",
			WantRequests: 1},
		{Name: "422-detail", Indicator: ip("118.25.6.39"), Replies: []enrichtest.Reply{{Status: 422, File: "testdata/error_422.json"}},
			WantErrText: "abuseipdb: HTTP 422: The max age in days must be between 1 and 365.", WantRequests: 1},
		{Name: "daily-limit", Indicator: ip("118.25.6.39"),
			Replies: []enrichtest.Reply{{Status: 429, Header: map[string]string{"Retry-After": "29241"}, File: "testdata/error_429.json"}},
			WantErr: enrich.ErrRateLimited, WantErrText: "HTTP 429: Daily rate limit of 1000 requests exceeded", WantRequests: 1,
			Check: func(t *testing.T, r enrich.Result) {
				if !strings.Contains(r.Err.Error(), "asks to wait 8h7m21s") {
					t.Errorf("error %q does not say how long AbuseIPDB asks to wait", r.Err)
				}
			}},
		{Name: "reply-without-data", Indicator: ip("118.25.6.39"), Replies: []enrichtest.Reply{{Body: `{"data":{}}`}},
			WantErr: enrich.ErrBadReply, WantRequests: 1},
		{Name: "404-not-found", Indicator: ip("118.25.6.39"), Replies: []enrichtest.Reply{{Status: 404, Body: `{"errors":[{"detail":"Not Found","status":404}]}`}},
			Want: enrich.Unknown, WantSummary: "not found",
			Check: func(t *testing.T, r enrich.Result) {
				if !json.Valid(r.Raw) || r.Reference == "" {
					t.Errorf("not-found result: raw %q reference %q", r.Raw, r.Reference)
				}
			}},
	}
	cases = append(cases, enrichtest.ErrorCases(Name, ip("118.25.6.39"), enrichtest.File("check_malicious.json"), enrich.Malicious)...)
	harness(t, Options{}, "90").Run(t, cases)
}

func TestLookupOptions(t *testing.T) {
	// Thresholds moved: 41 is now malicious, 9 suspicious; the request asks for 30 days.
	o := Options{MaxAgeInDays: 30, MaliciousScore: 40, SuspiciousScore: 5}
	harness(t, o, "30").Run(t, []enrichtest.Case{
		{Name: "malicious-at-40", Indicator: ip("185.220.101.7"), Replies: []enrichtest.Reply{enrichtest.File("check_suspicious.json")},
			Want: enrich.Malicious},
		{Name: "suspicious-at-5", Indicator: ip("198.51.100.23"), Replies: []enrichtest.Reply{enrichtest.File("check_low_score.json")},
			Want: enrich.Suspicious},
	})
}

func TestVerdict(t *testing.T) {
	c, err := New(Options{HTTP: &enrich.HTTP{}, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		score       int
		whitelisted string // JSON: true, false or null
		want        enrich.Verdict
	}{
		{100, "false", enrich.Malicious},
		{75, "false", enrich.Malicious},
		{75, "true", enrich.Malicious}, // a high score wins over a whitelist
		{74, "false", enrich.Suspicious},
		{25, "false", enrich.Suspicious},
		{25, "true", enrich.Suspicious},
		{24, "false", enrich.Unknown},
		{24, "true", enrich.Benign},
		{1, "null", enrich.Unknown},
		{0, "true", enrich.Benign},
		{0, "false", enrich.Unknown},
		{0, "null", enrich.Unknown},
	}
	for _, tt := range tests {
		body := fmt.Sprintf(`{"data":{"ipAddress":"192.0.2.1","abuseConfidenceScore":%d,"isWhitelisted":%s,"totalReports":3}}`,
			tt.score, tt.whitelisted)
		r, err := c.parse(ip("192.0.2.1"), []byte(body))
		if err != nil {
			t.Fatalf("score %d whitelisted %s: %v", tt.score, tt.whitelisted, err)
		}
		if r.Verdict != tt.want {
			t.Errorf("score %d whitelisted %s: verdict %v, want %v", tt.score, tt.whitelisted, r.Verdict, tt.want)
		}
	}
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{}
	enrichtest.CheckNew(t, New, func(t *testing.T, c *Client) {
		if c == nil {
			t.Fatal("New returned no client and no error")
		}
		if c.base != DefaultBaseURL || c.maxAge != DefaultMaxAgeInDays {
			t.Errorf("defaults: base %q max age %d", c.base, c.maxAge)
		}
	}, []enrichtest.NewCase[Options]{
		{Name: "no-http", Options: Options{Key: testKey}, WantErr: "abuseipdb: Options.HTTP is required"},
		{Name: "no-key", Options: Options{HTTP: h}, WantErr: "abuseipdb: an API key is required"},
		{Name: "blank-key", Options: Options{HTTP: h, Key: "  "}, WantErr: "abuseipdb: an API key is required"},
		{Name: "max-age-high", Options: Options{HTTP: h, Key: testKey, MaxAgeInDays: 366},
			WantErr: "max age 366 days is out of range"},
		{Name: "max-age-negative", Options: Options{HTTP: h, Key: testKey, MaxAgeInDays: -1},
			WantErr: "max age -1 days is out of range"},
		{Name: "malicious-high", Options: Options{HTTP: h, Key: testKey, MaliciousScore: 101},
			WantErr: "malicious score 101 is out of range"},
		{Name: "suspicious-above-malicious", Options: Options{HTTP: h, Key: testKey, MaliciousScore: 50, SuspiciousScore: 60},
			WantErr: "suspicious score 60 is out of range"},
		{Name: "ok", Options: Options{HTTP: h, Key: testKey}},
	})
}

// TestBatch checks one result per indicator in order, unsupported and malformed indicators
// answered without a request, and the IPv6 address percent-encoded in the query.
func TestBatch(t *testing.T) {
	var rawQueries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rawQueries = append(rawQueries, r.URL.RawQuery)
		name := "check_unreported.json"
		if r.URL.Query().Get("ipAddress") == "118.25.6.39" {
			name = "check_malicious.json"
		}
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		w.Write(b)
	}))
	defer srv.Close()
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL + "/", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		ip("118.25.6.39"),
		{Type: ioc.Domain, Value: "example.com"},
		ip6("2001:db8::1"),
		ip("not-an-ip"),
	}
	res := enrichtest.Lookup(t, c, batch)
	if res[0].Verdict != enrich.Malicious || res[0].Err != nil {
		t.Errorf("first: %v %v", res[0].Verdict, res[0].Err)
	}
	if !errors.Is(res[1].Err, enrich.ErrUnsupported) {
		t.Errorf("domain: error %v, want ErrUnsupported", res[1].Err)
	}
	if res[2].Err != nil || res[2].Verdict != enrich.Unknown {
		t.Errorf("ipv6: %v %v", res[2].Verdict, res[2].Err)
	}
	if res[3].Err == nil || !strings.Contains(res[3].Err.Error(), "not an IP address") {
		t.Errorf("malformed: error %v", res[3].Err)
	}
	want := []string{"ipAddress=118.25.6.39&maxAgeInDays=90", "ipAddress=2001%3Adb8%3A%3A1&maxAgeInDays=90"}
	if fmt.Sprint(rawQueries) != fmt.Sprint(want) {
		t.Errorf("queries %q, want %q", rawQueries, want)
	}
}

func TestLookupCancelled(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("check_malicious.json")))
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client(), Retries: -1}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	enrichtest.CheckCancelled(t, c, srv, []enrich.Indicator{ip("118.25.6.39"), ip("8.8.8.8")})
}

func TestErrorDetail(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"errors":[{"detail":"a","status":422},{"detail":"b","status":422}]}`, "a; b"},
		{`{"errors":[]}`, ""},
		{`{"error":"unauthorized"}`, ""},
		{`<html>`, ""},
		{`{"errors":[{"detail":"cut off…`, ""},
	}
	for _, tt := range tests {
		if got := errorDetail(tt.body); got != tt.want {
			t.Errorf("errorDetail(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, b := range enrichtest.Seeds(f, "*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"data":{"abuseConfidenceScore":-5,"isWhitelisted":true}}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	c, err := New(Options{HTTP: &enrich.HTTP{}, Key: testKey})
	if err != nil {
		f.Fatal(err)
	}
	ind := ip("192.0.2.1")
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := c.parse(ind, body)
		if err != nil {
			if !errors.Is(err, enrich.ErrBadReply) {
				t.Fatalf("error %v does not wrap ErrBadReply", err)
			}
			return
		}
		enrichtest.CheckResult(t, ind, r)
		errorDetail(string(body))
	})
}
