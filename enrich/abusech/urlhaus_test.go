package abusech

import (
	"net/url"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func urlhausHarness() enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			p, err := NewURLhaus(Options{HTTP: h, BaseURL: baseURL + "/v1", Key: testKey})
			if err != nil {
				panic(err)
			}
			return p
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			t.Helper()
			var path string
			var form url.Values
			switch ind.Type {
			case ioc.URL:
				path, form = "/v1/url/", url.Values{"url": {ind.Value}}
			case ioc.IPv4, ioc.Domain:
				path, form = "/v1/host/", url.Values{"host": {ind.Value}}
			case ioc.MD5:
				path, form = "/v1/payload/", url.Values{"md5_hash": {ind.Value}}
			case ioc.SHA256:
				path, form = "/v1/payload/", url.Values{"sha256_hash": {ind.Value}}
			}
			checkCommon(t, r, path, formType)
			checkForm(t, r.Body, form)
		},
	}
}

func TestURLhaus(t *testing.T) {
	var (
		onlineURL  = ind(ioc.URL, "http://203.0.113.17:48213/i")
		offlineURL = ind(ioc.URL, "http://shop.example.net/wp-content/INV/Outstanding-Invoices/")
		// Spaces, '?', '&' and '#' must reach URLhaus unchanged inside the form value.
		oddURL  = ind(ioc.URL, "https://files.example.org/share/a b?c=d&e=f#frag")
		domain  = ind(ioc.Domain, "vektor.example.com")
		ip      = ind(ioc.IPv4, "198.51.100.23")
		md5     = ind(ioc.MD5, "1585ad28f7d1e0ca696e6c6c2f1d008a")
		sha256  = ind(ioc.SHA256, "35e304d10d53834e3e41035d12122773c9a4d183a24e03f980ad3e6b2ecde7fa")
		unknown = enrichtest.File("urlhaus_no_results.json")
	)
	cases := []enrichtest.Case{
		// URLs
		{Name: "url-online", Indicator: onlineURL, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_url_online.json")},
			Want: enrich.Malicious, WantSummary: "listed: malware_download, online, Mozi, tags 32-bit, elf, mips, Mozi", WantRequests: 1,
			Check: enrichtest.All(rawKept, enrichtest.Reference("https://urlhaus.abuse.ch/url/2871334/"), func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "url_status", "online")
				enrichtest.Detail(t, r, "threat", "malware_download")
				enrichtest.Detail(t, r, "payloads", 1)
				enrichtest.Detail(t, r, "signatures", []string{"Mozi"})
				enrichtest.Detail(t, r, "last_online", "2026-05-03 11:02:45 UTC")
				enrichtest.NoDetail(t, r, "blacklists") // both "not listed"
			})},
		{Name: "url-offline", Indicator: offlineURL, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_url_offline.json")},
			Want: enrich.Malicious, WantSummary: "listed: malware_download, offline, Heodo, tags emotet, epoch2, heodo",
			Check: func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "payloads", 2)
				enrichtest.Detail(t, r, "payload_sha256", []string{
					"dc9f3b226bccb2f1fd4810cde541e5a10d59a1fe683f4a9462293b6ade8d8403",
					"01fa56184fcaa42b6ee1882787a34098c79898c182814774fd81dc18a6af0b00"})
				enrichtest.Detail(t, r, "blacklists", map[string]string{"spamhaus_dbl": "abused_legit_malware", "surbl": "listed"})
				enrichtest.NoDetail(t, r, "last_online")
			}},
		{Name: "url-status-unknown", Indicator: oddURL, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_url_status_unknown.json")},
			Want: enrich.Suspicious, WantSummary: "listed: malware_download, unknown",
			Check: func(t *testing.T, r enrich.Result) { enrichtest.NoDetail(t, r, "tags") }},
		{Name: "url-not-found", Indicator: oddURL, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found", Check: enrichtest.Reference("")},

		// Hosts: a domain and an IPv4 address
		{Name: "domain-online", Indicator: domain, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_host_online.json")},
			Want: enrich.Malicious, WantSummary: "listed: 120 URLs (1 online), malware_download, tags AZORult, exe, Loki",
			Check: enrichtest.All(rawKept, enrichtest.Reference("https://urlhaus.abuse.ch/host/vektor.example.com/"), func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "url_count", 120)
				enrichtest.Detail(t, r, "urls_listed", 2)
				enrichtest.Detail(t, r, "urls_online", 1)
				enrichtest.Detail(t, r, "urls_offline", 1)
				enrichtest.Detail(t, r, "first_seen", "2019-01-15 07:09:01 UTC")
				enrichtest.Detail(t, r, "blacklists", map[string]string{"spamhaus_dbl": "abused_legit_malware"})
			})},
		{Name: "domain-no-urls", Indicator: ind(ioc.Domain, "quiet.example.com"), Replies: []enrichtest.Reply{enrichtest.File("urlhaus_host_no_urls.json")},
			Want: enrich.Unknown, WantSummary: "listed host without URLs"},
		{Name: "domain-not-found", Indicator: domain, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "ip-all-offline", Indicator: ip, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_host_offline.json")},
			Want: enrich.Suspicious, WantSummary: "listed: 2 URLs (0 online), malware_download, tags elf, mirai",
			Check: func(t *testing.T, r enrich.Result) { enrichtest.Detail(t, r, "urls_offline", 2) }},
		{Name: "ip-not-found", Indicator: ind(ioc.IPv4, "192.0.2.1"), Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// Payloads
		{Name: "md5-payload", Indicator: md5, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_payload.json")},
			Want: enrich.Malicious, WantSummary: "listed: Gozi, exe, 2 URLs",
			Check: enrichtest.All(rawKept, enrichtest.Reference("https://urlhaus.abuse.ch/browse.php?search=35e304d10d53834e3e41035d12122773c9a4d183a24e03f980ad3e6b2ecde7fa"),
				func(t *testing.T, r enrich.Result) {
					enrichtest.Detail(t, r, "file_size", int64(241664))
					enrichtest.Detail(t, r, "urls_online", 1)
					enrichtest.Detail(t, r, "virustotal", "17 / 69")
					enrichtest.Detail(t, r, "file_names", []string{"PAY2632216543098764.doc", "5518475554292.doc"})
				})},
		{Name: "sha256-payload", Indicator: sha256, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_payload.json")},
			Want: enrich.Malicious, WantSummary: "Gozi"},
		{Name: "sha256-not-found", Indicator: sha256, Replies: []enrichtest.Reply{unknown},
			Want: enrich.Unknown, WantSummary: "not found"},

		// query_status errors
		{Name: "invalid-url", Indicator: oddURL, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_invalid_url.json")},
			WantErr: ErrRefused, WantErrText: `urlhaus: query refused: query_status "invalid_url"`, WantRequests: 1},
		{Name: "unknown-auth-key", Indicator: domain, Replies: []enrichtest.Reply{enrichtest.File("urlhaus_unknown_auth_key.json")},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for urlhaus", WantRequests: 1},
		{Name: "no-query-status", Indicator: domain, Replies: []enrichtest.Reply{{Body: `{"urls": []}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "no query_status"},
		{Name: "wrong-shape", Indicator: domain, Replies: []enrichtest.Reply{{Body: `{"query_status": "ok", "urls": {"a": 1}}`}},
			WantErr: enrich.ErrBadReply},
	}
	cases = append(cases, enrichtest.ErrorCases(URLhausName, onlineURL, enrichtest.File("urlhaus_url_online.json"), enrich.Malicious)...)
	cases = append(cases, enrichtest.ErrorCases(URLhausName, md5, enrichtest.File("urlhaus_payload.json"), enrich.Malicious)...)
	urlhausHarness().Run(t, cases)
}
