package benchcorpus

import (
	"encoding/base64"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	hexLower = "0123456789abcdef"
	hexUpper = "0123456789ABCDEF"
)

// appendInt appends v in decimal.
func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }

// appendPadded appends v in decimal, left-padded with pad to width.
func appendPadded(dst []byte, v, width int, pad byte) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, pad)
	}
	return append(dst, d...)
}

// appendHex appends the low n hex digits of x, most significant first.
func appendHex(dst []byte, x uint64, n int, digits string) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, digits[(x>>(4*uint(i)))&15])
	}
	return dst
}

// hexRun appends n random hex digits in one case.
func (g *Generator) hexRun(dst []byte, n int, digits string) []byte {
	for n > 0 {
		x := g.src.Uint64()
		k := min(n, 16)
		for range k {
			dst = append(dst, digits[x&15])
			x >>= 4
		}
		n -= k
	}
	return dst
}

// hexHash appends a random hash of n hex digits into the arena, upper-case 30 % of the time.
func (g *Generator) hexHash(n int) span {
	digits := hexLower
	if g.percent(30) {
		digits = hexUpper
	}
	s := g.mark()
	g.a = g.hexRun(g.a, n, digits)
	return g.since(s)
}

// appendDefangDots appends src with every '.' written as "[.]".
func appendDefangDots(dst, src []byte) []byte {
	for _, c := range src {
		if c == '.' {
			dst = append(dst, "[.]"...)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// mkDomain appends a random word-based domain such as "cdn.securelogin42.xyz".
func (g *Generator) mkDomain(dst []byte) []byte {
	if g.percent(30) {
		dst = append(dst, pick(g, domainPrefixes[:])...)
		dst = append(dst, '.')
	}
	dst = append(dst, pick(g, words[:])...)
	if g.intn(3) == 1 {
		dst = append(dst, '-')
	}
	dst = append(dst, pick(g, words[:])...)
	if g.percent(30) {
		dst = appendInt(dst, g.between(1, 99))
	}
	dst = append(dst, '.')
	return append(dst, pick(g, tlds[:])...)
}

// domain appends a well-known domain (35 %) or one of the campaign's domains.
func (g *Generator) domain(dst []byte) []byte {
	if g.percent(35) {
		return append(dst, pick(g, legitDomains[:])...)
	}
	return append(dst, pick(g, g.mal)...)
}

// ipv4Octets draws an IPv4 address: private 25 % of the time when privateOK, otherwise from
// a set of public first octets.
func (g *Generator) ipv4Octets(privateOK bool) [4]int {
	if privateOK && g.percent(25) {
		switch g.intn(3) {
		case 0:
			return [4]int{10, g.between(0, 255), g.between(0, 255), g.between(1, 254)}
		case 1:
			return [4]int{192, 168, g.between(0, 255), g.between(1, 254)}
		default:
			return [4]int{172, g.between(16, 31), g.between(0, 255), g.between(1, 254)}
		}
	}
	return [4]int{pick(g, ipFirstOctets[:]), g.between(0, 255), g.between(0, 255), g.between(1, 254)}
}

// appendIPv4 appends o in dotted form, with sep[i] after octet i.
func appendIPv4(dst []byte, o [4]int, seps [3]string) []byte {
	for i, v := range o {
		dst = appendInt(dst, v)
		if i < 3 {
			dst = append(dst, seps[i]...)
		}
	}
	return dst
}

var dots = [3]string{".", ".", "."}

// ipv4 appends a random IPv4 address into the arena.
func (g *Generator) ipv4(privateOK bool) span {
	s := g.mark()
	g.a = appendIPv4(g.a, g.ipv4Octets(privateOK), dots)
	return g.since(s)
}

// ipv6 appends a random IPv6 address into the arena: full unpadded (30 %), fully padded
// (15 %) or with a run of groups compressed to "::".
func (g *Generator) ipv6() span {
	first := pick(g, ipv6FirstGroups[:])
	var grp [7]uint16
	x := g.src.Uint64()
	y := g.src.Uint64()
	for i := range 4 {
		grp[i] = uint16(x >> (16 * i))
	}
	for i := range 3 {
		grp[4+i] = uint16(y >> (16 * i))
	}
	s := g.mark()
	g.a = append(g.a, first...)
	form := g.intn(100)
	switch {
	case form < 30:
		for _, v := range grp {
			g.a = append(g.a, ':')
			g.a = strconv.AppendUint(g.a, uint64(v), 16)
		}
	case form < 45:
		for _, v := range grp {
			g.a = append(g.a, ':')
			g.a = appendHex(g.a, uint64(v), 4, hexLower)
		}
	default:
		// Groups 1..7 follow the first; drop k of them starting at group start (1-based).
		k := g.between(1, 4)
		start := g.between(1, 7-k)
		for i := 1; i < start; i++ {
			g.a = append(g.a, ':')
			g.a = strconv.AppendUint(g.a, uint64(grp[i-1]), 16)
		}
		g.a = append(g.a, ':')
		for i := start + k; i < 8; i++ {
			g.a = append(g.a, ':')
			g.a = strconv.AppendUint(g.a, uint64(grp[i-1]), 16)
		}
	}
	return g.since(s)
}

// email appends a random e-mail address into the arena and returns it and its domain.
func (g *Generator) email() (addr, local, domain span) {
	s := g.mark()
	if g.percent(20) {
		g.a = append(g.a, pick(g, roleMailboxes[:])...)
	} else {
		g.a = append(g.a, pick(g, firstNames[:])...)
		switch g.intn(3) {
		case 0:
			g.a = append(g.a, '.')
		case 1:
			g.a = append(g.a, '_')
		}
		g.a = append(g.a, pick(g, lastNames[:])...)
	}
	local = g.since(s)
	g.a = append(g.a, '@')
	d := g.mark()
	g.a = g.domain(g.a)
	return g.since(s), local, g.since(d)
}

// urlParts locates a generated URL and its host in the arena.
type urlParts struct {
	url, host span
	hostIsIP  bool
}

// appendURLPath appends a random URL path.
func (g *Generator) appendURLPath(dst []byte) []byte {
	p := pick(g, urlPaths[:])
	if p != nPath {
		return append(dst, p...)
	}
	dst = append(dst, "/b/"...)
	dst = appendInt(dst, g.between(100, 999))
	return append(dst, "/payload.bin"...)
}

// url appends a random URL into the arena; scheme "" picks one (http, https or ftp).
func (g *Generator) url(scheme string) urlParts {
	s := g.mark()
	if scheme == "" {
		scheme = pick(g, urlSchemes[:])
	}
	g.a = append(g.a, scheme...)
	g.a = append(g.a, "://"...)
	h := g.mark()
	isIP := g.percent(25)
	if isIP {
		g.a = appendIPv4(g.a, g.ipv4Octets(false), dots)
	} else {
		g.a = g.domain(g.a)
	}
	host := g.since(h)
	if g.percent(15) {
		g.a = append(g.a, pick(g, urlPorts[:])...)
	}
	g.a = g.appendURLPath(g.a)
	if g.percent(35) {
		g.a = append(g.a, "?id="...)
		g.a = appendInt(g.a, g.between(1000, 99999))
		g.a = append(g.a, "&u="...)
		g.a = append(g.a, pick(g, users[:])...)
		if g.percent(30) {
			g.a = append(g.a, "&t="...)
			g.a = g.hexRun(g.a, 16, hexLower)
		}
	}
	return urlParts{url: g.since(s), host: host, hostIsIP: isIP}
}

// tsISO appends a 2024 timestamp such as 2024-03-07T14:02:59.120Z.
func (g *Generator) tsISO(dst []byte) []byte {
	dst = append(dst, "2024-"...)
	dst = appendPadded(dst, g.between(1, 12), 2, '0')
	dst = append(dst, '-')
	dst = appendPadded(dst, g.between(1, 28), 2, '0')
	dst = append(dst, 'T')
	dst = appendPadded(dst, g.between(0, 23), 2, '0')
	dst = append(dst, ':')
	dst = appendPadded(dst, g.between(0, 59), 2, '0')
	dst = append(dst, ':')
	dst = appendPadded(dst, g.between(0, 59), 2, '0')
	dst = append(dst, '.')
	dst = appendPadded(dst, g.between(0, 999), 3, '0')
	return append(dst, 'Z')
}

// tsSyslog appends a syslog timestamp such as "Mar  7 14:02:59".
func (g *Generator) tsSyslog(dst []byte) []byte {
	dst = append(dst, pick(g, months[:])...)
	dst = append(dst, ' ')
	dst = appendPadded(dst, g.between(1, 28), 2, ' ')
	dst = append(dst, ' ')
	dst = appendPadded(dst, g.between(0, 23), 2, '0')
	dst = append(dst, ':')
	dst = appendPadded(dst, g.between(0, 59), 2, '0')
	dst = append(dst, ':')
	return appendPadded(dst, g.between(0, 59), 2, '0')
}

// winDrop appends a random dropped-file path (directory and name) into the arena.
func (g *Generator) winDrop(names []string) span {
	s := g.mark()
	d := pick(g, dropDirs[:])
	g.a = append(g.a, d.head...)
	if d.perUser {
		g.a = append(g.a, pick(g, users[:])...)
		g.a = append(g.a, d.tail...)
	}
	g.a = append(g.a, '\\')
	g.a = append(g.a, pick(g, names)...)
	return g.since(s)
}

// epochMillis appends a 2024 Unix time with milliseconds, e.g. 1709820179.120.
func (g *Generator) epochMillis(dst []byte) []byte {
	dst = appendInt(dst, 1704067200+g.between(0, 31536000))
	dst = append(dst, '.')
	return appendPadded(dst, g.between(0, 999), 3, '0')
}

// appendBase64UTF16 appends the base64 of text encoded as UTF-16LE (PowerShell's
// -EncodedCommand form).
func (g *Generator) appendBase64UTF16(dst, text []byte) []byte {
	u := g.u16[:0]
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		i += n
		if r < 0x10000 {
			u = append(u, byte(r), byte(r>>8))
			continue
		}
		r1, r2 := utf16.EncodeRune(r)
		u = append(u, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
	}
	g.u16 = u
	return base64.StdEncoding.AppendEncode(dst, u)
}
