package geoip

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// benchDBs writes a City database with n IPv4 /24 networks and an IPv6 /48 each, and an ASN
// database covering the same /24s in /22s, and returns their paths and the addresses to look
// up: one inside every network.
func benchDBs(b *testing.B, n int) (city, asn string, addrs []netip.Addr) {
	dir := b.TempDir()
	var cityEntries, asnEntries []entry
	for i := range n {
		v4 := fmt.Sprintf("%d.%d.%d.0/24", 11+i/65536, (i/256)%256, i%256)
		v6 := fmt.Sprintf("2a00:%x:%x::/48", i/65536+1, i%65536)
		rec := cityRecord("DE", "Germany", fmt.Sprintf("City %d", i%500), fmt.Sprintf("State %d", i%16),
			float64(i%180)-89.5, float64(i%360)-179.5, 20)
		cityEntries = append(cityEntries, entry{v4, rec}, entry{v6, rec})
		if i%4 == 0 {
			asnEntries = append(asnEntries, entry{fmt.Sprintf("%d.%d.%d.0/22", 11+i/65536, (i/256)%256, i%256),
				mmdbtype.Map{
					"autonomous_system_number":       mmdbtype.Uint32(64512 + i%1000),
					"autonomous_system_organization": mmdbtype.String(fmt.Sprintf("Org %d", i%1000)),
				}})
		}
		a := netip.MustParsePrefix(v4).Addr().As4()
		a[3] = byte(i)
		addrs = append(addrs, netip.AddrFrom4(a), netip.MustParsePrefix(v6).Addr().Next())
	}
	city = writeMMDB(b, dir, "City.mmdb", "GeoLite2-City", 6, cityEntries)
	asn = writeMMDB(b, dir, "ASN.mmdb", "GeoLite2-ASN", 6, asnEntries)
	return city, asn, addrs
}

// BenchmarkLookup measures one Lookup over generated databases of 20,000 IPv4 and 20,000
// IPv6 networks: the City file alone, City and ASN combined, and an address no file holds.
func BenchmarkLookup(b *testing.B) {
	city, asn, addrs := benchDBs(b, 20_000)
	miss := netip.MustParseAddr("198.51.100.7")
	for _, bc := range []struct {
		name  string
		files []string
		addrs []netip.Addr
	}{
		{"city", []string{city}, addrs},
		{"city+asn", []string{city, asn}, addrs},
		{"not-found", []string{city, asn}, []netip.Addr{netip.MustParseAddr("4.4.4.4"), miss}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, err := Open(bc.files...)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := db.Lookup(bc.addrs[i%len(bc.addrs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
