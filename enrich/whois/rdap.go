package whois

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// rdapObject is the part of an RDAP object (RFC 9083 §5) that a Record is built from.
type rdapObject struct {
	ObjectClassName string         `json:"objectClassName"`
	Handle          string         `json:"handle"`
	LDHName         string         `json:"ldhName"`
	UnicodeName     string         `json:"unicodeName"`
	Name            string         `json:"name"`
	Country         string         `json:"country"`
	StartAddress    string         `json:"startAddress"`
	EndAddress      string         `json:"endAddress"`
	StartAutnum     *uint32        `json:"startAutnum"`
	EndAutnum       *uint32        `json:"endAutnum"`
	Status          []string       `json:"status"`
	Events          []rdapEvent    `json:"events"`
	Entities        []rdapEntity   `json:"entities"`
	Nameservers     []rdapNS       `json:"nameservers"`
	Links           []rdapLink     `json:"links"`
	CIDR0           []rdapCIDR0    `json:"cidr0_cidrs"`
	ErrorCode       *int           `json:"errorCode"`
	Title           string         `json:"title"`
	Description     []string       `json:"description"`
	PublicIDs       []rdapPublicID `json:"publicIds"`
}

type rdapEvent struct {
	Action string `json:"eventAction"`
	Date   string `json:"eventDate"`
}

type rdapEntity struct {
	Handle    string          `json:"handle"`
	Roles     []string        `json:"roles"`
	VCard     json.RawMessage `json:"vcardArray"`
	PublicIDs []rdapPublicID  `json:"publicIds"`
	Entities  []rdapEntity    `json:"entities"`
}

type rdapPublicID struct {
	Type       string `json:"type"`
	Identifier string `json:"identifier"`
}

type rdapNS struct {
	LDHName     string `json:"ldhName"`
	UnicodeName string `json:"unicodeName"`
}

type rdapLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
	Type string `json:"type"`
}

type rdapCIDR0 struct {
	V4Prefix string `json:"v4prefix"`
	V6Prefix string `json:"v6prefix"`
	Length   int    `json:"length"`
}

// objectClass is the objectClassName a query of kind must be answered with.
func objectClass(kind Kind) string {
	switch kind {
	case KindIP:
		return "ip network"
	case KindDomain:
		return "domain"
	default:
		return "autnum"
	}
}

// maxEntityDepth bounds the search through nested entities.
const maxEntityDepth = 4

// maxCIDRs bounds the prefixes a range is split into (an IPv6 range needs at most 254).
const maxCIDRs = 256

