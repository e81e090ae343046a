package ioc

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"unsafe"
)

// Byte classes.
const (
	cAlpha      = 1 << iota // A-Z a-z
	cDigit                  // 0-9
	cHex                    // 0-9 A-F a-f
	cLabel                  // alnum, '-', '_': bytes of a domain label (and of a token)
	cStart                  // bytes the skip loop stops at
	cLxSeg                  // bytes of a Linux path segment
	cWinSeg                 // bytes of a Windows path segment
	cURL                    // bytes of a URL path, query or fragment
	cLocal                  // bytes of an e-mail local part
	cRegSeg                 // bytes of a registry key segment
	cSpaceWord              // bytes allowed in the words of a directory name with spaces
	cNonDigit               // label bytes that are not digits
	cDotStart               // bytes that can begin a (defanged) dot
	cUnderscore             // '_'
	cPathPrev               // bytes after which "/" can start a Linux path
	cWord                   // letters, digits and '-': the bytes of a plain word
	cNotLetter              // label bytes that are not letters: digits, '-', '_'

	cAlnum = cAlpha | cDigit
)

var class = func() (t [256]uint32) {
	for c := 0; c < 256; c++ {
		var f uint32
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			f |= cAlpha | cLabel | cStart | cNonDigit
			if c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
				f |= cHex
			}
		case c >= '0' && c <= '9':
			f |= cDigit | cHex | cLabel | cStart
		case c == '-' || c == '_':
			f |= cLabel | cNonDigit
			if c == '_' {
				f |= cUnderscore | cStart // "_dmarc.example.com"
			}
		}
		if f&cAlnum != 0 || strings.IndexByte("._-+~@%", byte(c)) >= 0 || c >= 0x80 {
			f |= cLxSeg
		}
		if c > ' ' && c != 0x7f && strings.IndexByte(`\/:*?"<>|',;=[]`, byte(c)) < 0 {
			f |= cWinSeg
		}
		if c > ' ' && c != 0x7f && strings.IndexByte("\"<>\\^`{|}", byte(c)) < 0 {
			f |= cURL
		}
		if f&cAlnum != 0 || strings.IndexByte("._%+-", byte(c)) >= 0 {
			f |= cLocal
		}
		if c > ' ' && c != 0x7f && strings.IndexByte(`\"'<>|`, byte(c)) < 0 {
			f |= cRegSeg
		}
		if f&cAlnum != 0 || strings.IndexByte(" ._-()&+~", byte(c)) >= 0 || c >= 0x80 {
			f |= cSpaceWord
		}
		if strings.IndexByte(" \t\r\n\"'=(<>|;,`[{", byte(c)) >= 0 {
			f |= cPathPrev
		}
		if strings.IndexByte(".\\[({ ", byte(c)) >= 0 {
			f |= cDotStart
		}
		if f&cAlnum != 0 || c == '-' {
			f |= cWord
		}
		if f&cLabel != 0 && f&cAlpha == 0 {
			f |= cNotLetter
		}
		if strings.IndexByte(`/\%:`, byte(c)) >= 0 {
			f |= cStart
		}
		t[c] = f
	}
	return t
}()

// plainAfter classifies the bytes after a word of letters, digits and hyphens: bit 0 is
// set for bytes after which the word cannot go on into an indicator (not a label byte, not
// a possibly defanged separator: ':', '@', brackets, '\\'). Bit 1 marks the space, which
// counts only when no bracket or other space follows it (" [at] ", " [.] "), and bit 2 the
// dot, which counts only when neither a letter or digit (a next label) nor a closing
// bracket (a lopsided defanged dot, ".]") follows it. nextBad marks those followers: bit 0
// for the space, bit 1 for the dot.
var plainAfter = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if class[c]&cLabel == 0 && strings.IndexByte(".:@[({\\", byte(c)) < 0 {
			t[c] = 1
		}
	}
	t[' '] |= 2
	t['.'] = 1 | 4
	return t
}()

