package geoip

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// FuzzLookupString checks that any input either parses as an address and gets a consistent
// answer, or fails with ErrNotIP — never a panic or another error.
func FuzzLookupString(f *testing.F) {
	for _, s := range []string{"81.2.69.1", "2a02:ff00::1", "::ffff:81.2.69.10", "1.0.20.1", "8.8.8.8", "7.7.8.1", "not an ip", "1.2.3.4/24"} {
		f.Add(s)
	}
	d := writeTestDBs(f)
	db, err := Open(d.city, d.asn, d.ipinfoCountryASN, d.ipinfoLite, d.ipinfoLocation, d.ipv4Only, d.odd)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := db.LookupString(s)
		addr, perr := netip.ParseAddr(strings.TrimSpace(s))
		if perr != nil {
			if !errors.Is(err, ErrNotIP) {
				t.Fatalf("LookupString(%q) error = %v, want ErrNotIP", s, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("LookupString(%q): %v", s, err)
		}
		if loc.IP != addr {
			t.Errorf("IP = %v, want %v", loc.IP, addr)
		}
		if loc.Found != (len(loc.Sources) > 0) || loc.Found != loc.Network.IsValid() {
			t.Errorf("inconsistent answer %+v", loc)
		}
		if loc.Found && !loc.Network.Contains(addr.Unmap().WithZone("")) {
			t.Errorf("network %s does not contain %s", loc.Network, addr)
		}
		if loc.HasCoordinates && !validCoordinates(loc.Latitude, loc.Longitude) {
			t.Errorf("coordinates out of range: %+v", loc)
		}
		if len(loc.Fields()) != 7 {
			t.Errorf("Fields() has %d entries", len(loc.Fields()))
		}
	})
}

// FuzzParseChecksum checks that an accepted checksum line yields 64 lower-case hex digits
// taken from its first field.
func FuzzParseChecksum(f *testing.F) {
	f.Add("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  GeoLite2-City_20261120.tar.gz\n")
	f.Add("not a checksum")
	f.Fuzz(func(t *testing.T, s string) {
		sum, ok := parseChecksum(s)
		if !ok {
			if sum != "" {
				t.Errorf("rejected %q but returned %q", s, sum)
			}
			return
		}
		if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
			t.Errorf("parseChecksum(%q) = %q", s, sum)
		}
		if first := strings.Fields(s)[0]; !strings.EqualFold(first, sum) {
			t.Errorf("parseChecksum(%q) = %q, not its first field", s, sum)
		}
		if again, ok := parseChecksum(sum + "  file.tar.gz"); !ok || again != sum {
			t.Errorf("round trip of %q gave %q, %v", sum, again, ok)
		}
	})
}

// dataSection returns the data section of the mmdb file at path: the bytes between the
// search tree's 16-byte separator and the metadata marker.
func dataSection(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := maxminddb.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	start := int(r.Metadata.NodeCount*r.Metadata.RecordSize/4) + 16
	end := bytes.LastIndex(raw, []byte("\xab\xcd\xefMaxMind.com"))
	if start > end || end < 0 {
		tb.Fatalf("%s: cannot find the data section", path)
	}
	return raw[start:end]
}

// FuzzDecodeRecord feeds arbitrary bytes to the record decoder as if they were a record in a
// database's data section: it must return an error or a record, never panic or hang, and what
// it gives Location must be in range.
func FuzzDecodeRecord(f *testing.F) {
	d := writeTestDBs(f)
	for _, p := range []string{d.city, d.asn, d.ipinfoCountryASN, d.ipinfoLite, d.ipinfoLocation, d.dbip, d.odd} {
		f.Add(dataSection(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r record
		if _, err := r.UnmarshalMaxMindDBCursor(mmdbdata.NewDecoder(data, 0).Cursor()); err != nil {
			return
		}
		var loc Location
		found := r.merge(&loc)
		if loc.HasCoordinates && !validCoordinates(loc.Latitude, loc.Longitude) {
			t.Errorf("coordinates out of range: %+v", loc)
		}
		if loc.ASN > 1<<32-1 {
			t.Errorf("ASN out of range: %d", loc.ASN)
		}
		empty := Location{}
		if !found && !equalLocation(loc, empty) {
			t.Errorf("merge reported nothing but filled %+v", loc)
		}
	})
}
