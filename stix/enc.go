package stix

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// enc builds one JSON object at a time into a reused buffer, keeping keys in the order they
// are written (STIX readers do not care, people reading golden files do).
type enc struct {
	b     []byte
	count []int // members written at each open nesting level
}

func (e *enc) reset() { e.b, e.count = e.b[:0], e.count[:0] }

func (e *enc) sep() {
	n := len(e.count) - 1
	if n >= 0 {
		if e.count[n] > 0 {
			e.b = append(e.b, ',')
		}
		e.count[n]++
	}
}

func (e *enc) key(k string) {
	e.sep()
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
}

// open starts an object, as a member k (k != "") or as an array element / top level.
func (e *enc) open(k string) {
	if k != "" {
		e.key(k)
	} else {
		e.sep()
	}
	e.b = append(e.b, '{')
	e.count = append(e.count, 0)
}

// openList starts an array member k.
func (e *enc) openList(k string) {
	e.key(k)
	e.b = append(e.b, '[')
	e.count = append(e.count, 0)
}

func (e *enc) closeObj() {
	e.b = append(e.b, '}')
	e.count = e.count[:len(e.count)-1]
}

func (e *enc) closeList() {
	e.b = append(e.b, ']')
	e.count = e.count[:len(e.count)-1]
}

func (e *enc) str(k, v string) {
	e.key(k)
	e.b = appendString(e.b, v)
}

// optStr writes k only when v is not empty.
func (e *enc) optStr(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *enc) elem(v string) {
	e.sep()
	e.b = appendString(e.b, v)
}

func (e *enc) strs(k string, v []string) {
	e.openList(k)
	for _, s := range v {
		e.elem(s)
	}
	e.closeList()
}

func (e *enc) num(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *enc) boolean(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// appendString appends s as a JSON string (record's encoding: invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte { return record.AppendJSONString(b, s) }

// escapePattern quotes v for a STIX pattern string literal: backslashes and single quotes
// are escaped with a backslash.
func escapePattern(v string) string {
	if !strings.ContainsAny(v, `\'`) {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' || v[i] == '\'' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(v[i])
	}
	return sb.String()
}

// Timestamp layouts: STIX wants millisecond precision on created/modified.
const (
	layoutMillis  = "2006-01-02T15:04:05.000Z"
	layoutSeconds = "2006-01-02T15:04:05Z"
)

func stamp(t time.Time) string { return t.UTC().Format(layoutMillis) }

func stampSeconds(t time.Time) string { return t.UTC().Format(layoutSeconds) }

// namespace is the UUID namespace of the identifiers derived here (uuid5 over a name),
// for MISP uuids that are not RFC 4122 identifiers STIX accepts and for objects MISP gives
// no uuid (relationships between an attribute and a galaxy cluster).
var namespace = [16]byte{0x5b, 0x2f, 0x7c, 0x4e, 0x5d, 0x3a, 0x4f, 0x1b, 0x9c, 0x6d, 0x1e, 0x0a, 0x2b, 0x3c, 0x4d, 0x5e}

// uuid5 returns the name-based (SHA-1) UUID of name in namespace.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// uuid4 returns a random UUID.
func uuid4() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// stixUUID reports whether u is a UUID STIX identifiers accept: RFC 4122 variant, version
// 1 to 5.
func stixUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		case 14:
			if c < '1' || c > '5' {
				return false
			}
		case 19:
			if !strings.ContainsRune("89abAB", rune(c)) {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// id returns the STIX identifier of type typ for the MISP uuid u: typ--u as misp-stix
// writes it when u is an acceptable UUID, else typ--uuid5(u) so that the bundle stays
// valid and the same MISP uuid always gives the same identifier.
func id(typ, u string) string {
	if stixUUID(u) {
		return typ + "--" + strings.ToLower(u)
	}
	return typ + "--" + uuid5(u)
}
