// Package demogeo writes the demo's GeoIP database: a small MaxMind-format file with city and
// ASN records for the documentation networks the demo events use, so the README's lookup step
// shows locations without a licensed database. Every location and organisation in it is invented.
package demogeo

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// network is one invented record: where a documentation network "is" and who "runs" it.
type network struct {
	cidr, iso, country, city string
	lat, lon                 float64
	asn                      uint32
	org                      string
}

var networks = []network{
	{"192.0.2.0/24", "DE", "Germany", "Frankfurt am Main", 50.1109, 8.6821, 64496, "Example Corp internal"},
	{"198.51.100.0/24", "NL", "Netherlands", "Amsterdam", 52.3676, 4.9041, 64500, "Bulletproof Hosting Example BV"},
	{"203.0.113.0/24", "SG", "Singapore", "Singapore", 1.3521, 103.8198, 64510, "Example VPS Pte Ltd"},
	{"2001:db8:4f::/48", "US", "United States", "Ashburn", 39.0438, -77.4874, 64511, "Example Cloud Inc"},
}

// Write writes the demo database to path, creating its directory.
func Write(path string) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "hunch-demo-City-ASN", RecordSize: 24,
		IncludeReservedNetworks: true, Description: map[string]string{"en": "hunch demo: invented locations for documentation networks"}})
	if err != nil {
		return err
	}
	for _, n := range networks {
		_, ipnet, err := net.ParseCIDR(n.cidr)
		if err != nil {
			return err
		}
		rec := mmdbtype.Map{
			"country":                        mmdbtype.Map{"iso_code": mmdbtype.String(n.iso), "names": mmdbtype.Map{"en": mmdbtype.String(n.country)}},
			"city":                           mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(n.city)}},
			"location":                       mmdbtype.Map{"latitude": mmdbtype.Float64(n.lat), "longitude": mmdbtype.Float64(n.lon)},
			"autonomous_system_number":       mmdbtype.Uint32(n.asn),
			"autonomous_system_organization": mmdbtype.String(n.org),
		}
		if err := tree.Insert(ipnet, rec); err != nil {
			return fmt.Errorf("inserting %s: %w", n.cidr, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