var nextBad = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if strings.IndexByte(" [({", byte(c)) >= 0 {
			t[c] |= 1
		}
		if class[c]&cAlnum != 0 || strings.IndexByte("])}", byte(c)) >= 0 {
			t[c] |= 2
		}
	}
	return t
}()

// plainEnd reports whether a word of letters, digits and hyphens that ends before the byte
// c, followed by after (0 at the end of the text), is complete: see plainAfter.
func plainEnd(c, after byte) bool {
	a, f := plainAfter[c], nextBad[after]
	return a&^(a>>1&f|a>>2&(f>>1))&1 != 0
}

func is(c byte, f uint32) bool { return class[c]&f != 0 }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

const maxLabels = 127

// token is a run of labels joined by (possibly defanged) dots.
type token struct {
	start, end int
	n          int
	lab        [maxLabels][2]int
	defanged   bool
	digits     bool // every label is all digits
	plainDots  bool // every separator is a plain '.'
	underscore bool // some label has a '_'
	letters    bool // every label byte is a letter
}

type scanner struct {
	e       *Extractor
	t       []byte
	str     string
	isStr   bool
	out     []Match
	lastEnd int
	tok     token
	tok2    token
	buf     []byte
	lbuf    [64]byte
	arena   []byte
}

func (s *scanner) raw(a, b int) string {
	if s.isStr {
		return s.str[a:b]
	}
	return s.save(s.t[a:b])
}

const arenaBlock = 16 << 10

// save copies b into the scanner's arena and returns it as a string. Strings share
// arena blocks, which are never written again, so there is one allocation per block
// rather than per match.
func (s *scanner) save(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(s.arena)-len(s.arena) < len(b) {
		// Blocks are only ever appended to, so strings handed out stay intact while the
		// block's free tail serves later matches, also of later calls.
		s.arena = make([]byte, 0, max(arenaBlock, len(b)))
	}
	off := len(s.arena)
	s.arena = append(s.arena, b...)
	return unsafe.String(&s.arena[off], len(b))
}

// emitB emits a match whose value is v; when v equals the raw text, Value and Raw share
// one string.
func (s *scanner) emitB(ti int, v []byte, a, b int, def bool, reg string, fl IPFlags, within Type) {
	if !s.e.want[ti] {
		return
	}
	raw := s.raw(a, b)
	val := raw
	if string(v) != raw {
		val = s.save(v)
	}
	s.out = append(s.out, Match{Type: builtinTypes[ti], Value: val, Raw: raw, Start: a, End: b,
		Defanged: def, Registrable: reg, IPFlags: fl, Within: within})
}

func (s *scanner) emit(ti int, value string, a, b int, def bool, reg string, fl IPFlags, within Type) {
	if !s.e.want[ti] {
		return
	}
	raw := s.raw(a, b)
	if value == raw {
		value = raw
	}
	s.out = append(s.out, Match{Type: builtinTypes[ti], Value: value, Raw: raw, Start: a, End: b,
		Defanged: def, Registrable: reg, IPFlags: fl, Within: within})
}

