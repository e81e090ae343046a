package misp

import (
	"net/netip"
	"strings"

	"github.com/hunchsec/hunch/ioc"
)

// Guess is the attribute a lone value most likely is, the way MISP's freetext import
// (ComplexTypeTool) resolves one token.
type Guess struct {
	Type     string   // MISP's default type for the value
	Types    []string // every type MISP offers for it, Type first
	Category string   // Type's default category
	ToIDS    bool     // Type's default to_ids flag
	Value    string   // the value refanged and normalised for Type (NormalizeValue)
	Comment  string   // MISP's note on what was dropped, e.g. "On port 8080"
}

// GuessType returns the MISP type of a lone value with its default category and to_ids
// flag; ok is false when the value is nothing MISP's freetext import would keep. See
// GuessAttribute, which also returns the normalised value.
func GuessType(value string) (typ, category string, toIDS bool, ok bool) {
	g, ok := GuessAttribute(value)
	return g.Type, g.Category, g.ToIDS, ok
}

// GuessAttribute resolves one freetext token to an attribute in MISP's order: a plain IP
// address (ip-dst); a hash by its number of hex digits (md5, sha1, sha224, sha256,
// sha384, sha512; "name|hash" as filename|<hash>) or an ssdeep hash; then, using hunch's
// indicator scanner (which refangs), a whole e-mail address (email-src), IP address, URL
// (url, or link for security-vendor sites), domain (domain when it is its own registrable
// domain, hostname below one), CVE identifier (vulnerability), file path (filename) or
// registry key (regkey); an address with a port (ip-dst|port; a host loses its port to
// Comment, as in MISP); a CIDR block (ip-dst); a scheme-less URL ("example.com/x"); a
// file name; an AS number; a phone number; a bitcoin address. Quotes, brackets, commas
// and full stops around the token are trimmed as MISP trims them.
//
// Where MISP and the scanner disagree the scanner wins: a domain must end in a real
// top-level domain of the public suffix list (MISP accepts any two letters), and a name
// such as "invoice.zip" is a file name, not a domain.
func GuessAttribute(value string) (Guess, bool) {
	v := strings.Trim(value, "'\".,() \t\n\r\x00\x0b")
	if v == "" || strings.ContainsAny(v, "\n\r") {
		return Guess{}, false
	}
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
		return guessed(v, "", "ip-dst", "ip-src")
	}
	if g, ok := guessHash(v); ok {
		return g, true
	}
	if g, ok := guessIndicator(v); ok {
		return g, true
	}
	if g, ok := guessWithPort(v); ok {
		return g, true
	}
	if addr, bits, ok := strings.Cut(v, "/"); ok && digitsOnly(bits) {
		if a, err := netip.ParseAddr(addr); err == nil && a.Zone() == "" {
			return guessed(v, "", "ip-dst", "ip-src")
		}
	}
	if host, _, ok := strings.Cut(v, "/"); ok && host != "" && !strings.ContainsAny(v, " \t") {
		if m, ok := wholeMatch(host); ok && (m.Type == ioc.Domain || m.Type == ioc.IPv4) {
			return guessed(strings.Replace(v, host, m.Value, 1), "", "url")
		}
	}
	if looksLikeFilename(v) {
		return guessed(v, "", "filename")
	}
	if len(v) > 2 && strings.EqualFold(v[:2], "as") && digitsOnly(v[2:]) {
		return guessed(v, "", "AS")
	}
	if looksLikePhone(v) {
		return guessed(v, "", "phone-number", "prtn", "whois-registrant-phone")
	}
	if looksLikeBitcoin(v) {
		return guessed(v, "", "btc")
	}
	return Guess{}, false
}

// guessed builds a Guess for types[0], normalising v for it; ok is false when the
// value does not normalise, so a guess is always a value MISP would store.
func guessed(v, comment string, types ...string) (Guess, bool) {
	typ := types[0]
	nv, err := NormalizeValue(typ, v)
	if err != nil {
		return Guess{}, false
	}
	return Guess{Type: typ, Types: types, Category: DefaultCategory(typ), ToIDS: DefaultToIDS(typ),
		Value: nv, Comment: comment}, true
}

