package geoip

import (
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// entry is one network and its record for a database a test writes.
type entry struct {
	cidr string
	rec  mmdbtype.DataType
}

// writeMMDB writes a database of the given type holding entries to dir/name and returns its
// path. ipVersion 4 writes an IPv4-only database; 0 or 6 one for both families.
func writeMMDB(tb testing.TB, dir, name, dbType string, ipVersion int, entries []entry) string {
	tb.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: dbType,
		Description:  map[string]string{"en": "hunch test database"},
		Languages:    []string{"en"},
		IPVersion:    ipVersion,
		RecordSize:   28,
		BuildEpoch:   1_700_000_000,
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		_, n, err := net.ParseCIDR(e.cidr)
		if err != nil {
			tb.Fatal(err)
		}
		if err := tree.Insert(n, e.rec); err != nil {
			tb.Fatalf("insert %s: %v", e.cidr, err)
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// names is a GeoIP2 names map with an English and a German name.
func names(en, de string) mmdbtype.Map {
	return mmdbtype.Map{"en": mmdbtype.String(en), "de": mmdbtype.String(de)}
}

// cityRecord is a record in the GeoIP2/GeoLite2 City layout.
func cityRecord(iso, country, city, subdivision string, lat, lon float64, radius uint16) mmdbtype.Map {
	return mmdbtype.Map{
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU"), "names": names("Europe", "Europa")},
		"country":   mmdbtype.Map{"iso_code": mmdbtype.String(iso), "geoname_id": mmdbtype.Uint32(1), "names": names(country, country+"-de")},
		"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("ZZ"),
			"names": names("Registered", "Registriert")},
		"city":         mmdbtype.Map{"geoname_id": mmdbtype.Uint32(2), "names": names(city, city+"-de")},
		"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("S1"), "names": names(subdivision, "")}, mmdbtype.Map{"iso_code": mmdbtype.String("S2"), "names": names("Second", "")}},
		"location": mmdbtype.Map{
			"latitude": mmdbtype.Float64(lat), "longitude": mmdbtype.Float64(lon),
			"accuracy_radius": mmdbtype.Uint16(radius), "time_zone": mmdbtype.String("Europe/Berlin"),
		},
		"postal": mmdbtype.Map{"code": mmdbtype.String("10115")},
	}
}

// asnRecord is a record in the GeoLite2-ASN layout.
func asnRecord(asn uint32, org string) mmdbtype.Map {
	return mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(asn),
		"autonomous_system_organization": mmdbtype.String(org),
	}
}

// testDBs writes one database of every layout the package reads and returns their paths.
type testDBs struct {
	city, asn, country, ipinfoCountryASN, ipinfoLite, ipinfoLocation, dbip, ipv4Only, odd string
}

func writeTestDBs(tb testing.TB) testDBs {
	dir := tb.TempDir()
	var d testDBs
	d.city = writeMMDB(tb, dir, "City.mmdb", "GeoLite2-City", 6, []entry{
		{"81.2.69.0/24", cityRecord("GB", "United Kingdom", "London", "England", 51.5142, -0.0931, 10)},
		{"81.2.69.128/25", cityRecord("GB", "United Kingdom", "Boxford", "England", 51.75, -1.25, 100)},
		{"2a02:ff00::/32", cityRecord("IT", "Italy", "Milan", "Lombardy", 45.4722, 9.1922, 50)},
		{"2001:db9::/32", mmdbtype.Map{"location": mmdbtype.Map{"latitude": mmdbtype.Float64(0), "longitude": mmdbtype.Float64(0)}}},
		{"89.160.20.0/24", mmdbtype.Map{"continent": mmdbtype.Map{"code": mmdbtype.String("EU")}}},
	})
	d.asn = writeMMDB(tb, dir, "ASN.mmdb", "GeoLite2-ASN", 6, []entry{
		{"81.2.69.0/23", asnRecord(20712, "Andrews & Arnold Ltd")},
		{"2a02:ff00::/29", asnRecord(3269, "Telecom Italia")},
		{"1.0.0.0/24", asnRecord(15169, "Google Inc.")},
	})
	d.country = writeMMDB(tb, dir, "Country.mmdb", "GeoLite2-Country", 6, []entry{
		{"81.2.0.0/16", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB"), "names": names("Britain", "")}}},
		{"1.0.0.0/8", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("AU"), "names": names("Australia", "Australien")}}},
	})
	// IPinfo's free "IP to Country ASN" layout: country is the code, asn a string.
	d.ipinfoCountryASN = writeMMDB(tb, dir, "country_asn.mmdb", "ipinfo country_asn.mmdb", 6, []entry{
		{"1.0.16.0/20", mmdbtype.Map{
			"start_ip": mmdbtype.String("1.0.16.0"), "end_ip": mmdbtype.String("1.0.31.255"),
			"country": mmdbtype.String("JP"), "country_name": mmdbtype.String("Japan"),
			"continent": mmdbtype.String("AS"), "continent_name": mmdbtype.String("Asia"),
			"asn": mmdbtype.String("AS2519"), "as_name": mmdbtype.String("ARTERIA Networks Corporation"),
			"as_domain": mmdbtype.String("arteria-net.com"),
		}},
		{"2400:cb00::/32", mmdbtype.Map{"country": mmdbtype.String("US"), "country_name": mmdbtype.String("United States"),
			"asn": mmdbtype.String("AS13335"), "as_name": mmdbtype.String("Cloudflare, Inc.")}},
	})
	// IPinfo Lite: country is the name, country_code the code.
	d.ipinfoLite = writeMMDB(tb, dir, "ipinfo_lite.mmdb", "ipinfo_lite.mmdb", 6, []entry{
		{"8.8.8.0/24", mmdbtype.Map{
			"country": mmdbtype.String("United States"), "country_code": mmdbtype.String("US"),
			"continent": mmdbtype.String("North America"), "continent_code": mmdbtype.String("NA"),
			"asn": mmdbtype.String("AS15169"), "as_name": mmdbtype.String("Google LLC"), "as_domain": mmdbtype.String("google.com"),
		}},
	})
	// IPinfo's location layout: flat city and region, coordinates as strings.
	d.ipinfoLocation = writeMMDB(tb, dir, "location.mmdb", "ipinfo standard_location.mmdb", 6, []entry{
		{"8.8.8.0/24", mmdbtype.Map{
			"city": mmdbtype.String("Mountain View"), "region": mmdbtype.String("California"),
			"country": mmdbtype.String("US"), "lat": mmdbtype.String("37.4056"), "lng": mmdbtype.String("-122.0775"),
			"postal_code": mmdbtype.String("94043"), "timezone": mmdbtype.String("America/Los_Angeles"),
		}},
	})
	// DB-IP's lite City layout mirrors GeoIP2 without accuracy radius.
	d.dbip = writeMMDB(tb, dir, "dbip-city-lite.mmdb", "DBIP-City-Lite", 6, []entry{
		{"5.6.7.0/24", mmdbtype.Map{
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Frankfurt am Main")}},
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String("DE"), "is_in_european_union": mmdbtype.Bool(true), "names": names("Germany", "Deutschland")},
			"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(50.1155), "longitude": mmdbtype.Float64(8.68417)},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Hesse")}}},
		}},
	})
	d.ipv4Only = writeMMDB(tb, dir, "v4.mmdb", "GeoLite2-ASN", 4, []entry{
		{"9.9.9.0/24", asnRecord(19281, "Quad9")},
	})
	// Records of kinds no layout uses: a bare string, a map with wrongly typed fields, a
	// subdivision without a name, coordinates out of range and an AS number too large.
	d.odd = writeMMDB(tb, dir, "odd.mmdb", "Custom-Odd", 6, []entry{
		{"7.7.7.0/24", mmdbtype.String("just a string")},
		{"7.7.8.0/24", mmdbtype.Map{
			"country":                  mmdbtype.Uint32(7),
			"city":                     mmdbtype.Slice{mmdbtype.String("x")},
			"location":                 mmdbtype.String("here"),
			"autonomous_system_number": mmdbtype.String("not a number"),
			"as_name":                  mmdbtype.Uint16(3),
			"subdivisions":             mmdbtype.Map{"iso_code": mmdbtype.String("XX")},
		}},
		{"7.7.9.0/24", mmdbtype.Map{
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("BY")}},
			"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(123), "longitude": mmdbtype.Float64(5)},
			"asn":          mmdbtype.Uint64(1 << 40),
		}},
	})
	return d
}

