package whois

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParseCymruLine checks that any line either fails cleanly or yields a data line whose
// address and prefix are valid and whose fields hold no column separator but the name's.
func FuzzParseCymruLine(f *testing.F) {
	for _, l := range strings.Split(readFile(f, "cymru/bulk_verbose.txt"), "\n") {
		f.Add(l)
	}
	f.Add("15169 36040 | 2001:4860::1 | 2001:4860::/32 | US | arin | x | GOOGLE, US")
	f.Add("NA | ::ffff:10.0.0.1%eth0 | NA | | | | NA")
	f.Add("| | | | | |")
	f.Fuzz(func(t *testing.T, line string) {
		ip, info, kind, err := parseCymruLine(line)
		if err != nil || kind != lineData {
			if ip.IsValid() || info.ASN != 0 {
				t.Fatalf("non-data line %q returned %s %+v", line, ip, info)
			}
			return
		}
		if !ip.IsValid() || ip.Zone() != "" || ip.Is4In6() {
			t.Fatalf("line %q: address %s not canonical", line, ip)
		}
		if info.ASN == 0 && len(info.OtherASNs) > 0 {
			t.Fatalf("line %q: other ASNs without a first", line)
		}
		for _, s := range []string{info.Country, info.Registry} {
			if strings.Contains(s, "|") || s != strings.TrimSpace(s) {
				t.Fatalf("line %q: field %q not trimmed to one column", line, s)
			}
		}
		if _, err := json.Marshal(info); err != nil {
			t.Fatalf("line %q: %+v does not marshal: %v", line, info, err)
		}
	})
}

// FuzzRecordFromJSON checks that any reply either fails with ErrBadReply or converts into a
// record whose invariants hold, for every kind of query.
func FuzzRecordFromJSON(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "rdap", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"objectClassName":"ip network","startAddress":"::","endAddress":"::ffff:ffff"}`))
	f.Add([]byte(`{"objectClassName":"ip network","startAddress":"fe80::1%eth0","endAddress":"fe80::ff%eth0"}`))
	f.Add([]byte(`{"objectClassName":"autnum","startAutnum":5,"endAutnum":1,"events":[{"eventAction":"registration","eventDate":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, kind := range []Kind{KindIP, KindDomain, KindASN} {
			rec, err := recordFromJSON(kind, body)
			if err != nil {
				if rec != nil {
					t.Fatalf("record with error %v", err)
				}
				continue
			}
			if rec.Kind != kind || !json.Valid(rec.Raw) {
				t.Fatalf("kind %s, raw valid %v", rec.Kind, json.Valid(rec.Raw))
			}
			if rec.NetworkStart.IsValid() != rec.NetworkEnd.IsValid() ||
				(rec.NetworkStart.IsValid() && rec.NetworkEnd.Less(rec.NetworkStart)) {
				t.Fatalf("bad range %s - %s", rec.NetworkStart, rec.NetworkEnd)
			}
			if rec.NetworkStart.IsValid() {
				if len(rec.CIDRs) == 0 || rec.CIDRs[0].Addr() != rec.NetworkStart {
					t.Fatalf("prefixes %v do not start at %s", rec.CIDRs, rec.NetworkStart)
				}
				last := rec.CIDRs[len(rec.CIDRs)-1]
				if len(rec.CIDRs) < maxCIDRs && lastAddr(last) != rec.NetworkEnd {
					t.Fatalf("prefixes %v do not end at %s", rec.CIDRs, rec.NetworkEnd)
				}
				for i := 1; i < len(rec.CIDRs); i++ {
					if lastAddr(rec.CIDRs[i-1]).Next() != rec.CIDRs[i].Addr() {
						t.Fatalf("prefixes %v not contiguous", rec.CIDRs)
					}
				}
			}
			for _, p := range rec.CIDRs {
				if !p.IsValid() || p != netip.PrefixFrom(p.Addr(), p.Bits()) {
					t.Fatalf("invalid prefix %v", p)
				}
			}
			if rec.ASNStart > rec.ASNEnd {
				t.Fatalf("AS range %d-%d", rec.ASNStart, rec.ASNEnd)
			}
			for _, tm := range []time.Time{rec.Registered, rec.Updated, rec.Expires} {
				if !tm.IsZero() && tm.Location() != time.UTC {
					t.Fatalf("date %s not in UTC", tm)
				}
			}
			if _, err := json.Marshal(rec); err != nil {
				t.Fatalf("record does not marshal: %v", err)
			}
		}
	})
}
