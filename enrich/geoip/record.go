package geoip

import (
	"strconv"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// record holds the fields Location needs from one database record, whatever the layout.
// It decodes itself straight from the mmdb data: only the keys it knows are read, and only
// to a fixed depth, so a hostile file cannot make it recurse or allocate without bound.
type record struct {
	countryCode string // country.iso_code or country_code
	countryName string // country.names.en or country_name
	flatCountry string // a plain string under "country" (IPinfo: a code or a name)
	city        string
	subdivision string
	subdivCode  string
	lat, lon    float64
	hasLat      bool
	hasLon      bool
	accuracy    uint64
	asn         uint64
	asOrg       string
}

var _ mmdbdata.CursorUnmarshaler = (*record)(nil)

// UnmarshalMaxMindDBCursor decodes a top-level record. A record that is not a map (some
// custom databases store bare strings) carries nothing Location knows and is skipped.
func (r *record) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindMap {
		return c.Skip()
	}
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "country":
			return r.country(v)
		case "country_code":
			return readString(v, &r.countryCode)
		case "country_name":
			return readString(v, &r.countryName)
		case "city":
			return r.cityValue(v)
		case "subdivisions":
			return r.subdivisions(v)
		case "region":
			return readString(v, &r.subdivision)
		case "location":
			return r.location(v)
		case "lat", "latitude":
			return readFloat(v, &r.lat, &r.hasLat)
		case "lng", "lon", "longitude":
			return readFloat(v, &r.lon, &r.hasLon)
		case "autonomous_system_number", "asn":
			return readASN(v, &r.asn)
		case "autonomous_system_organization", "as_name":
			return readString(v, &r.asOrg)
		case "traits":
			return r.traits(v)
		}
		return v.Skip()
	})
}

func (r *record) country(v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind == mmdbdata.KindString {
		return readString(v, &r.flatCountry)
	}
	return place(v, &r.countryCode, &r.countryName)
}

func (r *record) cityValue(v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind == mmdbdata.KindString {
		return readString(v, &r.city)
	}
	return place(v, nil, &r.city)
}

// subdivisions reads the first element of GeoIP2's subdivisions list, the largest one.
func (r *record) subdivisions(v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindSlice {
		return v.Skip()
	}
	items, err := v.Slice()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		i, item, ok := items.Next(next)
		if !ok {
			break
		}
		if i == 0 {
			next, err = place(item, &r.subdivCode, &r.subdivision)
		} else {
			next, err = item.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return items.End()
}

func (r *record) location(v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return eachMapKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "latitude":
			return readFloat(v, &r.lat, &r.hasLat)
		case "longitude":
			return readFloat(v, &r.lon, &r.hasLon)
		case "accuracy_radius":
			return readUint(v, &r.accuracy)
		}
		return v.Skip()
	})
}

func (r *record) traits(v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return eachMapKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "autonomous_system_number":
			return readASN(v, &r.asn)
		case "autonomous_system_organization":
			return readString(v, &r.asOrg)
		}
		return v.Skip()
	})
}

// place reads a GeoIP2 place map: iso_code into code (when code is not nil) and names.en
// into name.
func place(v mmdbdata.Cursor, code, name *string) (mmdbdata.Cursor, error) {
	return eachMapKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "iso_code":
			if code != nil {
				return readString(v, code)
			}
		case "names":
			return eachMapKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
				if string(key) == "en" {
					return readString(v, name)
				}
				return v.Skip()
			})
		}
		return v.Skip()
	})
}

// eachMapKey calls fn for every entry of the map at c; a value of another kind is skipped.
func eachMapKey(c mmdbdata.Cursor, fn func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error)) (mmdbdata.Cursor, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindMap {
		return c.Skip()
	}
	return eachKey(c, fn)
}

// eachKey calls fn for every entry of the map at c; fn must consume the value and return
// its successor.
func eachKey(c mmdbdata.Cursor, fn func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error)) (mmdbdata.Cursor, error) {
	entries, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		key, v, ok := entries.Next(next)
		if !ok {
			break
		}
		if next, err = fn(key, v); err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return entries.End()
}

// readString stores a string value; a value of another kind is skipped, not an error.
func readString(v mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindString {
		return v.Skip()
	}
	s, next, err := v.ReadString()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	*dst = s
	return next, nil
}

// readFloat stores a number, or a string holding one (IPinfo writes "37.4056"), and sets ok.
func readFloat(v mmdbdata.Cursor, dst *float64, ok *bool) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	switch kind {
	case mmdbdata.KindFloat64, mmdbdata.KindFloat32:
		f, next, err := v.ReadFloat()
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		*dst, *ok = f, true
		return next, nil
	case mmdbdata.KindString:
		s, next, err := v.ReadString()
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			*dst, *ok = f, true
		}
		return next, nil
	case mmdbdata.KindUint16, mmdbdata.KindUint32, mmdbdata.KindUint64, mmdbdata.KindInt32:
		n, signed, next, err := v.ReadInteger()
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		if signed {
			*dst = float64(int64(n))
		} else {
			*dst = float64(n)
		}
		*ok = true
		return next, nil
	}
	return v.Skip()
}

// readUint stores an unsigned integer; other kinds are skipped.
func readUint(v mmdbdata.Cursor, dst *uint64) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	switch kind {
	case mmdbdata.KindUint16, mmdbdata.KindUint32, mmdbdata.KindUint64:
		n, next, err := v.ReadUint()
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		*dst = n
		return next, nil
	}
	return v.Skip()
}

// readASN stores an AS number given as an integer or as a string like "AS15169" or "15169".
func readASN(v mmdbdata.Cursor, dst *uint64) (mmdbdata.Cursor, error) {
	kind, err := v.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindString {
		return readUint(v, dst)
	}
	s, next, err := v.ReadString()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if n, ok := parseASN(s); ok {
		*dst = n
	}
	return next, nil
}

// parseASN parses "AS15169", "as15169" or "15169" as a 32-bit AS number.
func parseASN(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's') {
		s = s[2:]
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return n, err == nil && n != 0
}

// merge fills the fields of loc still empty from r and reports whether r gave anything.
func (r *record) merge(loc *Location) bool {
	code, name := r.countryCode, r.countryName
	if c := r.flatCountry; c != "" {
		switch {
		case code == "" && isCountryCode(c):
			code = c
		case name == "" && c != code:
			name = c
		}
	}
	sub := r.subdivision
	if sub == "" {
		sub = r.subdivCode
	}
	gave := false
	set := func(dst *string, v string) {
		if v != "" {
			gave = true
			if *dst == "" {
				*dst = v
			}
		}
	}
	set(&loc.Country, code)
	set(&loc.CountryName, name)
	set(&loc.City, r.city)
	set(&loc.Subdivision, sub)
	set(&loc.ASOrg, r.asOrg)
	if r.hasLat && r.hasLon && validCoordinates(r.lat, r.lon) {
		gave = true
		if !loc.HasCoordinates {
			loc.Latitude, loc.Longitude, loc.HasCoordinates = r.lat, r.lon, true
			loc.AccuracyRadius = uint(r.accuracy)
		}
	}
	if r.asn != 0 && r.asn <= 1<<32-1 {
		gave = true
		if loc.ASN == 0 {
			loc.ASN = uint(r.asn)
		}
	}
	return gave
}

func validCoordinates(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// isCountryCode reports whether s looks like an ISO 3166-1 alpha-2 code.
func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