// recordFromJSON converts one RDAP reply for a query of the given kind. Query, Object and
// Source are left for the caller.
func recordFromJSON(kind Kind, body []byte) (*Record, error) {
	var o rdapObject
	if err := json.Unmarshal(body, &o); err != nil {
		return nil, fmt.Errorf("%w: not an RDAP object: %v", ErrBadReply, err)
	}
	if o.ErrorCode != nil {
		msg := o.Title
		if msg == "" && len(o.Description) > 0 {
			msg = o.Description[0]
		}
		return nil, fmt.Errorf("%w: rdap error %d: %s", ErrBadReply, *o.ErrorCode, clip(msg, 200))
	}
	rec := &Record{Kind: kind, Raw: json.RawMessage(bytes.Clone(body))}
	switch want := objectClass(kind); {
	case o.ObjectClassName == "":
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("reply has no objectClassName (want %q)", want))
	case !strings.EqualFold(o.ObjectClassName, want):
		return nil, fmt.Errorf("%w: objectClassName %q, want %q", ErrBadReply, clip(o.ObjectClassName, 40), want)
	}
	rec.Handle = o.Handle
	rec.Status = o.Status
	rec.Country = o.Country

	switch kind {
	case KindDomain:
		rec.Name = strings.ToLower(strings.TrimSuffix(o.LDHName, "."))
		if rec.Name == "" {
			rec.Name = strings.ToLower(strings.TrimSuffix(o.UnicodeName, "."))
		}
		for _, ns := range o.Nameservers {
			n := ns.LDHName
			if n == "" {
				n = ns.UnicodeName
			}
			if n = strings.ToLower(strings.TrimSuffix(n, ".")); n != "" && !slices.Contains(rec.NameServers, n) {
				rec.NameServers = append(rec.NameServers, n)
			}
		}
	case KindIP:
		rec.Name = o.Name
		ipRange(rec, &o)
	case KindASN:
		rec.Name = o.Name
		rec.ASName = o.Name
		if o.StartAutnum != nil && o.EndAutnum != nil && *o.StartAutnum <= *o.EndAutnum {
			rec.ASNStart, rec.ASNEnd = *o.StartAutnum, *o.EndAutnum
		}
	}

	if e := findEntity(o.Entities, "registrar", 0); e != nil {
		v := parseVCard(e.VCard)
		rec.Registrar = v.fn
		if rec.Registrar == "" {
			rec.Registrar = v.org
		}
		for _, id := range e.PublicIDs {
			if strings.EqualFold(id.Type, "IANA Registrar ID") {
				rec.RegistrarID = id.Identifier
			}
		}
	}
	if e := findEntity(o.Entities, "registrant", 0); e != nil {
		v := parseVCard(e.VCard)
		rec.Registrant = v.fn
		rec.Org = v.org
		if rec.Org == "" && v.kind == "org" {
			rec.Org = v.fn
		}
		if rec.Country == "" {
			rec.Country = v.country
		}
	}
	if e := findEntity(o.Entities, "abuse", 0); e != nil {
		rec.AbuseEmail = parseVCard(e.VCard).email
	}

	dates(rec, o.Events)
	return rec, nil
}

// dates sets Registered, Updated and Expires, each from its own eventAction. Should an
// action occur more than once, registration takes the earliest date and the others the latest.
func dates(rec *Record, events []rdapEvent) {
	for _, ev := range events {
		var dst *time.Time
		later := true
		switch strings.ToLower(strings.TrimSpace(ev.Action)) {
		case "registration":
			dst, later = &rec.Registered, false
		case "last changed":
			dst = &rec.Updated
		case "expiration":
			dst = &rec.Expires
		default:
			continue
		}
		t, err := parseDate(ev.Date)
		if err != nil {
			rec.Warnings = append(rec.Warnings, fmt.Sprintf("event %q: %v", ev.Action, err))
			continue
		}
		if dst.IsZero() || (later && t.After(*dst)) || (!later && t.Before(*dst)) {
			*dst = t
		}
	}
}

