package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// resolved is decoded data taken through every layer that could be recognised.
type resolved struct {
	data  []byte
	chain []string
	kind  string
	text  string
	err   error
	// layers counts the decompression layers decoded: a recognised stream is a blob even
	// when what it holds is not.
	layers int
}

// meaningful reports whether r is worth a blob when found in text: text, or a recognised
// format, or anything at all when the context vouches for the encoding.
func (r resolved) meaningful(force bool) bool {
	switch r.kind {
	case "empty":
		return false
	case "binary":
		return force || r.layers > 0
	case "text":
		return strings.TrimSpace(r.text) != "" || force
	}
	return true
}

// appendChain appends an encoding to chain without sharing the backing array.
func appendChain(chain []string, enc string) []string {
	return append(chain[:len(chain):len(chain)], enc)
}

// resolve decodes data through compression layers and classifies the result.
func (w *walker) resolve(data []byte, chain []string, h hints) resolved {
	r := resolved{chain: chain}
	triedDeflate := false
	for {
		layers := r.layers
		r.data = data
		if len(data) == 0 {
			r.kind = "empty"
			return r
		}
		kind := sniff(data)
		switch kind {
		case "gzip", "zlib", "bzip2":
			if layers >= w.opts.MaxDepth {
				r.kind = kind
				r.err = errors.Join(r.err, fmt.Errorf("%s layer %d: %w", kind, layers+1, ErrTooDeep))
				return r
			}
			out, err := w.decompress(kind, data)
			if kind == "zlib" && err != nil && !errors.Is(err, ErrRatio) && !errors.Is(err, ErrTooLarge) {
				if _, _, ok := textOf(data, h.utf16le); ok || len(out) == 0 {
					break // 'x' starts text too: classify the bytes themselves
				}
			}
			if len(out) == 0 && err != nil {
				r.kind = kind
				r.err = errors.Join(r.err, err)
				return r
			}
			r.layers++
			r.chain = appendChain(r.chain, kind)
			r.err = errors.Join(r.err, err)
			data = out
			continue
		case "":
		default:
			r.kind = kind
			return r
		}
		if t, enc, ok := textOf(data, h.utf16le); ok {
			r.kind = "text"
			r.text = t
			if enc != "" {
				r.chain = appendChain(r.chain, enc)
			}
			return r
		}
		if !triedDeflate && layers < w.opts.MaxDepth && h.deflate() {
			triedDeflate = true
			out, err := w.decompress("deflate", data)
			if len(out) > 0 && (err == nil || errors.Is(err, ErrRatio) || errors.Is(err, ErrTooLarge)) {
				r.layers++
				r.chain = appendChain(r.chain, "deflate")
				r.err = errors.Join(r.err, err)
				data = out
				continue
			}
		}
		if h.utf16le {
			if t, n := utf16LEPrefix(data); n > 0 {
				r.kind = "text"
				r.text = t
				r.chain = appendChain(r.chain, "utf16le")
				r.err = errors.Join(r.err, fmt.Errorf("utf-16le text breaks off after %d of %d bytes: %w", 2*n, len(data), ErrCorrupt))
				return r
			}
		}
		r.kind = "binary"
		return r
	}
}

// utf16LEPrefix returns the text of the longest prefix of b that reads as UTF-16LE text of
// printable ASCII, tabs and line breaks, and its length in code units, when that prefix is
// at least 16 units with letters in it (a damaged PowerShell -EncodedCommand); else 0.
func utf16LEPrefix(b []byte) (string, int) {
	n, alnum := 0, 0
	for ; 2*n+1 < len(b); n++ {
		lo, hi := b[2*n], b[2*n+1]
		if hi != 0 || lo < 0x20 && lo != '\t' && lo != '\n' && lo != '\r' || lo >= 0x7f {
			break
		}
		if lo|0x20 >= 'a' && lo|0x20 <= 'z' || lo >= '0' && lo <= '9' {
			alnum++
		}
	}
	if n < 16 || alnum < 8 {
		return "", 0
	}
	s, _ := decodeUTF16(b[:2*n], false)
	return s, n
}

// decompress inflates data of the given kind within the limits.
func (w *walker) decompress(kind string, data []byte) ([]byte, error) {
	var rd io.Reader
	br := bytes.NewReader(data)
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w: %w", ErrCorrupt, err)
		}
		rd = zr
	case "zlib":
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("zlib header: %w: %w", ErrCorrupt, err)
		}
		rd = zr
	case "bzip2":
		rd = bzip2.NewReader(br)
	default:
		rd = flate.NewReader(br)
	}
	return w.readLimited(kind, rd, int64(len(data)), true)
}

