package greynoise

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "greynoise-test-key"

func ip(v string) enrich.Indicator { return enrich.Indicator{Type: ioc.IPv4, Value: v} }

// harness builds clients with key (maybe "") and checks every request for it.
func harness(t *testing.T, key string) enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL, Key: key})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			if want := "/v3/community/" + ind.Value; r.Method != http.MethodGet || r.Path != want {
				t.Errorf("request %s %s, want GET %s", r.Method, r.Path, want)
			}
			if len(r.Query) != 0 {
				t.Errorf("unexpected query %v", r.Query)
			}
			if got, ok := r.Header["Key"]; key == "" && ok {
				t.Errorf("key header %q sent without a configured key", got)
			} else if key != "" && r.Header.Get("key") != key {
				t.Errorf("key header %q, want the API key", r.Header.Get("key"))
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept header %q, want application/json", got)
			}
		},
	}
}

// check asserts the result's reference, that its details hold want (and possibly more), and that
// it keeps the raw reply.
func check(link string, want map[string]any) func(*testing.T, enrich.Result) {
	return enrichtest.All(enrichtest.Reference(link), enrichtest.Details(want), enrichtest.RawJSON())
}

func cases() []enrichtest.Case {
	cs := []enrichtest.Case{
		{Name: "malicious", Indicator: ip("45.155.205.233"), Replies: []enrichtest.Reply{enrichtest.File("community_malicious.json")},
			Want: enrich.Malicious, WantSummary: "malicious; internet scanner; last seen 2026-10-30", WantRequests: 1,
			Check: check("https://viz.greynoise.io/ip/45.155.205.233",
				map[string]any{"noise": true, "riot": false, "classification": "malicious", "last_seen": "2026-10-30"})},
		{Name: "benign-riot", Indicator: ip("8.8.8.8"), Replies: []enrichtest.Reply{enrichtest.File("community_riot.json")},
			Want: enrich.Benign, WantSummary: "benign; business service (RIOT); Google Public DNS",
			Check: check("https://viz.greynoise.io/riot/8.8.8.8", map[string]any{"riot": true, "name": "Google Public DNS"})},
		{Name: "benign-scanner", Indicator: ip("71.6.135.131"), Replies: []enrichtest.Reply{enrichtest.File("community_benign_scanner.json")},
			Want: enrich.Benign, WantSummary: "benign; internet scanner; Shodan.io",
			Check: check("https://viz.greynoise.io/ip/71.6.135.131", map[string]any{"noise": true})},
		{Name: "suspicious-unknown-noise", Indicator: ip("198.51.100.77"), Replies: []enrichtest.Reply{enrichtest.File("community_unknown_noise.json")},
			Want: enrich.Suspicious, WantSummary: "unknown; internet scanner; last seen 2026-10-28",
			Check: check("https://viz.greynoise.io/ip/198.51.100.77", map[string]any{"classification": "unknown"})},
		{Name: "suspicious-classified", Indicator: ip("203.0.113.45"), Replies: []enrichtest.Reply{enrichtest.File("community_suspicious.json")},
			Want: enrich.Suspicious, WantSummary: "suspicious; internet scanner"},
		{Name: "not-observed-404", Indicator: ip("192.0.2.10"), Replies: []enrichtest.Reply{{Status: 404, File: "testdata/community_not_found.json"}},
			Want: enrich.Unknown, WantSummary: "not found", WantRequests: 1,
			Check: check("https://viz.greynoise.io/ip/192.0.2.10",
				map[string]any{"message": "IP not observed scanning the internet or contained in RIOT data set.", "noise": false})},
		{Name: "invalid-400-message", Indicator: ip("192.0.2.10"), Replies: []enrichtest.Reply{{Status: 400, File: "testdata/error_400.json"}},
			WantErrText: "greynoise: HTTP 400: Request is not a valid routable IPv4 address", WantRequests: 1},
		{Name: "auth-message", Indicator: ip("192.0.2.10"), Replies: []enrichtest.Reply{{Status: 401, File: "testdata/error_401.json"}},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for greynoise: Authentication failed", WantRequests: 1},
		{Name: "daily-limit", Indicator: ip("192.0.2.10"),
			Replies: []enrichtest.Reply{{Status: 429, Header: map[string]string{"Retry-After": "3600"}, File: "testdata/error_429.json"}},
			WantErr: enrich.ErrRateLimited, WantErrText: "greynoise: HTTP 429: You have hit your daily rate limit", WantRequests: 1},
		{Name: "reply-not-an-object", Indicator: ip("192.0.2.10"), Replies: []enrichtest.Reply{{Body: `["8.8.8.8"]`}},
			WantErr: enrich.ErrBadReply, WantRequests: 1},
	}
	return append(cs, enrichtest.ErrorCases(Name, ip("45.155.205.233"), enrichtest.File("community_malicious.json"), enrich.Malicious)...)
}

func TestLookup(t *testing.T) { harness(t, testKey).Run(t, cases()) }

// TestLookupWithoutKey: the Community API needs no key, and none is sent.
func TestLookupWithoutKey(t *testing.T) { harness(t, "").Run(t, cases()[:6]) }

func TestVerdict(t *testing.T) {
	tests := []struct {
		reply string
		want  enrich.Verdict
	}{
		{`{"classification":"malicious","noise":true}`, enrich.Malicious},
		{`{"classification":"malicious","riot":true}`, enrich.Malicious},
		{`{"classification":"Malicious"}`, enrich.Malicious},
		{`{"classification":"suspicious","noise":true}`, enrich.Suspicious},
		{`{"classification":"benign","noise":true}`, enrich.Benign},
		{`{"classification":"unknown","riot":true}`, enrich.Benign},
		{`{"riot":true}`, enrich.Benign},
		{`{"classification":"unknown","noise":true}`, enrich.Suspicious},
		{`{"noise":true}`, enrich.Suspicious},
		{`{"classification":"unknown"}`, enrich.Unknown},
		{`{"noise":false,"riot":false,"message":"Success"}`, enrich.Unknown},
	}
	for _, tt := range tests {
		r, err := parse(ip("192.0.2.1"), []byte(tt.reply))
		if err != nil {
			t.Fatalf("%s: %v", tt.reply, err)
		}
		if r.Verdict != tt.want {
			t.Errorf("%s: verdict %v, want %v", tt.reply, r.Verdict, tt.want)
		}
	}
}

func TestReference(t *testing.T) {
	tests := []struct{ link, want string }{
		{"https://viz.greynoise.io/riot/8.8.8.8", "https://viz.greynoise.io/riot/8.8.8.8"},
		{"", "https://viz.greynoise.io/ip/192.0.2.1"},
		{"javascript:alert(1)", "https://viz.greynoise.io/ip/192.0.2.1"},
		{"not a url", "https://viz.greynoise.io/ip/192.0.2.1"},
	}
	for _, tt := range tests {
		if got := reference("192.0.2.1", tt.link); got != tt.want {
			t.Errorf("reference(%q) = %q, want %q", tt.link, got, tt.want)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Options{}); err == nil || err.Error() != "greynoise: Options.HTTP is required" {
		t.Errorf("New without HTTP: %v", err)
	}
	c, err := New(Options{HTTP: &enrich.HTTP{}})
	if err != nil {
		t.Fatalf("New without a key: %v", err)
	}
	if c.base != DefaultBaseURL || c.Name() != Name || len(c.Types()) != 1 || c.Types()[0] != ioc.IPv4 {
		t.Errorf("client %+v types %v", c, c.Types())
	}
}

// TestBatch checks one result per indicator in order, with unsupported and malformed
// indicators answered without a request.
func TestBatch(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
		if strings.HasSuffix(r.URL.Path, "/8.8.8.8") {
			return enrichtest.File("community_riot.json")
		}
		return enrichtest.Reply{Status: 404, File: "testdata/community_not_found.json"}
	})
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		ip("8.8.8.8"),
		{Type: ioc.IPv6, Value: "2001:db8::1"},
		ip("192.0.2.10"),
		ip("8.8.8.8/../../v2/x"),
		ip("::ffff:1.2.3.4"),
	}
	res := enrichtest.Lookup(t, c, batch)
	if res[0].Verdict != enrich.Benign || res[2].Verdict != enrich.Unknown || res[2].Summary != "not found" {
		t.Errorf("verdicts %v (%q), %v (%q)", res[0].Verdict, res[0].Summary, res[2].Verdict, res[2].Summary)
	}
	if !errors.Is(res[1].Err, enrich.ErrUnsupported) {
		t.Errorf("ipv6: error %v, want ErrUnsupported", res[1].Err)
	}
	for _, i := range []int{3, 4} {
		if res[i].Err == nil || !strings.Contains(res[i].Err.Error(), "not an IPv4 address") {
			t.Errorf("%v: error %v", batch[i], res[i].Err)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestLookupCancelled(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("community_riot.json")))
	c, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	enrichtest.CheckCancelled(t, c, srv, []enrich.Indicator{ip("8.8.8.8"), ip("1.1.1.1")})
}

func FuzzParse(f *testing.F) {
	for _, b := range enrichtest.Seeds(f, "*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"classification":7}`))
	f.Add([]byte(`null`))
	ind := ip("192.0.2.1")
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parse(ind, body)
		if err != nil {
			if !errors.Is(err, enrich.ErrBadReply) {
				t.Fatalf("error %v does not wrap ErrBadReply", err)
			}
			return
		}
		enrichtest.CheckResult(t, ind, r)
		if r.Reference == "" {
			t.Fatalf("no reference in %+v", r)
		}
		notFound(ind, &enrich.Reply{Status: 404, Body: body})
	})
}
