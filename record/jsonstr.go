package record

import "unicode/utf8"

// jsonSafe[c] is true for the ASCII bytes that go into a JSON string as they are. Unlike
// encoding/json, '<', '>' and '&' are kept, so URLs and command lines stay readable.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s to dst as a JSON string, as record's writers write strings: see
// appendJSONString. Other packages that write JSON by hand (stix) share it.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

// appendJSONString appends s as a JSON string: quotes, backslashes and control characters are
// escaped, invalid UTF-8 becomes \ufffd, and U+2028/U+2029 are escaped so the output is also
// safe inside JavaScript. Everything else, '<', '>' and '&' included, is written as it is.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Step over eight plain ASCII bytes at a time: most text in logs is that.
		for i+8 <= len(s) && plainWord(load64(s[i:])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// load64 returns the first eight bytes of s as a little-endian word (one load on amd64).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainWord reports whether the eight bytes of x are all ASCII that goes into a JSON string as
// it is (no quote, backslash, control character or byte ≥ 0x80), testing them at once.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// A byte below 0x20 sets its high bit in (x - 0x2020…) &^ x; a quote or backslash becomes
	// a zero byte after the XOR, which sets its high bit in (v - 0x0101…) &^ v; x's own high
	// bits catch the bytes ≥ 0x80. A borrow can set a wrong high bit only above a byte that
	// is rightly flagged, so whether any is set is exact.
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs|x)&highs == 0
}
