package whois

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// summary is the part of a Record the table tests compare.
type summary struct {
	Kind                         Kind
	Object, Handle, Name         string
	Registrar, RegistrarID       string
	Registrant, Org, Country     string
	Status, NameServers          []string
	AbuseEmail                   string
	ASN                          uint32
	ASName                       string
	NetworkStart, NetworkEnd     string
	CIDRs                        string
	ASNStart, ASNEnd             uint32
	Registered, Updated, Expires string
	Source, RegistrarSource      string
	Warnings                     []string
}

func summarize(r *Record) summary {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	addr := func(a netip.Addr) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	var cidrs []string
	for _, p := range r.CIDRs {
		cidrs = append(cidrs, p.String())
	}
	return summary{
		Kind: r.Kind, Object: r.Object, Handle: r.Handle, Name: r.Name,
		Registrar: r.Registrar, RegistrarID: r.RegistrarID, Registrant: r.Registrant, Org: r.Org, Country: r.Country,
		Status: r.Status, NameServers: r.NameServers, AbuseEmail: r.AbuseEmail, ASN: r.ASN, ASName: r.ASName,
		NetworkStart: addr(r.NetworkStart), NetworkEnd: addr(r.NetworkEnd), CIDRs: strings.Join(cidrs, " "),
		ASNStart: r.ASNStart, ASNEnd: r.ASNEnd,
		Registered: ts(r.Registered), Updated: ts(r.Updated), Expires: ts(r.Expires),
		Source: r.Source, RegistrarSource: r.RegistrarSource, Warnings: r.Warnings,
	}
}