func TestLookupLayouts(t *testing.T) {
	d := writeTestDBs(t)
	tests := []struct {
		name  string
		files []string
		ip    string
		want  Location
	}{
		{"city v4", []string{d.city}, "81.2.69.10", Location{
			Found: true, Country: "GB", CountryName: "United Kingdom", City: "London", Subdivision: "England",
			Latitude: 51.5142, Longitude: -0.0931, HasCoordinates: true, AccuracyRadius: 10,
			Network: netip.MustParsePrefix("81.2.69.0/25"), Sources: []string{"City.mmdb"}}},
		{"city more specific network", []string{d.city}, "81.2.69.200", Location{
			Found: true, Country: "GB", CountryName: "United Kingdom", City: "Boxford", Subdivision: "England",
			Latitude: 51.75, Longitude: -1.25, HasCoordinates: true, AccuracyRadius: 100,
			Network: netip.MustParsePrefix("81.2.69.128/25"), Sources: []string{"City.mmdb"}}},
		{"city v6", []string{d.city}, "2a02:ff00:1::1", Location{
			Found: true, Country: "IT", CountryName: "Italy", City: "Milan", Subdivision: "Lombardy",
			Latitude: 45.4722, Longitude: 9.1922, HasCoordinates: true, AccuracyRadius: 50,
			Network: netip.MustParsePrefix("2a02:ff00::/32"), Sources: []string{"City.mmdb"}}},
		{"coordinates at zero", []string{d.city}, "2001:db9::5", Location{
			Found: true, HasCoordinates: true,
			Network: netip.MustParsePrefix("2001:db9::/32"), Sources: []string{"City.mmdb"}}},
		{"record without known fields", []string{d.city}, "89.160.20.1", Location{}},
		{"v4-mapped v6", []string{d.city}, "::ffff:81.2.69.10", Location{
			Found: true, Country: "GB", CountryName: "United Kingdom", City: "London", Subdivision: "England",
			Latitude: 51.5142, Longitude: -0.0931, HasCoordinates: true, AccuracyRadius: 10,
			Network: netip.MustParsePrefix("81.2.69.0/25"), Sources: []string{"City.mmdb"}}},
		{"city and asn combined", []string{d.city, d.asn}, "81.2.69.10", Location{
			Found: true, Country: "GB", CountryName: "United Kingdom", City: "London", Subdivision: "England",
			Latitude: 51.5142, Longitude: -0.0931, HasCoordinates: true, AccuracyRadius: 10,
			ASN: 20712, ASOrg: "Andrews & Arnold Ltd",
			Network: netip.MustParsePrefix("81.2.69.0/25"), Sources: []string{"City.mmdb", "ASN.mmdb"}}},
		{"asn only answers", []string{d.city, d.asn}, "81.2.68.1", Location{
			Found: true, ASN: 20712, ASOrg: "Andrews & Arnold Ltd",
			Network: netip.MustParsePrefix("81.2.68.0/23"), Sources: []string{"ASN.mmdb"}}},
		{"city and asn combined v6", []string{d.asn, d.city}, "2a02:ff00::1", Location{
			Found: true, Country: "IT", CountryName: "Italy", City: "Milan", Subdivision: "Lombardy",
			Latitude: 45.4722, Longitude: 9.1922, HasCoordinates: true, AccuracyRadius: 50,
			ASN: 3269, ASOrg: "Telecom Italia",
			Network: netip.MustParsePrefix("2a02:ff00::/32"), Sources: []string{"ASN.mmdb", "City.mmdb"}}},
		{"earlier file wins", []string{d.country, d.city}, "81.2.69.10", Location{
			Found: true, Country: "GB", CountryName: "Britain", City: "London", Subdivision: "England",
			Latitude: 51.5142, Longitude: -0.0931, HasCoordinates: true, AccuracyRadius: 10,
			Network: netip.MustParsePrefix("81.2.69.0/25"), Sources: []string{"Country.mmdb", "City.mmdb"}}},
		{"country file", []string{d.country, d.asn}, "1.0.0.1", Location{
			Found: true, Country: "AU", CountryName: "Australia", ASN: 15169, ASOrg: "Google Inc.",
			Network: netip.MustParsePrefix("1.0.0.0/24"), Sources: []string{"Country.mmdb", "ASN.mmdb"}}},
		{"ipinfo country asn", []string{d.ipinfoCountryASN}, "1.0.20.1", Location{
			Found: true, Country: "JP", CountryName: "Japan", ASN: 2519, ASOrg: "ARTERIA Networks Corporation",
			Network: netip.MustParsePrefix("1.0.16.0/20"), Sources: []string{"country_asn.mmdb"}}},
		{"ipinfo country asn v6", []string{d.ipinfoCountryASN}, "2400:cb00:2048::1", Location{
			Found: true, Country: "US", CountryName: "United States", ASN: 13335, ASOrg: "Cloudflare, Inc.",
			Network: netip.MustParsePrefix("2400:cb00::/32"), Sources: []string{"country_asn.mmdb"}}},
		{"ipinfo lite", []string{d.ipinfoLite}, "8.8.8.8", Location{
			Found: true, Country: "US", CountryName: "United States", ASN: 15169, ASOrg: "Google LLC",
			Network: netip.MustParsePrefix("8.8.8.0/24"), Sources: []string{"ipinfo_lite.mmdb"}}},
		{"ipinfo location and lite", []string{d.ipinfoLocation, d.ipinfoLite}, "8.8.8.8", Location{
			Found: true, Country: "US", CountryName: "United States", City: "Mountain View", Subdivision: "California",
			Latitude: 37.4056, Longitude: -122.0775, HasCoordinates: true, ASN: 15169, ASOrg: "Google LLC",
			Network: netip.MustParsePrefix("8.8.8.0/24"), Sources: []string{"location.mmdb", "ipinfo_lite.mmdb"}}},
		{"dbip city lite", []string{d.dbip}, "5.6.7.8", Location{
			Found: true, Country: "DE", CountryName: "Germany", City: "Frankfurt am Main", Subdivision: "Hesse",
			Latitude: 50.1155, Longitude: 8.68417, HasCoordinates: true,
			Network: netip.MustParsePrefix("5.6.7.0/24"), Sources: []string{"dbip-city-lite.mmdb"}}},
		{"ipv4-only file, v4 address", []string{d.ipv4Only}, "9.9.9.9", Location{
			Found: true, ASN: 19281, ASOrg: "Quad9",
			Network: netip.MustParsePrefix("9.9.9.0/24"), Sources: []string{"v4.mmdb"}}},
		{"ipv4-only file, v6 address", []string{d.ipv4Only, d.city}, "2a02:ff00::1", Location{
			Found: true, Country: "IT", CountryName: "Italy", City: "Milan", Subdivision: "Lombardy",
			Latitude: 45.4722, Longitude: 9.1922, HasCoordinates: true, AccuracyRadius: 50,
			Network: netip.MustParsePrefix("2a02:ff00::/32"), Sources: []string{"City.mmdb"}}},
		{"bare string record", []string{d.odd}, "7.7.7.7", Location{}},
		{"wrongly typed fields", []string{d.odd}, "7.7.8.7", Location{}},
		{"subdivision code, bad coordinates, huge asn", []string{d.odd}, "7.7.9.7", Location{
			Found: true, Subdivision: "BY", Network: netip.MustParsePrefix("7.7.9.0/24"), Sources: []string{"odd.mmdb"}}},
		{"not found v4", []string{d.city, d.asn}, "4.4.4.4", Location{}},
		{"not found v6", []string{d.city, d.asn}, "2c0f:ff00::1", Location{}},
		{"private", []string{d.city}, "192.168.1.1", Location{}},
		{"loopback v6", []string{d.city}, "::1", Location{}},
		{"unspecified", []string{d.city}, "0.0.0.0", Location{}},
		{"link-local", []string{d.city}, "fe80::1%eth0", Location{}},
		{"unique local", []string{d.city}, "fd00::1", Location{}},
		{"multicast", []string{d.city}, "224.0.0.251", Location{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.files...)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, err := db.LookupString(tt.ip)
			if err != nil {
				t.Fatalf("LookupString(%q): %v", tt.ip, err)
			}
			tt.want.IP = netip.MustParseAddr(tt.ip)
			if !equalLocation(got, tt.want) {
				t.Errorf("LookupString(%q) =\n %+v\nwant\n %+v", tt.ip, got, tt.want)
			}
		})
	}
}

