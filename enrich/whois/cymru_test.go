package whois

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func cymruClient(f *fakeCymru, mod func(*Options)) *Client {
	o := Options{CymruAddr: f.addr, Timeout: 10 * time.Second}
	if mod != nil {
		mod(&o)
	}
	return New(o)
}

func TestCymruASN(t *testing.T) {
	f := newFakeCymru(t, func([]string) string { return readFile(t, "cymru/bulk_verbose.txt") })
	ips := addrs("8.8.8.8", "1.1.1.1", "193.0.6.139", "2001:4860:4860::8888", "10.1.2.3", "240.0.0.1")
	got, err := cymruClient(f, nil).CymruASN(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	_, lines := f.requests()
	want := []string{"begin", "verbose", "8.8.8.8", "1.1.1.1", "193.0.6.139", "2001:4860:4860::8888", "10.1.2.3", "240.0.0.1", "end"}
	if len(lines) != 1 || !slices.Equal(lines[0], want) {
		t.Errorf("request lines %q, want %q", lines, want)
	}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	wantInfo := map[string]ASNInfo{
		"8.8.8.8": {ASN: 15169, Prefix: netip.MustParsePrefix("8.8.8.0/24"), Country: "US", Registry: "arin", Allocated: day("2023-12-28"), Name: "GOOGLE, US"},
		"1.1.1.1": {ASN: 13335, Prefix: netip.MustParsePrefix("1.1.1.0/24"), Country: "AU", Registry: "apnic", Allocated: day("2011-08-11"), Name: "CLOUDFLARENET, US"},
		"193.0.6.139": {ASN: 3333, Prefix: netip.MustParsePrefix("193.0.0.0/21"), Country: "NL", Registry: "ripencc", Allocated: day("1993-09-01"),
			Name: "RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL"},
		"2001:4860:4860::8888": {ASN: 15169, Prefix: netip.MustParsePrefix("2001:4860::/32"), Country: "US", Registry: "arin", Allocated: day("2005-03-14"), Name: "GOOGLE, US"},
		// "NA": known but not announced.
		"10.1.2.3": {Registry: "other"},
	}
	if len(got) != len(wantInfo) {
		t.Errorf("%d answers, want %d (240.0.0.1 had no match): %v", len(got), len(wantInfo), got)
	}
	for ip, w := range wantInfo {
		g, ok := got[netip.MustParseAddr(ip)]
		if !ok || !g.Allocated.Equal(w.Allocated) || fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: got %+v (present %v), want %+v", ip, g, ok, w)
		}
	}
}

func TestCymruASNDedupAndSpellings(t *testing.T) {
	f := newFakeCymru(t, func(ips []string) string {
		var b strings.Builder
		b.WriteString("Bulk mode; whois.cymru.com [2026-11-22 12:48:03 +0000]\n")
		for _, ip := range ips {
			fmt.Fprintf(&b, "64500   | %-16s | 192.0.2.0/24        | ZZ | arin     | 2020-01-01 | EXAMPLE, ZZ\n", ip)
		}
		return b.String()
	})
	mapped := netip.MustParseAddr("::ffff:192.0.2.7")
	plain := netip.MustParseAddr("192.0.2.7")
	got, err := cymruClient(f, nil).CymruASN(context.Background(), []netip.Addr{plain, mapped, plain, netip.MustParseAddr("192.0.2.8")})
	if err != nil {
		t.Fatal(err)
	}
	_, lines := f.requests()
	if want := []string{"begin", "verbose", "192.0.2.7", "192.0.2.8", "end"}; !slices.Equal(lines[0], want) {
		t.Errorf("sent %q, want %q", lines[0], want)
	}
	for _, a := range []netip.Addr{plain, mapped, netip.MustParseAddr("192.0.2.8")} {
		if got[a].ASN != 64500 {
			t.Errorf("%s: %+v, want AS64500 under the caller's spelling", a, got[a])
		}
	}
	if len(got) != 3 {
		t.Errorf("%d keys, want 3", len(got))
	}
}