// readLimited reads r to the end within the remaining budget and, when ratio is set, within
// MaxRatio times compressed (at least ratioAllowance). It returns what it read and the
// reason it stopped early, if any.
func (w *walker) readLimited(what string, r io.Reader, compressed int64, ratio bool) ([]byte, error) {
	lim := w.remaining
	limErr := ErrTooLarge
	if ratio {
		f := w.opts.MaxRatio * float64(compressed)
		rl := int64(ratioAllowance)
		if f > 1<<62 {
			rl = 1 << 62
		} else if int64(f) > rl {
			rl = int64(f)
		}
		if rl < lim {
			lim, limErr = rl, ErrRatio
		}
	}
	out, err := io.ReadAll(io.LimitReader(r, lim+1))
	if int64(len(out)) > lim {
		out = out[:lim]
		err = fmt.Errorf("%s: output passed %d bytes: %w", what, lim, limErr)
	} else if err != nil {
		err = fmt.Errorf("%s: %w: %w", what, ErrCorrupt, err)
	}
	w.remaining -= int64(len(out))
	if errors.Is(err, ErrTooLarge) {
		w.stop(err)
	}
	return out, err
}

// sniff names the format of data from its magic bytes, "" when none is recognised.
func sniff(b []byte) string {
	n := len(b)
	switch {
	case n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return "gzip"
	case n >= 2 && b[0] == 0x78 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 && b[1]&0x20 == 0:
		return "zlib"
	case n >= 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6 || b[2] == 7 && b[3] == 8):
		return "zip"
	case n >= 10 && string(b[:3]) == "BZh" && b[3] >= '1' && b[3] <= '9' && string(b[4:10]) == "1AY&SY":
		return "bzip2"
	case n >= 0x40 && b[0] == 'M' && b[1] == 'Z':
		off := int64(binary.LittleEndian.Uint32(b[0x3c:]))
		if off+4 <= int64(n) && string(b[off:off+4]) == "PE\x00\x00" {
			return "pe"
		}
		// Cut before its PE header, a PE still shows the DOS stub's message.
		if off+4 > int64(n) && off < 1<<16 && bytes.Contains(b[0x40:min(n, 0x100)], []byte("This program cannot be run in DOS mode")) {
			return "pe"
		}
	case n >= 4 && string(b[:4]) == "\x7fELF":
		return "elf"
	case n >= 4 && (string(b[:4]) == "\xfe\xed\xfa\xce" || string(b[:4]) == "\xce\xfa\xed\xfe" ||
		string(b[:4]) == "\xfe\xed\xfa\xcf" || string(b[:4]) == "\xcf\xfa\xed\xfe" || string(b[:4]) == "\xca\xfe\xba\xbf"):
		return "macho"
	case n >= 8 && string(b[:4]) == "\xca\xfe\xba\xbe":
		// Fat Mach-O has a small architecture count where a Java class has its version.
		if nfat := binary.BigEndian.Uint32(b[4:]); nfat > 0 && nfat < 45 {
			return "macho"
		}
		return "javaclass"
	case n >= 5 && string(b[:5]) == "%PDF-":
		return "pdf"
	case n >= 6 && string(b[:6]) == "7z\xbc\xaf\x27\x1c":
		return "7z"
	case n >= 6 && string(b[:6]) == "Rar!\x1a\x07":
		return "rar"
	case n >= 8 && string(b[:8]) == "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
		return "ole"
	case n >= 6 && string(b[:6]) == "\xfd7zXZ\x00":
		return "xz"
	}
	if n >= 262 && string(b[257:262]) == "ustar" {
		return "tar"
	}
	return ""
}