func equalLocation(a, b Location) bool {
	if math.Abs(a.Latitude-b.Latitude) > 1e-9 || math.Abs(a.Longitude-b.Longitude) > 1e-9 {
		return false
	}
	a.Latitude, a.Longitude, b.Latitude, b.Longitude = 0, 0, 0, 0
	if len(a.Sources) == 0 && len(b.Sources) == 0 {
		a.Sources, b.Sources = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

func TestLookupStringErrors(t *testing.T) {
	d := writeTestDBs(t)
	db, err := Open(d.city)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{"", "example.com", "1.2.3", "1.2.3.4/24", "256.1.1.1", "[::1]", "1.2.3.4:80", "0x7f.1"} {
		if _, err := db.LookupString(s); !errors.Is(err, ErrNotIP) {
			t.Errorf("LookupString(%q) error = %v, want ErrNotIP", s, err)
		}
	}
	if _, err := db.Lookup(netip.Addr{}); !errors.Is(err, ErrNotIP) {
		t.Errorf("Lookup(zero Addr) error = %v, want ErrNotIP", err)
	}
	if loc, err := db.LookupString("  81.2.69.1\n"); err != nil || loc.City != "London" {
		t.Errorf("LookupString with spaces = %+v, %v", loc, err)
	}
}

func TestOpenErrors(t *testing.T) {
	d := writeTestDBs(t)
	garbage := filepath.Join(t.TempDir(), "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte("this is not a MaxMind database"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{nil, {filepath.Join(t.TempDir(), "missing.mmdb")}, {d.city, garbage}} {
		if db, err := Open(paths...); err == nil {
			db.Close()
			t.Errorf("Open(%v) succeeded", paths)
		}
	}
}

func TestDatabases(t *testing.T) {
	d := writeTestDBs(t)
	db, err := Open(d.city, d.ipv4Only)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := db.Databases()
	if len(got) != 2 || got[0].Path != d.city || got[0].Name != "City.mmdb" || got[0].Type != "GeoLite2-City" ||
		got[0].IPVersion != 6 || got[0].Built.Unix() != 1_700_000_000 ||
		got[1].Type != "GeoLite2-ASN" || got[1].IPVersion != 4 {
		t.Errorf("Databases() = %+v", got)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestFields(t *testing.T) {
	tests := []struct {
		name string
		loc  Location
		want []Field
	}{
		{"full", Location{Found: true, Country: "GB", CountryName: "United Kingdom", City: "London",
			Latitude: 51.5, Longitude: -0.1, HasCoordinates: true, ASN: 20712, ASOrg: "Andrews & Arnold Ltd"},
			[]Field{{"country", "GB"}, {"country_name", "United Kingdom"}, {"city", "London"}, {"lat", 51.5},
				{"lon", -0.1}, {"asn", int64(20712)}, {"as_org", "Andrews & Arnold Ltd"}}},
		{"asn only", Location{Found: true, ASN: 15169, ASOrg: "Google Inc."},
			[]Field{{"country", nil}, {"country_name", nil}, {"city", nil}, {"lat", nil},
				{"lon", nil}, {"asn", int64(15169)}, {"as_org", "Google Inc."}}},
		{"zero coordinates are coordinates", Location{Found: true, HasCoordinates: true},
			[]Field{{"country", nil}, {"country_name", nil}, {"city", nil}, {"lat", 0.0},
				{"lon", 0.0}, {"asn", nil}, {"as_org", nil}}},
		{"not found", Location{},
			[]Field{{"country", nil}, {"country_name", nil}, {"city", nil}, {"lat", nil},
				{"lon", nil}, {"asn", nil}, {"as_org", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.loc.Fields(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Fields() = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestConcurrentLookups runs lookups from several goroutines at once; run with -race.
func TestConcurrentLookups(t *testing.T) {
	d := writeTestDBs(t)
	db, err := Open(d.city, d.asn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				ip := "81.2.69.10"
				if (g+i)%2 == 1 {
					ip = "2a02:ff00::1"
				}
				loc, err := db.LookupString(ip)
				if err != nil || loc.ASN == 0 || loc.City == "" {
					errs <- errors.Join(err, errors.New("incomplete answer for "+ip))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
