package otx

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "otx-test-key-abcdef"

// hostnames are the domain-typed test values OTX files under "hostname" rather than "domain".
var hostnames = map[string]bool{"cdn.files-share.example.co.uk": true, "www.example.com": true}

// wantPath is the decoded API path a lookup of ind must request, worked out independently of locate.
func wantPath(ind enrich.Indicator) string {
	section := map[ioc.Type]string{ioc.IPv4: "IPv4", ioc.IPv6: "IPv6", ioc.Domain: "domain", ioc.URL: "url",
		ioc.MD5: "file", ioc.SHA1: "file", ioc.SHA256: "file"}[ind.Type]
	if hostnames[ind.Value] {
		section = "hostname"
	}
	return "/api/v1/indicators/" + section + "/" + ind.Value + "/general"
}

func harness() enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL + "/", Key: testKey})
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
			if got := r.Header.Get("X-OTX-API-KEY"); got != testKey {
				t.Errorf("X-OTX-API-KEY %q, want %q", got, testKey)
			}
		},
	}
}

// check asserts the result's reference, that its details hold want (and possibly more) and, when
// rawFile is set, that Raw is that file's bytes.
func check(ref, rawFile string, want map[string]any) func(*testing.T, enrich.Result) {
	return enrichtest.All(enrichtest.Reference(ref), enrichtest.Details(want), enrichtest.RawFile(rawFile))
}

