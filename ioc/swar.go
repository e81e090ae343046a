package ioc

import (
	"encoding/binary"
	"math/bits"
)

// SWAR ("SIMD within a register") helpers: they classify eight input bytes at once in a
// uint64, one result bit (the byte's high bit) per byte, so the hot loops find the end of
// a word or label with a few ALU operations and one branch instead of one table look-up
// and one branch per byte. Every test is exact for ASCII bytes; bytes with the high bit set
// belong to no class here, as in the byte-class table.

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
	swar7F = 0x7f7f7f7f7f7f7f7f
)

// load8 reads t[p:p+8] as a little-endian word: byte p is the lowest byte.
func load8(t []byte, p int) uint64 { return binary.LittleEndian.Uint64(t[p : p+8]) }

// The tests below add a constant to every byte of v, whose bytes are all below 0x80, so
// no carry crosses a byte: v+(0x80-lo) sets a byte's high bit iff the byte is >= lo, and
// v+(0x7f-hi) iff it is > hi; (v^c)+0x7f leaves the high bit clear iff the byte is c.
// The constants are written out so that the helpers stay small enough to be inlined.

// swarAlnum marks the ASCII letters and digits of x.
func swarAlnum(x uint64) uint64 {
	v := x & swar7F
	w := v | 0x2020202020202020
	digit := (v + 0x5050505050505050) &^ (v + 0x4646464646464646) // '0'..'9'
	alpha := (w + 0x1f1f1f1f1f1f1f1f) &^ (w + 0x0505050505050505) // 'a'..'z', either case
	return (digit | alpha) &^ x & swarHi
}

// swarLabel marks the label bytes of x (letters, digits, '-' and '_') and, among all bytes,
// the digits, the letters and the underscores.
func swarLabel(x uint64) (label, digit, alpha, under uint64) {
	v := x & swar7F
	w := v | 0x2020202020202020
	ascii := ^x & swarHi
	digit = (v + 0x5050505050505050) &^ (v + 0x4646464646464646) & ascii
	alpha = (w + 0x1f1f1f1f1f1f1f1f) &^ (w + 0x0505050505050505) & ascii
	under = ^((v ^ 0x5f5f5f5f5f5f5f5f) + swar7F) & ascii
	hyphen := ^((v ^ 0x2d2d2d2d2d2d2d2d) + swar7F) & ascii
	return digit | alpha | under | hyphen, digit, alpha, under
}

// swarStart marks the bytes of x that the scan loop stops at (class cStart): letters,
// digits, '_', '/', '\\', '%' and ':'. '/' and ':' border the digits, so one range covers
// all three.
func swarStart(x uint64) uint64 {
	v := x & swar7F
	w := v | 0x2020202020202020
	m := (v + 0x5151515151515151) &^ (v + 0x4545454545454545) // '/'..':'
	m |= (w + 0x1f1f1f1f1f1f1f1f) &^ (w + 0x0505050505050505) // 'a'..'z', either case
	m |= ^((v ^ 0x5f5f5f5f5f5f5f5f) + swar7F)                 // '_'
	m |= ^((v ^ 0x5c5c5c5c5c5c5c5c) + swar7F)                 // '\\'
	m |= ^((v ^ 0x2525252525252525) + swar7F)                 // '%'
	return m &^ x & swarHi
}

// firstMarked returns the index of the first marked byte of a non-zero mask and a mask
// of the (high) bits of the bytes before it.
func firstMarked(m uint64) (int, uint64) {
	k := bits.TrailingZeros64(m) // 8*index + 7
	return k >> 3, uint64(1)<<(k-7) - 1
}
