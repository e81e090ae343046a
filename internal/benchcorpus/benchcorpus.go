// Package benchcorpus generates hunch's deterministic synthetic security-log corpus for
// benchmarks and recall tests: a mix of Windows process events, encoded PowerShell, syslog,
// proxy, mail, auditd, firewall and analyst-note lines, with a record of every planted indicator.
//
// The mix and the line shapes follow ../shared/bench/gen_corpus.py; the output is not
// byte-identical to it, but it is identical for a given seed on every platform: all randomness
// comes from one explicitly seeded PCG generator (math/rand/v2) and the code never depends on
// map iteration order. The corpus uses random words and TLDs for its "malicious" domains and
// random public-looking addresses; it is benchmark data, not a documentation-range example.
package benchcorpus

import (
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"net/netip"
)

// Truth is one indicator planted in a generated line, as in gen_corpus.py's truth.jsonl.
type Truth struct {
	// Line is the 1-based number of the line the indicator was planted in.
	Line int `json:"line"`
	// Type is hunch's indicator type name: ipv4, ipv6, domain, url, email, md5, sha1, sha256,
	// windows_path or linux_path.
	Type string `json:"type"`
	// Value is the canonical value: refanged, lower-case for hashes, RFC 5952 form for IPv6.
	Value string `json:"value"`
	// Raw is the text exactly as planted (the defanged or upper-case form; Value otherwise).
	Raw string `json:"raw"`
	// Encoded is true when the indicator is only visible after decoding a base64 blob
	// (UTF-16LE PowerShell -EncodedCommand, or UTF-8 for the bash "base64 -d" lines).
	Encoded bool `json:"encoded"`
	// Via marks derived records: "url_host" (the host of a planted URL) or "email_domain"
	// (the domain of a planted e-mail address); empty otherwise.
	Via string `json:"via,omitempty"`
}

// Via values of derived truth records.
const (
	ViaURLHost     = "url_host"
	ViaEmailDomain = "email_domain"
)

// seedStream is the PCG stream constant paired with the caller's seed.
const seedStream = 0x68756e6368636f72 // "hunchcor"

// writeChunk is the size at which Write hands its buffer to the writer.
const writeChunk = 256 << 10

// maxLine bounds the length of one generated line with a wide margin; it only sizes buffers.
const maxLine = 2048

// Generator produces corpus lines one at a time. It is not safe for concurrent use; create one
// per goroutine. The zero value is not usable; call New.
type Generator struct {
	src    rand.PCG
	mal    []string // the campaign's "malicious" domains, chosen once per seed
	a      []byte   // per-line arena holding values that are planted or used twice
	u16    []byte   // scratch for UTF-16LE encoding
	line   []byte   // Line's buffer
	lineNo int
	record bool // whether planted indicators are recorded (Line) or skipped (Write, Bytes)
	truth  []Truth
}

// New returns a Generator whose lines are fully determined by seed.
func New(seed uint64) *Generator {
	g := newGenerator(seed)
	g.record = true
	return g
}

func newGenerator(seed uint64) *Generator {
	g := &Generator{
		a:    make([]byte, 0, maxLine),
		u16:  make([]byte, 0, 2*maxLine),
		line: make([]byte, 0, maxLine),
	}
	g.src.Seed(seed, seedStream)
	g.mal = make([]string, 300)
	for i := range g.mal {
		g.mal[i] = string(g.mkDomain(nil))
	}
	return g
}

// Line returns the next line (without its '\n') and the indicators planted in it. The
// returned slice belongs to the caller; it is nil for lines that plant nothing.
func (g *Generator) Line() (line string, truth []Truth) {
	g.truth = nil
	g.line = g.appendLine(g.line[:0])
	return string(g.line), g.truth
}

// Write writes at least size bytes of whole '\n'-terminated lines generated from seed to w,
// stopping after the line that reaches size. The bytes are those of successive New(seed).Line
// calls. Output is buffered in chunks; w should not be buffered again.
func Write(w io.Writer, size int64, seed uint64) error {
	if size <= 0 {
		return nil
	}
	g := newGenerator(seed)
	buf := make([]byte, 0, writeChunk+maxLine)
	var written int64
	for written+int64(len(buf)) < size {
		buf = append(g.appendLine(buf), '\n')
		if len(buf) >= writeChunk {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("write corpus at byte %d: %w", written, err)
			}
			written += int64(len(buf))
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("write corpus at byte %d: %w", written, err)
		}
	}
	return nil
}

// Bytes returns the corpus Write would write for size and seed, in one slice. It is meant for
// benchmarks, which should call it once outside their timed loop; nothing is cached.
func Bytes(size int64, seed uint64) []byte {
	if size <= 0 {
		return nil
	}
	g := newGenerator(seed)
	b := make([]byte, 0, size+maxLine)
	for int64(len(b)) < size {
		b = append(g.appendLine(b), '\n')
	}
	return b
}