func TestLookup(t *testing.T) {
	e := newEnv(t)
	googleDomain := summary{
		Kind: KindDomain, Object: "google.com", Handle: "2138514_DOMAIN_COM-VRSN", Name: "google.com",
		Registrar: "MarkMonitor Inc.", RegistrarID: "292", Org: "Google LLC", Country: "US",
		Status: []string{"client delete prohibited", "client transfer prohibited", "client update prohibited",
			"server delete prohibited", "server transfer prohibited", "server update prohibited"},
		NameServers: []string{"ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"},
		AbuseEmail:  "abusecomplaints@markmonitor.com",
		Registered:  "1997-09-15T04:00:00Z", Updated: "2019-09-09T15:39:04Z", Expires: "2028-09-14T04:00:00Z",
		Source:          e.verisign.URL + "/com/v1/domain/google.com",
		RegistrarSource: e.markmonitor.URL + "/rdap/domain/GOOGLE.COM",
	}
	googleDomainNoRelated := googleDomain
	googleDomainNoRelated.Org, googleDomainNoRelated.Country, googleDomainNoRelated.RegistrarSource = "", "", ""
	arinAS := summary{
		Kind: KindASN, Object: "15169", Handle: "AS15169", Name: "GOOGLE", Registrant: "Google LLC", Org: "Google LLC",
		Status: []string{"active"}, AbuseEmail: "network-abuse@google.com", ASN: 15169, ASName: "GOOGLE",
		ASNStart: 15169, ASNEnd: 15169,
		Registered: "2000-03-30T05:00:00Z", Updated: "2012-02-24T14:44:34Z",
		Source: e.arin.URL + "/registry/autnum/15169",
	}
	tests := []struct {
		name        string
		query       string
		opts        func(*Options)
		server      *fakeServer
		wantPaths   []string
		want        summary
		wantCymruIP []string
	}{
		{
			name: "domain at verisign, registrar's related record fills the registrant", query: "google.com",
			server: e.verisign, wantPaths: []string{"/com/v1/domain/google.com"}, want: googleDomain,
		},
		{
			name: "subdomain asks for the registered domain", query: "WWW.Google.COM.",
			server: e.verisign, wantPaths: []string{"/com/v1/domain/google.com"}, want: googleDomain,
		},
		{
			name: "related link not followed when skipped", query: "google.com", opts: func(o *Options) { o.SkipRelated = true },
			server: e.verisign, wantPaths: []string{"/com/v1/domain/google.com"}, want: googleDomainNoRelated,
		},
		{
			name: "ipv4 at arin with the AS from team cymru", query: "8.8.8.8",
			server: e.arin, wantPaths: []string{"/registry/ip/8.8.8.8"},
			want: summary{
				Kind: KindIP, Object: "8.8.8.8", Handle: "NET-8-8-8-0-2", Name: "GOGL", Registrant: "Google LLC", Org: "Google LLC",
				Status: []string{"active"}, AbuseEmail: "network-abuse@google.com", ASN: 15169, ASName: "GOOGLE, US",
				NetworkStart: "8.8.8.0", NetworkEnd: "8.8.8.255", CIDRs: "8.8.8.0/24",
				Registered: "2023-12-28T22:24:33Z", Updated: "2023-12-28T22:24:56Z",
				Source: e.arin.URL + "/registry/ip/8.8.8.8",
			},
			wantCymruIP: []string{"8.8.8.8"},
		},
		{
			name: "ipv6 at arin, cymru disabled", query: "2001:4860:4860::8888", opts: func(o *Options) { o.DisableCymru = true },
			server: e.arin, wantPaths: []string{"/registry/ip/2001:4860:4860::8888"},
			want: summary{
				Kind: KindIP, Object: "2001:4860:4860::8888", Handle: "NET6-2001-4860-1", Name: "GOOGLE-IPV6",
				Registrant: "Google LLC", Org: "Google LLC", Status: []string{"active"},
				NetworkStart: "2001:4860::", NetworkEnd: "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", CIDRs: "2001:4860::/32",
				Registered: "2005-03-14T17:31:32Z", Updated: "2012-02-24T14:44:34Z",
				Source: e.arin.URL + "/registry/ip/2001:4860:4860::8888",
			},
		},
		{
			name: "arin refers a ripe address with a redirect", query: "193.0.6.139", opts: func(o *Options) { o.DisableCymru = true },
			server: e.ripe, wantPaths: []string{"/ip/193.0.6.139"},
			want: summary{
				Kind: KindIP, Object: "193.0.6.139", Handle: "193.0.0.0 - 193.0.7.255", Name: "RIPE-NCC",
				Registrant: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
				Org:        "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", Country: "NL",
				Status: []string{"active"}, AbuseEmail: "abuse@ripe.net",
				NetworkStart: "193.0.0.0", NetworkEnd: "193.0.7.255", CIDRs: "193.0.0.0/21",
				Registered: "2003-03-17T12:15:57Z", Updated: "2017-12-04T14:42:31Z",
				Source: e.ripe.URL + "/ip/193.0.6.139",
			},
		},
		{name: "AS with prefix", query: "AS15169", server: e.arin, wantPaths: []string{"/registry/autnum/15169"}, want: arinAS},
		{name: "AS lower case", query: "as15169", server: e.arin, wantPaths: []string{"/registry/autnum/15169"}, want: arinAS},
		{name: "AS bare number", query: "15169", server: e.arin, wantPaths: []string{"/registry/autnum/15169"}, want: arinAS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := e.options()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			before := len(tt.server.requests())
			_, beforeLines := e.cymru.requests()
			c := New(opts)
			rec, err := c.Lookup(context.Background(), tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.server.requests()[before:]; !slices.Equal(got, tt.wantPaths) {
				t.Errorf("requests to the registry = %q, want %q", got, tt.wantPaths)
			}
			got := summarize(rec)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("record:\n got %+v\nwant %+v", got, tt.want)
			}
			if rec.Query != tt.query {
				t.Errorf("Query = %q, want %q", rec.Query, tt.query)
			}
			var raw map[string]any
			if err := json.Unmarshal(rec.Raw, &raw); err != nil || raw["objectClassName"] == nil {
				t.Errorf("Raw is not the reply: %v", err)
			}
			_, lines := e.cymru.requests()
			var sent []string
			for _, l := range lines[len(beforeLines):] {
				sent = append(sent, l...)
			}
			var want []string
			if tt.wantCymruIP != nil {
				want = append(append([]string{"begin", "verbose"}, tt.wantCymruIP...), "end")
			}
			if !slices.Equal(sent, want) {
				t.Errorf("cymru request lines = %q, want %q", sent, want)
			}
		})
	}
	if got := e.verisign.accepts[0]; !strings.Contains(got, "application/rdap+json") {
		t.Errorf("Accept = %q, want application/rdap+json", got)
	}
}

