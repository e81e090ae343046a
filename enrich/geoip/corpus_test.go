package geoip

import (
	"encoding/json"
	"math"
	"net/netip"
	"os"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// sourceRecord is the part of a MaxMind test-data source record the tests compare.
type sourceRecord struct {
	Country *struct {
		ISOCode string            `json:"iso_code"`
		Names   map[string]string `json:"names"`
	} `json:"country"`
	City *struct {
		Names map[string]string `json:"names"`
	} `json:"city"`
	Subdivisions []struct {
		ISOCode string            `json:"iso_code"`
		Names   map[string]string `json:"names"`
	} `json:"subdivisions"`
	Location *struct {
		Latitude       *float64 `json:"latitude"`
		Longitude      *float64 `json:"longitude"`
		AccuracyRadius uint     `json:"accuracy_radius"`
	} `json:"location"`
	ASN   uint   `json:"autonomous_system_number"`
	ASOrg string `json:"autonomous_system_organization"`
}

type sourceEntry struct {
	Network netip.Prefix
	Record  sourceRecord
}

// readSource reads a MaxMind test-data source file: a JSON list of one-key objects mapping
// a network to its record. IPv4 networks written as IPv4-compatible IPv6 (::1.2.3.4/120)
// come back as IPv4 prefixes.
func readSource(t *testing.T, path string) []sourceEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]sourceRecord
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []sourceEntry
	for _, m := range raw {
		for cidr, rec := range m {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				t.Fatalf("%s: network %q: %v", path, cidr, err)
			}
			if b := p.Addr().As16(); p.Addr().Is6() && p.Bits() >= 96 && [12]byte(b[:12]) == [12]byte{} {
				p = netip.PrefixFrom(netip.AddrFrom4([4]byte(b[12:])), p.Bits()-96)
			}
			out = append(out, sourceEntry{Network: p.Masked(), Record: rec})
		}
	}
	return out
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// expectedFrom turns a source record into the Location fields a lookup must give.
func expectedFrom(r sourceRecord) Location {
	var l Location
	if r.Country != nil {
		l.Country, l.CountryName = r.Country.ISOCode, r.Country.Names["en"]
	}
	if r.City != nil {
		l.City = r.City.Names["en"]
	}
	if len(r.Subdivisions) > 0 {
		l.Subdivision = r.Subdivisions[0].Names["en"]
		if l.Subdivision == "" {
			l.Subdivision = r.Subdivisions[0].ISOCode
		}
	}
	if r.Location != nil && r.Location.Latitude != nil && r.Location.Longitude != nil {
		l.Latitude, l.Longitude, l.HasCoordinates = *r.Location.Latitude, *r.Location.Longitude, true
		l.AccuracyRadius = r.Location.AccuracyRadius
	}
	l.ASN, l.ASOrg = r.ASN, r.ASOrg
	l.Found = l.Country != "" || l.CountryName != "" || l.City != "" || l.Subdivision != "" ||
		l.HasCoordinates || l.ASN != 0 || l.ASOrg != ""
	return l
}

func sameFields(got, want Location) bool {
	return got.Found == want.Found && got.Country == want.Country && got.CountryName == want.CountryName &&
		got.City == want.City && got.Subdivision == want.Subdivision &&
		got.HasCoordinates == want.HasCoordinates && math.Abs(got.Latitude-want.Latitude) < 1e-9 &&
		math.Abs(got.Longitude-want.Longitude) < 1e-9 && got.AccuracyRadius == want.AccuracyRadius &&
		got.ASN == want.ASN && got.ASOrg == want.ASOrg
}

// expectedAt returns the record the database should hold for addr: the source file is a list
// of inserts, each replacing what earlier ones put in its network, so the last network that
// contains addr wins. (The writer may merge neighbouring networks with equal records, so the
// network a lookup reports can be wider than the source's.)
func expectedAt(src []sourceEntry, addr netip.Addr) (sourceRecord, bool) {
	for i := len(src) - 1; i >= 0; i-- {
		if src[i].Network.Contains(addr) {
			return src[i].Record, true
		}
	}
	return sourceRecord{}, false
}

// TestCorpus looks up the first and last address of every network in MaxMind's test
// databases and compares the answer with the source records the database was built from.
func TestCorpus(t *testing.T) {
	for _, name := range []string{"GeoIP2-City-Test", "GeoLite2-City-Test", "GeoLite2-ASN-Test"} {
		t.Run(name, func(t *testing.T) {
			mmdb := testcorpus.Path(t, "mmdb/"+name+".mmdb")
			src := readSource(t, testcorpus.Path(t, "mmdb/"+name+".json"))
			db, err := Open(mmdb)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checked, found := 0, 0
			for _, e := range src {
				for _, addr := range []netip.Addr{e.Network.Addr(), lastAddr(e.Network)} {
					if !routable(addr) {
						continue
					}
					loc, err := db.Lookup(addr)
					if err != nil {
						t.Fatalf("Lookup(%s): %v", addr, err)
					}
					rec, _ := expectedAt(src, addr)
					want := expectedFrom(rec)
					if !sameFields(loc, want) {
						t.Errorf("Lookup(%s) (source network %s) =\n %+v\nwant\n %+v", addr, e.Network, loc, want)
					}
					if loc.Found != loc.Network.IsValid() || (loc.Found && !loc.Network.Contains(addr)) {
						t.Errorf("Lookup(%s): found %v, network %s", addr, loc.Found, loc.Network)
					}
					checked++
					if loc.Found {
						found++
						if len(loc.Sources) != 1 || loc.Sources[0] != name+".mmdb" {
							t.Errorf("Lookup(%s).Sources = %v", addr, loc.Sources)
						}
					}
				}
			}
			t.Logf("%s: %d source networks, %d addresses compared, %d found", name, len(src), checked, found)
			if found < len(src) {
				t.Errorf("only %d addresses found for %d source networks", found, len(src))
			}
		})
	}
}

// TestCorpusKnownAnswers pins a few answers by hand, independent of the source parsing.
func TestCorpusKnownAnswers(t *testing.T) {
	city := testcorpus.Path(t, "mmdb/GeoIP2-City-Test.mmdb")
	asn := testcorpus.Path(t, "mmdb/GeoLite2-ASN-Test.mmdb")
	db, err := Open(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		ip      string
		country string
		city    string
		asn     uint
		asOrg   string
		network string
		sources int
	}{
		{"1.0.0.1", "", "", 15169, "Google Inc.", "1.0.0.0/24", 1},
		{"81.2.69.142", "GB", "London", 0, "", "81.2.69.142/31", 1},
		{"2001:218::1", "JP", "", 0, "", "2001:218::/32", 1},
		{"::ffff:81.2.69.160", "GB", "London", 0, "", "81.2.69.160/27", 1},
		{"12.81.92.1", "", "", 7018, "AT&T Services", "12.81.92.0/22", 1},
		{"10.0.0.1", "", "", 0, "", "", 0},
		{"203.0.113.9", "", "", 0, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			loc, err := db.LookupString(tt.ip)
			if err != nil {
				t.Fatal(err)
			}
			var network string
			if loc.Network.IsValid() {
				network = loc.Network.String()
			}
			if loc.Country != tt.country || loc.City != tt.city || loc.ASN != tt.asn || loc.ASOrg != tt.asOrg ||
				network != tt.network || len(loc.Sources) != tt.sources || loc.Found != (tt.sources > 0) {
				t.Errorf("got %+v", loc)
			}
		})
	}
}