func TestLookup(t *testing.T) {
	cases := []enrichtest.Case{
		{Name: "ip-malicious-family", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "185.225.74.55"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_malicious.json")}, Want: enrich.Malicious,
			WantSummary: "7 pulses; families: Cobalt Strike", WantRequests: 1,
			Check: check("https://otx.alienvault.com/indicator/ip/185.225.74.55", "ip_malicious.json", map[string]any{
				"pulse_count": 7, "families": []string{"Cobalt Strike"}, "attack_ids": []string{"T1071"},
				"tags":    []string{"cobalt strike", "c2", "beacon", "scanner", "honeypot"},
				"pulses":  []string{"Cobalt Strike team servers - week 47", "Scanning hosts seen by honeypots"},
				"country": "NL", "country_name": "Netherlands", "asn": "AS44477 stark industries solutions ltd",
				"references":          []string{"https://thedfirreport.com/"},
				"last_pulse_modified": time.Date(2025, 11, 20, 6, 1, 9, 117000000, time.UTC),
				"section":             "IPv4",
			})},
		{Name: "ipv6-one-pulse-suspicious", Indicator: enrich.Indicator{Type: ioc.IPv6, Value: "2a03:b0c0:3:d0::1a51:c001"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_suspicious.json")}, Want: enrich.Suspicious, WantSummary: "1 pulse",
			Check: enrichtest.All(check("https://otx.alienvault.com/indicator/ip/2a03:b0c0:3:d0::1a51:c001", "", map[string]any{
				"pulse_count": 1, "tags": []string{"ssh", "bruteforce"}, "country": "DE", "section": "IPv6"}),
				enrichtest.NoDetails("families", "validation"))},
		{Name: "ip-whitelisted-despite-pulses", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "8.8.8.8"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_benign.json")}, Want: enrich.Benign,
			WantSummary: "whitelisted: Known DNS resolver; 50 pulses",
			Check: check("https://otx.alienvault.com/indicator/ip/8.8.8.8", "", map[string]any{
				"validation": []string{"whitelist: Known DNS resolver"}, "families": []string{"Emotet"}, "pulse_count": 50})},
		{Name: "ip-no-pulses", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "8.8.88.8"},
			Replies: []enrichtest.Reply{enrichtest.File("ip_unknown.json")}, Want: enrich.Unknown, WantSummary: "0 pulses",
			Check: enrichtest.All(check("https://otx.alienvault.com/indicator/ip/8.8.88.8", "ip_unknown.json",
				map[string]any{"pulse_count": 0, "asn": "AS3356 LEVEL3"}), enrichtest.NoDetails("pulses", "tags", "last_pulse_modified"))},
		{Name: "domain-malicious-by-count", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "mykings-miner.example"},
			Replies: []enrichtest.Reply{enrichtest.File("domain_malicious.json")}, Want: enrich.Malicious, WantSummary: "4 pulses",
			Check: enrichtest.All(check("https://otx.alienvault.com/indicator/domain/mykings-miner.example", "", map[string]any{
				"adversaries": []string{"MyKings"}, "tags": []string{"miner", "xmrig", "loader"}, "section": "domain"}),
				enrichtest.NoDetails("families"))},
		{Name: "domain-whitelisted", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "alienvault.com"},
			Replies: []enrichtest.Reply{enrichtest.File("domain_benign.json")}, Want: enrich.Benign,
			WantSummary: "whitelisted: Whitelisted domain alienvault.com; 0 pulses",
			Check: check("https://otx.alienvault.com/indicator/domain/alienvault.com", "", map[string]any{
				"validation": []string{"majestic: Whitelisted domain alienvault.com", "whitelist: Whitelisted domain alienvault.com"}})},
		{Name: "domain-no-pulses", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "quiet-corner.example"},
			Replies: []enrichtest.Reply{enrichtest.File("domain_unknown.json")}, Want: enrich.Unknown, WantSummary: "0 pulses"},
		{Name: "hostname-section-below-registrable-domain", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "cdn.files-share.example.co.uk"},
			Replies: []enrichtest.Reply{enrichtest.File("hostname_suspicious.json")}, Want: enrich.Suspicious, WantSummary: "2 pulses",
			Check: check("https://otx.alienvault.com/indicator/hostname/cdn.files-share.example.co.uk", "",
				map[string]any{"section": "hostname", "tags": []string{"phishing"}})},
		{Name: "domain-not-found", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "www.example.com"},
			Replies: []enrichtest.Reply{{Status: http.StatusNotFound, File: filepath.Join("testdata", "notfound.json")}},
			Want:    enrich.Unknown, WantSummary: "not found", WantRequests: 1,
			Check: check("https://otx.alienvault.com/indicator/hostname/www.example.com", "notfound.json", nil)},
		{Name: "url-malicious", Indicator: enrich.Indicator{Type: ioc.URL, Value: "http://203.0.113.50/bins/update.php?id=7&x=1"},
			Replies: []enrichtest.Reply{enrichtest.File("url_malicious.json")}, Want: enrich.Malicious, WantSummary: "1 pulse; families: Emotet",
			Check: check("https://otx.alienvault.com/indicator/url/http:%2F%2F203.0.113.50%2Fbins%2Fupdate.php%3Fid=7&x=1",
				"url_malicious.json", map[string]any{"families": []string{"Emotet"}, "attack_ids": []string{"T1566.001", "T1204.002"},
					"hostname": "203.0.113.50", "section": "url"})},
		{Name: "url-no-pulses", Indicator: enrich.Indicator{Type: ioc.URL, Value: "http://www.fotoidea.com/sport/4x4_san_ponso/slides/IMG_0068.html"},
			Replies: []enrichtest.Reply{enrichtest.File("url_unknown.json")}, Want: enrich.Unknown, WantSummary: "0 pulses",
			Check: check("https://otx.alienvault.com/indicator/url/http:%2F%2Fwww.fotoidea.com%2Fsport%2F4x4_san_ponso%2Fslides%2FIMG_0068.html",
				"", map[string]any{"domain": "fotoidea.com", "hostname": "www.fotoidea.com"})},
		{Name: "url-not-found", Indicator: enrich.Indicator{Type: ioc.URL, Value: "https://gone.example/x?y=1#z"},
			Replies: []enrichtest.Reply{{Status: http.StatusNotFound, Body: `{"detail": "Not found."}`}},
			Want:    enrich.Unknown, WantSummary: "not found",
			Check: check("https://otx.alienvault.com/indicator/url/https:%2F%2Fgone.example%2Fx%3Fy=1%23z", "", nil)},
		{Name: "sha256-malicious", Indicator: enrich.Indicator{Type: ioc.SHA256, Value: "ed01ebfbc9eb5bbea545af4d01bf5f1071661840480439c6e5babe8e080e41aa"},
			Replies: []enrichtest.Reply{enrichtest.File("file_malicious.json")}, Want: enrich.Malicious,
			WantSummary: "12 pulses; families: WannaCry, WanaCrypt0r",
			Check: check("https://otx.alienvault.com/indicator/file/ed01ebfbc9eb5bbea545af4d01bf5f1071661840480439c6e5babe8e080e41aa",
				"file_malicious.json", map[string]any{"families": []string{"WannaCry", "WanaCrypt0r"},
					"adversaries": []string{"Lazarus Group"}, "attack_ids": []string{"T1486"}, "section": "file"})},
		{Name: "sha1-no-pulses", Indicator: enrich.Indicator{Type: ioc.SHA1, Value: "6c5360d41bd2b14b1565f5b18e5c203cf512e493"},
			Replies: []enrichtest.Reply{enrichtest.File("file_unknown.json")}, Want: enrich.Unknown, WantSummary: "0 pulses",
			Check: check("https://otx.alienvault.com/indicator/file/6c5360d41bd2b14b1565f5b18e5c203cf512e493", "", nil)},
		{Name: "md5-accepted-false-positive", Indicator: enrich.Indicator{Type: ioc.MD5, Value: "2eb14920c75d5e73264f77cfa273ad2c"},
			Replies: []enrichtest.Reply{enrichtest.File("file_false_positive.json")}, Want: enrich.Benign,
			WantSummary: "accepted false positive; 2 pulses",
			Check: check("https://otx.alienvault.com/indicator/file/2eb14920c75d5e73264f77cfa273ad2c", "",
				map[string]any{"false_positive": true, "pulse_count": 2})},
		{Name: "bad-request", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "999.1.1.1"},
			Replies:     []enrichtest.Reply{{Status: http.StatusBadRequest, Body: `{"detail": "Invalid IP"}`}},
			WantErrText: "HTTP 400", WantRequests: 1},
		{Name: "json-null", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "8.8.8.8"},
			Replies: []enrichtest.Reply{{Body: "null"}}, WantErr: enrich.ErrBadReply, WantErrText: "not a JSON object"},
	}
	harness().Run(t, cases)
}