func (s *scanner) run() {
	t := s.t
	n := len(t)
	i := 0
	for i < n {
		// Skip loop: bytes that cannot start an indicator.
		for uint(i) < uint(n) && class[t[i]]&cStart == 0 {
			i++
		}
		if i >= n {
			break
		}
		c := t[i]
		var prev byte = ' '
		if i > 0 {
			prev = t[i-1]
		}
		if class[c]&cAlnum != 0 || c == '_' {
			if class[prev]&cLabel != 0 {
				// Inside a word that was already looked at (after a match end): skip it.
				for i < n && class[t[i]]&cLabel != 0 {
					i++
				}
				continue
			}
			// Fast skip of a plain word: letters, digits and hyphens followed by a byte that
			// neither continues a token nor separates the parts of an indicator. Such a word
			// can only be an indicator by itself when it is a hash (32 or more bytes), a CVE
			// identifier or an ATT&CK technique (see words); atToken would step over any
			// other.
			if c != '_' {
				j, lim := i+1, min(n, i+32)
				for j < lim && class[t[j]]&cWord != 0 {
					j++
				}
				if j-i < 32 {
					plain := j >= n
					if !plain {
						var after byte
						if j+1 < n {
							after = t[j+1]
						}
						plain = plainEnd(t[j], after)
					}
					if plain && (c != 'T' && c|0x20 != 'c' || !maybeWordIndicator(t[i:j])) {
						i = j
						continue
					}
				}
			}
			i = s.atToken(i)
			continue
		}
		switch c {
		case '/':
			if end := s.linuxPath(i); end > i {
				i = end
				continue
			}
		case '\\':
			if end := s.uncPath(i); end > i {
				i = end
				continue
			}
		case '%':
			if end := s.envPath(i); end > i {
				i = end
				continue
			}
		case ':':
			if i+1 < n && t[i+1] == ':' && !is(prev, cLabel) && prev != ':' && prev != ']' {
				if end := s.ipv6At(i, i); end > i {
					i = end
					continue
				}
			}
		}
		i++
	}
}

// readToken reads labels joined by dots from i (t[i] is alphanumeric) into tk.
func (s *scanner) readToken(tk *token, i int) {
	t := s.t
	n := len(t)
	tk.start = i
	nl := 0
	def, plain := false, true
	var acc uint32
	p := i
	for {
		// Labels are mostly short: a byte at a time for the first eight bytes, then eight
		// at a time.
		q := p
		for lim := min(n, p+8); q < lim; q++ {
			f := class[t[q]]
			if f&cLabel == 0 {
				goto labelEnd
			}
			acc |= f
		}
		for q+8 <= n {
			u := t[q : q+8 : q+8]
			f0, f1, f2, f3 := class[u[0]], class[u[1]], class[u[2]], class[u[3]]
			f4, f5, f6, f7 := class[u[4]], class[u[5]], class[u[6]], class[u[7]]
			a := f0 & f1 & f2 & f3 & f4 & f5 & f6 & f7
			if a&cLabel == 0 {
				break
			}
			acc |= f0 | f1 | f2 | f3 | f4 | f5 | f6 | f7
			q += 8
		}
		for q < n {
			f := class[t[q]]
			if f&cLabel == 0 {
				break
			}
			acc |= f
			q++
		}
	labelEnd:
		tk.lab[nl] = [2]int{p, q}
		nl++
		if q >= n || nl == maxLabels {
			p = q
			break
		}
		if class[t[q]]&cDotStart == 0 {
			p = q
			break
		}
		sl, d := dotSep(t, q)
		if sl == 0 || q+sl >= n || class[t[q+sl]]&cAlnum == 0 {
			p = q
			break
		}
		if d {
			def, plain = true, false
		} else if sl != 1 {
			plain = false
		}
		p = q + sl
	}
	tk.end = p
	tk.n = nl
	tk.defanged = def
	tk.plainDots = plain
	tk.digits = acc&cNonDigit == 0
	tk.underscore = acc&cUnderscore != 0
	tk.letters = acc&cNotLetter == 0
}

// dotSep returns the length of a dot separator at p (0 when there is none) and whether it
// is a defanged form. Besides ".", it accepts a dot or the word "dot" with up to four
// opening brackets before it and up to four closing brackets after it ("[.]", "(.)",
// "{.}", "[dot]", "[ . ]", and the lopsided "[.", ".]" and "((.]]" that hand-defanged
// text is full of), up to four backslashes before a dot ("\."), and a bracketed dot with
// spaces around it (" [.] ").
func dotSep(t []byte, p int) (int, bool) {
	n := len(t)
	switch t[p] {
	case '.':
		q := p + 1
		for q < n && q-p <= 4 && isCloser(t[q]) {
			q++
		}
		return q - p, q > p+1
	case '\\':
		q := p
		for q < n && q-p < 8 && t[q] == '\\' {
			q++
		}
		if q < n && t[q] == '.' {
			return q + 1 - p, true
		}
		if q < n && isOpener(t[q]) {
			// Escaped brackets: "\(.\)".
			if l := bracketSep(t, q, '.', "dot"); l > 0 {
				return q - p + l, true
			}
		}
	case '[', '(', '{':
		if l := bracketSep(t, p, '.', "dot"); l > 0 {
			return l, true
		}
	case ' ':
		// " [.] " and " [dot] ": a bracketed dot with spaces around it.
		if p+1 >= n || (t[p+1] != '[' && t[p+1] != ' ') {
			return 0, false
		}
		q := p
		for q < n && q-p < 3 && t[q] == ' ' {
			q++
		}
		if q < n && t[q] == '[' {
			if l := bracketed(t, q, '.', "dot"); l > 0 {
				r := q + l
				for r < n && r-(q+l) < 3 && t[r] == ' ' {
					r++
				}
				if r > q+l {
					return r - p, true
				}
			}
		}
	}
	return 0, false
}