// plausibleStart reports whether six decoded bytes can begin a blob: a known magic, the
// start of UTF-16 text, or text-like bytes.
func plausibleStart(b []byte) bool {
	switch {
	case b[0] == 0x1f && b[1] == 0x8b,
		b[0] == 0x78 && (b[1] == 0x01 || b[1] == 0x5e || b[1] == 0x9c || b[1] == 0xda),
		b[0] == 'P' && b[1] == 'K' && b[2] < 9,
		b[0] == 'M' && b[1] == 'Z',
		string(b[:4]) == "\x7fELF",
		b[0] == 0xfe && b[1] == 0xed && b[2] == 0xfa,
		b[1] == 0xfa && b[2] == 0xed && b[3] == 0xfe,
		b[0] == 0xca && b[1] == 0xfe && b[2] == 0xba,
		string(b[:4]) == "7z\xbc\xaf",
		string(b[:4]) == "\xd0\xcf\x11\xe0",
		string(b[:4]) == "\xfd7zX",
		b[0] == 0xff && b[1] == 0xfe,
		b[0] == 0xfe && b[1] == 0xff,
		b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0 && b[5] == 0,
		b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0 && b[4] == 0:
		return true
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				// A tar header starts with a NUL-padded member name.
				return c == 0 && i > 0 && tarNamePad(b[i:])
			}
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return !utf8.FullRune(b[i:]) // only a sequence cut by the end may be invalid
		}
		i += size - 1
	}
	return true
}

