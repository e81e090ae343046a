package ioc

import (
	"net/netip"
)

// canonScheme maps a lower-case scheme spelling to its canonical form: schemes that carry
// a host, and defanged spellings mapped to the scheme they stand for.
func canonScheme(s string) (string, bool) {
	switch s {
	case "http", "https", "ftp", "ftps", "sftp", "tcp", "udp", "ws", "wss", "smb", "rdp",
		"ldap", "ldaps", "telnet", "ssh", "irc", "ircs", "rtsp", "rtmp", "git", "svn", "nntp",
		"gopher", "socks", "socks4", "socks5", "vnc", "mms", "redis", "mongodb", "mysql",
		"postgres", "postgresql", "amqp", "mqtt", "dns", "tftp", "imap", "imaps", "pop3",
		"smtp", "smtps", "nfs", "webdav":
		return s, true
	case "hxxp", "hxtp", "h00p":
		return "http", true
	case "hxxps", "hxtps", "h00ps":
		return "https", true
	case "fxp", "ftx":
		return "ftp", true
	case "fxps":
		return "ftps", true
	case "sfxp":
		return "sftp", true
	case "wxs":
		return "ws", true
	case "wxss":
		return "wss", true
	}
	return "", false
}

// schemeSep returns the length of "://" or a defanged form of it at p.
func schemeSep(t []byte, p int) (int, bool) {
	rest := t[p:]
	switch {
	case hasPrefix(rest, "://"):
		return 3, false
	case hasPrefix(rest, "[://]"), hasPrefix(rest, "[:]//"), hasPrefix(rest, "(:)//"), hasPrefix(rest, "{:}//"):
		return 5, true
	case hasPrefix(rest, "[:/]/"):
		return 5, true
	case hasPrefix(rest, ":\\\\"):
		return 3, true
	case hasPrefix(rest, ":__"):
		return 3, true
	case hasPrefix(rest, "__"):
		return 2, true
	}
	return 0, false
}

