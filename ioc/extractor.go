package ioc

import (
	"fmt"
	"hash/maphash"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/net/publicsuffix"
)

// Extractor finds indicators in text. It is safe for concurrent use; build one with
// NewExtractor and reuse it.
type Extractor struct {
	want         [numTypes]bool
	custom       []customType
	fileNameTLDs bool
	icannOnly    bool

	// tlds memoises "is this lower-case label an ICANN top-level domain". Readers load
	// the map without locking; writers copy it under mu (it stays small).
	tlds atomic.Pointer[map[string]bool]
	mu   sync.Mutex

	// domains caches validated domains with their registrable domain in a direct-mapped
	// table of immutable entries: lock-free, bounded, and a hit allocates nothing.
	seed    maphash.Seed
	domains [domainCacheSize]atomic.Pointer[domainEntry]

	// scanners recycles scanner state (token tables, buffers and the unused tail of the
	// current string arena block) between calls, so that scanning one short line costs
	// no set-up.
	scanners sync.Pool
}

const domainCacheSize = 4096

type domainEntry struct{ name, reg string }

// cachedDomain returns the cache entry for the lower-case domain d, if there is one.
func (e *Extractor) cachedDomain(d []byte) (name, reg string, ok bool) {
	ent := e.domains[maphash.Bytes(e.seed, d)&(domainCacheSize-1)].Load()
	if ent != nil && ent.name == string(d) {
		return ent.name, ent.reg, true
	}
	return "", "", false
}

// lookupDomain returns the cached (lower-case) domain d and its registrable domain,
// computing and caching them on a miss. ok is false when d is itself a public suffix.
func (e *Extractor) lookupDomain(d []byte) (name, reg string, ok bool) {
	slot := &e.domains[maphash.Bytes(e.seed, d)&(domainCacheSize-1)]
	if ent := slot.Load(); ent != nil && ent.name == string(d) {
		return ent.name, ent.reg, ent.reg != ""
	}
	name = string(d)
	reg = e.registrable(name)
	slot.Store(&domainEntry{name, reg})
	return name, reg, reg != ""
}

type customType struct {
	typ   Type
	re    *regexp.Regexp
	group int // index of the "ioc" group, or 0 for the whole match
}

const maxTLDCache = 2048

// NewExtractor validates opts and returns an Extractor.
func NewExtractor(opts Options) (*Extractor, error) {
	e := &Extractor{fileNameTLDs: opts.FileNameTLDs, icannOnly: opts.ICANNOnly, seed: maphash.MakeSeed()}
	m := map[string]bool{}
	e.tlds.Store(&m)
	customNames := map[Type]bool{}
	for i, c := range opts.Custom {
		if !validCustomName(c.Name) {
			return nil, fmt.Errorf("custom type %d: name %q must be 1-64 lower-case letters, digits, '_' or '-'", i, c.Name)
		}
		t := Type(c.Name)
		if typeIndex(t) >= 0 {
			return nil, fmt.Errorf("custom type %q: name is a built-in type", c.Name)
		}
		if customNames[t] {
			return nil, fmt.Errorf("custom type %q: defined twice", c.Name)
		}
		customNames[t] = true
		if c.Pattern == "" {
			return nil, fmt.Errorf("custom type %q: empty pattern", c.Name)
		}
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("custom type %q: %w", c.Name, err)
		}
		e.custom = append(e.custom, customType{typ: t, re: re, group: max(re.SubexpIndex("ioc"), 0)})
	}
	if len(opts.Types) == 0 {
		for i := range e.want {
			e.want[i] = true
		}
		return e, nil
	}
	wantCustom := map[Type]bool{}
	for _, t := range opts.Types {
		if customNames[t] {
			wantCustom[t] = true
			continue
		}
		pt, err := ParseType(string(t))
		if err != nil {
			return nil, err
		}
		e.want[typeIndex(pt)] = true
	}
	e.custom = slices.DeleteFunc(e.custom, func(c customType) bool { return !wantCustom[c.typ] })
	return e, nil
}

func validCustomName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Extract returns the indicators in text in order of Start. Raw values share memory with
// text.
func (e *Extractor) Extract(text string) []Match {
	b := unsafe.Slice(unsafe.StringData(text), len(text))
	return e.appendMatches(nil, b, text, true)
}

