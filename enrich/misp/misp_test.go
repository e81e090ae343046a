package misp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d"

func file(name string) []enrichtest.Reply {
	return []enrichtest.Reply{{File: "testdata/" + name}}
}

// sentBody decodes a restSearch body as the server received it.
type sentBody struct {
	ReturnFormat           string              `json:"returnFormat"`
	Value                  map[string][]string `json:"value"`
	Type                   map[string][]string `json:"type"`
	ToIDS                  *int                `json:"to_ids"`
	Limit                  int                 `json:"limit"`
	IncludeEventTags       int                 `json:"includeEventTags"`
	IncludeWarninglistHits int                 `json:"includeWarninglistHits"`
}

func decodeBody(t *testing.T, r enrichtest.Request) sentBody {
	t.Helper()
	var b sentBody
	dec := json.NewDecoder(strings.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("request body %s: %v", r.Body, err)
	}
	return b
}

func checkHeaders(t *testing.T, r enrichtest.Request) {
	t.Helper()
	if r.Method != http.MethodPost || r.Path != "/attributes/restSearch" || len(r.Query) != 0 {
		t.Errorf("request %s %s?%s, want POST /attributes/restSearch", r.Method, r.Path, r.Query.Encode())
	}
	for k, want := range map[string]string{"Authorization": testKey, "Accept": "application/json", "Content-Type": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: %q, want %q", k, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	hs := enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL + "/", Key: testKey})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			checkHeaders(t, r)
			b := decodeBody(t, r)
			if b.ReturnFormat != "json" || !slices.Equal(b.Value["OR"], []string{ind.Value}) || len(b.Value) != 1 ||
				b.Limit != DefaultLimit || b.IncludeEventTags != 1 || b.IncludeWarninglistHits != 1 || b.Type != nil || b.ToIDS != nil {
				t.Errorf("body %s", r.Body)
			}
		},
	}
	domain := enrich.Indicator{Type: ioc.Domain, Value: "update-check.example.net"}
	url := enrich.Indicator{Type: ioc.URL, Value: `https://docs.example.com/share/Invoice%202026.html?id=a&b="c"`}
	ip := func(v string) enrich.Indicator { return enrich.Indicator{Type: ioc.IPv4, Value: v} }
	sha := enrich.Indicator{Type: ioc.SHA256, Value: "0f343b0931126a20f133d67c2b018a3b5a85dce4d8d2b1d1d0c8e04f7b9a2ac1"}
	refTo := func(event string) func(*testing.T, enrich.Result) {
		return func(t *testing.T, r enrich.Result) {
			if !strings.HasPrefix(r.Reference, "http://127.0.0.1:") || !strings.HasSuffix(r.Reference, "/events/view/"+event) ||
				strings.Contains(r.Reference, "//events") {
				t.Errorf("reference %q, want …/events/view/%s", r.Reference, event)
			}
			var raw struct {
				Response struct {
					Attribute []json.RawMessage
				}
			}
			if err := json.Unmarshal(r.Raw, &raw); err != nil || len(raw.Response.Attribute) != r.Details["attributes"] {
				t.Errorf("raw %s: %v", r.Raw, err)
			}
		}
	}
	cases := []enrichtest.Case{
		{Name: "domain-malicious", Indicator: domain, Replies: file("domain_ids.json"), Want: enrich.Malicious,
			WantSummary: "2 attributes in 2 events: Loader campaign against logistics firms; OSINT - Passive DNS of SmokeLoader infrastructure",
			Check: func(t *testing.T, r enrich.Result) {
				refTo("1412")(t, r)
				d := r.Details
				tags, _ := d["tags"].([]string)
				if d["attributes"] != 2 || d["to_ids"] != 1 || !slices.Equal(tags, []string{"tlp:green", `misp-galaxy:malpedia="SmokeLoader"`}) ||
					!slices.Equal(d["types"].([]string), []string{"domain"}) || d["truncated"] != nil {
					t.Errorf("details %v", d)
				}
				ev := d["events"].([]map[string]string)
				if len(ev) != 2 || ev[1]["id"] != "1389" || ev[1]["uuid"] != "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a" {
					t.Errorf("events %v", ev)
				}
			}},
		{Name: "domain-unknown", Indicator: enrich.Indicator{Type: ioc.Domain, Value: "nothing.example"}, Replies: file("empty.json"),
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "domain-no-matches-404", Indicator: domain, Replies: []enrichtest.Reply{{Status: 404, File: "testdata/no_matches_404.json"}},
			Want: enrich.Unknown, WantSummary: "not found"},
		{Name: "url-context-only", Indicator: url, Replies: file("url_context.json"), Want: enrich.Suspicious,
			WantSummary: "1 attribute in 1 event: Phishing wave: fake invoice portal", Check: refTo("1420")},
		{Name: "url-unknown", Indicator: url, Replies: file("empty.json"), Want: enrich.Unknown},
		{Name: "ip-warninglist-benign", Indicator: ip("8.8.8.8"), Replies: file("ip_warninglist.json"), Want: enrich.Benign,
			WantSummary: "on MISP warninglist List of known IPv4 public DNS resolvers; 1 attribute in 1 event",
			Check: func(t *testing.T, r enrich.Result) {
				refTo("988")(t, r)
				if wl, _ := r.Details["warninglists"].([]string); len(wl) != 1 || r.Details["to_ids"] != 1 {
					t.Errorf("details %v", r.Details)
				}
			}},
		{Name: "ip-context-suspicious", Indicator: ip("198.51.100.77"), Replies: file("ip_context.json"), Want: enrich.Suspicious,
			WantSummary: "Honeypot scanners, week 48"},
		{Name: "ip-unknown", Indicator: ip("192.0.2.1"), Replies: file("empty.json"), Want: enrich.Unknown},
		{Name: "hash-malicious-numeric-ids", Indicator: sha, Replies: file("sha256_ids_v25.json"), Want: enrich.Malicious,
			WantSummary: "1 attribute in 1 event: Ransomware loader hashes", Check: refTo("2051")},
		{Name: "hash-unknown-empty-list-response", Indicator: sha, Replies: []enrichtest.Reply{{Body: `{"response": []}`}}, Want: enrich.Unknown},
		{Name: "reply-without-response", Indicator: sha,
			Replies: []enrichtest.Reply{{Body: `{"name": "Invalid request.", "message": "Invalid request.", "url": "/attributes/restSearch"}`}},
			WantErr: enrich.ErrBadReply, WantErrText: `no "response" in the reply: "Invalid request."`},
		{Name: "reply-with-events", Indicator: sha, Replies: []enrichtest.Reply{{Body: `{"response": [{"Event": {"id": "1"}}]}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "is a list"},
		{Name: "reply-bad-attribute", Indicator: sha, Replies: []enrichtest.Reply{{Body: `{"response": {"Attribute": [{"id": {}}]}}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "attribute 0"},
		{Name: "reply-bad-to-ids", Indicator: sha, Replies: []enrichtest.Reply{{Body: `{"response": {"Attribute": [{"to_ids": "maybe"}]}}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "want a boolean"},
	}
	cases = append(cases, enrichtest.ErrorCases(Name, domain, file("domain_ids.json")[0], enrich.Malicious)...)
	hs.Run(t, cases)
}

// fixture is a client against a scripted server, with the options given.
func fixture(t *testing.T, o Options, replies ...enrichtest.Reply) (*Client, *enrichtest.Server) {
	t.Helper()
	clock := enrichtest.NewClock(time.Time{})
	srv := enrichtest.NewServer(t, clock, enrichtest.Sequence(replies...))
	o.HTTP = &enrich.HTTP{Provider: Name, Client: srv.Client(), Clock: clock, BaseDelay: time.Second,
		Jitter: func(d time.Duration) time.Duration { return d }}
	o.BaseURL, o.Key = srv.URL, testKey
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestBatch(t *testing.T) {
	c, srv := fixture(t, Options{}, file("batch.json")...)
	batch := []enrich.Indicator{
		{Type: ioc.IPv4, Value: "203.0.113.10"},
		{Type: ioc.Domain, Value: "c2.example.org"},
		{Type: ioc.MD5, Value: "5d41402abc4b2a76b9719d911017c592"},
		{Type: ioc.IPv6, Value: "2001:db8:0:1::5"},
		{Type: ioc.Domain, Value: "nothing.example"},
		{Type: ioc.IPv4, Value: "203.0.113.10"},
		{Type: "btc_address", Value: "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
	}
	res := c.Lookup(context.Background(), batch)
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests for one batch", len(reqs))
	}
	checkHeaders(t, reqs[0])
	b := decodeBody(t, reqs[0])
	wantValues := []string{"203.0.113.10", "c2.example.org", "5d41402abc4b2a76b9719d911017c592", "2001:db8:0:1::5", "nothing.example"}
	if !slices.Equal(b.Value["OR"], wantValues) || b.Limit != 5*DefaultLimit {
		t.Errorf("values %v limit %d", b.Value["OR"], b.Limit)
	}
	want := []struct {
		verdict enrich.Verdict
		summary string
	}{
		{enrich.Malicious, "2 attributes in 2 events: Cobalt Strike team servers; Passive DNS for team servers"},
		{enrich.Suspicious, "1 attribute in 1 event: Passive DNS for team servers"},
		{enrich.Suspicious, "1 attribute in 1 event: Test samples"},
		{enrich.Malicious, "1 attribute in 1 event: IPv6 C2"},
		{enrich.Unknown, "not found"},
		{enrich.Malicious, "2 attributes in 2 events"},
	}
	if len(res) != len(batch) {
		t.Fatalf("%d results for %d indicators", len(res), len(batch))
	}
	for i, w := range want {
		r := res[i]
		if r.Indicator != batch[i] || r.Err != nil || r.Verdict != w.verdict || !strings.HasPrefix(r.Summary, w.summary) {
			t.Errorf("%v: %v %q err %v, want %v %q", batch[i], r.Verdict, r.Summary, r.Err, w.verdict, w.summary)
		}
	}
	if !strings.HasSuffix(res[0].Reference, "/events/view/700") {
		t.Errorf("reference %q: want the to_ids attribute's event", res[0].Reference)
	}
	if kl, _ := res[3].Details["known_lists"].([]string); len(kl) != 1 || res[3].Details["warninglists"] != nil {
		t.Errorf("a 'known' list is not a false positive: %v", res[3].Details)
	}
	if !errors.Is(res[6].Err, enrich.ErrUnsupported) || res[6].Indicator != batch[6] {
		t.Errorf("custom type: %v", res[6].Err)
	}
}

func TestLimit(t *testing.T) {
	domain := enrich.Indicator{Type: ioc.Domain, Value: "update-check.example.net"}
	other := enrich.Indicator{Type: ioc.Domain, Value: "nothing.example"}

	// The search returned as many attributes as asked for: more may exist.
	c, srv := fixture(t, Options{Limit: 2}, file("domain_ids.json")...)
	r := c.Lookup(context.Background(), []enrich.Indicator{domain})[0]
	if b := decodeBody(t, srv.Requests()[0]); b.Limit != 2 {
		t.Errorf("limit sent %d, want 2", b.Limit)
	}
	if r.Verdict != enrich.Malicious || !strings.HasPrefix(r.Summary, "2+ attributes in 2 events") || r.Details["truncated"] != true {
		t.Errorf("at the limit: %v %q %v", r.Verdict, r.Summary, r.Details)
	}

	// Per indicator, at most Limit attributes are kept even when the batch's budget allows more.
	c, srv = fixture(t, Options{Limit: 1}, file("domain_ids.json")...)
	res := c.Lookup(context.Background(), []enrich.Indicator{domain, other})
	if b := decodeBody(t, srv.Requests()[0]); b.Limit != 2 {
		t.Errorf("limit sent %d, want 2 (1 per value)", b.Limit)
	}
	if res[0].Details["attributes"] != 1 || !strings.HasPrefix(res[0].Summary, "1+ attribute in 1 event") || res[0].Details["truncated"] != true {
		t.Errorf("capped: %q %v", res[0].Summary, res[0].Details)
	}
	if res[1].Verdict != enrich.Unknown || res[1].Details["truncated"] != true {
		t.Errorf("other value of a full search: %v %v", res[1].Verdict, res[1].Details)
	}

	// Below the limit nothing is marked.
	c, _ = fixture(t, Options{Limit: 3}, file("domain_ids.json")...)
	if r := c.Lookup(context.Background(), []enrich.Indicator{domain})[0]; r.Details["truncated"] != nil || strings.Contains(r.Summary, "+") {
		t.Errorf("below the limit: %q %v", r.Summary, r.Details)
	}
}

func TestSearchOptions(t *testing.T) {
	c, srv := fixture(t, Options{OnlyIDS: true, AttributeTypes: []string{"ip-dst", "ip-dst|port"}, Batch: 7}, file("empty.json")...)
	c.Lookup(context.Background(), []enrich.Indicator{{Type: ioc.IPv4, Value: "192.0.2.1"}})
	b := decodeBody(t, srv.Requests()[0])
	if b.ToIDS == nil || *b.ToIDS != 1 || !slices.Equal(b.Type["OR"], []string{"ip-dst", "ip-dst|port"}) {
		t.Errorf("body %s", srv.Requests()[0].Body)
	}
	if c.MaxBatch() != 7 || c.Name() != "misp" || len(c.Types()) != len(ioc.Types()) {
		t.Errorf("batch %d name %s types %v", c.MaxBatch(), c.Name(), c.Types())
	}
}

func TestBatchFailure(t *testing.T) {
	c, srv := fixture(t, Options{}, enrichtest.Reply{Status: 502, Body: "bad gateway"})
	res := c.Lookup(context.Background(), []enrich.Indicator{
		{Type: ioc.IPv4, Value: "192.0.2.1"}, {Type: "custom", Value: "x"}, {Type: ioc.Domain, Value: " "}, {Type: ioc.Domain, Value: "a.example"},
	})
	if n := len(srv.Requests()); n != 1+enrich.DefaultRetries {
		t.Errorf("%d requests", n)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "HTTP 502") || res[3].Err == nil {
		t.Errorf("batch errors %v / %v", res[0].Err, res[3].Err)
	}
	if !errors.Is(res[1].Err, enrich.ErrUnsupported) || res[2].Err == nil || !strings.Contains(res[2].Err.Error(), "empty") {
		t.Errorf("per-item errors kept: %v / %v", res[1].Err, res[2].Err)
	}
	// nothing to ask: no request at all
	c, srv = fixture(t, Options{}, file("empty.json")...)
	c.Lookup(context.Background(), []enrich.Indicator{{Type: "custom", Value: "x"}})
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for an unsupported batch", n)
	}
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{}
	enrichtest.CheckNew(t, New, nil, []enrichtest.NewCase[Options]{
		{Name: "no HTTP", Options: Options{BaseURL: "https://misp.example", Key: "k"}, WantErr: "an HTTP request path is required"},
		{Name: "no base URL", Options: Options{HTTP: h, Key: "k"}, WantErr: "misp: the base URL of the MISP instance is required"},
		{Name: "relative base URL", Options: Options{HTTP: h, BaseURL: "misp.example", Key: "k"},
			WantErr: "is not an http(s) URL with a host"},
		{Name: "no key", Options: Options{HTTP: h, BaseURL: "https://misp.example"}, WantErr: "misp: an API key is required"},
		{Name: "negative limit", Options: Options{HTTP: h, BaseURL: "https://misp.example", Key: "k", Limit: -1},
			WantErr: "must not be negative"},
	})
	c, err := New(Options{HTTP: h, BaseURL: "https://misp.example/misp/", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != "https://misp.example/misp" || c.o.Limit != DefaultLimit || c.MaxBatch() != DefaultMaxBatch {
		t.Errorf("defaults: %s %d %d", c.base, c.o.Limit, c.MaxBatch())
	}
}

func TestAttributeMatches(t *testing.T) {
	cases := []struct {
		value, ind string
		want       bool
	}{
		{"evil.example", "evil.example", true},
		{"EVIL.example", "evil.example", true},
		{"evil.example|198.51.100.1", "198.51.100.1", true},
		{"evil.example|198.51.100.1", "evil.example", true},
		{"invoice.pdf|5d41402abc4b2a76b9719d911017c592", "5D41402ABC4B2A76B9719D911017C592", true},
		{"2001:db8::1", "2001:DB8:0:0:0:0:0:1", true},
		{"198.51.100.1|443", "198.51.100.14", false},
		{"evil.example.net", "evil.example", false},
	}
	for _, tc := range cases {
		if got := (Attribute{Value: tc.value}).Matches(tc.ind); got != tc.want {
			t.Errorf("%q matches %q: %v", tc.value, tc.ind, got)
		}
	}
}