// isNBSP reports whether a UTF-8 no-break space (U+00A0) starts at p.
func isNBSP(t []byte, p int) bool { return t[p] == 0xC2 && p+1 < len(t) && t[p+1] == 0xA0 }

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// url parses a URL whose scheme is t[start:schemeEnd]; it returns the end of the URL, or 0.
func (s *scanner) url(start, schemeEnd int) int {
	t := s.t
	n := len(t)
	if schemeEnd-start > 10 {
		return 0
	}
	var lb [10]byte
	for k := start; k < schemeEnd; k++ {
		lb[k-start] = lower(t[k])
	}
	canon, ok := canonScheme(string(lb[:schemeEnd-start]))
	if !ok {
		return 0
	}
	def := canon != string(lb[:schemeEnd-start])
	sl, sdef := schemeSep(t, schemeEnd)
	if sl == 0 {
		return 0
	}
	def = def || sdef
	quoted := start > 0 && (t[start-1] == '\'' || t[start-1] == '"')
	a := schemeEnd + sl
	// Authority: up to '/', '?', '#', or a byte that cannot be in one.
	ae := a
	at := -1
	for ae < n {
		c := t[ae]
		if c == '/' || c == '?' || c == '#' || class[c]&cURL == 0 || (c == '\'' && quoted) || isNBSP(t, ae) {
			break
		}
		if c == '@' {
			at = ae
		}
		ae++
	}
	h := a
	if at >= 0 {
		h = at + 1
	}
	if h >= n {
		return 0
	}
	var hostVal, reg string
	var hostType int
	var hostDef bool
	var hs, he int // host span for the Within match
	var flags IPFlags
	p := h
	if t[h] == '[' && h+1 < n && (is(t[h+1], cHex) || t[h+1] == ':') {
		e, ok := parseIPv6(t, h+1)
		if !ok || e >= n || t[e] != ']' {
			return 0
		}
		addr, ok := ipv6Addr(t, h+1, e)
		if !ok {
			return 0
		}
		hostVal, hostType, hs, he = s.save(addr.AppendTo(s.buf[:0])), tIPv6, h+1, e
		flags = ipFlags(addr.WithZone(""))
		p = e + 1
	} else if is(t[h], cAlnum) {
		tk := &s.tok2
		s.readToken(tk, h)
		hs, he, hostDef = tk.start, tk.end, tk.defanged
		if tk.digits {
			if tk.n != 4 {
				return 0
			}
			addr, ok := s.ipv4Token(tk)
			if !ok {
				return 0
			}
			hostVal, hostType, flags = s.save(addr.AppendTo(s.buf[:0])), tIPv4, ipFlags(addr)
		} else {
			if tk.n < 2 {
				return 0
			}
			v, r, ok := s.domainToken(tk, false)
			if !ok {
				return 0
			}
			hostVal, reg, hostType = v, r, tDomain
		}
		p = tk.end
	} else {
		return 0
	}
	def = def || hostDef
	// Port.
	portStart, portEnd := -1, -1
	if p < n && t[p] == ':' && p+1 < n && is(t[p+1], cDigit) {
		q := p + 1
		for q < n && is(t[q], cDigit) && q-p <= 5 {
			q++
		}
		portStart, portEnd, p = p+1, q, q
	} else if hasPrefix(t[p:], "[:]") && p+3 < n && is(t[p+3], cDigit) {
		q := p + 3
		for q < n && is(t[q], cDigit) && q-p <= 7 {
			q++
		}
		portStart, portEnd, p = p+3, q, q
		def = true
	}
	if p < n && is(t[p], cAlnum) {
		return 0 // "http://a.bc1": the host does not end here
	}
	restStart := p
	if p < n && (t[p] == '/' || t[p] == '?' || t[p] == '#' || (isOpener(t[p]) && bracketed(t, p, '/', "slash") > 0)) {
		for p < n && class[t[p]]&cURL != 0 && !(quoted && t[p] == '\'') && !isNBSP(t, p) {
			p++
		}
		p = trimURL(t, restStart, p)
	}
	end := p
	// Build the value.
	b := s.buf[:0]
	b = append(b, canon...)
	b = append(b, "://"...)
	if at >= 0 {
		b = append(b, t[a:at+1]...)
	}
	if hostType == tIPv6 {
		b = append(b, '[')
		b = append(b, hostVal...)
		b = append(b, ']')
	} else {
		b = append(b, hostVal...)
	}
	if portStart >= 0 {
		b = append(b, ':')
		b = append(b, t[portStart:portEnd]...)
	}
	b, rdef := appendRefangRest(b, t[restStart:end])
	s.buf = b
	s.emitB(tURL, b, start, end, def || rdef, reg, 0, "")
	switch hostType {
	case tDomain:
		s.emit(tDomain, hostVal, hs, he, hostDef, reg, 0, URL)
	case tIPv4:
		s.emit(tIPv4, hostVal, hs, he, hostDef, "", flags, URL)
	case tIPv6:
		s.emit(tIPv6, hostVal, hs, he, false, "", flags, URL)
	}
	s.lastEnd = end
	return end
}

// trimURL drops trailing punctuation, quotes and unbalanced closing brackets from the URL
// rest t[a:b] and returns the new end.
func trimURL(t []byte, a, b int) int {
	for b > a {
		switch t[b-1] {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
			b--
			continue
		case ')', ']', '}':
			op := map[byte]byte{')': '(', ']': '[', '}': '{'}[t[b-1]]
			opens, closes := 0, 0
			for k := a; k < b; k++ {
				switch t[k] {
				case op:
					opens++
				case t[b-1]:
					closes++
				}
			}
			if closes > opens {
				b--
				continue
			}
		}
		break
	}
	return b
}

