package abusech

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func threatFoxHarness() enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			p, err := NewThreatFox(Options{HTTP: h, BaseURL: baseURL + "/api/v1", Key: testKey})
			if err != nil {
				panic(err)
			}
			return p
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			t.Helper()
			checkCommon(t, r, "/api/v1/", jsonType)
			var got map[string]string
			if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
				t.Fatalf("body %q is not a JSON object of strings: %v", r.Body, err)
			}
			want := map[string]string{"query": "search_ioc", "search_term": ind.Value}
			if ind.Type == ioc.MD5 || ind.Type == ioc.SHA256 {
				want = map[string]string{"query": "search_hash", "hash": ind.Value}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body %v, want %v", got, want)
			}
		},
	}
}

func TestThreatFox(t *testing.T) {
	var (
		ip      = ind(ioc.IPv4, "198.51.100.7")
		domain  = ind(ioc.Domain, "cache-dist-5.example.net")
		u       = ind(ioc.URL, "http://auto.example.com/f1nygync/J18Keqh/")
		oddURL  = ind(ioc.URL, `http://x.example/"q"\path?ü=1`)
		md5     = ind(ioc.MD5, "5d41402abc4b2a76b9719d911017c592")
		sha256  = ind(ioc.SHA256, "094fd325049b8a9cf6d3e5ef2a6d4cc6a567d7d49c35f8bb8dd9e3c6acf3d78d")
		unknown = enrichtest.File("threatfox_no_result.json")
	)
	cases := []enrichtest.Case{
		// IPs: entries for 198.51.100.70 are not about 198.51.100.7.
		{Name: "ip-listed", Indicator: ip, Replies: []enrichtest.Reply{enrichtest.File("threatfox_ip.json")},
			Want: enrich.Malicious, WantSummary: "listed: 2 IOCs, Cobalt Strike, botnet_cc, confidence 100%, tags CobaltStrike, c2", WantRequests: 1,
			Check: enrichtest.All(rawKept, enrichtest.Reference("https://threatfox.abuse.ch/ioc/1559002/"), func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "matches", 2)
				enrichtest.Detail(t, r, "confidence_level", 100)
				enrichtest.Detail(t, r, "malware", []string{"Cobalt Strike"})
				enrichtest.Detail(t, r, "malware_families", []string{"win.cobalt_strike"})
				enrichtest.Detail(t, r, "ids", []string{"1559002", "1558251"})
				enrichtest.Detail(t, r, "first_seen", "2026-03-19 22:01:10 UTC")
				enrichtest.Detail(t, r, "last_seen", "2026-03-22 06:00:00 UTC")
				enrichtest.Detail(t, r, "references", []string{"https://twitter.com/example/status/1"})
			})},
		{Name: "ip-only-other-hosts", Indicator: ip, Replies: []enrichtest.Reply{enrichtest.File("threatfox_ip_other.json")},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "ip-not-found", Indicator: ip, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// Domains: the URL on the same host counts.
		{Name: "domain-listed", Indicator: domain, Replies: []enrichtest.Reply{enrichtest.File("threatfox_domain.json")},
			Want: enrich.Malicious, WantSummary: "listed: 2 IOCs, ClearFake, payload_delivery, confidence 100%, tags ClearFake, js",
			Check: enrichtest.All(enrichtest.Reference("https://threatfox.abuse.ch/ioc/1765567/"), func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "ioc_types", []string{"domain", "url"})
			})},
		{Name: "domain-other-host", Indicator: ind(ioc.Domain, "example.net"), Replies: []enrichtest.Reply{enrichtest.File("threatfox_domain.json")},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "domain-not-found", Indicator: domain, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// URLs
		{Name: "url-listed", Indicator: u, Replies: []enrichtest.Reply{enrichtest.File("threatfox_url.json")},
			Want: enrich.Malicious, WantSummary: "listed: Emotet, payload_delivery, confidence 90%",
			Check: enrichtest.All(enrichtest.Reference("https://threatfox.abuse.ch/ioc/294783/"), func(t *testing.T, r enrich.Result) { enrichtest.NoDetail(t, r, "tags") })},
		// A URL search keeps every entry ThreatFox returns.
		{Name: "url-two-entries", Indicator: ind(ioc.URL, "http://cache-dist-5.example.net/js/loader.js"), Replies: []enrichtest.Reply{enrichtest.File("threatfox_domain.json")},
			Want: enrich.Malicious, WantSummary: "listed: 2 IOCs, ClearFake"},
		{Name: "url-escaped-not-found", Indicator: oddURL, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// Hashes
		{Name: "md5-listed", Indicator: md5, Replies: []enrichtest.Reply{enrichtest.File("threatfox_hash.json")},
			Want: enrich.Malicious, WantSummary: "listed: Dridex, botnet_cc, confidence 50%, tags exe, test",
			Check: enrichtest.Reference("https://threatfox.abuse.ch/ioc/41/")},
		{Name: "sha256-listed", Indicator: sha256, Replies: []enrichtest.Reply{enrichtest.File("threatfox_hash.json")},
			Want: enrich.Malicious, WantSummary: "Dridex"},
		{Name: "sha256-not-found", Indicator: sha256, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// query_status errors
		{Name: "illegal-hash", Indicator: md5, Replies: []enrichtest.Reply{enrichtest.File("threatfox_illegal_hash.json")},
			WantErr: ErrRefused, WantErrText: `threatfox: query refused: query_status "illegal_hash"`},
		{Name: "unknown-auth-key", Indicator: ip, Replies: []enrichtest.Reply{{Body: `{"query_status": "unknown_auth_key"}`}},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for threatfox"},
		{Name: "ok-with-string-data", Indicator: ip, Replies: []enrichtest.Reply{{Body: `{"query_status": "ok", "data": "?"}`}},
			WantErr: enrich.ErrBadReply},
	}
	cases = append(cases, enrichtest.ErrorCases(ThreatFoxName, ip, enrichtest.File("threatfox_ip.json"), enrich.Malicious)...)
	cases = append(cases, enrichtest.ErrorCases(ThreatFoxName, sha256, enrichtest.File("threatfox_hash.json"), enrich.Malicious)...)
	threatFoxHarness().Run(t, cases)
}

func TestIOCHost(t *testing.T) {
	tests := []struct{ value, typ, want string }{
		{"198.51.100.7:443", "ip:port", "198.51.100.7"},
		{"[2001:db8::1]:443", "ip:port", "2001:db8::1"},
		{"198.51.100.7", "ip:port", "198.51.100.7"},
		{"http://evil.example:8080/x", "url", "evil.example"},
		{"not a url\x00", "url", "not a url\x00"},
		{"evil.example", "domain", "evil.example"},
	}
	for _, tt := range tests {
		if got := iocHost(tt.value, tt.typ); got != tt.want {
			t.Errorf("iocHost(%q, %q) = %q, want %q", tt.value, tt.typ, got, tt.want)
		}
	}
}