// bracketSep matches ch or word (case-insensitive) with up to four opening brackets
// before it and up to four closing brackets after it, spaces allowed inside ("[.]",
// "( dot )", "[.", "{ @ )"), at p, and returns its length. A word must not run on into
// a letter ("[dotnet" is not a dot).
func bracketSep(t []byte, p int, ch byte, word string) int {
	n := len(t)
	q := p
	for q < n && q-p < 4 && isOpener(t[q]) {
		q++
	}
	if q == p {
		return 0
	}
	for q < n && q-p < 8 && t[q] == ' ' {
		q++
	}
	if q < n && t[q] == ch {
		q++
	} else if q+len(word) <= n && equalFold(t[q:q+len(word)], word) {
		q += len(word)
		if q < n && is(t[q], cAlpha) {
			return 0
		}
	} else {
		return 0
	}
	r := q
	for r < n && r-q < 8 && t[r] == ' ' {
		r++
	}
	if r+1 < n && t[r] == '\\' && isCloser(t[r+1]) {
		r++ // an escaped closing bracket
	}
	if r < n && isCloser(t[r]) {
		q = r
		for q < n && q-r < 4 && isCloser(t[q]) {
			q++
		}
	}
	return q - p
}

func isOpener(c byte) bool { return c == '[' || c == '(' || c == '{' }
func isCloser(c byte) bool { return c == ']' || c == ')' || c == '}' }

// bracketed matches "[c]", "(c)", "{c}", "[word]" (case-insensitive) and "[ c ]" at p and
// returns its length.
func bracketed(t []byte, p int, c byte, word string) int {
	var cl byte
	switch t[p] {
	case '[':
		cl = ']'
	case '(':
		cl = ')'
	case '{':
		cl = '}'
	default:
		return 0
	}
	n := len(t)
	q := p + 1
	for q < n && q-p < 4 && t[q] == ' ' {
		q++
	}
	if q >= n {
		return 0
	}
	if t[q] == c {
		q++
	} else if q+len(word) <= n && equalFold(t[q:q+len(word)], word) {
		q += len(word)
	} else {
		return 0
	}
	for q < n && t[q] == ' ' && q-p < 10 {
		q++
	}
	if q < n && t[q] == cl {
		return q + 1 - p
	}
	return 0
}

// equalFold reports whether b equals the lower-case ASCII word w, ignoring case.
func equalFold(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != w[i] {
			return false
		}
	}
	return true
}

// atSep returns the length of an at-sign at p: "@", "[@]", "[at]", "(at)", "{at}", and the
// bracketed forms with spaces around them.
func atSep(t []byte, p int) (int, bool) {
	if p >= len(t) {
		return 0, false
	}
	switch t[p] {
	case '@':
		return 1, false
	case '[', '(', '{':
		if n := bracketSep(t, p, '@', "at"); n > 0 {
			return n, true
		}
	case ' ':
		q := p
		for q < len(t) && q-p < 3 && t[q] == ' ' {
			q++
		}
		if q < len(t) && (t[q] == '[' || t[q] == '(' || t[q] == '{') {
			if n := bracketed(t, q, '@', "at"); n > 0 {
				r := q + n
				for r < len(t) && r-(q+n) < 3 && t[r] == ' ' {
					r++
				}
				if r > q+n {
					return r - p, true
				}
			}
		}
	}
	return 0, false
}