// tarNamePad reports whether b is all NULs (the padding of a tar member name).
func tarNamePad(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// textOf decodes data as text: UTF-8 (BOM optional), UTF-16 with a BOM or the NUL pattern
// of mostly-ASCII text, or UTF-16LE when preferred (PowerShell -EncodedCommand) and the
// bytes are not UTF-8 text. It returns the text without NULs and the encoding to add to
// the chain ("" for UTF-8).
func textOf(data []byte, preferUTF16LE bool) (string, string, bool) {
	switch {
	case len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf:
		if t, ok := utf8Text(data[3:]); ok {
			return t, "", true
		}
		return "", "", false
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0xfe:
		return utf16Text(data[2:], false, "utf16le")
	case len(data) >= 2 && data[0] == 0xfe && data[1] == 0xff:
		return utf16Text(data[2:], true, "utf16be")
	}
	le, be := utf16Pattern(data)
	switch {
	case le:
		return utf16Text(data, false, "utf16le")
	case be:
		return utf16Text(data, true, "utf16be")
	}
	if len(data) > 0 && plausibleText(data[0]) {
		if t, ok := utf8Text(data); ok {
			return t, "", true
		}
	}
	if preferUTF16LE && len(data) >= 2 {
		return utf16Text(data, false, "utf16le")
	}
	return "", "", false
}

// utf16Text decodes b as UTF-16 and checks that the result is text.
func utf16Text(b []byte, bigEndian bool, enc string) (string, string, bool) {
	if !bigEndian {
		if s, text, ok := asciiUTF16LE(b); ok {
			if !text {
				return "", "", false
			}
			return s, enc, true
		}
	}
	s, bad := decodeUTF16(b, bigEndian)
	if bad > 0 && bad*64 > len(b)/2 || !isText(s) {
		return "", "", false
	}
	return s, enc, true
}

// utf16Pattern reports whether the first bytes of b look like mostly-ASCII UTF-16LE or
// UTF-16BE: at least 70% of the first 128 code units have one NUL and one non-NUL byte in
// the expected order.
func utf16Pattern(b []byte) (le, be bool) {
	n := len(b) &^ 1
	if n > 256 {
		n = 256
	}
	if n < 4 {
		return false, false
	}
	var lez, bez int
	for i := 0; i < n; i += 2 {
		if b[i+1] == 0 && b[i] != 0 {
			lez++
		} else if b[i] == 0 && b[i+1] != 0 {
			bez++
		}
	}
	pairs := n / 2
	return lez*10 >= pairs*7, bez*10 >= pairs*7
}

// decodeUTF16 converts UTF-16 to a string without NULs. A trailing odd byte is kept when
// it is printable ASCII in UTF-16LE (the high byte of its unit was cut off), else dropped.
// bad counts unpaired surrogates (written as U+FFFD).
func decodeUTF16(b []byte, bigEndian bool) (string, int) {
	n := len(b) / 2
	if !bigEndian {
		if s, _, ok := asciiUTF16LE(b); ok {
			return s, 0
		}
	}
	var sb strings.Builder
	sb.Grow(n)
	bad := 0
	unit := func(i int) rune {
		if bigEndian {
			return rune(b[2*i])<<8 | rune(b[2*i+1])
		}
		return rune(b[2*i+1])<<8 | rune(b[2*i])
	}
	for i := 0; i < n; i++ {
		r := unit(i)
		switch {
		case r == 0:
			continue
		case r < utf8.RuneSelf:
			sb.WriteByte(byte(r))
			continue
		case utf16.IsSurrogate(r):
			if i+1 < n {
				if d := utf16.DecodeRune(r, unit(i+1)); d != utf8.RuneError {
					sb.WriteRune(d)
					i++
					continue
				}
			}
			bad++
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	if len(b)%2 == 1 && !bigEndian {
		// A command line cut after the low byte of a last ASCII character keeps it.
		if c := b[len(b)-1]; c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		}
	}
	return sb.String(), bad
}

// asciiUTF16LE converts UTF-16LE made only of ASCII characters (NUL units dropped, a last
// odd printable byte kept), the common PowerShell case, and reports whether the result is
// text (see isText); ok is false when b holds anything else. Four units are looked at at
// once while they are printable.
func asciiUTF16LE(b []byte) (s string, text, ok bool) {
	const (
		units = 0x0001000100010001 // 1 in the low byte of each of four units
		highs = 0xff80ff80ff80ff80 // bits that must be clear for ASCII units
		bit7  = 0x0080008000800080
	)
	chars, bad, alnum, nuls := 0, 0, 0, 0
	class := func(c byte) {
		if c == 0 {
			nuls++
			return
		}
		k := asciiClass[c]
		alnum += int(k&aAlnum) >> 1
		bad += int(k&aBad) >> 2
		chars++
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if x&highs != 0 {
			return "", false, false
		}
		// Bit 7 of each unit: set when its byte is at least 0x20, and when it is 0x7f.
		if (x+0x60*units)&bit7 == bit7 && (x+units)&bit7 == 0 && alnum > 0 {
			chars += 4
			continue
		}
		class(b[i])
		class(b[i+2])
		class(b[i+4])
		class(b[i+6])
	}
	for ; i+1 < len(b); i += 2 {
		if b[i+1] != 0 || b[i] >= utf8.RuneSelf {
			return "", false, false
		}
		class(b[i])
	}
	last := i < len(b) && b[i] >= 0x20 && b[i] < 0x7f
	if last {
		class(b[i])
	}
	var sb strings.Builder
	sb.Grow(chars)
	var chunk [256]byte
	k := 0
	i = 0
	if nuls == 0 {
		for ; i+8 <= len(b); i += 8 {
			x := binary.LittleEndian.Uint64(b[i:]) & 0x00ff00ff00ff00ff
			x = (x | x>>8) & 0x0000ffff0000ffff
			binary.LittleEndian.PutUint32(chunk[k:], uint32(x|x>>16))
			if k += 4; k+4 > len(chunk) {
				sb.Write(chunk[:k])
				k = 0
			}
		}
	}
	for ; i+1 < len(b); i += 2 {
		if lo := b[i]; lo != 0 {
			chunk[k] = lo
			if k++; k == len(chunk) {
				sb.Write(chunk[:])
				k = 0
			}
		}
	}
	sb.Write(chunk[:k])
	if last {
		sb.WriteByte(b[len(b)-1])
	}
	return sb.String(), textVerdict(chars-bad, bad, alnum), true
}

// utf8Text returns b as a string when it is text (see isText), without NUL bytes and with
// the few invalid UTF-8 sequences isText lets through replaced by U+FFFD.
func utf8Text(b []byte) (string, bool) {
	s := string(b)
	ok, clean := textCheck(s)
	if !ok {
		return "", false
	}
	if clean {
		return s, true
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, true
}

// plausibleText reports whether text can start with byte c.
func plausibleText(c byte) bool {
	return c >= 0x20 && c != 0x7f || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x1b
}

// ASCII classes of isText.
const (
	aGood  = 1 << iota // printable, or a tab, line break, form feed, vertical tab or escape
	aAlnum             // letter or digit
	aBad               // other control character
)

// asciiClass maps ASCII bytes to their isText classes. It is never written.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= 0x20 && c < 0x7f:
			t[c] = aGood
			if c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' {
				t[c] |= aAlnum
			}
		case c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x1b:
			t[c] = aGood
		default:
			t[c] = aBad
		}
	}
	return t
}()

// isText reports whether s is printable UTF-8 text: letters or digits present, and no
// control characters or invalid sequences, except one in 64 characters in texts of 64 or
// more characters. A sequence cut at the very end is allowed.
func isText(s string) bool {
	ok, _ := textCheck(s)
	return ok
}