// hexHashTypes returns the types MISP's freetext import offers for n hex digits, the
// single-value types and the "filename|" composite ones.
func hexHashTypes(n int) (single, composite []string) {
	switch n {
	case 32:
		return []string{"md5", "imphash", "x509-fingerprint-md5", "ja3-fingerprint-md5"}, []string{"filename|md5", "filename|imphash"}
	case 40:
		return []string{"sha1", "pehash", "x509-fingerprint-sha1", "cdhash"}, []string{"filename|sha1", "filename|pehash"}
	case 56:
		return []string{"sha224", "sha512/224"}, []string{"filename|sha224", "filename|sha512/224"}
	case 64:
		return []string{"sha256", "authentihash", "sha512/256", "x509-fingerprint-sha256"}, []string{"filename|sha256", "filename|authentihash", "filename|sha512/256"}
	case 96:
		return []string{"sha384"}, []string{"filename|sha384"}
	case 128:
		return []string{"sha512"}, []string{"filename|sha512"}
	}
	return nil, nil
}

func guessHash(v string) (Guess, bool) {
	if name, h, ok := strings.Cut(v, "|"); ok && strings.IndexByte(h, '|') < 0 && resolvesAsFilename(name) {
		if _, composite := hexHashTypes(len(h)); composite != nil && hexOnly(h) {
			return guessed(v, "", composite...)
		}
		if freetextSSDeep(h) {
			return guessed(v, "", "filename|ssdeep")
		}
	}
	if single, _ := hexHashTypes(len(v)); single != nil && hexOnly(v) {
		return guessed(v, "", single...)
	}
	if freetextSSDeep(v) {
		return guessed(v, "", "ssdeep")
	}
	return Guess{}, false
}

// freetextSSDeep is the ssdeep shape MISP's freetext import looks for: non-empty hash
// parts, and not a time of day such as "12:30:45".
func freetextSSDeep(v string) bool {
	if !ssdeep(v) {
		return false
	}
	parts := strings.Split(v, ":")
	if parts[1] == "" || parts[2] == "" {
		return false
	}
	short := true
	for _, p := range parts {
		short = short && len(p) <= 2 && digitsOnly(p)
	}
	return !short
}

// wholeMatch returns the indicator the scanner finds spanning all of v, if any.
func wholeMatch(v string) (ioc.Match, bool) {
	for _, m := range ioc.Extract(v) {
		if m.Start == 0 && m.End == len(v) && m.Within == "" {
			return m, true
		}
	}
	return ioc.Match{}, false
}

func guessIndicator(v string) (Guess, bool) {
	m, ok := wholeMatch(v)
	if !ok {
		return Guess{}, false
	}
	switch m.Type {
	case ioc.Email:
		return guessed(m.Value, "", "email-src", "email", "email-dst", "target-email", "whois-registrant-email")
	case ioc.IPv4, ioc.IPv6:
		return guessed(m.Value, "", "ip-dst", "ip-src")
	case ioc.URL:
		if securityVendorLink(m.Value) {
			return guessed(m.Value, "", "link")
		}
		return guessed(m.Value, "", "url")
	case ioc.Domain:
		if m.Registrable == m.Value {
			return guessed(m.Value, "", "domain", "filename")
		}
		return guessed(m.Value, "", "hostname", "domain", "url", "filename")
	case ioc.CVE:
		return guessed(m.Value, "", "vulnerability")
	case ioc.WindowsPath, ioc.LinuxPath:
		return guessed(m.Value, "", "filename")
	case ioc.RegistryKey:
		return guessed(m.Value, "", "regkey")
	case ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512:
		return guessHash(m.Value)
	}
	return Guess{}, false
}