// atToken handles a token starting at i and returns where scanning resumes.
func (s *scanner) atToken(i int) int {
	t := s.t
	n := len(t)
	tk := &s.tok
	s.readToken(tk, i)
	end := tk.end
	var next byte
	if end < n {
		next = t[end]
	}
	// Fast path: a single word is an indicator only when a separator follows (a scheme's
	// ':', a drive's ':\', a hive's '\', an at-sign, a bracket), unless it can be a hash
	// (32 or more bytes), a CVE identifier (13 or more), an ATT&CK technique (starts with
	// 'T') or hold an underscore-defanged scheme ("http__host").
	if tk.n == 1 && ((tk.letters && end-i < 32) || (end-i < 13 && t[i] != 'T' && !tk.underscore)) {
		switch next {
		case ':', '@', '[', '(', '{', '\\':
		case ' ':
			if end+1 < n && (t[end+1] == ' ' || isOpener(t[end+1])) {
				break
			}
			return end
		default:
			return end
		}
	}
	// "http__host" and "https__host": the peer's underscore-defanged scheme separator,
	// inside the first label.
	if l0 := tk.lab[0][1] - tk.start; l0 > 5 && tk.underscore && isSchemeStart(t[i]) {
		for k := i + 2; k < i+8 && k+2 < tk.lab[0][1]; k++ {
			if t[k] == '_' && t[k+1] == '_' {
				if e := s.url(i, k); e > 0 {
					return e
				}
				break
			}
		}
	}
	if tk.n == 1 {
		// scheme://
		if next == ':' || next == '[' || next == '(' {
			if e := s.url(tk.start, end); e > 0 {
				return e
			}
		}
		lab := t[tk.start:end]
		// C:\ drive paths.
		if len(lab) == 1 && next == ':' && is(lab[0], cAlpha) && end+1 < n && t[end+1] == '\\' {
			if e := s.winPath(tk.start, end+1); e > 0 {
				return e
			}
		}
		// Registry keys.
		if (lab[0] == 'H' || lab[0] == 'h' || lab[0] == 'R' || lab[0] == 'r') && (next == '\\' || next == ':') {
			if e := s.registry(tk.start, end); e > 0 {
				return e
			}
		}
		// IPv6 starting with a hex group.
		if next == ':' && len(lab) <= 4 && allHex(lab) {
			var pp byte = ' '
			if i > 0 {
				pp = t[i-1]
			}
			var ppp byte = ' '
			if i > 1 {
				ppp = t[i-2]
			}
			if !(pp == ':' && (is(ppp, cHex) || ppp == ':')) && !(pp == '.' && is(ppp, cAlnum)) {
				if e := s.ipv6At(i, i); e > i {
					return e
				}
			}
		}
	}
	// E-mail: token followed by an at-sign.
	if next == '@' || next == '[' || next == '(' || next == '{' || (next == ' ' && end+1 < n && (t[end+1] == ' ' || t[end+1] == '[' || t[end+1] == '(' || t[end+1] == '{')) {
		if al, adef := atSep(t, end); al > 0 {
			if e := s.email(i, end, al, adef); e > 0 {
				return e
			}
		}
	}
	if tk.digits {
		if tk.n == 4 {
			if v, ok := s.ipv4Token(tk); ok && !s.versionContext(i) {
				s.emitIPv4(v, tk.start, tk.end, tk.defanged, "")
				s.lastEnd = tk.end
			}
		}
		return end
	}
	if tk.n == 4 {
		if a, b, ok := s.gluedIPv4(tk); ok {
			if addr, ok := parseQuad(t, tk, a, b); ok {
				s.emitIPv4(addr, a, b, tk.defanged, "")
				s.lastEnd = b
				return end
			}
		}
	}
	if tk.n >= 2 {
		if val, reg, ok := s.domainToken(tk, true); ok {
			s.emit(tDomain, val, tk.start, tk.end, tk.defanged, reg, 0, "")
			s.lastEnd = tk.end
			return end
		}
	}
	s.words(tk)
	return end
}

