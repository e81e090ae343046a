package shodan

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func ind(t ioc.Type, v string) enrich.Indicator { return enrich.Indicator{Type: t, Value: v} }

func harness(o Options) enrichtest.Harness {
	return enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			o.HTTP, o.BaseURL = h, baseURL+"/idb/"
			p, err := New(o)
			if err != nil {
				panic(err)
			}
			return p
		},
		CheckRequest: func(t *testing.T, in enrich.Indicator, r enrichtest.Request) {
			t.Helper()
			if r.Method != http.MethodGet {
				t.Errorf("method %s, want GET", r.Method)
			}
			want := "/idb/" + netip.MustParseAddr(in.Value).Unmap().String()
			if r.Path != want {
				t.Errorf("path %q, want %q", r.Path, want)
			}
			if len(r.Query) != 0 {
				t.Errorf("query %v, want none", r.Query)
			}
			// Keyless: nothing that looks like a credential leaves.
			for _, h := range []string{"Authorization", "Auth-Key", "Key", "X-Api-Key"} {
				if v := r.Header.Get(h); v != "" {
					t.Errorf("header %s: %q sent to a keyless API", h, v)
				}
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept %q", got)
			}
		},
	}
}

func TestInternetDB(t *testing.T) {
	var (
		c2       = ind(ioc.IPv4, "198.51.100.9")
		v6       = ind(ioc.IPv6, "2001:DB8:0:0:0:0:0:53") // sent in canonical form
		notFound = enrichtest.Reply{Status: 404, File: "testdata/internetdb_not_found.json"}
	)
	cases := []enrichtest.Case{
		{Name: "c2", Indicator: c2, Replies: []enrichtest.Reply{enrichtest.File("internetdb_c2.json")},
			Want: enrich.Malicious, WantSummary: "tags c2, cloud; ports 80, 443, 50050", WantRequests: 1,
			Check: func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "matched_tags", []string{"c2"})
				enrichtest.Detail(t, r, "ports", []int{80, 443, 50050})
				enrichtest.Detail(t, r, "cpes", []string{"cpe:/a:f5:nginx"})
				enrichtest.Detail(t, r, "vuln_count", 0)
				if r.Reference != "https://www.shodan.io/host/198.51.100.9" {
					t.Errorf("reference %q", r.Reference)
				}
				if !json.Valid(r.Raw) || !strings.Contains(string(r.Raw), `"ports":[80,443,50050]`) {
					t.Errorf("raw reply not kept: %s", r.Raw)
				}
			}},
		{Name: "compromised", Indicator: ind(ioc.IPv4, "203.0.113.40"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_compromised.json")},
			Want: enrich.Malicious, WantSummary: "tags compromised, doublepulsar, eol-os; ports 25, 80, 443, 445, 3389; 4 CVEs; hostnames mail.example.org",
			Check: func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "matched_tags", []string{"compromised", "doublepulsar"})
				enrichtest.Detail(t, r, "vuln_count", 4)
				enrichtest.Detail(t, r, "hostnames", []string{"mail.example.org"})
			}},
		{Name: "scanner", Indicator: ind(ioc.IPv4, "192.0.2.77"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_scanner.json")},
			Want: enrich.Suspicious, WantSummary: "tags scanner; hostnames scan-42.example.net",
			Check: func(t *testing.T, r enrich.Result) { enrichtest.Detail(t, r, "ports", []int{}) }},
		// Vulnerable and exposed is not hostile: the facts, no verdict.
		{Name: "exposed-with-cves", Indicator: ind(ioc.IPv4, "198.51.100.210"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_exposed.json")},
			Want: enrich.Unknown, WantSummary: "tags database, eol-product; ports 80, 3306, 9999, 8080, 8443, …; 6 CVEs",
			Check: func(t *testing.T, r enrich.Result) {
				enrichtest.Detail(t, r, "vulns", []string{"CVE-2011-3210", "CVE-2016-8612", "CVE-2014-3508", "CVE-2014-3510", "CVE-2012-3499", "CVE-2012-0884"})
				if _, ok := r.Details["matched_tags"]; ok {
					t.Errorf("matched_tags set for an Unknown verdict")
				}
			}},
		{Name: "nothing-open", Indicator: ind(ioc.IPv4, "198.51.100.1"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_empty.json")},
			Want: enrich.Unknown, WantSummary: "no open ports seen"},
		{Name: "not-found-404", Indicator: c2, Replies: []enrichtest.Reply{notFound},
			Want: enrich.Unknown, WantSummary: "not found", WantRequests: 1},
		{Name: "not-found-200-detail", Indicator: c2, Replies: []enrichtest.Reply{enrichtest.File("internetdb_not_found.json")},
			Want: enrich.Unknown, WantSummary: "not found: No information available"},
		{Name: "ipv6", Indicator: v6, Replies: []enrichtest.Reply{enrichtest.File("internetdb_ipv6.json")},
			Want: enrich.Unknown, WantSummary: "tags ipv6; ports 22, 53; hostnames v6.example.com"},
		{Name: "ipv6-not-found", Indicator: v6, Replies: []enrichtest.Reply{notFound},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "ipv4-mapped-ipv6", Indicator: ind(ioc.IPv6, "::ffff:198.51.100.9"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_c2.json")},
			Want: enrich.Malicious},
		{Name: "no-ip", Indicator: c2, Replies: []enrichtest.Reply{{Body: `{"ports": [1]}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "no ip in the reply"},
		{Name: "ports-not-numbers", Indicator: c2, Replies: []enrichtest.Reply{{Body: `{"ip": "198.51.100.9", "ports": ["http"]}`}},
			WantErr: enrich.ErrBadReply},
	}
	cases = append(cases, enrichtest.ErrorCases(Name, c2, enrichtest.File("internetdb_c2.json"), enrich.Malicious)...)
	cases = append(cases, enrichtest.ErrorCases(Name, v6, enrichtest.File("internetdb_ipv6.json"), enrich.Unknown)...)
	harness(Options{}).Run(t, cases)
}

// TestTagOptions checks that the tag lists are settings: a "database" host made suspicious, and
// an empty malicious list turning a C2 into Unknown.
func TestTagOptions(t *testing.T) {
	harness(Options{SuspiciousTags: []string{" Database "}}).Run(t, []enrichtest.Case{
		{Name: "database-suspicious", Indicator: ind(ioc.IPv4, "198.51.100.210"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_exposed.json")},
			Want: enrich.Suspicious, Check: func(t *testing.T, r enrich.Result) { enrichtest.Detail(t, r, "matched_tags", []string{"database"}) }},
		{Name: "c2-still-malicious", Indicator: ind(ioc.IPv4, "198.51.100.9"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_c2.json")},
			Want: enrich.Malicious},
	})
	harness(Options{MaliciousTags: []string{}}).Run(t, []enrichtest.Case{
		{Name: "c2-unknown", Indicator: ind(ioc.IPv4, "198.51.100.9"), Replies: []enrichtest.Reply{enrichtest.File("internetdb_c2.json")},
			Want: enrich.Unknown},
	})
}

// TestNotSent checks the addresses answered without a request, and the values refused.
func TestNotSent(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.File("internetdb_c2.json")))
	p, err := New(Options{HTTP: &enrich.HTTP{Provider: Name, Client: srv.Client()}, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       enrich.Indicator
		summary  string
		err      string
		sentinel error
	}{
		{in: ind(ioc.IPv4, "10.1.2.3"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "192.168.0.1"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "127.0.0.1"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "169.254.1.1"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "0.0.0.0"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "224.0.0.251"), summary: "not a public address"},
		{in: ind(ioc.IPv6, "fd00::1"), summary: "not a public address"},
		{in: ind(ioc.IPv6, "fe80::1"), summary: "not a public address"},
		{in: ind(ioc.IPv6, "::1"), summary: "not a public address"},
		{in: ind(ioc.IPv6, "::ffff:10.0.0.1"), summary: "not a public address"},
		{in: ind(ioc.IPv4, "198.51.100.9/../admin"), err: "is not an IP address"},
		{in: ind(ioc.IPv4, "198.51.100.9?x=1"), err: "is not an IP address"},
		{in: ind(ioc.IPv6, "2001:db8::1%eth0"), err: "is not an IP address"},
		{in: ind(ioc.IPv4, ""), err: "is not an IP address"},
		{in: ind(ioc.Domain, "example.com"), err: "type not supported", sentinel: enrich.ErrUnsupported},
	}
	batch := make([]enrich.Indicator, len(tests))
	for i, tt := range tests {
		batch[i] = tt.in
	}
	res := enrichtest.Lookup(t, p, batch)
	for i, tt := range tests {
		r := res[i]
		switch {
		case tt.err != "":
			if r.Err == nil || !strings.Contains(r.Err.Error(), tt.err) || !strings.HasPrefix(r.Err.Error(), Name+": ") {
				t.Errorf("%v: error %v, want %q", tt.in, r.Err, tt.err)
			}
			if tt.sentinel != nil && !errors.Is(r.Err, tt.sentinel) {
				t.Errorf("%v: error %v does not wrap %v", tt.in, r.Err, tt.sentinel)
			}
		default:
			if r.Err != nil || r.Verdict != enrich.Unknown || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("%v: %v %q %v, want unknown %q", tt.in, r.Verdict, r.Summary, r.Err, tt.summary)
			}
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none: %v", n, srv.Requests())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range p.Lookup(ctx, []enrich.Indicator{ind(ioc.IPv4, "198.51.100.9")}) {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("cancelled lookup: %v", r.Err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("a cancelled lookup sent %d requests", n)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "internetdb: an HTTP request path is required") {
		t.Errorf("New without HTTP: %v", err)
	}
	if _, err := New(Options{HTTP: &enrich.HTTP{}, BaseURL: "internetdb.shodan.io"}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL with a host") {
		t.Errorf("New with a relative base URL: %v", err)
	}
	c, err := New(Options{HTTP: &enrich.HTTP{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != DefaultBaseURL || c.Name() != Name || !reflect.DeepEqual(c.Types(), []ioc.Type{ioc.IPv4, ioc.IPv6}) {
		t.Errorf("defaults: base %q name %q types %v", c.base, c.Name(), c.Types())
	}
	if !reflect.DeepEqual(c.malicious, DefaultMaliciousTags()) || !reflect.DeepEqual(c.suspicious, DefaultSuspiciousTags()) {
		t.Errorf("default tags %v %v", c.malicious, c.suspicious)
	}
}