// guessWithPort resolves "address:port" (ip-dst|port) and "host:port" (the host, with
// the port in Comment), with a port of 2 to 5 digits as MISP wants.
func guessWithPort(v string) (Guess, bool) {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 || len(v)-i-1 < 2 || len(v)-i-1 > 5 || !digitsOnly(v[i+1:]) {
		return Guess{}, false
	}
	host, port := v[:i], v[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" {
		return guessed(host+"|"+port, "On port "+port, "ip-dst|port", "ip-src|port")
	}
	m, ok := wholeMatch(host)
	if !ok {
		return Guess{}, false
	}
	switch m.Type {
	case ioc.IPv4, ioc.IPv6:
		return guessed(m.Value+"|"+port, "On port "+port, "ip-dst|port", "ip-src|port")
	case ioc.Domain:
		if m.Registrable == m.Value {
			return guessed(m.Value, "On port "+port, "domain", "filename")
		}
		return guessed(m.Value, "On port "+port, "hostname", "domain", "url", "filename")
	}
	return Guess{}, false
}

// securityVendorLink reports whether an https URL points into a security vendor's site
// (MISP's built-in list), which MISP files as a link rather than an indicator.
func securityVendorLink(u string) bool {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		return false
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#:"); i >= 0 {
		host = rest[:i]
	}
	host = strings.ToLower(host)
	for _, d := range []string{"virustotal.com", "hybrid-analysis.com"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// resolvesAsFilename is MISP's file-name test: a drive letter or a dot after the first
// character, and a last dot-separated part of letters and digits that is not a number.
func resolvesAsFilename(v string) bool {
	drive := len(v) >= 2 && v[1] == ':'
	if !drive && strings.IndexByte(v, '.') <= 0 {
		return false
	}
	ext := v[strings.LastIndexByte(v, '.')+1:]
	return ext != "" && keepBytes(ext, alnumByte) == ext && !digitsOnly(ext)
}

// looksLikeFilename accepts a file name or Windows path that is not a domain or URL:
// MISP's rule for dotted tokens and for tokens with backslashes.
func looksLikeFilename(v string) bool {
	if strings.ContainsAny(v, " \t") && !strings.Contains(v, `\`) {
		return false
	}
	if strings.Contains(v, `\`) {
		parts := strings.Split(v, `\`)
		return resolvesAsFilename(parts[len(parts)-1])
	}
	return strings.IndexByte(v, '.') > 0 && !strings.ContainsAny(v, "/@") && resolvesAsFilename(v)
}

// looksLikePhone is MISP's phone-number shape: a leading '+' or a dash, an optional
// country code with "(0)", then at least five digits, '/' or '-', ending in a digit;
// never a date.
func looksLikePhone(v string) bool {
	if !strings.HasPrefix(v, "+") && strings.IndexByte(v, '-') <= 0 {
		return false
	}
	if len(v) == 10 && v[4] == '-' && v[7] == '-' && digitsOnly(v[:4]+v[5:7]+v[8:]) {
		return false // a date
	}
	s := strings.TrimPrefix(v, "+")
	if i := strings.Index(s, "(0)"); i >= 1 && i <= 3 && digitsOnly(s[:i]) {
		s = s[:i] + s[i+3:]
	}
	if len(s) < 6 || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return false
	}
	return keepBytes(s, func(c byte) bool { return c >= '0' && c <= '9' || c == '/' || c == '-' }) == s
}

// looksLikeBitcoin accepts a legacy (base58, starting 1 or 3) or bech32 (bc1/tb1)
// bitcoin address.
func looksLikeBitcoin(v string) bool {
	if len(v) >= 26 && len(v) <= 35 && (v[0] == '1' || v[0] == '3') {
		for i := 1; i < len(v); i++ {
			c := v[i]
			if !alnumByte(c) || c == '0' || c == 'O' || c == 'I' || c == 'l' {
				return false
			}
		}
		return true
	}
	l := strings.ToLower(v)
	if (strings.HasPrefix(l, "bc1") || strings.HasPrefix(l, "tb1")) && len(l) >= 14 && len(l) <= 74 {
		for i := 3; i < len(l); i++ {
			if strings.IndexByte("023456789acdefghjklmnpqrstuvwxyz", l[i]) < 0 {
				return false
			}
		}
		return true
	}
	return false
}