// appendRefangRest appends a URL path, query and fragment with defanged dots and colons
// restored.
func appendRefangRest(b, rest []byte) ([]byte, bool) {
	def := false
	from := 0
scan:
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		if c != '[' && c != '(' && c != '{' {
			continue
		}
		b = append(b, rest[from:k]...)
		from = k
		for _, sep := range restSeparators {
			if l := bracketed(rest, k, sep.c, sep.word); l > 0 {
				b = append(b, sep.c)
				k += l - 1
				from = k + 1
				def = true
				continue scan
			}
		}
	}
	return append(b, rest[from:]...), def
}

// restSeparators are the characters restored from bracketed forms in a URL's path and query.
var restSeparators = [...]struct {
	c    byte
	word string
}{{'.', "dot"}, {'/', "slash"}, {':', "colon"}}

// email handles a token t[i:end] followed by an at-sign of length al.
func (s *scanner) email(i, end, al int, adef bool) int {
	t := s.t
	n := len(t)
	ls := i
	for ls > s.lastEnd && ls > i-64 && class[t[ls-1]]&cLocal != 0 {
		ls--
	}
	for ls < end && t[ls] == '.' {
		ls++
	}
	if end-ls > 64 || end <= ls || t[end-1] == '.' {
		return 0
	}
	d := end + al
	if d >= n || !is(t[d], cAlnum) {
		return 0
	}
	tk := &s.tok2
	s.readToken(tk, d)
	if tk.n < 2 || tk.digits {
		return 0
	}
	dv, reg, ok := s.domainToken(tk, false)
	if !ok {
		return 0
	}
	b := s.buf[:0]
	ltok := &s.tok
	def := adef || tk.defanged
	if ltok.defanged {
		// A defanged dot inside the local part: rebuild it.
		b = append(b, t[ls:ltok.start]...)
		for k := 0; k < ltok.n; k++ {
			if k > 0 {
				b = append(b, '.')
			}
			b = append(b, t[ltok.lab[k][0]:ltok.lab[k][1]]...)
		}
		def = true
	} else {
		b = append(b, t[ls:end]...)
	}
	b = append(b, '@')
	b = append(b, dv...)
	s.buf = b
	s.emitB(tEmail, b, ls, tk.end, def, reg, 0, "")
	s.emit(tDomain, dv, tk.start, tk.end, tk.defanged, reg, 0, Email)
	s.lastEnd = tk.end
	return tk.end
}

// parseIPv6 parses an IPv6 address (with an optional zone) at p and returns its end.
func parseIPv6(t []byte, p int) (int, bool) {
	n := len(t)
	q := p
	groups := 0
	dbl := false
	if q+1 < n && t[q] == ':' && t[q+1] == ':' {
		dbl = true
		q += 2
	}
	for q < n && is(t[q], cHex) {
		r := q
		for r < n && is(t[r], cHex) && r-q < 5 {
			r++
		}
		if r-q > 4 {
			return 0, false
		}
		if r < n && t[r] == '.' {
			e, ok := dottedQuadAt(t, q)
			if !ok {
				return 0, false
			}
			groups += 2
			q = e
			break
		}
		groups++
		q = r
		if q+1 < n && t[q] == ':' && t[q+1] == ':' {
			if dbl {
				return 0, false
			}
			dbl = true
			q += 2
			continue
		}
		if q+1 < n && t[q] == ':' && is(t[q+1], cHex) {
			q++
			continue
		}
		break
	}
	if dbl {
		if groups > 7 || (groups == 0 && q == p+2) {
			return 0, false
		}
	} else if groups != 8 {
		return 0, false
	}
	if q < n && t[q] == '%' {
		r := q + 1
		for r < n && r-q < 32 && (is(t[r], cLabel) || t[r] == '.') {
			r++
		}
		if r > q+1 {
			q = r
		}
	}
	if q < n && (is(t[q], cLabel) || t[q] == ':') {
		return 0, false
	}
	if q+1 < n && t[q] == '.' && is(t[q+1], cDigit) {
		return 0, false
	}
	return q, true
}

