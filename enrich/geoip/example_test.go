package geoip_test

import (
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeExampleDB writes a one-network database in the given layout to dir/name.
func writeExampleDB(dir, name, dbType, cidr string, rec mmdbtype.Map) string {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 24})
	if err != nil {
		log.Fatal(err)
	}
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		log.Fatal(err)
	}
	if err := tree.Insert(network, rec); err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		log.Fatal(err)
	}
	return path
}

// Open a City and an ASN database together; Lookup combines their answers and Fields gives
// the columns an enrichment step appends.
func Example() {
	dir, err := os.MkdirTemp("", "geoip-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	city := writeExampleDB(dir, "GeoLite2-City.mmdb", "GeoLite2-City", "81.2.69.0/24", mmdbtype.Map{
		"country":  mmdbtype.Map{"iso_code": mmdbtype.String("GB"), "names": mmdbtype.Map{"en": mmdbtype.String("United Kingdom")}},
		"city":     mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("London")}},
		"location": mmdbtype.Map{"latitude": mmdbtype.Float64(51.5142), "longitude": mmdbtype.Float64(-0.0931)},
	})
	asn := writeExampleDB(dir, "GeoLite2-ASN.mmdb", "GeoLite2-ASN", "81.2.64.0/20", mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(20712),
		"autonomous_system_organization": mmdbtype.String("Andrews & Arnold Ltd"),
	})

	db, err := geoip.Open(city, asn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	loc, err := db.LookupString("81.2.69.142")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(loc.Found, loc.Network, loc.Sources)
	for _, f := range loc.Fields() {
		fmt.Printf("%s=%v\n", f.Name, f.Value)
	}

	private, _ := db.LookupString("10.1.2.3")
	fmt.Println("10.1.2.3 found:", private.Found)
	// Output:
	// true 81.2.69.0/24 [GeoLite2-City.mmdb GeoLite2-ASN.mmdb]
	// country=GB
	// country_name=United Kingdom
	// city=London
	// lat=51.5142
	// lon=-0.0931
	// asn=20712
	// as_org=Andrews & Arnold Ltd
	// 10.1.2.3 found: false
}
