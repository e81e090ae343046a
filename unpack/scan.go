package unpack

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"sync"
)

// Byte classes of the candidate scanner.
const (
	cStd     = 1 << iota // standard base64 alphabet: A-Z a-z 0-9 + /
	cURL                 // URL-safe base64 alphabet: A-Z a-z 0-9 - _
	cHex                 // 0-9 a-f A-F
	cStdOnly             // + /
	cURLOnly             // - _
	cAny     = cStd | cURL
)

// byteClass maps every byte to its classes. It is computed once and never written.
var byteClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cStd | cURL
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cStd | cURL
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cStd | cURL | cHex
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] |= cHex
		t[c-'a'+'A'] |= cHex
	}
	t['+'] = cStd | cStdOnly
	t['/'] = cStd | cStdOnly
	t['-'] = cURL | cURLOnly
	t['_'] = cURL | cURLOnly
	return t
}()

// ctxMinLen is the minimum length of a candidate vouched for by PowerShell context.
const ctxMinLen = 8

// minDeflateLen is the minimum length of a candidate tried as raw deflate (24 bytes).
const minDeflateLen = 32

// deflateShaped reports whether a base64 run can hold compressed data: long enough, and
// with upper-case letters, lower-case letters and digits, as random-looking bytes give
// (words, paths and MIME types do not).
func deflateShaped(run string) bool {
	if len(run) < minDeflateLen {
		return false
	}
	var upper, lower, digit bool
	for i := 0; i < len(run); i++ {
		switch c := run[i]; {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
		if upper && lower && digit {
			return true
		}
	}
	return false
}

// context kinds of a candidate, from the text around it.
type context uint8

const (
	ctxNone       context = iota
	ctxEncCommand         // argument of -EncodedCommand or an abbreviation
	ctxFromBase64         // literal argument of FromBase64String
	ctxBasicAuth          // HTTP Basic credentials
)

// hints steer the decoding of one candidate.
type hints struct {
	utf16le bool // prefer UTF-16LE text (PowerShell -EncodedCommand)
	force   bool // the bytes are a blob even when unrecognised
	// deflateIn, when set, is the text of the candidate: raw deflate is tried on
	// unrecognised bytes when it mentions DeflateStream and, with deflateRun set, the
	// candidate's base64 is deflateShaped. Asked only when the bytes are no text.
	deflateIn  *textScan
	deflateRun string
}

// deflate reports whether raw deflate is to be tried on unrecognised bytes.
func (h *hints) deflate() bool {
	if h.deflateIn == nil {
		return false
	}
	if h.deflateRun != "" && !deflateShaped(h.deflateRun) {
		return false
	}
	return h.deflateIn.mentionsDeflate()
}

// walker holds the state of one Unpack call.
type walker struct {
	opts      *Options // the Unpacker's, never written
	blobs     []Blob
	remaining int64
	stopErr   error
	pool      *sync.Pool // of *buffers, taken when the first candidate is decoded
	bufs      *buffers
}

// buffers are a walker's reusable memory, kept in an Unpacker's pool between calls.
type buffers struct {
	// spans holds the spans of the blobs found in the texts being scanned, the inner
	// texts' on top of the outer ones' (textScan.spans0 is where a text's spans start).
	spans [][2]int
	// scratch holds free buffers for decoded bytes, which are dead once their blob is
	// added (texts, hashes and previews are copies).
	scratch [][]byte
	fulls   fulls
}

// maxScratch is the largest decode buffer kept for reuse.
const maxScratch = 1 << 20

// buffers returns the walker's buffers, taking them from the pool on first use.
func (w *walker) buffers() *buffers {
	if w.bufs == nil {
		w.bufs, _ = w.pool.Get().(*buffers)
		if w.bufs == nil {
			w.bufs = new(buffers)
		}
		w.bufs.spans = w.bufs.spans[:0]
	}
	return w.bufs
}

// done returns the walker's buffers to the pool.
func (w *walker) done() {
	if w.bufs != nil {
		w.bufs.fulls.clear()
		w.pool.Put(w.bufs)
		w.bufs = nil
	}
}

// buffer returns a free buffer of length n.
func (w *walker) buffer(n int) []byte {
	bufs := w.buffers()
	if k := len(bufs.scratch) - 1; k >= 0 && cap(bufs.scratch[k]) >= n {
		b := bufs.scratch[k]
		bufs.scratch = bufs.scratch[:k]
		return b[:n]
	}
	return make([]byte, n, max(n, 256))
}

// release returns a buffer from buffer once nothing refers to its bytes.
func (w *walker) release(b []byte) {
	if cap(b) <= maxScratch {
		bufs := w.buffers()
		bufs.scratch = append(bufs.scratch, b)
	}
}

// nSpans returns the number of spans recorded by the texts being scanned.
func (w *walker) nSpans() int {
	if w.bufs == nil {
		return 0
	}
	return len(w.bufs.spans)
}

// textScan is the per-text state of a scan.
type textScan struct {
	text    string
	parent  int
	depth   int
	probe   bool // only report whether a blob exists
	found   bool
	deflate int8 // 0 unknown, 1 yes, -1 no: text mentions DeflateStream
	lastEnd int  // end of the last blob, so spans never overlap
	spans0  int  // start of this text's spans in walker.spans
}

// scanText finds blobs in text and adds them (and their descendants) at depth. In probe
// mode it adds nothing and reports whether text holds at least one blob.
func (w *walker) scanText(text string, parent, depth int, probe bool) bool {
	var ts textScan // set field by field: the composite literal compiled to a copy here
	ts.text, ts.parent, ts.depth, ts.probe, ts.spans0 = text, parent, depth, probe, w.nSpans()
	defer func() {
		if w.bufs != nil {
			w.bufs.spans = w.bufs.spans[:ts.spans0]
		}
	}()
	// Runs of at least ctxMinLen alphabet bytes are found eight bytes at a time: a mask of
	// the alphabet bytes in each word, built without branches from four lookups of byte
	// pairs (log text touches a few kilobytes of that table), shows where a run reaching
	// into the word ends and how far the run at its top reaches. A run wholly inside one
	// word is at most 6 bytes long and cannot matter.
	const L = ctxMinLen
	n := len(text)
	cur := 0 // length of the alphabet run ending just before i
	i := 0
	for i+8 <= n {
		b := text[i : i+8]
		_ = b[7]
		m := pairAlphabet[uint16(b[0])|uint16(b[1])<<8] | pairAlphabet[uint16(b[2])|uint16(b[3])<<8]<<2 |
			pairAlphabet[uint16(b[4])|uint16(b[5])<<8]<<4 | pairAlphabet[uint16(b[6])|uint16(b[7])<<8]<<6
		if m == 0xff {
			cur += 8
			i += 8
			continue
		}
		if t := bits.TrailingZeros8(^m); cur+t >= L {
			if w.runAt(&ts, i-cur, i+t) {
				return ts.found
			}
			if ts.lastEnd > i+8 {
				i, cur = ts.lastEnd, 0 // past a blob of several lines
				continue
			}
		}
		cur = bits.LeadingZeros8(^m)
		i += 8
	}
	for ; i <= n; i++ {
		if i < n && inAlphabet[text[i]] != 0 {
			cur++
			continue
		}
		if cur >= L {
			if w.runAt(&ts, i-cur, i) {
				return ts.found
			}
			if ts.lastEnd > i {
				i, cur = ts.lastEnd-1, 0
				continue
			}
		}
		cur = 0
	}
	if !w.opts.NoHex && w.stopErr == nil && !(ts.probe && ts.found) {
		w.hexBytes(&ts)
	}
	return ts.found
}

// minHexBytes is the minimum number of bytes in a list such as 0xfc,0xe8,… or \xfc\xe8….
const minHexBytes = 16

// hexBytes finds lists of bytes written as 0xHH separated by commas (PowerShell and C
// shellcode arrays) or as \xHH escapes, of at least minHexBytes bytes, and adds each as a
// blob (chain "hexbytes"), binary or not.
func (w *walker) hexBytes(ts *textScan) {
	text := ts.text
	// Every byte of a list has its 'x' (or 'X' after the first): most texts have too few.
	if x := strings.Count(text, "x"); x == 0 || x < minHexBytes && x+strings.Count(text, "X") < minHexBytes {
		return
	}
	for i := 1; i < len(text); {
		k := strings.IndexByte(text[i:], 'x')
		if k < 0 {
			return
		}
		p := i + k - 1 // the '0' or '\\' before the 'x'
		i += k + 1
		if text[p] != '0' && text[p] != '\\' || text[p] == '0' && p > 0 && isAlnum(text[p-1]) {
			continue
		}
		data, end := parseHexBytes(text, p)
		if len(data) < minHexBytes {
			continue
		}
		i = end
		if w.overlaps(ts, p, end) {
			continue
		}
		if w.stopErr != nil {
			return
		}
		w.accept(ts, data, []string{"hexbytes"}, hints{force: true}, p, end)
		if ts.found && ts.probe {
			return
		}
	}
}

// parseHexBytes reads the byte list starting at text[p] ("0x" items separated by commas and
// spaces, or "\x" items back to back) and returns its bytes and end.
func parseHexBytes(text string, p int) ([]byte, int) {
	sep := text[p]
	var out []byte
	j, end := p, p
	for j+4 <= len(text) && text[j] == sep && text[j+1]|0x20 == 'x' &&
		byteClass[text[j+2]]&cHex != 0 && byteClass[text[j+3]]&cHex != 0 {
		if sep == '0' && j+4 < len(text) && isAlnum(text[j+4]) {
			break // 0x1234 is a number, not a byte
		}
		out = append(out, unhex(text[j+2])<<4|unhex(text[j+3]))
		end = j + 4
		j = end
		if sep == '0' {
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if j >= len(text) || text[j] != ',' {
				break
			}
			j++
			for j < len(text) && text[j] == ' ' {
				j++
			}
		}
	}
	return out, end
}

// unhex returns the value of a hex digit.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isAlnum(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' }

// overlaps reports whether text[s:e] overlaps a blob already found in the text of ts.
func (w *walker) overlaps(ts *textScan, s, e int) bool {
	if w.nSpans() == ts.spans0 {
		return false
	}
	for _, sp := range w.bufs.spans[ts.spans0:] {
		if s < sp[1] && sp[0] < e {
			return true
		}
	}
	return false
}

// pairAlphabet maps two bytes b0 | b1<<8 to inAlphabet[b0] | inAlphabet[b1]<<1. It is
// computed once and never written.
var pairAlphabet = func() (t [1 << 16]uint8) {
	for i := range t {
		t[i] = inAlphabet[i&0xff] | inAlphabet[i>>8]<<1
	}
	return t
}()

// inAlphabet is 1 for the bytes of either base64 alphabet and 0 for others. It is never
// written.
var inAlphabet = func() (t [256]uint8) {
	for c := range t {
		if byteClass[c]&cAny != 0 {
			t[c] = 1
		}
	}
	return t
}()

// runAt examines the maximal run text[s:e] (at least ctxMinLen bytes) and reports whether
// the scan should stop: in probe mode once a blob is found, or when the budget ran out.
func (w *walker) runAt(ts *textScan, s, e int) bool {
	text := ts.text
	if e-s < w.opts.MinLen {
		// Shorter runs count only as PowerShell arguments.
		if s == 0 || ctxSkip[text[s-1]] == 0 || contextAt(text, s) == ctxNone {
			return false
		}
	}
	if w.stopErr != nil {
		return true
	}
	// The union and intersection of the run's byte classes, as far as run looks at them:
	// whether it is all hex digits, and whether it has characters of one alphabet only.
	r := text[s:e]
	k := 0
	for k < len(r) && byteClass[r[k]]&cHex != 0 {
		k++
	}
	or, and := uint8(0), uint8(0)
	switch {
	case k == len(r):
		and = cHex
	case len(r)-k < 64:
		for _, c := range []byte(r[k:]) { // hex digits are in neither class
			or |= byteClass[c]
		}
		or &= cStdOnly | cURLOnly
	default:
		if strings.IndexByte(r, '+') >= 0 || strings.IndexByte(r, '/') >= 0 {
			or |= cStdOnly
		}
		if strings.IndexByte(r, '-') >= 0 || strings.IndexByte(r, '_') >= 0 {
			or |= cURLOnly
		}
	}
	w.run(ts, s, e, or, and)
	return ts.found && ts.probe || w.stopErr != nil
}

// ctxSkip marks the bytes contextAt skips between a parameter and its argument. It is never
// written.
var ctxSkip = [256]uint8{' ': 1, '\t': 1, '\'': 1, '"': 1, '(': 1, '`': 1}

// run examines one maximal run text[s:e] of base64-alphabet bytes; or and and are the
// union and intersection of its bytes' classes (of them only cStdOnly and cURLOnly in or,
// and cHex in and are looked at).
func (w *walker) run(ts *textScan, s, e int, or, and uint8) {
	text := ts.text
	n := e - s
	if and&cHex != 0 {
		// Only hex digits: a hex candidate or nothing (hashes, numbers).
		if !w.opts.NoHex && n >= w.opts.MinLen && n%2 == 0 && !hashLen(n) {
			w.hexCandidate(ts, s, e)
		}
		return
	}
	if isGUIDAt(text, s, e) {
		return
	}
	if or&cStdOnly != 0 && or&cURLOnly != 0 {
		// Mixed alphabets: split at the URL-safe characters.
		j := s
		for k := s; k <= e; k++ {
			if k == e || byteClass[text[k]]&cURLOnly != 0 {
				if k-j >= ctxMinLen {
					w.b64Run(ts, j, k, base64.RawStdEncoding, or&^cURLOnly)
				}
				j = k + 1
			}
		}
		return
	}
	enc := base64.RawStdEncoding
	if or&cURLOnly != 0 {
		enc = base64.RawURLEncoding
	}
	w.b64Run(ts, s, e, enc, or)
}

// b64Run tries text[s:e] as base64, then, when it has '/' and did not decode, each
// '/'-separated segment.
func (w *walker) b64Run(ts *textScan, s, e int, enc *base64.Encoding, or uint8) {
	if w.b64Candidate(ts, s, e, enc) || or&cStdOnly == 0 {
		return
	}
	text := ts.text
	if strings.IndexByte(text[s:e], '/') < 0 {
		return
	}
	j := s
	for k := s; k <= e; k++ {
		if k == e || text[k] == '/' {
			if k-j >= w.opts.MinLen && (j != s || k != e) {
				w.b64Candidate(ts, j, k, enc)
			}
			j = k + 1
		}
	}
}

// hashLen reports whether n is the length of a hex MD5, SHA-1, SHA-224, SHA-256,
// SHA-384 or SHA-512 digest.
func hashLen(n int) bool {
	switch n {
	case 32, 40, 56, 64, 96, 128:
		return true
	}
	return false
}

// isGUIDAt reports whether text[s:e] is a GUID (8-4-4-4-12 hex digits).
func isGUIDAt(text string, s, e int) bool {
	if e-s != 36 {
		return false
	}
	g := text[s:e]
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if g[i] != '-' {
				return false
			}
		default:
			if byteClass[g[i]]&cHex == 0 {
				return false
			}
		}
	}
	return true
}