// TestLookupDatesNotSwappedAsInMsticpy pins the headline correctness point: msticpy's RDAP
// code reports "created" and "updated" swapped and keeps only the last event. Each date here
// must come from its own eventAction, whatever the order of the events, and neither the
// "last update of RDAP database" event nor the events of nested entities may leak in.
func TestLookupDatesNotSwappedAsInMsticpy(t *testing.T) {
	e := newEnv(t)
	c := New(e.options())
	tests := []struct {
		query                        string
		registered, updated, expires string
	}{
		// ARIN lists "last changed" before "registration"; the registrant entity has its own
		// events (2000, 2019) that must not be taken.
		{"8.8.8.8", "2023-12-28T22:24:33Z", "2023-12-28T22:24:56Z", ""},
		// Verisign: registration, expiration, last changed, then the database timestamp.
		{"google.com", "1997-09-15T04:00:00Z", "2019-09-09T15:39:04Z", "2028-09-14T04:00:00Z"},
		{"AS15169", "2000-03-30T05:00:00Z", "2012-02-24T14:44:34Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec, err := c.Lookup(context.Background(), tt.query)
			if err != nil {
				t.Fatal(err)
			}
			s := summarize(rec)
			if s.Registered != tt.registered || s.Updated != tt.updated || s.Expires != tt.expires {
				t.Errorf("registered/updated/expires = %s / %s / %s, want %s / %s / %s",
					s.Registered, s.Updated, s.Expires, tt.registered, tt.updated, tt.expires)
			}
			if !rec.Registered.IsZero() && !rec.Updated.IsZero() && rec.Updated.Before(rec.Registered) {
				t.Errorf("updated %s before registered %s", rec.Updated, rec.Registered)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		name                         string
		events                       []rdapEvent
		registered, updated, expires string
		warnings                     int
	}{
		{
			name: "each action to its own field",
			events: []rdapEvent{
				{"expiration", "2030-01-01T00:00:00Z"}, {"last changed", "2020-01-01T00:00:00Z"}, {"registration", "2010-01-01T00:00:00Z"},
			},
			registered: "2010-01-01T00:00:00Z", updated: "2020-01-01T00:00:00Z", expires: "2030-01-01T00:00:00Z",
		},
		{
			name: "repeated actions: earliest registration, latest change and expiry",
			events: []rdapEvent{
				{"last changed", "2021-05-05T00:00:00Z"}, {"registration", "2012-01-01T00:00:00Z"}, {"last changed", "2019-01-01T00:00:00Z"},
				{"registration", "2011-01-01T00:00:00Z"}, {"expiration", "2029-01-01T00:00:00Z"}, {"expiration", "2031-01-01T00:00:00Z"},
			},
			registered: "2011-01-01T00:00:00Z", updated: "2021-05-05T00:00:00Z", expires: "2031-01-01T00:00:00Z",
		},
		{
			name: "database update, transfer and reregistration are not dates of the object",
			events: []rdapEvent{
				{"last update of RDAP database", "2026-11-22T00:00:00Z"}, {"transfer", "2018-01-01T00:00:00Z"},
				{"reregistration", "2017-01-01T00:00:00Z"}, {"registrar expiration", "2040-01-01T00:00:00Z"},
			},
		},
		{
			name: "case, offsets, fractions and zone-less dates",
			events: []rdapEvent{
				{"Registration", "1999-12-31T19:00:00-05:00"}, {" LAST CHANGED ", "2020-02-02T02:02:02.123Z"}, {"expiration", "2030-03-03T03:03:03"},
			},
			registered: "2000-01-01T00:00:00Z", updated: "2020-02-02T02:02:02Z", expires: "2030-03-03T03:03:03Z",
		},
		{
			name:     "an unparsable or out-of-range date is a warning, not a zero date or a failure",
			events:   []rdapEvent{{"registration", "15/09/1997"}, {"last changed", "2019-09-09"}, {"expiration", "0000-01-01T00:00:00+01:00"}},
			updated:  "2019-09-09T00:00:00Z",
			warnings: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			dates(&r, tt.events)
			s := summarize(&r)
			if s.Registered != tt.registered || s.Updated != tt.updated || s.Expires != tt.expires {
				t.Errorf("got %s / %s / %s, want %s / %s / %s", s.Registered, s.Updated, s.Expires, tt.registered, tt.updated, tt.expires)
			}
			if len(r.Warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", r.Warnings, tt.warnings)
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	e := newEnv(t)
	e.arin.set("/registry/ip/8.8.4.4", reply{status: http.StatusTooManyRequests, file: "rdap/error_429.json",
		header: map[string]string{"Retry-After": "120"}})
	e.arin.set("/registry/ip/9.9.9.9", reply{body: `{"objectClassName": "ip network", "handle": `})
	e.arin.set("/registry/ip/9.9.9.10", reply{body: `<html><body>Service Unavailable</body></html>`})
	e.arin.set("/registry/ip/9.9.9.11", reply{body: `{"objectClassName": "entity", "handle": "X"}`})
	e.arin.set("/registry/ip/9.9.9.12", reply{status: http.StatusBadGateway, body: `upstream down`})
	e.arin.set("/registry/ip/4.4.4.4", reply{body: `{"errorCode": 400, "title": "Bad Request"}`})
	e.arin.set("/registry/ip/3.3.3.3", reply{status: http.StatusFound,
		header: map[string]string{"Location": e.arin.URL + "/registry/ip/3.3.3.3"}})
	e.arin.set("/registry/ip/3.3.3.4", reply{body: strings.Repeat(" ", 2000) + "{}"})
	tests := []struct {
		name      string
		query     string
		opts      func(*Options)
		is        error
		status    int
		contains  string
		arinCalls int
	}{
		{name: "404 is not found", query: "8.8.8.9", is: ErrNotFound, status: 404, contains: "not found", arinCalls: 1},
		{name: "429 is rate limited with retry-after", query: "8.8.4.4", is: ErrRateLimited, status: 429, contains: "rate limited", arinCalls: 1},
		{name: "truncated JSON", query: "9.9.9.9", is: ErrBadReply, contains: "not an RDAP object", arinCalls: 1},
		{name: "HTML instead of JSON", query: "9.9.9.10", is: ErrBadReply, contains: "not an RDAP object", arinCalls: 1},
		{name: "wrong object class", query: "9.9.9.11", is: ErrBadReply, contains: `objectClassName "entity"`, arinCalls: 1},
		{name: "5xx", query: "9.9.9.12", status: 502, contains: "HTTP 502", arinCalls: 1},
		{name: "error object with status 200", query: "4.4.4.4", is: ErrBadReply, contains: "rdap error 400: Bad Request", arinCalls: 1},
		{name: "redirect loop is capped", query: "3.3.3.3", opts: func(o *Options) { o.MaxRedirects = 3 }, is: ErrTooManyRedirects, arinCalls: 4},
		{name: "default redirect cap", query: "3.3.3.3", is: ErrTooManyRedirects, arinCalls: DefaultMaxRedirects + 1},
		{name: "no redirects at all", query: "3.3.3.3", opts: func(o *Options) { o.MaxRedirects = -1 }, is: ErrTooManyRedirects, arinCalls: 1},
		{name: "reply over the size limit", query: "3.3.3.4", opts: func(o *Options) { o.MaxReplyBytes = 1000 }, contains: "larger than 1000 bytes", arinCalls: 1},
		{name: "no server for the TLD", query: "example.xyz", is: ErrNoServer, contains: "dns.json"},
		{name: "no server for the address", query: "203.0.113.1", is: ErrNoServer, contains: "ipv4.json"},
		{name: "no server for the AS", query: "AS4294967295", is: ErrNoServer, contains: "asn.json"},
		{name: "not a query", query: "not a domain!", is: ErrBadQuery},
		{name: "empty", query: "  ", is: ErrBadQuery},
		{name: "AS out of range", query: "AS4294967296", is: ErrBadQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := e.options()
			opts.DisableCymru = true
			if tt.opts != nil {
				tt.opts(&opts)
			}
			before := len(e.arin.requests())
			rec, err := New(opts).Lookup(context.Background(), tt.query)
			if err == nil {
				t.Fatalf("no error; record %+v", summarize(rec))
			}
			if rec != nil {
				t.Errorf("record %+v returned with error", rec)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			var se *StatusError
			if got := errors.As(err, &se); got != (tt.status != 0) || (got && se.StatusCode != tt.status) {
				t.Errorf("error %q: StatusError %v, want status %d", err, se, tt.status)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			if got := len(e.arin.requests()) - before; got != tt.arinCalls {
				t.Errorf("%d requests to arin, want %d", got, tt.arinCalls)
			}
			if err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
				t.Errorf("error %q starts with a capital", err)
			}
		})
	}
	t.Run("retry-after is kept", func(t *testing.T) {
		opts := e.options()
		opts.DisableCymru = true
		_, err := New(opts).Lookup(context.Background(), "8.8.4.4")
		var se *StatusError
		if !errors.As(err, &se) || se.RetryAfter != 2*time.Minute || se.Title != "Too Many Requests" {
			t.Fatalf("got %#v from %v, want RetryAfter 2m and the RDAP title", se, err)
		}
		if !strings.Contains(err.Error(), "retry after 2m0s") {
			t.Errorf("error %q does not say when to retry", err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
	tests := map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"-5":                            0,
		"Sun, 22 Nov 2026 12:01:30 GMT": 90 * time.Second,
		"Sun, 22 Nov 2026 11:00:00 GMT": 0,
		"soon":                          0,
	}
	for in, want := range tests {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLookupRelatedFailureIsAWarning(t *testing.T) {
	e := newEnv(t)
	e.markmonitor.set("/rdap/domain/GOOGLE.COM", reply{status: http.StatusTooManyRequests, body: "{}"})
	rec, err := New(e.options()).Lookup(context.Background(), "google.com")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Registrar != "MarkMonitor Inc." || rec.Registered.IsZero() {
		t.Errorf("registry fields lost: %+v", summarize(rec))
	}
	if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "rate limited") {
		t.Errorf("warnings = %q, want one about the registrar's rate limit", rec.Warnings)
	}
}

func TestLookupRelatedOnlyWhenNeeded(t *testing.T) {
	e := newEnv(t)
	// A thick registry that already names the registrant and the abuse contact.
	e.pir.set("/rdap/domain/example.org", reply{body: `{"objectClassName": "domain", "ldhName": "example.org",
		"links": [{"rel": "related", "type": "application/rdap+json", "href": "` + e.markmonitor.URL + `/rdap/domain/example.org"}],
		"entities": [
			{"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Example Org"], ["kind", {}, "text", "org"]]]},
			{"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "Registrar"]]],
			 "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@registrar.example"]]]}]}],
		"events": [{"eventAction": "registration", "eventDate": "1995-08-31T04:00:00Z"}]}`})
	rec, err := New(e.options()).Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.markmonitor.requests(); len(got) != 0 {
		t.Errorf("followed the related link although nothing was missing: %q", got)
	}
	if rec.Registrant != "Example Org" || rec.Org != "Example Org" || rec.AbuseEmail != "abuse@registrar.example" || rec.RegistrarSource != "" {
		t.Errorf("record %+v", summarize(rec))
	}
}

func TestLookupCymruFailureIsAWarning(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.CymruAddr = "127.0.0.1:1" // nothing listens there
	rec, err := New(opts).Lookup(context.Background(), "8.8.8.8")
	if err != nil {
		t.Fatal(err)
	}
	if rec.ASN != 0 || rec.Cymru != nil || rec.Name != "GOGL" {
		t.Errorf("record %+v", summarize(rec))
	}
	if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "team cymru") {
		t.Errorf("warnings = %q, want one about team cymru", rec.Warnings)
	}
}

func TestLookupCancel(t *testing.T) {
	e := newEnv(t)
	arrived := make(chan struct{})
	e.arin.setHandler(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	opts := e.options()
	opts.DisableCymru = true
	start := time.Now()
	_, err := New(opts).Lookup(ctx, "8.8.8.8")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to notice the cancellation", d)
	}
}

func TestLookupTimeout(t *testing.T) {
	e := newEnv(t)
	e.arin.setHandler(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	opts := e.options()
	opts.DisableCymru = true
	opts.Timeout = 100 * time.Millisecond
	_, err := New(opts).Lookup(context.Background(), "8.8.8.8")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
}

func TestBootstrapCache(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	opts := e.options()
	opts.DisableCymru = true
	opts.CacheDir = dir
	fetches := func() int {
		n := 0
		for _, p := range e.boot.requests() {
			if p == "/rdap/ipv4.json" {
				n++
			}
		}
		return n
	}
	lookup := func(c *Client) {
		t.Helper()
		if _, err := c.Lookup(context.Background(), "8.8.8.8"); err != nil {
			t.Fatal(err)
		}
	}
	c := New(opts)
	lookup(c)
	lookup(c)
	if n := fetches(); n != 1 {
		t.Fatalf("%d fetches of ipv4.json for two lookups, want 1", n)
	}
	if got := e.boot.requests(); !slices.Equal(got, []string{"/rdap/ipv4.json"}) {
		t.Errorf("bootstrap requests %q, want only ipv4.json", got)
	}

	// A new client (a new process) with the same cache directory reads the file from disk.
	lookup(New(opts))
	if n := fetches(); n != 1 {
		t.Errorf("%d fetches after a restart within the TTL, want 1 (disk cache)", n)
	}

	// Past the TTL the file is fetched again, once.
	e.clock.advance(DefaultBootstrapTTL + time.Minute)
	lookup(c)
	lookup(c)
	if n := fetches(); n != 2 {
		t.Errorf("%d fetches after the TTL, want 2", n)
	}

	// Past the TTL again with IANA unreachable, the expired copy still answers.
	e.clock.advance(DefaultBootstrapTTL + time.Minute)
	e.boot.set("/rdap/ipv4.json", reply{status: http.StatusServiceUnavailable, body: "down"})
	lookup(c)
	if n := fetches(); n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}

	// A client with no copy at all reports the bootstrap failure.
	fresh := e.options()
	fresh.DisableCymru = true
	_, err := New(fresh).Lookup(context.Background(), "8.8.8.8")
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "bootstrap") {
		t.Errorf("error %v, want the bootstrap's HTTP 503", err)
	}

	// A corrupt bootstrap file is a clear error.
	e.boot.set("/rdap/asn.json", reply{body: `{"services": [[["x-y"], ["https://rdap.example/"]]]}`})
	_, err = New(fresh).Lookup(context.Background(), "AS1")
	if !errors.Is(err, ErrBadReply) || !strings.Contains(err.Error(), `bad AS range "x-y"`) {
		t.Errorf("error %v, want a bad AS range", err)
	}
}

func TestBootstrapWaitIsCancellable(t *testing.T) {
	e := newEnv(t)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	e.boot.setHandler(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	opts := e.options()
	opts.DisableCymru = true
	c := New(opts)
	go func() { _, _ = c.Lookup(context.Background(), "8.8.8.8") }() // holds the ipv4 fetch
	<-arrived
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Lookup(ctx, "8.8.4.4")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for the rdap bootstrap") {
		t.Fatalf("error %v, want a deadline while waiting for the bootstrap", err)
	}
}

func TestRegistryMatch(t *testing.T) {
	v4 := `{"services": [
		[["8.0.0.0/8"], ["http://plain.example/", "https://secure.example/"]],
		[["8.8.0.0/16"], ["https://more-specific.example/"]],
		[["9.0.0.0/8"], ["ftp://nope.example/", "http://only-http.example/"]]
	]}`
	dns := `{"services": [[["com"], ["https://com.example/"]], [["co.uk", "uk"], ["https://uk.example/"]], [["zz.uk"], ["https://zz.example/"]]]}`
	asn := `{"services": [[["1-100", "300"], ["https://low.example/"]], [["200-299"], ["https://mid.example/"]]]}`
	regs := map[registryFile]*registry{}
	for f, body := range map[registryFile]string{fileIPv4: v4, fileDNS: dns, fileASN: asn} {
		r, err := parseRegistry(f, []byte(body), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		regs[f] = r
	}
	tests := []struct {
		query string
		file  registryFile
		want  string
	}{
		{"8.1.2.3", fileIPv4, "https://secure.example/"},
		{"8.8.8.8", fileIPv4, "https://more-specific.example/"},
		{"8.8.0.0/16", fileIPv4, "https://more-specific.example/"},
		{"8.0.0.0/9", fileIPv4, "https://secure.example/"},
		{"8.0.0.0/8", fileIPv4, "https://secure.example/"},
		{"9.9.9.9", fileIPv4, "http://only-http.example/"},
		{"10.0.0.1", fileIPv4, ""},
		{"example.com", fileDNS, "https://com.example/"},
		{"example.co.uk", fileDNS, "https://uk.example/"},
		{"example.zz.uk", fileDNS, "https://zz.example/"},
		{"example.net", fileDNS, ""},
		{"AS1", fileASN, "https://low.example/"},
		{"AS100", fileASN, "https://low.example/"},
		{"AS101", fileASN, ""},
		{"AS250", fileASN, "https://mid.example/"},
		{"AS300", fileASN, "https://low.example/"},
	}
	for _, tt := range tests {
		q, err := parseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if tt.file == fileDNS {
			q.domain = tt.query // bypass the public-suffix reduction for zz.uk
		}
		if got := regs[tt.file].match(q); got != tt.want {
			t.Errorf("match(%s) = %q, want %q", tt.query, got, tt.want)
		}
	}

	for _, bad := range []struct {
		f    registryFile
		body string
	}{
		{fileIPv4, `{"services": [[["2001:db8::/32"], ["https://x.example/"]]]}`},
		{fileIPv6, `{"services": [[["10.0.0.0/8"], ["https://x.example/"]]]}`},
		{fileIPv4, `{"services": [[["10.0.0.0/8"]]]}`},
		{fileASN, `{"services": [[["9-1"], ["https://x.example/"]]]}`},
		{fileDNS, `{"services": []}`},
		{fileDNS, `[]`},
	} {
		if _, err := parseRegistry(bad.f, []byte(bad.body), time.Time{}); !errors.Is(err, ErrBadReply) {
			t.Errorf("parseRegistry(%s, %s) error %v, want ErrBadReply", bad.f, bad.body, err)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in     string
		kind   Kind
		object string
	}{
		{"8.8.8.8", KindIP, "8.8.8.8"},
		{" 8.8.8.8 ", KindIP, "8.8.8.8"},
		{"::ffff:8.8.8.8", KindIP, "8.8.8.8"},
		{"2001:4860:4860::8888", KindIP, "2001:4860:4860::8888"},
		{"fe80::1%eth0", KindIP, "fe80::1"},
		{"8.8.8.0/24", KindIP, "8.8.8.0/24"},
		{"8.8.8.7/24", KindIP, "8.8.8.0/24"},
		{"2001:db8::/32", KindIP, "2001:db8::/32"},
		{"::ffff:8.8.8.0/120", KindIP, "8.8.8.0/24"},
		{"AS15169", KindASN, "15169"},
		{"as15169", KindASN, "15169"},
		{"15169", KindASN, "15169"},
		{"AS0", KindASN, "0"},
		{"AS4294967295", KindASN, "4294967295"},
		{"example.com", KindDomain, "example.com"},
		{"Example.COM.", KindDomain, "example.com"},
		{"www.example.co.uk", KindDomain, "example.co.uk"},
		{"a.b.c.example.com", KindDomain, "example.com"},
		{"foo.blogspot.com", KindDomain, "blogspot.com"},
		{"bücher.de", KindDomain, "xn--bcher-kva.de"},
		{"www.Bücher.de", KindDomain, "xn--bcher-kva.de"},
		{"例え.テスト", KindDomain, "xn--r8jz45g.xn--zckzah"},
		{"example。com", KindDomain, "example.com"},
		{"xn--bcher-kva.de", KindDomain, "xn--bcher-kva.de"},
		{"host.unknowntld", KindDomain, "host.unknowntld"},
		{"as.example", KindDomain, "as.example"},
	}
	for _, tt := range tests {
		kind, object, err := ParseQuery(tt.in)
		if err != nil || kind != tt.kind || object != tt.object {
			t.Errorf("ParseQuery(%q) = %q, %q, %v; want %q, %q", tt.in, kind, object, err, tt.kind, tt.object)
		}
	}
	for _, bad := range []string{
		"", "AS", "AS-1", "AS4294967296", "99999999999", "8.8.8", "8.8.8.256", "com", "exa mple.com", "-bad.com",
		"bad-.com", "a..com", "http://example.com", "user@example.com", "example.com/path", "\xff.com",
		strings.Repeat("a", 64) + ".com", strings.Repeat("abcdefghi.", 26) + "com", "::ffff:1.2.3.4/90",
	} {
		if k, o, err := ParseQuery(bad); !errors.Is(err, ErrBadQuery) {
			t.Errorf("ParseQuery(%q) = %q, %q, %v; want ErrBadQuery", bad, k, o, err)
		}
	}
}

// Internationalised names are asked for in A-labels (RFC 3492 samples among them).
func TestRegisteredDomainIDN(t *testing.T) {
	tests := map[string]string{
		"www.bücher.de":    "xn--bcher-kva.de",
		"www.MÜNCHEN.de":   "xn--mnchen-3ya.de",
		"例え.テスト.jp":        "xn--zckzah.jp",
		"пример.рф":        "xn--e1afmkfd.xn--p1ai",
		"shop.example。com": "example.com",
	}
	for in, want := range tests {
		if got, err := registeredDomain(in); err != nil || got != want {
			t.Errorf("registeredDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"-bad-.com", "a..com", "exa mple.com"} {
		if got, err := registeredDomain(bad); err == nil {
			t.Errorf("registeredDomain(%q) = %q, want an error", bad, got)
		}
	}
}

func TestRangeToPrefixes(t *testing.T) {
	tests := []struct{ start, end, want string }{
		{"8.8.8.0", "8.8.8.255", "8.8.8.0/24"},
		{"8.8.8.8", "8.8.8.8", "8.8.8.8/32"},
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"192.0.2.1", "192.0.2.6", "192.0.2.1/32 192.0.2.2/31 192.0.2.4/31 192.0.2.6/32"},
		{"10.0.0.0", "10.0.2.255", "10.0.0.0/23 10.0.2.0/24"},
		{"2001:4860::", "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", "2001:4860::/32"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0"},
		{"2001:db8::1", "2001:db8::2", "2001:db8::1/128 2001:db8::2/128"},
		{"fe80::1%eth0", "fe80::2%eth0", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range rangeToPrefixes(netip.MustParseAddr(tt.start), netip.MustParseAddr(tt.end)) {
			got = append(got, p.String())
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("rangeToPrefixes(%s, %s) = %s, want %s", tt.start, tt.end, s, tt.want)
		}
	}
	// The worst case, ::1 to the last address but one, stays within the cap.
	worst := rangeToPrefixes(netip.MustParseAddr("::1"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"))
	if len(worst) != 254 {
		t.Errorf("worst case split into %d prefixes, want 254", len(worst))
	}
}

func TestRecordFromJSON(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		body string
		want func(*Record) string // "" when right
	}{
		{
			name: "missing objectClassName is a warning",
			kind: KindASN, body: `{"handle": "AS1", "name": "LVLT-1"}`,
			want: func(r *Record) string {
				if r.Name != "LVLT-1" || len(r.Warnings) != 1 {
					return fmt.Sprintf("name %q warnings %q", r.Name, r.Warnings)
				}
				return ""
			},
		},
		{
			name: "vcard oddities: structured org, null values, cc parameter, kind org without org",
			kind: KindDomain,
			body: `{"objectClassName": "domain", "ldhName": "x.example", "entities": [
				{"roles": ["technical", "registrant"], "vcardArray": ["vcard", [
					["fn", {}, "text", null], ["org", {}, "text", ["Example", "Research"]],
					["adr", {"cc": "de"}, "text", ["", "", "", "", "", "", "Germany"]], ["email", {}]
				]]},
				{"roles": ["registrar"], "vcardArray": "not a vcard"}
			]}`,
			want: func(r *Record) string {
				if r.Org != "Example; Research" || r.Registrant != "" || r.Country != "DE" || r.Registrar != "" {
					return fmt.Sprintf("%+v", summarize(r))
				}
				return ""
			},
		},
		{
			name: "range from cidr0 when the addresses are missing, bad range is a warning",
			kind: KindIP,
			body: `{"objectClassName": "ip network", "startAddress": "10.0.0.9", "endAddress": "10.0.0.1",
				"cidr0_cidrs": [{"v4prefix": "10.0.0.0", "length": 28}, {"v6prefix": "2001:db8::", "length": 200}]}`,
			want: func(r *Record) string {
				if r.NetworkStart.IsValid() || len(r.CIDRs) != 1 || r.CIDRs[0].String() != "10.0.0.0/28" || len(r.Warnings) != 1 {
					return fmt.Sprintf("%+v", summarize(r))
				}
				return ""
			},
		},
		{
			name: "nested abuse entity found below the registrant",
			kind: KindIP,
			body: `{"objectClassName": "ip network", "entities": [{"roles": ["registrant"], "entities": [
				{"roles": ["technical"], "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@example.net"]]]}]}]}]}`,
			want: func(r *Record) string {
				if r.AbuseEmail != "abuse@example.net" {
					return fmt.Sprintf("abuse %q", r.AbuseEmail)
				}
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := recordFromJSON(tt.kind, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.want(r); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestRelatedLink(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"links": [{"rel": "related", "type": "application/rdap+json", "href": "https://rdap.registrar.example/domain/x.com"}]}`, "https://rdap.registrar.example/domain/x.com"},
		{`{"links": [{"rel": "related", "type": "text/html", "href": "https://registrar.example/"}]}`, ""},
		{`{"links": [{"rel": "related", "href": "https://rdap.registrar.example/domain/x.com"}]}`, "https://rdap.registrar.example/domain/x.com"},
		{`{"links": [{"rel": "related", "href": "https://registrar.example/about"}]}`, ""},
		{`{"links": [{"rel": "related", "type": "application/rdap+json", "href": "/other/domain/x.com"}]}`, "https://registry.example/other/domain/x.com"},
		{`{"links": [{"rel": "related", "type": "application/rdap+json", "href": "https://registry.example/domain/x.com"}]}`, ""},
		{`{"links": [{"rel": "related", "type": "application/rdap+json", "href": "ftp://registrar.example/domain/x.com"}]}`, ""},
		{`{"links": [{"rel": "self", "type": "application/rdap+json", "href": "https://registrar.example/domain/x.com"}]}`, ""},
		{`{"links": "none"}`, ""},
	}
	for _, tt := range tests {
		if got := relatedLink([]byte(tt.body), "https://registry.example/domain/x.com"); got != tt.want {
			t.Errorf("relatedLink(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestStatusErrorMessages(t *testing.T) {
	tests := []struct {
		e    StatusError
		want string
		is   error
	}{
		{StatusError{URL: "https://r.example/ip/1.2.3.4", StatusCode: 404}, "https://r.example/ip/1.2.3.4: not found (HTTP 404)", ErrNotFound},
		{StatusError{URL: "u", StatusCode: 429, RetryAfter: time.Second}, "u: rate limited by the server (HTTP 429), retry after 1s", ErrRateLimited},
		{StatusError{URL: "u", StatusCode: 503, Title: "maintenance"}, "u: HTTP 503 Service Unavailable: maintenance", nil},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if got := tt.e.Unwrap(); got != tt.is {
			t.Errorf("Unwrap() = %v, want %v", got, tt.is)
		}
	}
}

func TestBootstrapDiskCache(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "cache")
	opts := e.options()
	opts.DisableCymru = true
	opts.CacheDir = dir
	if _, err := New(opts).Lookup(context.Background(), "AS15169"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "rdap-bootstrap-asn.json")
	body, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("bootstrap file not cached: %v", err)
	}
	if string(body) != e.load("bootstrap/asn.json") {
		t.Errorf("cached file differs from the one served")
	}
	if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(e.clock.now()) {
		t.Errorf("cached file stamped %v, want the fetch time %v", fi.ModTime(), e.clock.now())
	}

	// A corrupt cache file is ignored and replaced by a fresh fetch.
	if err := os.WriteFile(p, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, e.clock.now(), e.clock.now()); err != nil {
		t.Fatal(err)
	}
	before := len(e.boot.requests())
	if _, err := New(opts).Lookup(context.Background(), "AS15169"); err != nil {
		t.Fatal(err)
	}
	if got := len(e.boot.requests()) - before; got != 1 {
		t.Errorf("%d bootstrap fetches with a corrupt cache file, want 1", got)
	}
	if body, _ := os.ReadFile(p); !json.Valid(body) {
		t.Errorf("corrupt cache file not replaced")
	}

	// An unwritable cache directory does not fail the lookup.
	opts.CacheDir = filepath.Join(p, "not-a-dir")
	if _, err := New(opts).Lookup(context.Background(), "AS15169"); err != nil {
		t.Errorf("lookup failed over an unwritable cache: %v", err)
	}
}

func TestLookupConcurrent(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.DisableCymru = true
	c := New(opts)
	queries := []string{"google.com", "8.8.8.8", "2001:4860:4860::8888", "AS15169", "193.0.6.139"}
	errs := make(chan error, 4*len(queries))
	var wg sync.WaitGroup
	for range 4 {
		for _, q := range queries {
			wg.Go(func() {
				if _, err := c.Lookup(context.Background(), q); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each bootstrap file was fetched once however many lookups wanted it at the same time.
	got := e.boot.requests()
	slices.Sort(got)
	if want := []string{"/rdap/asn.json", "/rdap/dns.json", "/rdap/ipv4.json", "/rdap/ipv6.json"}; !slices.Equal(got, want) {
		t.Errorf("bootstrap requests %q, want %q", got, want)
	}
}