func TestCymruASNBatches(t *testing.T) {
	f := newFakeCymru(t, func(ips []string) string {
		var b strings.Builder
		b.WriteString("Bulk mode; whois.cymru.com [2026-11-22 12:48:03 +0000]\n")
		b.WriteString("AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name\n")
		for _, ip := range ips {
			fmt.Fprintf(&b, "64501   | %-16s | 198.51.100.0/24     | ZZ | ripencc  | 2020-01-01 | DOC\n", ip)
		}
		return b.String()
	})
	var ips []netip.Addr
	for i := 1; i <= 5; i++ {
		ips = append(ips, netip.MustParseAddr(fmt.Sprintf("198.51.100.%d", i)))
	}
	got, err := cymruClient(f, func(o *Options) { o.CymruBatchSize = 2 }).CymruASN(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	conns, lines := f.requests()
	if conns != 3 {
		t.Errorf("%d connections for 5 addresses in batches of 2, want 3", conns)
	}
	var sizes []int
	for _, l := range lines {
		sizes = append(sizes, len(l)-3) // begin, verbose, end
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Errorf("batch sizes %v, want [2 2 1]", sizes)
	}
	if len(got) != 5 {
		t.Errorf("%d answers, want 5", len(got))
	}
}

func TestCymruASNLimits(t *testing.T) {
	good := func(ips []string) string { return readFile(t, "cymru/bulk_verbose.txt") }
	tests := []struct {
		name      string
		answer    func([]string) string
		opts      func(*Options)
		ips       []netip.Addr
		is        error
		contains  string
		conns     int
		wantAnswr []string // addresses that must still be in the map
	}{
		{
			name: "too many addresses refused before connecting", answer: good,
			opts: func(o *Options) { o.CymruMaxIPs = 2 }, ips: addrs("8.8.8.8", "1.1.1.1", "10.1.2.3"),
			is: ErrTooMany, contains: "3 distinct addresses, at most 2", conns: 0,
		},
		{
			name: "duplicates do not count against the limit", answer: good,
			opts: func(o *Options) { o.CymruMaxIPs = 1 }, ips: addrs("8.8.8.8", "8.8.8.8", "::ffff:8.8.8.8"),
			conns: 1, wantAnswr: []string{"8.8.8.8", "::ffff:8.8.8.8"},
		},
		{
			name: "over-long line", answer: func([]string) string {
				return "15169   | 8.8.8.8 | 8.8.8.0/24 | US | arin | 2023-12-28 | " + strings.Repeat("G", 5000) + "\n"
			},
			ips: addrs("8.8.8.8"), is: ErrBadReply, contains: "longer than 2048 bytes", conns: 1,
		},
		{
			name: "line limit is configurable", answer: good,
			opts: func(o *Options) { o.CymruMaxLineBytes = 60 }, ips: addrs("8.8.8.8"),
			is: ErrBadReply, contains: "longer than 60 bytes", conns: 1,
		},
		{
			name: "over-long last line without a newline", answer: func([]string) string { return strings.Repeat("x", 3000) },
			ips: addrs("8.8.8.8"), is: ErrBadReply, contains: "longer than", conns: 1,
		},
		{
			name: "more lines than the batch explains", answer: func([]string) string {
				return strings.Repeat("15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US\n", 50)
			},
			ips: addrs("8.8.8.8", "1.1.1.1"), is: ErrBadReply, contains: "more than 12 lines for 2 addresses", conns: 1,
			wantAnswr: []string{"8.8.8.8"},
		},
		{
			name: "malformed lines fail the call but keep the good answers", answer: func([]string) string {
				return "Bulk mode; whois.cymru.com [2026-11-22 12:48:03 +0000]\n" +
					"15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US\n" +
					"this is not a reply line\n" +
					"13335x  | 1.1.1.1          | 1.1.1.0/24          | AU | apnic    | 2011-08-11 | CLOUDFLARENET, US\n"
			},
			ips: addrs("8.8.8.8", "1.1.1.1"), is: ErrBadReply, contains: "2 line(s) did not parse: line 3: 1 columns, want 7; line 4: AS number", conns: 1,
			wantAnswr: []string{"8.8.8.8"},
		},
		{
			name: "CRLF line ends and no trailing newline", answer: func([]string) string {
				return "Bulk mode; whois.cymru.com [2026-11-22 12:48:03 +0000]\r\n15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US"
			},
			ips: addrs("8.8.8.8"), conns: 1, wantAnswr: []string{"8.8.8.8"},
		},
		{
			name: "answers for addresses not asked are ignored", answer: func([]string) string {
				return "15169   | 8.8.4.4          | 8.8.4.0/24          | US | arin     | 2023-12-28 | GOOGLE, US\n"
			},
			ips: addrs("8.8.8.8"), conns: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCymru(t, tt.answer)
			got, err := cymruClient(f, tt.opts).CymruASN(context.Background(), tt.ips)
			if tt.is == nil && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if err != nil && !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			if conns, _ := f.requests(); conns != tt.conns {
				t.Errorf("%d connections, want %d", conns, tt.conns)
			}
			if len(got) != len(tt.wantAnswr) {
				t.Errorf("answers %v, want %v", got, tt.wantAnswr)
			}
			for _, a := range tt.wantAnswr {
				if _, ok := got[netip.MustParseAddr(a)]; !ok {
					t.Errorf("%s missing from %v", a, got)
				}
			}
		})
	}
}