func TestErrorMatrix(t *testing.T) {
	ind := enrich.Indicator{Type: ioc.URL, Value: "http://203.0.113.50/bins/update.php?id=7&x=1"}
	harness().Run(t, enrichtest.ErrorCases(Name, ind, enrichtest.File("url_malicious.json"), enrich.Malicious))
}

func TestVerdictRule(t *testing.T) {
	accepted := []falsePositive{{Assessment: "accepted"}}
	pending := []falsePositive{{Assessment: "pending"}}
	whitelist := []validation{{Source: "whitelist", Name: "Whitelisted domain"}}
	cases := []struct {
		name      string
		g         general
		pulses    int
		families  []string
		threshold int
		want      enrich.Verdict
	}{
		{"no pulses", general{}, 0, nil, 3, enrich.Unknown},
		{"pending false positive, no pulses", general{FalsePositive: pending}, 0, nil, 3, enrich.Unknown},
		{"one pulse", general{}, 1, nil, 3, enrich.Suspicious},
		{"below threshold", general{FalsePositive: pending}, 2, nil, 3, enrich.Suspicious},
		{"at threshold", general{}, 3, nil, 3, enrich.Malicious},
		{"raised threshold", general{}, 9, nil, 10, enrich.Suspicious},
		{"one pulse with a family", general{}, 1, []string{"Emotet"}, 3, enrich.Malicious},
		{"whitelisted beats pulses and families", general{Validation: whitelist}, 40, []string{"Emotet"}, 3, enrich.Benign},
		{"whitelisted, no pulses", general{Validation: whitelist}, 0, nil, 3, enrich.Benign},
		{"accepted false positive beats pulses", general{FalsePositive: accepted}, 5, nil, 3, enrich.Benign},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := verdictOf(&c.g, c.pulses, c.families, c.threshold); got != c.want {
				t.Errorf("verdict %v, want %v", got, c.want)
			}
		})
	}
}

