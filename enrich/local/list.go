package local

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Entry is one listed indicator with the verdict the list gives it.
type Entry struct {
	// Value is the indicator, normalised like the values package ioc extracts (see Normalize),
	// or a network in CIDR notation ("10.0.0.0/8") that matches every address inside it.
	Value string `json:"value"`
	// Type scopes the entry to one indicator type; empty, the entry matches an indicator of any
	// type with this value.
	Type      ioc.Type       `json:"type,omitempty"`
	Verdict   enrich.Verdict `json:"verdict"`
	Summary   string         `json:"summary,omitempty"`
	Reference string         `json:"reference,omitempty"`
	Tags      []string       `json:"tags,omitempty"`
	// Source is where the entry was read, as "file:line".
	Source string `json:"source,omitempty"`

	prefix netip.Prefix // valid for a CIDR entry
}

// Prefix returns the network of a CIDR entry, and false for other entries.
func (e Entry) Prefix() (netip.Prefix, bool) { return e.prefix, e.prefix.IsValid() }

// key is an exact entry's index: its type ("" for any) and normalised value.
type key struct {
	typ   ioc.Type
	value string
}

// List matches indicators against a set of entries: exact values (scoped to a type or not) and
// CIDR networks. The zero List matches nothing. A List is immutable once built and safe for
// concurrent use.
type List struct {
	exact map[key]Entry
	// nets holds CIDR entries by prefix length, longest first, so the most specific network wins.
	nets []netsOfLen
	n    int
}

type netsOfLen struct {
	bits int
	m    map[netip.Prefix]Entry
}

// NewList builds a List. Each entry's value is normalised for its type (or, without one, for
// the type its value looks like); a value that parses as a network in CIDR notation becomes a
// network entry. When two entries have the same type and value, the higher verdict wins and, at
// equal verdicts, the first one.
func NewList(entries []Entry) *List {
	l := &List{exact: make(map[key]Entry, len(entries))}
	byLen := map[int]map[netip.Prefix]Entry{}
	for _, e := range entries {
		if p, err := netip.ParsePrefix(strings.TrimSpace(e.Value)); err == nil && (e.Type == "" || e.Type == ioc.IPv4 || e.Type == ioc.IPv6) {
			p = normPrefix(p)
			e.prefix, e.Value = p, p.String()
			m := byLen[p.Bits()]
			if m == nil {
				m = map[netip.Prefix]Entry{}
				byLen[p.Bits()] = m
			}
			if old, ok := m[p]; !ok || e.Verdict > old.Verdict {
				m[p] = e
				if !ok {
					l.n++
				}
			}
			continue
		}
		e.Value = Normalize(e.Type, e.Value)
		k := key{e.Type, e.Value}
		if old, ok := l.exact[k]; !ok || e.Verdict > old.Verdict {
			l.exact[k] = e
			if !ok {
				l.n++
			}
		}
	}
	for bits, m := range byLen {
		l.nets = append(l.nets, netsOfLen{bits, m})
	}
	slices.SortFunc(l.nets, func(a, b netsOfLen) int { return b.bits - a.bits })
	return l
}

// normPrefix masks p and turns an IPv4-mapped IPv6 network of at least 96 bits into its IPv4
// network, the way indicators' addresses are unmapped.
func normPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// Len returns the number of distinct entries.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// Match returns the entry that applies to ind: an exact entry of ind's type first, then an exact
// entry of any type, then, for ipv4 and ipv6 indicators, the most specific network containing
// the address (scoped to the address's family or to any type).
func (l *List) Match(ind enrich.Indicator) (Entry, bool) {
	if l == nil {
		return Entry{}, false
	}
	v := Normalize(ind.Type, ind.Value)
	if e, ok := l.exact[key{ind.Type, v}]; ok {
		return e, true
	}
	if e, ok := l.exact[key{"", v}]; ok {
		return e, true
	}
	if len(l.nets) == 0 || (ind.Type != ioc.IPv4 && ind.Type != ioc.IPv6) {
		return Entry{}, false
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return Entry{}, false
	}
	for _, n := range l.nets {
		if n.bits > a.BitLen() {
			continue
		}
		p, err := a.Prefix(n.bits)
		if err != nil {
			continue
		}
		if e, ok := n.m[p]; ok && (e.Type == "" || e.Type == ind.Type) {
			return e, true
		}
	}
	return Entry{}, false
}

// Normalize returns value in the form package ioc gives indicators of type t, so that list
// entries and extracted indicators compare equal: IP addresses in canonical form (RFC 5952 for
// IPv6, IPv4-mapped addresses unmapped); domains and hashes lower-case (a domain's final dots
// dropped); an e-mail address's domain lower-case; a URL's scheme and host lower-case, the rest
// as written; other types as written. With no type, the type is guessed from the value's shape.
// Surrounding space is always trimmed.
func Normalize(t ioc.Type, value string) string {
	v := strings.TrimSpace(value)
	if t == "" {
		t = guessType(v)
	}
	switch t {
	case ioc.IPv4, ioc.IPv6:
		if a, err := netip.ParseAddr(v); err == nil {
			return a.Unmap().String()
		}
		return v
	case ioc.Domain:
		return strings.ToLower(strings.TrimRight(v, "."))
	case ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512:
		return strings.ToLower(v)
	case ioc.Email:
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			return v[:i+1] + strings.ToLower(v[i+1:])
		}
		return v
	case ioc.URL:
		return normalizeURL(v)
	}
	return v
}

// normalizeURL lower-cases the scheme and the host, leaving user info, path, query and fragment.
func normalizeURL(v string) string {
	i := strings.Index(v, "://")
	if i <= 0 {
		return v
	}
	rest := v[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	at := strings.LastIndexByte(auth, '@') + 1
	return strings.ToLower(v[:i]) + "://" + auth[:at] + strings.ToLower(auth[at:]) + rest[end:]
}

// guessType names the type a value of unknown type looks like, for normalisation only.
func guessType(v string) ioc.Type {
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Is4() {
			return ioc.IPv4
		}
		return ioc.IPv6
	}
	if strings.Contains(v, "://") {
		return ioc.URL
	}
	if isHex(v) {
		switch len(v) {
		case 32:
			return ioc.MD5
		case 40:
			return ioc.SHA1
		case 64:
			return ioc.SHA256
		case 128:
			return ioc.SHA512
		}
	}
	if strings.Contains(v, "@") && !strings.ContainsAny(v, `/\ `) {
		return ioc.Email
	}
	if isDomainLike(v) {
		return ioc.Domain
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// isDomainLike: letters, digits, '-', '_' and dots, with at least one dot and a letter.
func isDomainLike(s string) bool {
	dot, letter := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			dot = true
		case 'a' <= c|0x20 && c|0x20 <= 'z':
			letter = true
		case '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dot && letter
}

// raw is the JSON an entry is reported as in Result.Raw.
func (e Entry) raw() json.RawMessage {
	b, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	return b
}