// maybeWordIndicator reports whether the plain word w can be a CVE identifier ("CVE-"
// in either case, 13 bytes or more) or an ATT&CK technique ("T" and four digits).
func maybeWordIndicator(w []byte) bool {
	switch w[0] {
	case 'T':
		return len(w) == 5 && allDigits(w[1:])
	case 'C', 'c':
		return len(w) >= 13 && w[1]|0x20 == 'v' && w[2]|0x20 == 'e' && w[3] == '-'
	}
	return false
}

func isSchemeStart(c byte) bool {
	switch c | 0x20 {
	case 'h', 'f', 's', 't', 'u', 'w':
		return true
	}
	return false
}

// gluedIPv4 finds a dotted quad whose outer labels carry letters ("words1.1.1.1words"):
// the address is the digits at the end of the first label, the two middle labels and the
// digits at the start of the last label. A letter is not a digit, so the digit boundary
// holds.
func (s *scanner) gluedIPv4(tk *token) (int, int, bool) {
	t := s.t
	for k := 1; k <= 2; k++ {
		l := t[tk.lab[k][0]:tk.lab[k][1]]
		if len(l) > 3 || !allDigits(l) {
			return 0, 0, false
		}
	}
	a0, b0 := tk.lab[0][0], tk.lab[0][1]
	a := b0
	for a > a0 && b0-a < 4 && is(t[a-1], cDigit) {
		a--
	}
	if a == b0 || b0-a > 3 || (a > a0 && is(t[a-1], cDigit)) {
		return 0, 0, false
	}
	a3, b3 := tk.lab[3][0], tk.lab[3][1]
	b := a3
	for b < b3 && b-a3 < 4 && is(t[b], cDigit) {
		b++
	}
	if b == a3 || b-a3 > 3 || (b < b3 && is(t[b], cDigit)) {
		return 0, 0, false
	}
	return a, b, true
}

// parseQuad reads the four numbers of a dotted quad spanning t[a:b] whose labels are those
// of tk (the first and last possibly trimmed to a and b).
func parseQuad(t []byte, tk *token, a, b int) (netip.Addr, bool) {
	var q [4]byte
	for k := 0; k < 4; k++ {
		x, y := tk.lab[k][0], tk.lab[k][1]
		if k == 0 {
			x = a
		}
		if k == 3 {
			y = b
		}
		v := 0
		for _, c := range t[x:y] {
			v = v*10 + int(c-'0')
		}
		if y-x > 3 || v > 255 {
			return netip.Addr{}, false
		}
		q[k] = byte(v)
	}
	return netip.AddrFrom4(q), true
}

func allHex(b []byte) bool {
	for _, c := range b {
		if class[c]&cHex == 0 {
			return false
		}
	}
	return len(b) > 0
}

// words looks for CVE identifiers, ATT&CK techniques and hashes in a token that is
// nothing else.
func (s *scanner) words(tk *token) {
	t := s.t
	first := t[tk.lab[0][0]:tk.lab[0][1]]
	if tk.n <= 2 && len(first) == 5 && first[0] == 'T' && allDigits(first[1:]) {
		if tk.n == 1 {
			s.emitB(tAttackTechnique, first, tk.start, tk.end, false, "", 0, "")
			s.lastEnd = tk.end
			return
		}
		second := t[tk.lab[1][0]:tk.lab[1][1]]
		if tk.plainDots && len(second) == 3 && allDigits(second) {
			s.emitB(tAttackTechnique, t[tk.start:tk.end], tk.start, tk.end, false, "", 0, "")
			s.lastEnd = tk.end
			return
		}
	}
	if tk.n == 1 && len(first) >= 13 && (first[0] == 'C' || first[0] == 'c') && isCVE(first) {
		s.buf = appendUpper(s.buf[:0], first)
		s.emitB(tCVE, s.buf, tk.start, tk.end, false, "", 0, "")
		s.lastEnd = tk.end
		return
	}
	for k := 0; k < tk.n; k++ {
		a, b := tk.lab[k][0], tk.lab[k][1]
		if b-a >= 32 {
			s.hashes(a, b)
		}
	}
}