func TestCymruASNCancel(t *testing.T) {
	f := newFakeCymru(t, nil)
	f.mu.Lock()
	f.stall = true
	f.mu.Unlock()
	t.Run("cancel closes the connection", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := cymruClient(f, nil).CymruASN(ctx, addrs("8.8.8.8"))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, err := cymruClient(f, func(o *Options) { o.Timeout = 100 * time.Millisecond }).CymruASN(context.Background(), addrs("8.8.8.8"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("no addresses, no connection", func(t *testing.T) {
		before, _ := f.requests()
		got, err := cymruClient(f, nil).CymruASN(context.Background(), nil)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v", got, err)
		}
		if after, _ := f.requests(); after != before {
			t.Errorf("connected for nothing")
		}
	})
	t.Run("invalid address", func(t *testing.T) {
		_, err := cymruClient(f, nil).CymruASN(context.Background(), []netip.Addr{{}})
		if !errors.Is(err, ErrBadQuery) {
			t.Fatalf("error %v, want ErrBadQuery", err)
		}
	})
	t.Run("refused connection", func(t *testing.T) {
		_, err := New(Options{CymruAddr: "127.0.0.1:1"}).CymruASN(context.Background(), addrs("8.8.8.8"))
		if err == nil || !strings.Contains(err.Error(), "team cymru 127.0.0.1:1: connecting") {
			t.Fatalf("error %v, want a connection error naming the service", err)
		}
	})
}

func TestParseCymruLine(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	tests := []struct {
		line string
		kind lineKind
		ip   string
		info ASNInfo
		err  string
	}{
		{line: "Bulk mode; whois.cymru.com [2026-11-22 12:48:03 +0000]", kind: lineSkip},
		{line: "AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name", kind: lineSkip},
		{line: "   ", kind: lineSkip},
		{line: "Error: no ASN or IP match on line 3.", kind: lineError},
		{
			line: "15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US", kind: lineData, ip: "8.8.8.8",
			info: ASNInfo{ASN: 15169, Prefix: netip.MustParsePrefix("8.8.8.0/24"), Country: "US", Registry: "arin", Allocated: day("2023-12-28"), Name: "GOOGLE, US"},
		},
		{
			line: "NA      | 10.1.2.3         | NA                  |    | other    |            | NA", kind: lineData, ip: "10.1.2.3",
			info: ASNInfo{Registry: "other"},
		},
		{
			line: "15169 36040 | 2001:4860::1 | 2001:4860::/32 | US | arin | x | GOOGLE, US", kind: lineData, ip: "2001:4860::1",
			info: ASNInfo{ASN: 15169, OtherASNs: []uint32{36040}, Prefix: netip.MustParsePrefix("2001:4860::/32"), Country: "US", Registry: "arin", Name: "GOOGLE, US"},
		},
		{
			line: "64500 | 192.0.2.1 | 192.0.2.0/24 | ZZ | arin | 2020-01-01 | PIPE | IN | NAME", kind: lineData, ip: "192.0.2.1",
			info: ASNInfo{ASN: 64500, Prefix: netip.MustParsePrefix("192.0.2.0/24"), Country: "ZZ", Registry: "arin", Allocated: day("2020-01-01"), Name: "PIPE | IN | NAME"},
		},
		{line: "15169 | 8.8.8.8 | 8.8.8.0/24 | US | arin | 2023-12-28", err: "6 columns, want 7"},
		{line: "15169 | 8.8.8.999 | 8.8.8.0/24 | US | arin | 2023-12-28 | G", err: "address"},
		{line: "AS15169x | 8.8.8.8 | 8.8.8.0/24 | US | arin | 2023-12-28 | G", err: "AS number"},
		{line: "99999999999 | 8.8.8.8 | 8.8.8.0/24 | US | arin | 2023-12-28 | G", err: "AS number"},
		{line: "15169 | 8.8.8.8 | 8.8.8.0/33 | US | arin | 2023-12-28 | G", err: "BGP prefix"},
		{line: "0 15169 | 8.8.8.8 | 8.8.8.0/24 | US | arin | 2023-12-28 | G", err: "AS 0"},
	}
	for _, tt := range tests {
		ip, info, kind, err := parseCymruLine(tt.line)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseCymruLine(%q) error %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil || kind != tt.kind {
			t.Errorf("parseCymruLine(%q) = kind %d, %v; want kind %d", tt.line, kind, err, tt.kind)
			continue
		}
		if tt.ip != "" && ip != netip.MustParseAddr(tt.ip) {
			t.Errorf("parseCymruLine(%q) ip %s, want %s", tt.line, ip, tt.ip)
		}
		if fmt.Sprint(info) != fmt.Sprint(tt.info) || !info.Allocated.Equal(tt.info.Allocated) {
			t.Errorf("parseCymruLine(%q) = %+v, want %+v", tt.line, info, tt.info)
		}
	}
}