// textCheck reports whether s is text (see isText) and whether it is clean: no NUL byte
// and valid UTF-8.
func textCheck(s string) (ok, clean bool) {
	bad, good, alnum := 0, 0, 0
	valid := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			k := asciiClass[c]
			good += int(k & aGood)
			alnum += int(k&aAlnum) >> 1
			bad += int(k&aBad) >> 2
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			valid = false
			if !utf8.FullRuneInString(s[i:]) {
				i = len(s)
				continue
			}
			bad++
		case unicode.IsPrint(r) || unicode.IsSpace(r):
			good++
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				alnum++
			}
		default:
			bad++
		}
		i += size
	}
	return textVerdict(good, bad, alnum), valid && (bad == 0 || strings.IndexByte(s, 0) < 0)
}

// textVerdict applies isText's rule to the counts of good, bad and alphanumeric characters.
func textVerdict(good, bad, alnum int) bool {
	if alnum == 0 {
		return false
	}
	total := good + bad
	if total < 64 {
		return bad == 0
	}
	return bad*64 <= total
}

// add appends a blob for r and then its children: blobs in its text, or archive members.
func (w *walker) add(r resolved, parent, depth, start, end int, member string) int {
	b := Blob{
		Index: len(w.blobs), Parent: parent, Depth: depth, Start: start, End: end,
		Chain: r.chain, Member: member, Kind: r.kind, Size: len(r.data), Err: r.err,
	}
	if r.kind == "text" {
		b.Text = r.text
	}
	if !w.opts.NoHashes {
		digests(&b, r.data, r.kind != "text")
	}
	w.blobs = append(w.blobs, b)
	idx := b.Index
	switch {
	case r.data == nil:
	case r.kind == "text":
		if depth < w.opts.MaxDepth {
			w.scanText(r.text, idx, depth+1, false)
		} else if w.scanText(r.text, idx, depth+1, true) {
			w.blobErr(idx, fmt.Errorf("blob in text at depth %d: %w", depth+1, ErrTooDeep))
		}
	case r.kind == "zip":
		w.zipMembers(idx, r.data, depth)
	case r.kind == "tar":
		w.tarMembers(idx, r.data, depth)
	}
	return idx
}

// digests sets b's MD5, SHA1 and SHA256 of data (when data is not nil) and, with preview,
// its Preview, all from one allocation.
func digests(b *Blob, data []byte, preview bool) {
	const hexLen = 2 * (md5.Size + sha1.Size + sha256.Size)
	var buf [hexLen + 64]byte
	n := 0
	if data != nil {
		m, s1, s2 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
		hex.Encode(buf[0:], m[:])
		hex.Encode(buf[2*md5.Size:], s1[:])
		hex.Encode(buf[2*(md5.Size+sha1.Size):], s2[:])
		n = hexLen
	}
	p := 0
	if preview {
		p = hex.Encode(buf[n:], data[:min(len(data), 32)])
	}
	if n+p == 0 {
		return
	}
	all := string(buf[:n+p])
	if n > 0 {
		b.MD5 = all[:2*md5.Size]
		b.SHA1 = all[2*md5.Size : 2*(md5.Size+sha1.Size)]
		b.SHA256 = all[2*(md5.Size+sha1.Size) : hexLen]
	}
	b.Preview = all[n:]
}

// blobErr adds err to the blob at idx.
func (w *walker) blobErr(idx int, err error) {
	w.blobs[idx].Err = errors.Join(w.blobs[idx].Err, err)
}