// hashes emits the hex runs of hash length in the label t[a:b]. A run inside a label is
// bounded by a non-hex byte of the label or by the label's end (a separator, never hex).
// The search looks at every 32nd byte first: a run of 32 or more hex digits must cover it.
func (s *scanner) hashes(a, b int) {
	t := s.t
	p := a
	for p+32 <= b {
		j := p + 31
		if class[t[j]]&cHex == 0 {
			p = j + 1
			continue
		}
		// A run of 32 or more hex digits that covers j covers four consecutive bytes of
		// j-24, j-16, j-8, j, j+8, j+16, j+24. When none of the four windows is all hex,
		// the run around j is short, and the next run starts after j.
		l3, l2, l1 := class[t[j-24]], class[t[j-16]], class[t[j-8]]
		var r1, r2, r3 uint32
		if j+24 < b {
			r1, r2, r3 = class[t[j+8]], class[t[j+16]], class[t[j+24]]
		} else {
			if j+8 < b {
				r1 = class[t[j+8]]
			}
			if j+16 < b {
				r2 = class[t[j+16]]
			}
		}
		if (l3&l2&l1|l2&l1&r1|l1&r1&r2|r1&r2&r3)&cHex == 0 {
			p = j + 1
			continue
		}
		st := j
		for st > p && class[t[st-1]]&cHex != 0 {
			st--
		}
		q := j + 1
		for q < b && class[t[q]]&cHex != 0 {
			q++
		}
		var ti int
		switch q - st {
		case 32:
			ti = tMD5
		case 40:
			ti = tSHA1
		case 64:
			ti = tSHA256
		case 128:
			ti = tSHA512
		default:
			p = q
			continue
		}
		s.buf = appendLowerHex(s.buf[:0], t[st:q])
		s.emitB(ti, s.buf, st, q, false, "", 0, "")
		s.lastEnd = q
		p = q
	}
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// isCVE matches CVE-YYYY-NNNN+ (case-insensitive).
func isCVE(b []byte) bool {
	if len(b) < 13 || !equalFold(b[:4], "cve-") || !allDigits(b[4:8]) || b[8] != '-' {
		return false
	}
	return len(b)-9 >= 4 && len(b)-9 <= 7 && allDigits(b[9:])
}

func appendLower(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, b...)
	for i := n; i < len(dst); i++ {
		if c := dst[i]; c >= 'A' && c <= 'Z' {
			dst[i] = c + 'a' - 'A'
		}
	}
	return dst
}

// appendLowerHex appends the hex digits b in lower case: for hex digits that is setting
// bit 0x20, which the digits already have.
func appendLowerHex(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, b...)
	i := n
	for ; i+8 <= len(dst); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:i+8], binary.LittleEndian.Uint64(dst[i:i+8])|0x2020202020202020)
	}
	for ; i < len(dst); i++ {
		dst[i] |= 0x20
	}
	return dst
}