func TestMaliciousPulsesOption(t *testing.T) {
	// domain_malicious.json has 4 pulses and no malware family.
	for _, c := range []struct {
		pulses int
		want   enrich.Verdict
	}{{0, enrich.Malicious}, {4, enrich.Malicious}, {5, enrich.Suspicious}} {
		srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("domain_malicious.json")))
		cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey,
			MaliciousPulses: c.pulses})
		if err != nil {
			t.Fatal(err)
		}
		r := cl.Lookup(context.Background(), []enrich.Indicator{{Type: ioc.Domain, Value: "mykings-miner.example"}})[0]
		if r.Err != nil || r.Verdict != c.want {
			t.Errorf("MaliciousPulses %d: verdict %v (err %v), want %v", c.pulses, r.Verdict, r.Err, c.want)
		}
	}
}

// TestEscapedPaths checks the request paths as sent on the wire: the indicator is one path segment.
func TestEscapedPaths(t *testing.T) {
	cases := []struct {
		ind  enrich.Indicator
		want string
	}{
		{enrich.Indicator{Type: ioc.URL, Value: "http://203.0.113.50/bins/update.php?id=7&x=1"},
			"/api/v1/indicators/url/http:%2F%2F203.0.113.50%2Fbins%2Fupdate.php%3Fid=7&x=1/general"},
		{enrich.Indicator{Type: ioc.URL, Value: "https://x.example/p a/%41;b#frag"},
			"/api/v1/indicators/url/https:%2F%2Fx.example%2Fp%20a%2F%2541%3Bb%23frag/general"},
		{enrich.Indicator{Type: ioc.IPv6, Value: "2001:db8::1"}, "/api/v1/indicators/IPv6/2001:db8::1/general"},
		{enrich.Indicator{Type: ioc.Domain, Value: "Example.COM."}, "/api/v1/indicators/domain/example.com/general"},
		{enrich.Indicator{Type: ioc.Domain, Value: "a.b.example.com"}, "/api/v1/indicators/hostname/a.b.example.com/general"},
		{enrich.Indicator{Type: ioc.Domain, Value: "example.co.uk"}, "/api/v1/indicators/domain/example.co.uk/general"},
		{enrich.Indicator{Type: ioc.Domain, Value: "co.uk"}, "/api/v1/indicators/domain/co.uk/general"},
		{enrich.Indicator{Type: ioc.SHA1, Value: "6C5360D41BD2B14B1565F5B18E5C203CF512E493"},
			"/api/v1/indicators/file/6c5360d41bd2b14b1565f5b18e5c203cf512e493/general"},
	}
	for _, c := range cases {
		var got string
		var query string
		srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
			got, query = r.URL.EscapedPath(), r.URL.RawQuery
			return enrichtest.File("ip_unknown.json")
		})
		cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		r := cl.Lookup(context.Background(), []enrich.Indicator{c.ind})[0]
		if r.Err != nil {
			t.Errorf("%v: %v", c.ind, r.Err)
		}
		if got != c.want || query != "" {
			t.Errorf("%v: requested %q query %q, want %q and no query", c.ind, got, query, c.want)
		}
	}
}