// AppendMatchesString is AppendMatches for a string: Raw values share the input's memory, so
// nothing is copied but the canonical values that differ from the raw text.
func (e *Extractor) AppendMatchesString(dst []Match, text string) []Match {
	b := unsafe.Slice(unsafe.StringData(text), len(text))
	return e.appendMatches(dst, b, text, true)
}

// AppendMatches appends the indicators in text to dst in order of Start and returns the
// extended slice. It allocates only for the matches it returns.
func (e *Extractor) AppendMatches(dst []Match, text []byte) []Match {
	return e.appendMatches(dst, text, "", false)
}

func (e *Extractor) appendMatches(dst []Match, text []byte, str string, isStr bool) []Match {
	base := len(dst)
	s, _ := e.scanners.Get().(*scanner)
	if s == nil {
		s = &scanner{e: e}
	}
	s.t, s.str, s.isStr, s.out, s.lastEnd = text, str, isStr, dst, 0
	s.run()
	dst = s.out
	s.t, s.str, s.out = nil, "", nil
	e.scanners.Put(s)
	if len(e.custom) > 0 {
		for _, c := range e.custom {
			for _, loc := range c.re.FindAllSubmatchIndex(text, -1) {
				a, b := loc[2*c.group], loc[2*c.group+1]
				if a < 0 || a == b {
					continue
				}
				raw := customRaw(text, str, isStr, a, b)
				dst = append(dst, Match{Type: c.typ, Value: raw, Raw: raw, Start: a, End: b})
			}
		}
		slices.SortStableFunc(dst[base:], func(x, y Match) int { return x.Start - y.Start })
	}
	return dst
}

func customRaw(text []byte, str string, isStr bool, a, b int) string {
	if isStr {
		return str[a:b]
	}
	return string(text[a:b])
}

// defaultExtractor holds the extractor behind the package-level Extract. Its only mutable
// part is the TLD memo, which never changes a result.
var defaultExtractor = sync.OnceValue(func() *Extractor {
	e, err := NewExtractor(Options{})
	if err != nil {
		panic(fmt.Errorf("building the default extractor: %w", err))
	}
	return e
})

// Extract returns the indicators of every built-in type in text, in order of Start, using
// default Options.
func Extract(text string) []Match { return defaultExtractor().Extract(text) }

// isTLD reports whether the lower-case label is a top-level domain of the ICANN section
// of the public suffix list.
func (e *Extractor) isTLD(label []byte) bool {
	m := *e.tlds.Load()
	if v, ok := m[string(label)]; ok {
		return v
	}
	l := string(label)
	suf, icann := publicsuffix.PublicSuffix(l)
	v := icann && suf == l
	e.mu.Lock()
	defer e.mu.Unlock()
	old := *e.tlds.Load()
	if len(old) >= maxTLDCache {
		return v
	}
	n := make(map[string]bool, len(old)+1)
	for k, x := range old {
		n[k] = x
	}
	n[l] = v
	e.tlds.Store(&n)
	return v
}

// registrable returns the eTLD+1 of the lower-case domain d, or "" when d is itself a
// public suffix.
func (e *Extractor) registrable(d string) string {
	suf, icann := publicsuffix.PublicSuffix(d)
	if !e.icannOnly && len(suf) < len(d) {
		// The longest suffix, private ones included (evil.blogspot.com).
		return labelBefore(d, suf)
	}
	// ICANN suffixes only, and the fallback for names that are themselves private
	// suffixes (s3.amazonaws.com belongs to amazonaws.com).
	for !icann {
		i := strings.IndexByte(suf, '.')
		if i < 0 {
			break
		}
		suf, icann = publicsuffix.PublicSuffix(suf[i+1:])
	}
	return labelBefore(d, suf)
}

// labelBefore returns the suffix suf of d with the label before it, or "" when d has no
// label before suf.
func labelBefore(d, suf string) string {
	if len(suf) >= len(d) {
		return ""
	}
	i := len(d) - len(suf) - 1
	if d[i] != '.' {
		return ""
	}
	j := i - 1
	for j >= 0 && d[j] != '.' {
		j--
	}
	return d[j+1:]
}
