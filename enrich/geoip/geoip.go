// Package geoip looks up the country, city, coordinates and autonomous system of IP
// addresses in local MaxMind-format (.mmdb) databases — MaxMind GeoIP2 and GeoLite2, DB-IP
// and IPinfo files alike — and keeps them current with MaxMind's licence-key download flow.
//
// Open takes any mix of City, Country and ASN files and Lookup combines their answers, so a
// GeoLite2-City file and a GeoLite2-ASN file opened together give one Location with both the
// place and the AS. Update downloads, verifies and atomically installs new editions.
package geoip

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// ErrNotIP is returned (wrapped) by LookupString for input that is not an IP address, and
// by Lookup for the zero netip.Addr.
var ErrNotIP = errors.New("not an IP address")

// DB is a set of opened mmdb files answering lookups together. It is safe for concurrent
// use by multiple goroutines, except that Close must not run concurrently with lookups.
type DB struct {
	files []*dbFile
}

type dbFile struct {
	info DatabaseInfo
	r    *maxminddb.Reader
}

// DatabaseInfo describes one opened database file, from its metadata.
type DatabaseInfo struct {
	// Path is the file name as given to Open.
	Path string
	// Name is the base name of Path; Location.Sources lists files by it.
	Name string
	// Type is the metadata's database_type, e.g. "GeoLite2-City" or "GeoLite2-ASN".
	Type string
	// Built is the database build time.
	Built time.Time
	// IPVersion is 4 for an IPv4-only database and 6 for one holding both families.
	IPVersion int
}

// Open opens one or more mmdb files for lookups. The files may be of any layout the package
// knows (see Lookup); a file whose records carry none of those fields opens fine and simply
// never answers. The earlier file wins when two files give the same field, so list the most
// precise database first. On error every file already opened is closed again.
func Open(paths ...string) (*DB, error) {
	if len(paths) == 0 {
		return nil, errors.New("open geoip databases: no database file given")
	}
	db := &DB{files: make([]*dbFile, 0, len(paths))}
	for _, p := range paths {
		r, err := maxminddb.Open(p)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open geoip database %s: %w", p, err)
		}
		db.files = append(db.files, &dbFile{
			info: DatabaseInfo{
				Path:      p,
				Name:      filepath.Base(p),
				Type:      r.Metadata.DatabaseType,
				Built:     r.Metadata.BuildTime().UTC(),
				IPVersion: int(r.Metadata.IPVersion),
			},
			r: r,
		})
	}
	return db, nil
}

// Close releases every file of db. Lookups must not run during or after Close.
func (db *DB) Close() error {
	var errs []error
	for _, f := range db.files {
		if err := f.r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close geoip database %s: %w", f.info.Path, err))
		}
	}
	db.files = nil
	return errors.Join(errs...)
}

// Databases describes the opened files in the order they were given to Open.
func (db *DB) Databases() []DatabaseInfo {
	out := make([]DatabaseInfo, len(db.files))
	for i, f := range db.files {
		out[i] = f.info
	}
	return out
}

// Location is what the opened databases know about one address. String fields are empty and
// numbers zero when no database gave them; HasCoordinates tells a real (0, 0) from none.
type Location struct {
	// IP is the address looked up, as given.
	IP netip.Addr
	// Found reports that at least one database had a record for IP with at least one of the
	// fields below. Private, loopback, link-local, multicast and unspecified addresses are
	// never looked up and are not found.
	Found bool
	// Country is the ISO 3166-1 alpha-2 code of the country the address is located in.
	Country string
	// CountryName is the country's English name.
	CountryName string
	// City is the city's English name.
	City string
	// Subdivision is the English name of the largest subdivision (state, region), or its
	// ISO code when the database has no name for it.
	Subdivision string
	// Latitude and Longitude are in decimal degrees; they are set when HasCoordinates is.
	Latitude, Longitude float64
	// HasCoordinates reports that a database gave both latitude and longitude.
	HasCoordinates bool
	// AccuracyRadius is MaxMind's radius in kilometres around the coordinates, 0 if unknown.
	AccuracyRadius uint
	// ASN is the autonomous system number, 0 if unknown.
	ASN uint
	// ASOrg is the organisation the autonomous system is registered to.
	ASOrg string
	// Network is the most specific of the networks the answering databases matched; it
	// contains IP, and each answering database gives the same record for all of it.
	Network netip.Prefix
	// Sources lists the base names of the database files that answered, in Open order.
	Sources []string
}