// parseDate parses an RDAP eventDate and returns it in UTC. It tries RFC 3339, as RFC 9083
// requires, then the near misses some servers send: no zone (taken as UTC), a space for the
// T, a bare date.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05",
		"2006-01-02",
	} {
		if t, err := time.Parse(l, s); err == nil {
			if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("date %q is out of range", clip(s, 64))
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not RFC 3339", clip(s, 64))
}

// ipRange sets the network bounds and the prefixes covering them, from startAddress and
// endAddress, else from the cidr0 extension.
func ipRange(rec *Record, o *rdapObject) {
	start, err1 := netip.ParseAddr(o.StartAddress)
	end, err2 := netip.ParseAddr(o.EndAddress)
	if err1 == nil && err2 == nil {
		start, end = start.WithZone("").Unmap(), end.WithZone("").Unmap()
		if start.Is4() != end.Is4() || end.Less(start) {
			rec.Warnings = append(rec.Warnings, fmt.Sprintf("network range %s - %s is not a range", start, end))
		} else {
			rec.NetworkStart, rec.NetworkEnd = start, end
			rec.CIDRs = rangeToPrefixes(start, end)
			return
		}
	} else if o.StartAddress != "" || o.EndAddress != "" {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("network range %q - %q does not parse", clip(o.StartAddress, 64), clip(o.EndAddress, 64)))
	}
	for _, c := range o.CIDR0 {
		s := c.V4Prefix
		if s == "" {
			s = c.V6Prefix
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		p, err := a.Prefix(c.Length)
		if err != nil || c.Length < 0 {
			continue
		}
		rec.CIDRs = append(rec.CIDRs, p)
	}
}

// rangeToPrefixes splits [start, end] into the fewest prefixes that cover it exactly.
// Addresses with a zone have no prefixes and give none.
func rangeToPrefixes(start, end netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for len(out) < maxCIDRs {
		found := false
		for bits := 0; bits <= start.BitLen(); bits++ {
			p := netip.PrefixFrom(start, bits)
			if !p.IsValid() || p.Masked().Addr() != start {
				continue
			}
			last := lastAddr(p)
			if end.Less(last) {
				continue
			}
			out = append(out, p)
			if last == end {
				return out
			}
			start, found = last.Next(), true
			break
		}
		if !found {
			break
		}
	}
	return out
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 96
	}
	for i := p.Bits() + off; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// findEntity returns the first entity with role, searching breadth first through nested entities.
func findEntity(es []rdapEntity, role string, depth int) *rdapEntity {
	for i := range es {
		for _, r := range es[i].Roles {
			if strings.EqualFold(r, role) {
				return &es[i]
			}
		}
	}
	if depth >= maxEntityDepth {
		return nil
	}
	for i := range es {
		if e := findEntity(es[i].Entities, role, depth+1); e != nil {
			return e
		}
	}
	return nil
}

// vcard holds the jCard (RFC 7095) properties a Record uses.
type vcard struct {
	fn, org, email, kind, country string
}

// parseVCard reads a vcardArray: ["vcard", [[name, params, type, value...], ...]]. It is
// lenient: properties it cannot read are skipped.
func parseVCard(raw json.RawMessage) vcard {
	var v vcard
	var top []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &top) != nil || len(top) < 2 {
		return v
	}
	var props [][]json.RawMessage
	if json.Unmarshal(top[1], &props) != nil {
		return v
	}
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		var name string
		if json.Unmarshal(p[0], &name) != nil {
			continue
		}
		switch strings.ToLower(name) {
		case "fn":
			setOnce(&v.fn, jcardText(p[3:], " "))
		case "org":
			setOnce(&v.org, jcardText(p[3:], "; "))
		case "email":
			setOnce(&v.email, jcardText(p[3:], ""))
		case "kind":
			setOnce(&v.kind, strings.ToLower(jcardText(p[3:], "")))
		case "adr":
			var params struct {
				CC string `json:"cc"`
			}
			if json.Unmarshal(p[1], &params) == nil && params.CC != "" {
				setOnce(&v.country, strings.ToUpper(params.CC))
				continue
			}
			var parts []json.RawMessage
			if json.Unmarshal(p[3], &parts) == nil && len(parts) >= 7 {
				setOnce(&v.country, jcardText(parts[6:7], " "))
			}
		}
	}
	return v
}

func setOnce(dst *string, s string) {
	if *dst == "" {
		*dst = strings.TrimSpace(s)
	}
}

// jcardText joins a property's values, flattening structured values (arrays of strings).
func jcardText(vals []json.RawMessage, sep string) string {
	var parts []string
	for _, raw := range vals {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
			continue
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			if s := jcardText(list, sep); s != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, sep)
}

// relatedLink returns the registrar's RDAP URL from a registry's domain reply: the first link
// with rel "related" whose media type is RDAP (or, with no type, whose path names a domain),
// resolved against the URL that answered.
func relatedLink(raw []byte, source string) string {
	var o struct {
		Links []rdapLink `json:"links"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	base, err := url.Parse(source)
	if err != nil {
		return ""
	}
	for _, l := range o.Links {
		if !strings.EqualFold(l.Rel, "related") {
			continue
		}
		ref, err := url.Parse(l.Href)
		if err != nil {
			continue
		}
		u := base.ResolveReference(ref)
		t := strings.ToLower(l.Type)
		if t != "application/rdap+json" && (t != "" || !strings.Contains(strings.ToLower(u.Path), "/domain/")) {
			continue
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.String() == source {
			continue
		}
		return u.String()
	}
	return ""
}