func TestBatchOrderAndUnsupported(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, func(r *http.Request, _ int) enrichtest.Reply {
		if strings.Contains(r.URL.Path, "/IPv4/") {
			return enrichtest.File("ip_malicious.json")
		}
		return enrichtest.Reply{Status: 404, Body: `{"detail": "Not found."}`}
	})
	cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		{Type: ioc.CVE, Value: "CVE-2017-0144"},
		{Type: ioc.IPv4, Value: "185.225.74.55"},
		{Type: ioc.SHA512, Value: strings.Repeat("cd", 64)},
		{Type: ioc.SHA256, Value: strings.Repeat("ab", 32)},
		{Type: ioc.URL, Value: ""},
	}
	res := enrichtest.Lookup(t, cl, batch)
	for _, i := range []int{0, 2} {
		if !errors.Is(res[i].Err, enrich.ErrUnsupported) {
			t.Errorf("%v: error %v, want ErrUnsupported", batch[i], res[i].Err)
		}
	}
	if res[1].Err != nil || res[1].Verdict != enrich.Malicious {
		t.Errorf("ip: %v %v", res[1].Verdict, res[1].Err)
	}
	if res[3].Err != nil || res[3].Summary != "not found" || res[3].Verdict != enrich.Unknown {
		t.Errorf("sha256: %v %q %v", res[3].Verdict, res[3].Summary, res[3].Err)
	}
	if res[4].Err == nil {
		t.Errorf("empty URL: no error")
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestCancelled(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("ip_unknown.json")))
	cl, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	enrichtest.CheckCancelled(t, cl, srv, []enrich.Indicator{{Type: ioc.IPv4, Value: "8.8.8.8"}, {Type: ioc.Domain, Value: "example.com"}})
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{Provider: Name}
	enrichtest.CheckNew(t, New, func(t *testing.T, cl *Client) {
		if cl.base != DefaultBaseURL || cl.malicious != DefaultMaliciousPulses || cl.Name() != Name {
			t.Errorf("defaults not applied: %+v", cl)
		}
	}, []enrichtest.NewCase[Options]{
		{Name: "no key", Options: Options{HTTP: h}, WantErr: "otx: an API key is required"},
		{Name: "blank key", Options: Options{HTTP: h, Key: "\t"}, WantErr: "otx: an API key is required"},
		{Name: "no HTTP", Options: Options{Key: "k"}, WantErr: "request path is required"},
		{Name: "bad base", Options: Options{HTTP: h, Key: "k", BaseURL: "otx.alienvault.com"},
			WantErr: "not an http(s) URL"},
		{Name: "negative threshold", Options: Options{HTTP: h, Key: "k", MaliciousPulses: -2}, WantErr: "negative"},
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

// TestFamilyShapes checks both shapes OTX uses for malware families and adversaries, and that
// odd values are skipped rather than failing the reply.
func TestFamilyShapes(t *testing.T) {
	body := `{"pulse_info":{"count":2,"pulses":[
		{"name":"a","malware_families":["Qakbot",{"display_name":"Cobalt Strike"},{"id":"AsyncRAT","display_name":""},null,7,{"id":3}],
		 "modified":"not a time"},
		{"name":"b","malware_families":[{"id":"x","display_name":"qakbot"}],"modified":"2026-01-02T03:04:05Z"}],
		"related":{"alienvault":{"adversary":["TA577"],"malware_families":["Ursnif"]},"other":{"adversary":[{"display_name":"TA577"}],"malware_families":[]}}}}`
	r, err := parse(enrich.Indicator{Type: ioc.IPv4, Value: "192.0.2.1"}, []byte(body), 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Qakbot", "Cobalt Strike", "AsyncRAT", "Ursnif"}; !reflect.DeepEqual(r.Details["families"], want) {
		t.Errorf("families %v, want %v", r.Details["families"], want)
	}
	if want := []string{"TA577"}; !reflect.DeepEqual(r.Details["adversaries"], want) {
		t.Errorf("adversaries %v, want %v", r.Details["adversaries"], want)
	}
	if got := r.Details["last_pulse_modified"]; got != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) {
		t.Errorf("last_pulse_modified %v", got)
	}
	if r.Verdict != enrich.Malicious || r.Summary != "2 pulses; families: Qakbot, Cobalt Strike, AsyncRAT …" {
		t.Errorf("verdict %v summary %q", r.Verdict, r.Summary)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
}