// zipMembers adds the members of the zip archive blob idx.
func (w *walker) zipMembers(idx int, data []byte, depth int) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		w.blobErr(idx, fmt.Errorf("zip: %w: %w", ErrCorrupt, err))
		return
	}
	files := zr.File
	if len(files) > w.opts.MaxMembers {
		w.blobErr(idx, fmt.Errorf("zip has %d members, reading %d: %w", len(files), w.opts.MaxMembers, ErrTooManyMembers))
		files = files[:w.opts.MaxMembers]
	}
	chain := []string{"zip"}
	for _, f := range files {
		if w.stopErr != nil {
			return
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if depth >= w.opts.MaxDepth {
			w.blobErr(idx, fmt.Errorf("zip member at depth %d: %w", depth+1, ErrTooDeep))
			return
		}
		if f.Flags&1 != 0 {
			w.add(resolved{chain: chain, kind: "binary", err: fmt.Errorf("zip member %q is encrypted: %w", f.Name, ErrUnsupported)}, idx, depth+1, 0, 0, f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			sentinel := ErrCorrupt
			if errors.Is(err, zip.ErrAlgorithm) {
				sentinel = ErrUnsupported
			}
			w.add(resolved{chain: chain, kind: "binary", err: fmt.Errorf("zip member %q: %w: %w", f.Name, sentinel, err)}, idx, depth+1, 0, 0, f.Name)
			continue
		}
		out, rerr := w.readLimited("zip member", rc, int64(f.CompressedSize64), f.Method != zip.Store)
		rc.Close()
		r := w.resolve(out, chain, hints{})
		r.err = errors.Join(rerr, r.err)
		w.add(r, idx, depth+1, 0, 0, f.Name)
	}
}

// tarMembers adds the regular-file members of the tar archive blob idx.
func (w *walker) tarMembers(idx int, data []byte, depth int) {
	tr := tar.NewReader(bytes.NewReader(data))
	chain := []string{"tar"}
	for count := 0; ; count++ {
		if w.stopErr != nil {
			return
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			w.blobErr(idx, fmt.Errorf("tar: %w: %w", ErrCorrupt, err))
			return
		}
		if count >= w.opts.MaxMembers {
			w.blobErr(idx, fmt.Errorf("tar has more than %d members: %w", w.opts.MaxMembers, ErrTooManyMembers))
			return
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if depth >= w.opts.MaxDepth {
			w.blobErr(idx, fmt.Errorf("tar member at depth %d: %w", depth+1, ErrTooDeep))
			return
		}
		out, rerr := w.readLimited("tar member", tr, hdr.Size, false)
		r := w.resolve(out, chain, hints{})
		r.err = errors.Join(rerr, r.err)
		w.add(r, idx, depth+1, 0, 0, hdr.Name)
	}
}

// fulls holds each blob's fully decoded text, for FullDecoded.
type fulls struct {
	text []string
	has  []bool
	kids [][]int // children of each blob; kids[len] holds the top-level blobs
}

// clear drops the texts of the last call, keeping the buffers.
func (f *fulls) clear() {
	clear(f.text)
}

// fullTexts computes every blob's decoded text with its own children replaced, bottom up.
func (w *walker) fullTexts() *fulls {
	n := len(w.blobs)
	f := &w.buffers().fulls
	f.text = slices.Grow(f.text[:0], n)[:n]
	f.has = slices.Grow(f.has[:0], n)[:n]
	clear(f.has)
	f.kids = slices.Grow(f.kids[:0], n+1)[:n+1]
	for i := range f.kids {
		f.kids[i] = f.kids[i][:0]
	}
	for i, b := range w.blobs {
		p := b.Parent
		if p < 0 {
			p = n
		}
		f.kids[p] = append(f.kids[p], i)
	}
	// Byte lists are found after the rest of their text: put spans in text order.
	for p, kids := range f.kids {
		if p < n && w.blobs[p].Kind != "text" {
			continue // archive members keep archive order
		}
		slices.SortStableFunc(kids, func(a, b int) int { return w.blobs[a].Start - w.blobs[b].Start })
	}
	for i := n - 1; i >= 0; i-- {
		b := w.blobs[i]
		switch b.Kind {
		case "text":
			if b.Size > 0 {
				f.text[i], f.has[i] = w.replaceSpans(b.Text, i, f), true
			}
		case "zip", "tar":
			var parts []string
			for _, k := range f.kids[i] {
				if f.has[k] && f.text[k] != "" {
					parts = append(parts, f.text[k])
				}
			}
			if len(parts) > 0 {
				f.text[i], f.has[i] = strings.Join(parts, "\n"), true
			}
		}
	}
	return f
}

// replaceSpans returns text with the spans of parent's children (parent -1: the top-level
// blobs) replaced by their full texts; children without text keep their encoded form.
func (w *walker) replaceSpans(text string, parent int, f *fulls) string {
	p := parent
	if p < 0 {
		p = len(w.blobs)
	}
	var sb strings.Builder
	last := 0
	for _, k := range f.kids[p] {
		b := w.blobs[k]
		if !f.has[k] || b.Start >= b.End || b.Start < last || b.End > len(text) {
			continue
		}
		if sb.Len() == 0 {
			sb.Grow(len(text))
		}
		sb.WriteString(text[last:b.Start])
		sb.WriteString(f.text[k])
		last = b.End
	}
	if last == 0 {
		return text
	}
	sb.WriteString(text[last:])
	return sb.String()
}
