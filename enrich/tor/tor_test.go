package tor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

var (
	bulkList  = enrichtest.Reply{File: "testdata/torbulkexitlist.txt", Header: map[string]string{"Content-Type": "text/plain"}}
	laterList = enrichtest.Reply{File: "testdata/torbulkexitlist_later.txt", Header: map[string]string{"Content-Type": "text/plain"}}
	onionoo   = enrichtest.Reply{File: "testdata/onionoo_details.json"}
	exitIP    = enrich.Indicator{Type: ioc.IPv4, Value: "185.220.101.33"}
	otherIP   = enrich.Indicator{Type: ioc.IPv4, Value: "8.8.8.8"}
)

func checkBulkRequest(t *testing.T, _ enrich.Indicator, r enrichtest.Request) {
	t.Helper()
	if r.Method != http.MethodGet || r.Path != "/torbulkexitlist" || len(r.Query) != 0 {
		t.Errorf("request %s %s?%s, want GET /torbulkexitlist", r.Method, r.Path, r.Query.Encode())
	}
	if a := r.Header.Get("Authorization"); a != "" {
		t.Errorf("Authorization %q sent to a keyless service", a)
	}
	if a := r.Header.Get("Accept"); a != "text/plain" {
		t.Errorf("Accept %q, want text/plain", a)
	}
}

func TestBulk(t *testing.T) {
	hs := enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: checkBulkRequest,
	}
	wantDetails := func(listed bool) func(*testing.T, enrich.Result) {
		return func(t *testing.T, r enrich.Result) {
			if r.Details["tor_exit"] != listed || r.Details["list_size"] != 6 || r.Details["source"] != "bulk" ||
				r.Details["list_time"] != "2026-01-01T00:00:00Z" {
				t.Errorf("details %v", r.Details)
			}
			if !strings.HasPrefix(r.Reference, "https://metrics.torproject.org/rs.html#search/") {
				t.Errorf("reference %q", r.Reference)
			}
		}
	}
	cases := []enrichtest.Case{
		{Name: "listed", Indicator: exitIP, Replies: []enrichtest.Reply{bulkList},
			Want: enrich.Suspicious, WantSummary: "Tor exit node", WantRequests: 1, Check: wantDetails(true)},
		{Name: "listed-first-line", Indicator: enrich.Indicator{Type: ioc.IPv4, Value: "185.220.101.1"}, Replies: []enrichtest.Reply{bulkList},
			Want: enrich.Suspicious, WantSummary: "Tor exit node", WantRequests: 1},
		{Name: "not-listed", Indicator: otherIP, Replies: []enrichtest.Reply{bulkList},
			Want: enrich.Unknown, WantSummary: "not a Tor exit", WantRequests: 1, Check: wantDetails(false)},
		{Name: "crlf-and-comments", Indicator: exitIP,
			Replies: []enrichtest.Reply{{Body: "# exits\r\n\r\n185.220.101.33\r\n"}},
			Want:    enrich.Suspicious, WantRequests: 1},
		{Name: "html-instead-of-list", Indicator: exitIP,
			Replies: []enrichtest.Reply{{Body: "<html><body>maintenance</body></html>\n"}},
			WantErr: enrich.ErrBadReply, WantErrText: "line 1", WantRequests: 1},
		{Name: "empty-list", Indicator: exitIP, Replies: []enrichtest.Reply{{Body: "\n"}},
			WantErr: enrich.ErrBadReply, WantErrText: "empty", WantRequests: 1},
	}
	for _, c := range enrichtest.ErrorCases(Name, exitIP, bulkList, enrich.Suspicious) {
		if c.Name == "404" {
			// A missing list says nothing about an address: the lookup fails (verdict unknown)
			// rather than calling every address "not a Tor exit".
			c.WantErr, c.WantErrText = enrich.ErrNotFound, "HTTP 404"
		}
		cases = append(cases, c)
	}
	hs.Run(t, cases)
}