// ipv6Addr converts the IPv6 address t[p:e] that parseIPv6 accepted (with an optional
// zone) into a netip.Addr without going through a string.
func ipv6Addr(t []byte, p, e int) (netip.Addr, bool) {
	zone := -1
	for k := p; k < e; k++ {
		if t[k] == '%' {
			zone = k
			break
		}
	}
	end := e
	if zone >= 0 {
		end = zone
	}
	var words [8]uint16
	var head, tail [8]uint16
	nh, nt := 0, 0
	dbl := false
	var v4 [4]byte
	hasV4 := false
	q := p
	for q < end {
		if t[q] == ':' {
			if q+1 < end && t[q+1] == ':' {
				dbl = true
				q += 2
				continue
			}
			q++
			continue
		}
		r := q
		var w uint16
		for r < end && is(t[r], cHex) {
			w = w<<4 | uint16(hexVal(t[r]))
			r++
		}
		if r < end && t[r] == '.' {
			qe, ok := dottedQuadAt(t, q)
			if !ok || qe != end {
				return netip.Addr{}, false
			}
			parseDotted(t, q, &v4)
			hasV4 = true
			break
		}
		if r == q || r-q > 4 {
			return netip.Addr{}, false
		}
		if dbl {
			tail[nt] = w
			nt++
		} else {
			head[nh] = w
			nh++
		}
		q = r
		if nh+nt > 8 {
			return netip.Addr{}, false
		}
	}
	total := nh + nt
	if hasV4 {
		total += 2
	}
	if total > 8 || (!dbl && total != 8) || (dbl && total > 7) {
		return netip.Addr{}, false
	}
	copy(words[:], head[:nh])
	tl := nt
	if hasV4 {
		tl += 2
	}
	copy(words[8-tl:], tail[:nt])
	if hasV4 {
		words[6] = uint16(v4[0])<<8 | uint16(v4[1])
		words[7] = uint16(v4[2])<<8 | uint16(v4[3])
	}
	var b [16]byte
	for k, w := range words {
		b[2*k], b[2*k+1] = byte(w>>8), byte(w)
	}
	a := netip.AddrFrom16(b)
	if zone >= 0 && zone+1 < e {
		a = a.WithZone(string(t[zone+1 : e]))
	}
	return a, true
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// parseDotted reads the dotted quad that dottedQuadAt accepted at p.
func parseDotted(t []byte, p int, out *[4]byte) {
	k, v := 0, 0
	for q := p; k < 4 && q < len(t); q++ {
		c := t[q]
		if c == '.' {
			out[k] = byte(v)
			k, v = k+1, 0
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int(c-'0')
	}
	if k < 4 {
		out[k] = byte(v)
	}
}

// dottedQuadAt parses a plain dotted-quad IPv4 address at p.
func dottedQuadAt(t []byte, p int) (int, bool) {
	q := p
	for k := 0; k < 4; k++ {
		if k > 0 {
			if q >= len(t) || t[q] != '.' {
				return 0, false
			}
			q++
		}
		r := q
		v := 0
		for r < len(t) && is(t[r], cDigit) && r-q < 4 {
			v = v*10 + int(t[r]-'0')
			r++
		}
		if r == q || r-q > 3 || v > 255 || (r-q > 1 && t[q] == '0') {
			return 0, false // leading zeros are ambiguous (octal) and refused, as net/netip does
		}
		q = r
	}
	return q, true
}

// ipv6At parses and emits an IPv6 address at p; it returns its end or 0.
func (s *scanner) ipv6At(start, p int) int {
	e, ok := parseIPv6(s.t, p)
	if !ok {
		return 0
	}
	addr, ok := ipv6Addr(s.t, p, e)
	if !ok {
		return 0
	}
	s.buf = addr.AppendTo(s.buf[:0])
	s.emitB(tIPv6, s.buf, p, e, false, "", ipFlags(addr.WithZone("")), "")
	s.lastEnd = e
	return e
}

// pathBody reads backslash-separated segments starting at the backslash at p. With dbl,
// separators are JSON-escaped double backslashes. It returns the end of the path and the
// number of segments.
func (s *scanner) pathBody(p int, dbl bool, seg uint32) (int, int) {
	t := s.t
	n := len(t)
	end := p
	q := p
	segs := 0
	for q < n && t[q] == '\\' {
		r := q + 1
		if dbl {
			if r >= n || t[r] != '\\' {
				break
			}
			r++
		}
		ss := r
		for r < n && class[t[r]]&seg != 0 {
			r++
		}
		if r < n && t[r] == ' ' && r > ss {
			// A space belongs to a directory name: more words, then a backslash.
			k := r
			for k < n && k-r < 64 && class[t[k]]&cSpaceWord != 0 {
				k++
			}
			if k < n && t[k] == '\\' && t[k-1] != ' ' {
				r = k
			}
		}
		if r == ss {
			// A trailing separator (a directory) ends the path when a delimiter follows.
			if segs > 0 && (r >= n || t[r] == '"' || t[r] == '\'' || t[r] == ' ' || t[r] == '\t' || t[r] == '\r' || t[r] == '\n') {
				end = r
			}
			break
		}
		segs++
		end = r
		q = r
	}
	// Trim trailing dots and unbalanced parentheses.
	for end > p {
		c := t[end-1]
		if c == '.' {
			end--
			continue
		}
		if c == ')' {
			o, cl := 0, 0
			for k := p; k < end; k++ {
				if t[k] == '(' {
					o++
				} else if t[k] == ')' {
					cl++
				}
			}
			if cl > o {
				end--
				continue
			}
		}
		break
	}
	return end, segs
}

func (s *scanner) emitPath(ti, start, end int, dbl bool) {
	if !s.e.want[ti] {
		return
	}
	v := s.t[start:end]
	if dbl {
		b := s.buf[:0]
		for k := 0; k < len(v); k++ {
			b = append(b, v[k])
			if v[k] == '\\' && k+1 < len(v) && v[k+1] == '\\' {
				k++
			}
		}
		s.buf = b
		v = b
	}
	s.emitB(ti, v, start, end, false, "", 0, "")
}

// winPath parses a drive path; t[start] is the drive letter and t[bs] the first backslash.
func (s *scanner) winPath(start, bs int) int {
	dbl := bs+1 < len(s.t) && s.t[bs+1] == '\\'
	end, segs := s.pathBody(bs, dbl, cWinSeg)
	if segs == 0 {
		return 0
	}
	s.emitPath(tWindowsPath, start, end, dbl)
	s.lastEnd = end
	return end
}

// uncPath parses \\host\share\… at i.
func (s *scanner) uncPath(i int) int {
	t := s.t
	n := len(t)
	if i+2 >= n || t[i+1] != '\\' || (i > 0 && (t[i-1] == '\\' || is(t[i-1], cAlnum))) {
		return 0
	}
	dbl := false
	h := i + 2
	if t[h] == '\\' {
		if h+1 >= n || t[h+1] != '\\' {
			return 0
		}
		dbl = true
		h += 2
	}
	if h >= n || !is(t[h], cAlnum) {
		return 0
	}
	tk := &s.tok2
	s.readToken(tk, h)
	if tk.defanged {
		return 0
	}
	var addr netip.Addr
	var dv, reg string
	host := -1
	if tk.digits {
		if tk.n != 4 {
			return 0
		}
		a, ok := s.ipv4Token(tk)
		if !ok {
			return 0
		}
		addr, host = a, tIPv4
	} else if tk.n >= 2 {
		if v, r, ok := s.domainToken(tk, false); ok {
			dv, reg, host = v, r, tDomain
		}
	}
	end, segs := s.pathBody(tk.end, dbl, cWinSeg)
	if segs == 0 {
		return 0
	}
	s.emitPath(tWindowsPath, i, end, dbl)
	// The host of a UNC path is a host like a URL's: report it for enrichment.
	switch host {
	case tIPv4:
		s.emitIPv4(addr, tk.start, tk.end, false, WindowsPath)
	case tDomain:
		s.emit(tDomain, dv, tk.start, tk.end, false, reg, 0, WindowsPath)
	}
	s.lastEnd = end
	return end
}

// envPath parses %VAR%\… at i.
func (s *scanner) envPath(i int) int {
	t := s.t
	n := len(t)
	if i > 0 && is(t[i-1], cAlnum) {
		return 0
	}
	q := i + 1
	for q < n && q-i < 40 && (is(t[q], cLabel) || t[q] == '(' || t[q] == ')') {
		q++
	}
	if q == i+1 || q+1 >= n || t[q] != '%' || t[q+1] != '\\' {
		return 0
	}
	dbl := q+2 < n && t[q+2] == '\\'
	end, segs := s.pathBody(q+1, dbl, cWinSeg)
	if segs == 0 {
		return 0
	}
	s.emitPath(tWindowsPath, i, end, dbl)
	s.lastEnd = end
	return end
}

var hives = [...]string{"hklm", "hkcu", "hku", "hkcr", "hkcc", "hkey_local_machine", "hkey_current_user",
	"hkey_users", "hkey_classes_root", "hkey_current_config", "hkey_performance_data"}

func isHive(b []byte) bool {
	for _, h := range hives {
		if equalFold(b, h) {
			return true
		}
	}
	return false
}

// registry parses a registry key whose first label is t[start:end].
func (s *scanner) registry(start, end int) int {
	t := s.t
	n := len(t)
	hs, he := start, end
	if equalFold(t[start:end], "registry") {
		if end+2 >= n || t[end] != ':' || t[end+1] != ':' || !is(t[end+2], cAlpha) {
			return 0
		}
		hs = end + 2
		he = hs
		for he < n && is(t[he], cLabel) {
			he++
		}
	}
	if !isHive(t[hs:he]) {
		return 0
	}
	p := he
	if p < n && t[p] == ':' {
		p++
	}
	if p >= n || t[p] != '\\' {
		return 0
	}
	dbl := p+1 < n && t[p+1] == '\\'
	e, segs := s.pathBody(p, dbl, cRegSeg)
	if segs == 0 {
		return 0
	}
	s.emitPath(tRegistryKey, start, e, dbl)
	s.lastEnd = e
	return e
}

var httpMethods = [...]string{"GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS", "PATCH", "TRACE", "PROPFIND"}

// linuxPath parses an absolute Linux path at i; it returns its end, or 0 when there is
// none (or i+1.. when a URL path is skipped).
func (s *scanner) linuxPath(i int) int {
	t := s.t
	n := len(t)
	if i > 0 && class[t[i-1]]&cPathPrev == 0 {
		return 0
	}
	q := i
	segs := 0
	firstDigits := false
	for q < n && t[q] == '/' {
		r := q + 1
		for r < n && class[t[r]]&cLxSeg != 0 {
			r++
		}
		if r == q+1 {
			break
		}
		if segs == 0 {
			firstDigits = allDigits(t[q+1 : r])
		}
		segs++
		q = r
	}
	end := q
	for end > i && t[end-1] == '.' {
		end--
	}
	if segs < 2 || firstDigits {
		return 0
	}
	// "GET /a/b HTTP/1.1": a URL path, not a file.
	if i >= 2 && t[i-1] == ' ' {
		j := i - 2
		for j >= 0 && t[j] >= 'A' && t[j] <= 'Z' {
			j--
		}
		w := string(t[j+1 : i-1])
		for _, m := range httpMethods {
			if w == m {
				return end
			}
		}
	}
	s.emitB(tLinuxPath, t[i:end], i, end, false, "", 0, "")
	s.lastEnd = end
	return end
}