// kind is a line kind; kindWeights gives their relative frequencies (gen_corpus.py's KINDS).
type kind int

const (
	kindWinProc kind = iota
	kindPowerShellEnc
	kindSyslog
	kindProxy
	kindTINote
	kindMail
	kindAuditd
	kindLinuxB64
	kindFlow6
	kindNoise
	numKinds
)

var kindWeights = [numKinds]int{22, 10, 20, 20, 6, 6, 6, 3, 4, 6}

const totalWeight = 103 // sum of kindWeights

// pickKind draws a line kind with the kindWeights distribution.
func (g *Generator) pickKind() kind {
	x := g.intn(totalWeight)
	for k, w := range kindWeights {
		if x < w {
			return kind(k)
		}
		x -= w
	}
	return kindNoise
}

// appendLine appends the next line (without '\n') to dst.
func (g *Generator) appendLine(dst []byte) []byte {
	g.lineNo++
	g.a = g.a[:0]
	switch g.pickKind() {
	case kindWinProc:
		return g.winProc(dst)
	case kindPowerShellEnc:
		return g.powerShellEnc(dst)
	case kindSyslog:
		return g.syslog(dst)
	case kindProxy:
		return g.proxy(dst)
	case kindTINote:
		return g.tiNote(dst)
	case kindMail:
		return g.mail(dst)
	case kindAuditd:
		return g.auditd(dst)
	case kindLinuxB64:
		return g.linuxB64(dst)
	case kindFlow6:
		return g.flow6(dst)
	default:
		return g.noise(dst)
	}
}

// ---- randomness ----------------------------------------------------------------------------

// intn returns a number in [0, n) by the multiply-shift method: one 64-bit draw per call, the
// same result on every platform.
func (g *Generator) intn(n int) int {
	hi, _ := bits.Mul64(g.src.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi], both included (Python's randint).
func (g *Generator) between(lo, hi int) int { return lo + g.intn(hi-lo+1) }

// percent reports true with probability p/100.
func (g *Generator) percent(p int) bool { return g.intn(100) < p }

func pick[T any](g *Generator, xs []T) T { return xs[g.intn(len(xs))] }

// ---- truth recording -----------------------------------------------------------------------

// span is a byte range in the per-line arena g.a.
type span struct{ s, e int }

func (g *Generator) mark() int           { return len(g.a) }
func (g *Generator) since(s int) span    { return span{s, len(g.a)} }
func (g *Generator) bytes(v span) []byte { return g.a[v.s:v.e] }

// plant records an indicator whose raw text equals its value.
func (g *Generator) plant(typ string, v span, encoded bool, via string) {
	if !g.record {
		return
	}
	s := string(g.bytes(v))
	g.truth = append(g.truth, Truth{Line: g.lineNo, Type: typ, Value: s, Raw: s, Encoded: encoded, Via: via})
}

// plantDefanged records an indicator planted in the defanged form raw.
func (g *Generator) plantDefanged(typ string, v, raw span, via string) {
	if !g.record {
		return
	}
	g.truth = append(g.truth, Truth{Line: g.lineNo, Type: typ, Value: string(g.bytes(v)), Raw: string(g.bytes(raw)), Via: via})
}

// plantString records a fixed indicator such as a tool's path.
func (g *Generator) plantString(typ, v string, encoded bool) {
	if !g.record {
		return
	}
	g.truth = append(g.truth, Truth{Line: g.lineNo, Type: typ, Value: v, Raw: v, Encoded: encoded})
}

// plantHash records a hash: the value lower-case, the raw text as planted.
func (g *Generator) plantHash(typ string, v span) {
	if !g.record {
		return
	}
	raw := g.bytes(v)
	low := make([]byte, len(raw))
	for i, c := range raw {
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	g.truth = append(g.truth, Truth{Line: g.lineNo, Type: typ, Value: string(low), Raw: string(raw)})
}

// plantIPv6 records an IPv6 address: the value in RFC 5952 form, the raw text as planted
// (which may be fully padded or uncompressed).
func (g *Generator) plantIPv6(v span) {
	if !g.record {
		return
	}
	raw := string(g.bytes(v))
	a, err := netip.ParseAddr(raw)
	if err != nil {
		panic("benchcorpus: generated an invalid IPv6 address " + raw) // a bug in ipv6()
	}
	g.truth = append(g.truth, Truth{Line: g.lineNo, Type: "ipv6", Value: a.String(), Raw: raw})
}

// plantURL records a URL and its host (ipv4 or domain, via url_host).
func (g *Generator) plantURL(u urlParts, encoded bool) {
	g.plant("url", u.url, encoded, "")
	typ := "domain"
	if u.hostIsIP {
		typ = "ipv4"
	}
	g.plant(typ, u.host, encoded, ViaURLHost)
}