func TestOnionoo(t *testing.T) {
	hs := enrichtest.Harness{
		New: func(h *enrich.HTTP, baseURL string) enrich.Provider {
			c, err := New(Options{HTTP: h, BaseURL: baseURL, Source: Onionoo})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		CheckRequest: func(t *testing.T, _ enrich.Indicator, r enrichtest.Request) {
			want := "exit_addresses,or_addresses,exit_policy_v6_summary"
			if r.Method != http.MethodGet || r.Path != "/details" || r.Query.Get("flag") != "exit" ||
				r.Query.Get("running") != "true" || r.Query.Get("fields") != want || len(r.Query) != 3 {
				t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query.Encode())
			}
		},
	}
	v6 := func(s string) enrich.Indicator { return enrich.Indicator{Type: ioc.IPv6, Value: s} }
	v4 := func(s string) enrich.Indicator { return enrich.Indicator{Type: ioc.IPv4, Value: s} }
	cases := []enrichtest.Case{
		{Name: "measured-exit-address", Indicator: v4("171.25.193.77"), Replies: []enrichtest.Reply{onionoo}, Want: enrich.Suspicious},
		{Name: "or-address-v4", Indicator: v4("109.70.100.2"), Replies: []enrichtest.Reply{onionoo}, Want: enrich.Suspicious},
		{Name: "or-address-v6-exiting", Indicator: v6("2a0b:f4c2:2::1"), Replies: []enrichtest.Reply{onionoo}, Want: enrich.Suspicious},
		{Name: "or-address-v6-not-exiting", Indicator: v6("2001:67c:289c::25"), Replies: []enrichtest.Reply{onionoo},
			Want: enrich.Unknown, WantSummary: "not a Tor exit"},
		{Name: "v6-not-listed", Indicator: v6("2001:db8::1"), Replies: []enrichtest.Reply{onionoo}, Want: enrich.Unknown},
		{Name: "v4-not-listed", Indicator: v4("8.8.8.8"), Replies: []enrichtest.Reply{onionoo}, Want: enrich.Unknown},
		{Name: "no-relays", Indicator: v4("8.8.8.8"), Replies: []enrichtest.Reply{{Body: `{"version":"8.0"}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "without relays"},
		{Name: "bad-address", Indicator: v4("8.8.8.8"),
			Replies: []enrichtest.Reply{{Body: `{"relays":[{"or_addresses":["nonsense"]}]}`}},
			WantErr: enrich.ErrBadReply, WantErrText: "OR address"},
	}
	for _, c := range enrichtest.ErrorCases(Name, v4("185.220.101.1"), onionoo, enrich.Suspicious) {
		if c.Name == "404" {
			c.WantErr, c.WantErrText = enrich.ErrNotFound, "HTTP 404"
		}
		cases = append(cases, c)
	}
	hs.Run(t, cases)
}

// fixture is a client against a scripted server on a fake clock.
type fixture struct {
	c     *Client
	srv   *enrichtest.Server
	clock *enrichtest.Clock
}

func newFixture(t *testing.T, o Options, serve func(*http.Request, int) enrichtest.Reply) *fixture {
	t.Helper()
	clock := enrichtest.NewClock(time.Time{})
	srv := enrichtest.NewServer(t, clock, serve)
	o.HTTP = &enrich.HTTP{Provider: Name, Client: srv.Client(), Clock: clock, Retries: -1}
	o.BaseURL = srv.URL
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{c: c, srv: srv, clock: clock}
}

// ask looks up the indicators and returns the results; the number of requests so far is checked.
func (f *fixture) ask(t *testing.T, wantRequests int, inds ...enrich.Indicator) []enrich.Result {
	t.Helper()
	res := enrichtest.Lookup(t, f.c, inds)
	if n := len(f.srv.Requests()); n != wantRequests {
		t.Fatalf("%d requests so far, want %d", n, wantRequests)
	}
	return res
}

func TestRefreshAfterInterval(t *testing.T) {
	f := newFixture(t, Options{Refresh: 30 * time.Minute}, enrichtest.Sequence(bulkList, laterList))
	newIP := enrich.Indicator{Type: ioc.IPv4, Value: "192.42.116.16"}

	r := f.ask(t, 1, exitIP, newIP)
	if r[0].Verdict != enrich.Suspicious || r[1].Verdict != enrich.Unknown {
		t.Fatalf("first list: %v %v", r[0].Verdict, r[1].Verdict)
	}
	f.clock.Advance(29*time.Minute + 59*time.Second)
	f.ask(t, 1, exitIP) // still fresh: no request
	f.clock.Advance(time.Second)
	r = f.ask(t, 2, exitIP, newIP)
	if r[0].Verdict != enrich.Unknown || r[1].Verdict != enrich.Suspicious {
		t.Fatalf("after refresh: %v %v, want the later list", r[0].Verdict, r[1].Verdict)
	}
	if got := r[1].Details["list_time"]; got != "2026-01-01T00:30:00Z" {
		t.Errorf("list_time %v", got)
	}
}

func TestDefaultRefreshIsAnHour(t *testing.T) {
	f := newFixture(t, Options{}, enrichtest.Sequence(bulkList, laterList))
	f.ask(t, 1, exitIP)
	f.clock.Advance(time.Hour - time.Nanosecond)
	f.ask(t, 1, exitIP)
	f.clock.Advance(time.Nanosecond)
	f.ask(t, 2, exitIP)
}

func TestFailedRefreshKeepsList(t *testing.T) {
	down := enrichtest.Reply{Status: 503, Body: "down"}
	f := newFixture(t, Options{}, enrichtest.Sequence(bulkList, down, down, bulkList))

	f.ask(t, 1, exitIP)
	f.clock.Advance(2 * time.Hour)
	r := f.ask(t, 2, exitIP, otherIP)
	if r[0].Err != nil || r[0].Verdict != enrich.Suspicious || r[1].Verdict != enrich.Unknown {
		t.Fatalf("old list not used: %v %v err %v", r[0].Verdict, r[1].Verdict, r[0].Err)
	}
	if r[0].Details["stale"] != true || !strings.Contains(fmt.Sprint(r[0].Details["refresh_error"]), "HTTP 503") {
		t.Errorf("stale result details %v", r[0].Details)
	}
	// The next try waits RetryFailed; meanwhile the old list answers, still marked stale.
	f.clock.Advance(DefaultRetryFailed - time.Second)
	r = f.ask(t, 2, exitIP)
	if r[0].Details["stale"] != true {
		t.Errorf("details %v, want stale", r[0].Details)
	}
	f.clock.Advance(time.Second)
	f.ask(t, 3, exitIP) // fails again
	f.clock.Advance(DefaultRetryFailed)
	r = f.ask(t, 4, exitIP) // succeeds
	if _, stale := r[0].Details["stale"]; stale || r[0].Details["list_time"] != "2026-01-01T02:10:00Z" {
		t.Errorf("details after a good refresh %v", r[0].Details)
	}
}

func TestNoListIsAnError(t *testing.T) {
	f := newFixture(t, Options{}, enrichtest.Sequence(enrichtest.Reply{Status: 503}, bulkList))
	r := f.ask(t, 1, exitIP, otherIP)
	for _, x := range r {
		if x.Err == nil || !strings.Contains(x.Err.Error(), "HTTP 503") || x.Verdict != enrich.Unknown {
			t.Errorf("result %+v, want an HTTP 503 error", x)
		}
	}
	// Without a list there is nothing to wait for: the next lookup tries again at once.
	r = f.ask(t, 2, exitIP)
	if r[0].Err != nil || r[0].Verdict != enrich.Suspicious {
		t.Errorf("second lookup: %v %v", r[0].Verdict, r[0].Err)
	}
}

func TestSizeLimits(t *testing.T) {
	lines := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
		}
		return b.String()
	}
	cases := []struct {
		name    string
		o       Options
		body    string
		wantErr string
	}{
		{"default-addresses-fit", Options{}, lines(DefaultMaxAddresses), ""},
		{"default-addresses-exceeded", Options{}, lines(DefaultMaxAddresses + 1), "more than 100000 addresses"},
		{"addresses-option", Options{MaxAddresses: 3}, lines(4), "more than 3 addresses"},
		{"bytes-option", Options{MaxBytes: 20}, lines(3), "larger than 20 bytes"},
		{"bytes-option-fits", Options{MaxBytes: 36}, lines(3), ""},
		{"default-bytes-exceeded", Options{}, strings.Repeat("# padding\n", DefaultMaxBytes/10+1) + "10.0.0.1\n", "larger than 4194304 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.o, enrichtest.Sequence(enrichtest.Reply{Body: tc.body}))
			r := f.ask(t, 1, enrich.Indicator{Type: ioc.IPv4, Value: "10.0.0.2"})[0]
			if tc.wantErr == "" {
				if r.Err != nil || r.Verdict != enrich.Suspicious {
					t.Errorf("verdict %v err %v", r.Verdict, r.Err)
				}
				return
			}
			if r.Err == nil || !errors.Is(r.Err, enrich.ErrBadReply) || !strings.Contains(r.Err.Error(), tc.wantErr) {
				t.Errorf("err %v, want ErrBadReply saying %q", r.Err, tc.wantErr)
			}
		})
	}
}

func TestDiskCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	f := newFixture(t, Options{CacheDir: dir}, enrichtest.Sequence(bulkList))
	f.ask(t, 1, exitIP)
	data, err := os.ReadFile(filepath.Join(dir, "tor-exits-bulk.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), cacheHeader+"2026-01-01T00:00:00Z\n") || !strings.Contains(string(data), "\n185.220.101.33\n") {
		t.Errorf("cache file:\n%s", data)
	}

	// A restart within the interval answers from the file, without a request.
	g := newFixture(t, Options{CacheDir: dir}, enrichtest.Sequence(laterList))
	g.clock.Advance(59 * time.Minute)
	r := g.ask(t, 0, exitIP)
	if r[0].Verdict != enrich.Suspicious || r[0].Details["list_time"] != "2026-01-01T00:00:00Z" {
		t.Errorf("from cache: %v %v", r[0].Verdict, r[0].Details)
	}
	// Once the cached list is old, it is refreshed and the file rewritten.
	g.clock.Advance(time.Minute)
	r = g.ask(t, 1, exitIP)
	if r[0].Verdict != enrich.Unknown {
		t.Errorf("after refresh: %v", r[0].Verdict)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "tor-exits-bulk.txt"))
	if !strings.Contains(string(data), "192.42.116.16") || strings.Contains(string(data), "185.220.101.33") {
		t.Errorf("cache not rewritten:\n%s", data)
	}

	// An old cache with a failing service still answers, marked stale.
	h := newFixture(t, Options{CacheDir: dir}, enrichtest.Sequence(enrichtest.Reply{Status: 500}))
	h.clock.Advance(5 * time.Hour)
	r = h.ask(t, 1, enrich.Indicator{Type: ioc.IPv4, Value: "192.42.116.16"})
	if r[0].Err != nil || r[0].Verdict != enrich.Suspicious || r[0].Details["stale"] != true {
		t.Errorf("stale cache: %v %v %v", r[0].Verdict, r[0].Err, r[0].Details)
	}

	// A damaged cache file is ignored.
	if err := os.WriteFile(filepath.Join(dir, "tor-exits-bulk.txt"), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k := newFixture(t, Options{CacheDir: dir}, enrichtest.Sequence(bulkList))
	if r := k.ask(t, 1, exitIP); r[0].Verdict != enrich.Suspicious {
		t.Errorf("after a damaged cache: %v %v", r[0].Verdict, r[0].Err)
	}
}

func TestUnsupported(t *testing.T) {
	f := newFixture(t, Options{}, enrichtest.Sequence(bulkList))
	r := f.ask(t, 1,
		enrich.Indicator{Type: ioc.Domain, Value: "example.com"},
		enrich.Indicator{Type: ioc.IPv6, Value: "2a0b:f4c2:2::1"},
		enrich.Indicator{Type: ioc.IPv4, Value: "not-an-ip"},
		exitIP,
	)
	for i := range 2 {
		if !errors.Is(r[i].Err, enrich.ErrUnsupported) {
			t.Errorf("%v: err %v, want ErrUnsupported", r[i].Indicator, r[i].Err)
		}
	}
	if r[2].Err == nil || !strings.Contains(r[2].Err.Error(), "not an IP address") {
		t.Errorf("bad value: err %v", r[2].Err)
	}
	if r[3].Verdict != enrich.Suspicious {
		t.Errorf("exit: %v", r[3].Verdict)
	}
	// A batch of unsupported indicators alone needs no download.
	g := newFixture(t, Options{}, enrichtest.Sequence(bulkList))
	g.ask(t, 0, enrich.Indicator{Type: ioc.Domain, Value: "example.com"})
}

func TestNew(t *testing.T) {
	h := &enrich.HTTP{}
	enrichtest.CheckNew(t, New, func(t *testing.T, c *Client) {
		if c.Name() != "tor" || c.MaxBatch() != DefaultMaxBatch || c.base != DefaultBaseURL ||
			len(c.Types()) != 1 || c.Types()[0] != ioc.IPv4 {
			t.Errorf("defaults: %s %d %s %v", c.Name(), c.MaxBatch(), c.base, c.Types())
		}
	}, []enrichtest.NewCase[Options]{
		{Name: "no HTTP", Options: Options{}, WantErr: "HTTP request path is required"},
		{Name: "unknown source", Options: Options{HTTP: h, Source: "dns"}, WantErr: `unknown source "dns"`},
		{Name: "negative refresh", Options: Options{HTTP: h, Refresh: -time.Second}, WantErr: "must not be negative"},
		{Name: "defaults", Options: Options{HTTP: h}},
	})
	c, err := New(Options{HTTP: h, Source: Onionoo, Refresh: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != OnionooBaseURL || len(c.Types()) != 2 || c.o.RetryFailed != time.Minute {
		t.Errorf("onionoo: %s %v retry %s", c.base, c.Types(), c.o.RetryFailed)
	}
}

func TestCancelledWhileWaiting(t *testing.T) {
	f := newFixture(t, Options{}, enrichtest.Sequence(bulkList))
	f.c.sem <- struct{}{} // a refresh in progress elsewhere
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := f.c.Lookup(ctx, []enrich.Indicator{exitIP})
	if !errors.Is(r[0].Err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", r[0].Err)
	}
	<-f.c.sem
}

// Concurrent first lookups share one download.
func TestConcurrentLookupsDownloadOnce(t *testing.T) {
	f := newFixture(t, Options{}, enrichtest.Sequence(bulkList))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if r := f.c.Lookup(context.Background(), []enrich.Indicator{exitIP}); r[0].Verdict != enrich.Suspicious {
				t.Errorf("verdict %v err %v", r[0].Verdict, r[0].Err)
			}
		})
	}
	wg.Wait()
	if n := len(f.srv.Requests()); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
}
