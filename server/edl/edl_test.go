package edl

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server/mispapi"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestEDL serves a domain, an IP and a URL blocklist from the intel store: only tagged, to_ids
// values (intel's TestEDLWarninglists checks that warninglisted ones stay out); every format; Basic authentication; ETag and 304; the list
// follows the store, and an entry older than max_age leaves it.
func TestEDL(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	fx := inteltest.New(t, inteltest.Options{Now: clk.now})
	ctx := context.Background()
	add := func(info string, tags []string, attrs ...misp.Attribute) {
		t.Helper()
		ev := &misp.Event{Info: info}
		for _, tg := range tags {
			ev.Tag = append(ev.Tag, misp.Tag{Name: tg})
		}
		ev.Attribute = attrs
		if _, err := fx.Svc.AddEvent(ctx, fx.ACL("admin"), ev, true); err != nil {
			t.Fatal(err)
		}
	}
	ids := misp.OptBoolOf(true)
	add("c2 block", []string{"edl:c2"},
		misp.Attribute{Type: "domain", Value: "C2.Example.com", ToIDS: ids},
		misp.Attribute{Type: "hostname", Value: "beacon.example.net", ToIDS: ids},
		misp.Attribute{Type: "domain", Value: "notes.example.org", ToIDS: misp.OptBoolOf(false)},
		misp.Attribute{Type: "ip-dst|port", Value: "203.0.113.9|443", ToIDS: ids},
		misp.Attribute{Type: "ip-dst", Value: "198.51.100.0/24", ToIDS: ids},
		misp.Attribute{Type: "url", Value: "http://c2.example.com/a.ps1", ToIDS: ids})
	add("other", nil, misp.Attribute{Type: "domain", Value: "untagged.example.com", ToIDS: ids})
	lists := map[string]intel.EDLSpec{
		"c2-domains": {Kind: "domain", Tags: []string{"edl:c2"}, MaxAge: 48 * time.Hour},
		"c2-ips":     {Kind: "ip", Tags: []string{"edl:c2"}},
		"c2-urls":    {Kind: "url", Tags: []string{"edl:c2"}},
	}
	h, err := New(Deps{Intel: fx.Svc, Lists: lists, Now: clk.now,
		Auth: mispapi.NewKeyAuthenticator(mispapi.StoreKeyLookup(fx.Svc), acl.NewKeyChecker(0, 0, nil), nil)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path, etag string, basic bool) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if basic {
			req.SetBasicAuth("paloalto", fx.Keys["user"])
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("/edl/c2-domains", "", true)
	if res.StatusCode != 200 || body != "beacon.example.net\nc2.example.com\n" {
		t.Fatalf("domains: %d %q", res.StatusCode, body)
	}
	if res.Header.Get("Cache-Control") != "private, max-age=300" || res.Header.Get("X-Entry-Count") == "" || res.Header.Get("Last-Modified") == "" {
		t.Errorf("headers %v", res.Header)
	}
	etag := res.Header.Get("ETag")
	if res, _ := get("/edl/c2-domains", etag, true); res.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged list: %d", res.StatusCode)
	}
	if _, body := get("/edl/c2-ips", "", true); body != "198.51.100.0/24\n203.0.113.9\n" {
		t.Errorf("ips %q", body)
	}
	if _, body := get("/edl/c2-urls", "", true); body != "c2.example.com/a.ps1\n" {
		t.Errorf("paloalto urls %q", body)
	}
	if _, body := get("/edl/c2-urls?format=fortinet", "", true); body != "http://c2.example.com/a.ps1\n" {
		t.Errorf("fortinet urls %q", body)
	}
	_, body = get("/edl/c2-ips?format=checkpoint", "", true)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "#Uniq-Name" || rows[1][0] != "c2-ips-1" || rows[1][2] != "IP" || !strings.HasPrefix(rows[1][6], "hunch event 1") {
		t.Errorf("checkpoint %q %v", body, err)
	}
	if res, _ := get("/edl/c2-domains", "", false); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no key: %d", res.StatusCode)
	}
	if res, _ := get("/edl/nothing", "", true); res.StatusCode != 404 {
		t.Errorf("unknown list: %d", res.StatusCode)
	}
	if res, _ := get("/edl/c2-domains?format=cisco", "", true); res.StatusCode != 400 {
		t.Errorf("unknown format: %d", res.StatusCode)
	}
	if _, body := get("/edl/", "", true); body != "c2-domains\tdomain\nc2-ips\tip\nc2-urls\turl\n" {
		t.Errorf("index %q", body)
	}

	// The store changes a day later: a new domain joins the list, the ETag changes.
	clk.set(clk.now().Add(24 * time.Hour))
	add("more c2", []string{"edl:c2"}, misp.Attribute{Type: "domain", Value: "later.example.com", ToIDS: ids})
	res, body = get("/edl/c2-domains", etag, true)
	if res.StatusCode != 200 || !strings.Contains(body, "later.example.com\n") || res.Header.Get("ETag") == etag {
		t.Fatalf("after the store changed: %d %q", res.StatusCode, body)
	}
	// Two more days: the first event's entries are past max_age (48 h) and leave; the new one stays.
	clk.set(clk.now().Add(36 * time.Hour))
	if _, body := get("/edl/c2-domains", "", true); body != "later.example.com\n" {
		t.Errorf("after expiry %q", body)
	}
}

func TestSpecCheck(t *testing.T) {
	if _, err := New(Deps{Lists: map[string]intel.EDLSpec{"x": {Kind: "asn"}}}); err == nil || !strings.Contains(err.Error(), `kind "asn"`) {
		t.Errorf("bad kind: %v", err)
	}
}