// Field is one named enrichment value of a Location.
type Field struct {
	// Name is one of country, country_name, city, lat, lon, asn, as_org.
	Name string
	// Value is a string (country, country_name, city, as_org), a float64 (lat, lon) or an
	// int64 (asn), or nil when the location lacks it.
	Value any
}

// Field names, in the order Fields returns them.
const (
	FieldCountry     = "country"
	FieldCountryName = "country_name"
	FieldCity        = "city"
	FieldLat         = "lat"
	FieldLon         = "lon"
	FieldASN         = "asn"
	FieldASOrg       = "as_org"
)

// Fields returns the enrichment fields a pipeline appends to a record, always the same seven
// names in the same order — country, country_name, city, lat, lon, asn, as_org — so every
// row has the same columns; a value the location lacks is nil.
func (l Location) Fields() []Field {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var lat, lon, asn any
	if l.HasCoordinates {
		lat, lon = l.Latitude, l.Longitude
	}
	if l.ASN != 0 {
		asn = int64(l.ASN)
	}
	return []Field{
		{FieldCountry, str(l.Country)},
		{FieldCountryName, str(l.CountryName)},
		{FieldCity, str(l.City)},
		{FieldLat, lat},
		{FieldLon, lon},
		{FieldASN, asn},
		{FieldASOrg, str(l.ASOrg)},
	}
}

// LookupString parses s (surrounding spaces allowed; IPv4, IPv6, IPv4-mapped IPv6, with or
// without a zone) and looks it up. Anything else is an error wrapping ErrNotIP.
func (db *DB) LookupString(s string) (Location, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return Location{}, fmt.Errorf("geoip lookup %q: %w", s, ErrNotIP)
	}
	return db.Lookup(addr)
}

// Lookup combines what every opened database knows about addr. An IPv4-mapped IPv6
// address is looked up as IPv4 and a zone is ignored. An address that is private, loopback,
// link-local, multicast or unspecified, or that no database holds, gives Found == false and
// no error; an error means a database record could not be read.
//
// The fields are read from whichever layout a file uses: GeoIP2/GeoLite2 and DB-IP
// (country.iso_code, country.names.en, city.names.en, subdivisions[0], location.latitude,
// location.longitude, location.accuracy_radius, autonomous_system_number,
// autonomous_system_organization, or the same two under traits), and IPinfo's flat layouts
// (country or country_code, country_name, city, region, lat, lng, asn as "AS123", as_name).
func (db *DB) Lookup(addr netip.Addr) (Location, error) {
	loc := Location{IP: addr}
	if !addr.IsValid() {
		return loc, fmt.Errorf("geoip lookup: %w", ErrNotIP)
	}
	ip := addr.Unmap().WithZone("")
	if !routable(ip) {
		return loc, nil
	}
	var rec *record // allocated on the first record found: misses cost no allocation
	for _, f := range db.files {
		if ip.Is6() && f.info.IPVersion == 4 {
			continue
		}
		res := f.r.Lookup(ip)
		if err := res.Err(); err != nil {
			return Location{IP: addr}, fmt.Errorf("geoip lookup %s in %s: %w", ip, f.info.Name, err)
		}
		if !res.Found() {
			continue
		}
		if rec == nil {
			rec = new(record)
		} else {
			*rec = record{}
		}
		if err := res.Decode(rec); err != nil {
			return Location{IP: addr}, fmt.Errorf("geoip lookup %s in %s: %w", ip, f.info.Name, err)
		}
		if !rec.merge(&loc) {
			continue
		}
		loc.Sources = append(loc.Sources, f.info.Name)
		if p := res.Prefix(); p.IsValid() && (!loc.Network.IsValid() || p.Bits() > loc.Network.Bits()) {
			loc.Network = p
		}
	}
	loc.Found = len(loc.Sources) > 0
	return loc, nil
}

// routable reports whether ip can be in a public geolocation database at all.
func routable(ip netip.Addr) bool {
	return !ip.IsUnspecified() && !ip.IsLoopback() && !ip.IsPrivate() &&
		!ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() &&
		!ip.IsInterfaceLocalMulticast() && !ip.IsMulticast()
}