func appendUpper(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// ipv4Token parses a four-label all-digit token as an IPv4 address.
func (s *scanner) ipv4Token(tk *token) (netip.Addr, bool) {
	var a [4]byte
	for k := 0; k < 4; k++ {
		l := s.t[tk.lab[k][0]:tk.lab[k][1]]
		if len(l) > 3 {
			return netip.Addr{}, false
		}
		v := 0
		for _, c := range l {
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return netip.Addr{}, false
		}
		a[k] = byte(v)
	}
	return netip.AddrFrom4(a), true
}

// versionContext reports whether the dotted quad at i follows a User-Agent product token
// such as "Chrome/".
func (s *scanner) versionContext(i int) bool {
	t := s.t
	if i == 0 || t[i-1] != '/' {
		return false
	}
	j := i - 2
	for j >= 0 && (is(t[j], cAlnum) || t[j] == '-') {
		j--
	}
	if j == i-2 || !is(t[j+1], cAlpha) {
		return false
	}
	return j < 0 || strings.IndexByte(" \t(\"';,[", t[j]) >= 0
}

func (s *scanner) emitIPv4(a netip.Addr, start, end int, def bool, within Type) {
	if !s.e.want[tIPv4] {
		return
	}
	s.buf = a.AppendTo(s.buf[:0])
	s.emitB(tIPv4, s.buf, start, end, def, "", ipFlags(a), within)
}

// fileExtTLDs are TLDs that are far more often file extensions in logs.
var fileExtTLDs = [...]string{"zip", "mov", "py", "sh", "so", "pl", "rs", "md", "ps", "pm", "run", "rar"}

func isFileExt(l []byte) bool {
	for _, x := range fileExtTLDs {
		if string(l) == x {
			return true
		}
	}
	return false
}

// domainToken validates tk as a domain and returns its canonical value and registrable
// domain. bare is true for a token found on its own (not a URL host or e-mail domain),
// where file-name rules apply.
func (s *scanner) domainToken(tk *token, bare bool) (string, string, bool) {
	t := s.t
	last := tk.lab[tk.n-1]
	ll := last[1] - last[0]
	if ll < 2 || ll > 63 || ll > len(s.lbuf) {
		return "", "", false
	}
	tld := t[last[0]:last[1]]
	upper, lowerc := 0, 0
	if tld[0] == 'x' || tld[0] == 'X' {
		if !(ll > 4 && equalFold(tld[:4], "xn--")) {
			goto letters
		}
	} else {
		goto letters
	}
	goto checked
letters:
	for _, c := range tld {
		if class[c]&cAlpha == 0 {
			return "", "", false
		}
	}
checked:
	for k, c := range tld {
		s.lbuf[k] = lower(c)
		if c >= 'A' && c <= 'Z' {
			upper++
		} else if c >= 'a' && c <= 'z' {
			lowerc++
		}
	}
	lt := s.lbuf[:ll]
	total := 0
	for k := 0; k < tk.n; k++ {
		a, b := tk.lab[k][0], tk.lab[k][1]
		l := b - a
		if l == 0 || l > 63 || t[a] == '-' || t[b-1] == '-' {
			return "", "", false
		}
		if k >= tk.n-2 && tk.underscore {
			for p := a; p < b; p++ {
				if t[p] == '_' {
					return "", "", false
				}
			}
		}
		total += l + 1
	}
	if total-1 > 253 {
		return "", "", false
	}
	if bare && !s.e.fileNameTLDs {
		if upper > 0 && lowerc > 0 {
			return "", "", false // s.Read, $wc.Download
		}
		if upper > 0 && lowerc == 0 {
			// System.IO: an upper-case TLD after a label with lower-case letters.
			for k := 0; k < tk.n-1; k++ {
				for p := tk.lab[k][0]; p < tk.lab[k][1]; p++ {
					if t[p] >= 'a' && t[p] <= 'z' {
						return "", "", false
					}
				}
			}
		}
		if tk.n == 2 && isFileExt(lt) {
			return "", "", false
		}
		if tk.start > 0 && t[tk.start-1] == '\\' {
			return "", "", false // the last part of a Windows path: CORP\report.pdf, Downloads\x.com
		}
	}
	s.buf = s.buf[:0]
	for k := 0; k < tk.n; k++ {
		if k > 0 {
			s.buf = append(s.buf, '.')
		}
		s.buf = appendLower(s.buf, t[tk.lab[k][0]:tk.lab[k][1]])
	}
	if name, reg, ok := s.e.cachedDomain(s.buf); ok {
		return name, reg, reg != ""
	}
	if !s.e.isTLD(lt) {
		return "", "", false
	}
	return s.e.lookupDomain(s.buf)
}