// b64Candidate decodes text[s:e] (plus any '=' padding after it) as base64 and adds a
// blob when the result means something. It reports whether a blob was found.
func (w *walker) b64Candidate(ts *textScan, s, e int, enc *base64.Encoding) bool {
	text := ts.text
	if s < ts.lastEnd {
		return false
	}
	ctx := contextAt(text, s)
	n := e - s
	if ctx == ctxNone && n < w.opts.MinLen {
		return false
	}
	if n < ctxMinLen {
		return false
	}
	h := hints{}
	switch ctx {
	case ctxEncCommand:
		h.utf16le = true
	case ctxFromBase64:
		h.force = true
	}
	// Cheap check on the first six decoded bytes; only DeflateStream context or a
	// FromBase64String argument go on without it.
	if !h.force {
		if head, ok := decodeHead(text[s:s+8], enc); !ok || !plausibleStart(head[:]) {
			// Raw deflate has no magic: only DeflateStream context lets it through.
			if !deflateShaped(text[s:e]) || !ts.mentionsDeflate() {
				return false
			}
		}
	}
	h.deflateIn, h.deflateRun = ts, text[s:e]
	src := text[s:e]
	if enc == base64.RawStdEncoding {
		if we := wrappedEnd(text, s, e); we > e {
			src = dropLineBreaks(text[s:we])
			e = we
		}
	}
	end := e
	for k := 0; k < 2 && end < len(text) && text[end] == '='; k++ {
		end++
	}
	if len(src)%4 == 1 {
		src = src[:len(src)-1]
	}
	buf := w.buffer(len(src) * 3 / 4)
	defer w.release(buf)
	data, ok := decodeBase64(buf, src, enc)
	if !ok || len(data) == 0 {
		return false
	}
	return w.accept(ts, data, []string{"base64"}, h, s, end)
}

// decodeBase64 decodes src, unpadded base64 of enc's alphabet, into buf, which holds
// len(src)*3/4 bytes, as enc.DecodeString would; ok is false when a byte is not in the
// alphabet or the length is impossible.
func decodeBase64(buf []byte, src string, enc *base64.Encoding) (out []byte, ok bool) {
	class := uint8(cStd)
	if enc == base64.RawURLEncoding {
		class = cURL
	}
	if len(src)%4 == 1 || len(buf) < len(src)*3/4 {
		return nil, false
	}
	val := &b64Std
	if class == cURL {
		val = &b64URL
	}
	n := 0
	i := 0
	// Eight characters make six bytes, stored as eight of which the last two are
	// overwritten next.
	for ; i+8 <= len(src) && n+8 <= len(buf); i += 8 {
		c := src[i : i+8]
		a0, a1, a2, a3 := val[c[0]], val[c[1]], val[c[2]], val[c[3]]
		a4, a5, a6, a7 := val[c[4]], val[c[5]], val[c[6]], val[c[7]]
		if a0|a1|a2|a3|a4|a5|a6|a7 == 0xff {
			return nil, false
		}
		v := uint64(a0)<<58 | uint64(a1)<<52 | uint64(a2)<<46 | uint64(a3)<<40 |
			uint64(a4)<<34 | uint64(a5)<<28 | uint64(a6)<<22 | uint64(a7)<<16
		binary.BigEndian.PutUint64(buf[n:], v)
		n += 6
	}
	for ; i+4 <= len(src) && n+3 <= len(buf); i += 4 {
		a, b, c, d := val[src[i]], val[src[i+1]], val[src[i+2]], val[src[i+3]]
		if a|b|c|d == 0xff {
			return nil, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		buf[n], buf[n+1], buf[n+2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
	}
	var v uint32
	rest := src[i:]
	for k := 0; k < len(rest); k++ {
		d := val[rest[k]]
		if d == 0xff {
			return nil, false
		}
		v |= uint32(d) << (18 - 6*k)
	}
	switch len(rest) {
	case 2:
		buf[n] = byte(v >> 16)
		n++
	case 3:
		buf[n], buf[n+1] = byte(v>>16), byte(v>>8)
		n += 2
	}
	return buf[:n], true
}

// b64Value maps the bytes of both base64 alphabets to their values. It is never written.
var b64Value = func() (t [256]uint8) {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range std {
		t[std[i]] = uint8(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// b64Std and b64URL map the bytes of the standard and URL-safe alphabets to their values,
// and other bytes to 0xff. They are never written.
var b64Std, b64URL = func() (std, url [256]uint8) {
	for c := range 256 {
		std[c], url[c] = 0xff, 0xff
		if byteClass[c]&cStd != 0 {
			std[c] = b64Value[c]
		}
		if byteClass[c]&cURL != 0 {
			url[c] = b64Value[c]
		}
	}
	return std, url
}()

// decodeHead decodes the first eight characters of a base64 candidate into six bytes, as
// enc would; ok is false when one of them is not in enc's alphabet.
func decodeHead(src string, enc *base64.Encoding) (head [6]byte, ok bool) {
	class := uint8(cStd)
	if enc == base64.RawURLEncoding {
		class = cURL
	}
	var v uint64
	for i := 0; i < 8; i++ {
		c := src[i]
		if byteClass[c]&class == 0 {
			return head, false
		}
		v = v<<6 | uint64(b64Value[c])
	}
	for i := range head {
		head[i] = byte(v >> (40 - 8*i))
	}
	return head, true
}

// wrappedEnd returns the end of a block of base64 lines starting with the run text[s:e]
// (MIME, PEM, certutil): lines of one length, a multiple of 4 and at least 40, then a last
// line no longer than them, separated by LF or CRLF. It returns e when there is no block.
func wrappedEnd(text string, s, e int) int {
	width := e - s
	if width < 40 || width%4 != 0 {
		return e
	}
	end := e
	for {
		k := end
		if k < len(text) && text[k] == '\r' {
			k++
		}
		if k >= len(text) || text[k] != '\n' {
			return end
		}
		k++
		m := k
		for m < len(text) && m-k <= width && byteClass[text[m]]&cStd != 0 {
			m++
		}
		if m == k || m-k > width || m < len(text) && byteClass[text[m]]&cAny != 0 {
			return end
		}
		end = m
		if m-k < width {
			return end
		}
	}
}

// dropLineBreaks removes CR and LF bytes.
func dropLineBreaks(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\r' && c != '\n' {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// hexCandidate decodes text[s:e] as hex and adds a blob when it means something.
func (w *walker) hexCandidate(ts *textScan, s, e int) bool {
	if s < ts.lastEnd {
		return false
	}
	// Up to six leading bytes; a shorter run (MinLen below 12) is padded with spaces.
	head := [6]byte{' ', ' ', ' ', ' ', ' ', ' '}
	var src [12]byte
	k := copy(src[:], ts.text[s:e])
	if _, err := hex.Decode(head[:k/2], src[:k&^1]); err != nil || !plausibleStart(head[:]) {
		return false
	}
	run := ts.text[s:e]
	if len(run)%2 != 0 {
		return false
	}
	data := w.buffer(len(run) / 2)
	defer w.release(data)
	for i := range data {
		a, b := run[2*i], run[2*i+1]
		if byteClass[a]&byteClass[b]&cHex == 0 {
			return false
		}
		data[i] = unhex(a)<<4 | unhex(b)
	}
	h := hints{deflateIn: ts}
	return w.accept(ts, data, []string{"hex"}, h, s, e)
}

// accept resolves decoded data from text[s:end] and, when it is a blob, adds it. The
// decoded bytes are charged to the budget first (and refunded when they are no blob); data
// beyond the budget is cut, and the blob records ErrTooLarge.
func (w *walker) accept(ts *textScan, data []byte, chain []string, h hints, s, end int) bool {
	var limitErr error
	if int64(len(data)) > w.remaining {
		limitErr = fmt.Errorf("decoding %d bytes at offset %d with %d left: %w", len(data), s, w.remaining, ErrTooLarge)
		data = data[:w.remaining]
	}
	w.remaining -= int64(len(data))
	r := w.resolve(data, chain, h)
	if !r.meaningful(h.force) {
		w.remaining += int64(len(data))
		if limitErr != nil {
			w.stop(limitErr) // undecidable within the budget: decode nothing more
		}
		return false
	}
	ts.found = true
	if ts.probe {
		w.remaining += int64(len(data))
		return true
	}
	ts.lastEnd = max(ts.lastEnd, end)
	bufs := w.buffers()
	bufs.spans = append(bufs.spans, [2]int{s, end})
	if limitErr != nil {
		r.err = errors.Join(limitErr, r.err)
		w.stop(limitErr)
	}
	w.add(r, ts.parent, ts.depth, s, end, "")
	return true
}

// stop records that the budget ran out: no further candidate is decoded.
func (w *walker) stop(err error) {
	if w.stopErr == nil {
		w.stopErr = err
	}
	w.remaining = 0
}

// mentionsDeflate reports (once per text) whether the text names DeflateStream.
func (ts *textScan) mentionsDeflate() bool {
	if ts.deflate == 0 {
		ts.deflate = -1
		if indexFold(ts.text, "deflatestream") >= 0 {
			ts.deflate = 1
		}
	}
	return ts.deflate > 0
}

// indexFold returns the index of the lower-case ASCII needle in s, ignoring ASCII case, or
// -1. It looks for needle's last byte, which must be a letter, with strings.IndexByte (for
// "deflatestream" that is 'm', rare in logs and absent from hex).
func indexFold(s, needle string) int {
	k := len(needle) - 1
	lo, up := needle[k], needle[k]-'a'+'A'
	// Next positions of either case of the last byte at or after i (-1: none left).
	nextLo, nextUp := -2, -2
	for i := k; i < len(s); {
		if nextLo != -1 && nextLo < i {
			if nextLo = strings.IndexByte(s[i:], lo); nextLo >= 0 {
				nextLo += i
			}
		}
		if nextUp != -1 && nextUp < i {
			if nextUp = strings.IndexByte(s[i:], up); nextUp >= 0 {
				nextUp += i
			}
		}
		switch {
		case nextLo < 0 && nextUp < 0:
			return -1
		case nextUp < 0 || nextLo >= 0 && nextLo < nextUp:
			i = nextLo
		default:
			i = nextUp
		}
		if hasFoldAt(s, i-k, needle) {
			return i - k
		}
		i++
	}
	return -1
}

// hasFoldAt reports whether s[i:] starts with the lower-case ASCII needle, ignoring case.
func hasFoldAt(s string, i int, needle string) bool {
	if i < 0 || i+len(needle) > len(s) {
		return false
	}
	for k := 0; k < len(needle); k++ {
		c := s[i+k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != needle[k] {
			return false
		}
	}
	return true
}

// ctxLast marks the letters a context can end with: the last letters of FromBase64String,
// Basic, and of the abbreviations of EncodedCommand and its alias ec. It is never written.
var ctxLast = func() (t [256]uint8) {
	for _, c := range "acdegmno" {
		t[c], t[c-'a'+'A'] = 1, 1
	}
	return t
}()

// contextAt looks at the text before a candidate starting at s for PowerShell context.
func contextAt(text string, s int) context {
	i := s
	// Skip quotes, spaces and an opening parenthesis (at most a few).
	for k := 0; k < 8 && i > 0; k++ {
		if ctxSkip[text[i-1]] == 0 {
			break
		}
		i--
	}
	if i == s && s > 0 {
		return ctxNone // glued to something else
	}
	if i == 0 || ctxLast[text[i-1]] == 0 {
		return ctxNone
	}
	const fb = "frombase64string"
	if hasFoldAt(text, i-len(fb), fb) {
		return ctxFromBase64
	}
	// HTTP Basic credentials: "Authorization: Basic dXNlcjpwYXNz".
	if i < s && text[i] == ' ' && hasFoldAt(text, i-5, "basic") && (i == 5 || !isLetter(text[i-6])) {
		return ctxBasicAuth
	}
	// A parameter name: letters preceded by a dash or slash.
	j := i
	for j > 0 && i-j < 15 && isLetter(text[j-1]) {
		j--
	}
	if j == i || j == 0 {
		return ctxNone
	}
	k := j - 1
	switch {
	case text[k] == '-' || text[k] == '/':
	case k >= 2 && text[k-2] == 0xe2 && text[k-1] == 0x80 && (text[k] == 0x93 || text[k] == 0x94 || text[k] == 0x95):
		k -= 2 // en dash, em dash, horizontal bar
	default:
		return ctxNone
	}
	if !isEncParam(text[j:i]) {
		return ctxNone
	}
	if k > 0 {
		c := text[k-1]
		if !(c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\n' || c == '\r') {
			return ctxNone
		}
	}
	return ctxEncCommand
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isEncParam reports whether p (letters) names PowerShell's -EncodedCommand: any prefix
// of "encodedcommand" or the alias "ec", in any case.
func isEncParam(p string) bool {
	const full = "encodedcommand"
	if p[0]|0x20 != 'e' {
		return false
	}
	if len(p) == 2 && (p[0]|0x20) == 'e' && (p[1]|0x20) == 'c' {
		return true
	}
	if len(p) > len(full) {
		return false
	}
	return strings.EqualFold(p, full[:len(p)])
}
