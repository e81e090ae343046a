package warninglist

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"strings"
)

// Hit is one list a value matched.
type Hit struct {
	// List is the list that matched; Index is its position in the Set.
	List  *List
	Index int
	// Matched is the list entry that matched, in the form MISP reports it: the entry for string and substring
	// lists, the lower-cased domain for hostname lists, the range as address/length for cidr lists and the
	// expression for regex lists.
	Matched string
	// Value is the part of the value that matched: the value itself, or one part of a composite value.
	Value string
}

// Problem is a list entry the Set could not use: a cidr entry that is no address or range, or a regex entry that
// is not a /expression/flags RE2 can compile. The rest of the list is used.
type Problem struct {
	List  string
	Path  string
	Entry string
	Err   error
}

// Error describes the problem with the list's file and entry.
func (p *Problem) Error() string {
	where := p.List
	if p.Path != "" {
		where = p.Path
	}
	return fmt.Sprintf("warninglist %s: entry %q: %v", where, p.Entry, p.Err)
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

// bitset is a set of list indexes.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) and(o bitset) bitset {
	out := make(bitset, len(b))
	for i := range b {
		out[i] = b[i] & o[i]
	}
	return out
}
func (b bitset) any() bool {
	for _, w := range b {
		if w != 0 {
			return true
		}
	}
	return false
}
func (b bitset) intersects(o bitset) bool {
	for i := range b {
		if b[i]&o[i] != 0 {
			return true
		}
	}
	return false
}
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// postings maps an index key to the lists holding it: a list index per occurrence, in list order.
type postings map[string][]uint16

func (p postings) add(k string, list int) {
	ls := p[k]
	if n := len(ls); n > 0 && int(ls[n-1]) == list {
		return
	}
	p[k] = append(ls, uint16(list))
}

type regexEntry struct {
	list int
	src  string
	re   *regexp.Regexp
}

// Set is a set of lists with their indexes built. It is safe for concurrent use and never changes.
type Set struct {
	lists    []*List
	problems []error

	// of type: the lists of each type, and the lists each attribute type consults.
	ofType  map[Type]bitset
	forType map[string]bitset
	anyType bitset // lists with no matching_attributes
	all     bitset

	exact postings
	hosts postings
	// exactMay and hostsMay answer most misses without probing exact and hosts.
	exactMay, hostsMay bloom
	v4, v6             cidrIndex
	substr             *automaton
	regexes            []regexEntry
	entryRefs          int
}

// NewSet builds the indexes of lists. Entries it cannot use are reported by Problems, not refused. At most 65 535
// lists are indexed; more is an error.
func NewSet(lists []*List) (*Set, error) {
	if len(lists) > 1<<16-1 {
		return nil, fmt.Errorf("warninglist: %d lists, at most %d", len(lists), 1<<16-1)
	}
	n := len(lists)
	s := &Set{lists: lists, ofType: map[Type]bitset{}, forType: map[string]bitset{}, anyType: newBitset(n),
		all: newBitset(n), exact: postings{}, hosts: postings{}}
	var subs []acPattern
	for i, l := range lists {
		s.all.set(i)
		if s.ofType[l.Type] == nil {
			s.ofType[l.Type] = newBitset(n)
		}
		s.ofType[l.Type].set(i)
		if len(l.MatchingAttributes) == 0 {
			s.anyType.set(i)
		}
		for _, t := range l.MatchingAttributes {
			if s.forType[t] == nil {
				s.forType[t] = newBitset(n)
			}
			s.forType[t].set(i)
		}
		for _, e := range l.Entries {
			if e == "" {
				continue // MISP skips empty entries
			}
			s.entryRefs++
			switch l.Type {
			case TypeString:
				s.exact.add(e, i)
			case TypeHostname:
				if h := strings.ToLower(strings.Trim(e, ".")); h != "" {
					s.hosts.add(h, i)
				}
			case TypeSubstring:
				subs = append(subs, acPattern{s: e, list: uint16(i)})
			case TypeCIDR:
				p, err := parsePrefix(e)
				if err != nil {
					s.problems = append(s.problems, &Problem{List: l.Name, Path: l.Path, Entry: e, Err: err})
					continue
				}
				s.addPrefix(p, i)
			case TypeRegex:
				re, err := compilePCRE(e)
				if err != nil {
					s.problems = append(s.problems, &Problem{List: l.Name, Path: l.Path, Entry: e, Err: err})
					continue
				}
				s.regexes = append(s.regexes, regexEntry{list: i, src: e, re: re})
			}
		}
	}
	// The type sets include the lists for every type, so a lookup reads one bitset.
	for t, b := range s.forType {
		for i := range b {
			b[i] |= s.anyType[i]
		}
		s.forType[t] = b
	}
	s.substr = buildAutomaton(subs)
	s.exactMay, s.hostsMay = newBloom(s.exact), newBloom(s.hosts)
	s.v4.build(32)
	s.v6.build(128)
	return s, nil
}

// parsePrefix reads a cidr entry: an address/length, or an address meaning its single-address range.
func parsePrefix(e string) (netip.Prefix, error) {
	e = strings.TrimSpace(e)
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an address range: %w", err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address: %w", err)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %q has a zone", e)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (s *Set) addPrefix(p netip.Prefix, list int) {
	if p.Addr().Is4() {
		s.v4.add(p, list)
	} else {
		s.v6.add(p, list)
	}
}

// Lists returns the set's lists in index order. Callers must not modify them.
func (s *Set) Lists() []*List { return s.lists }

// Problems returns the entries that could not be used (each a *Problem).
func (s *Set) Problems() []error { return s.problems }

// Entries returns how many non-empty entries the set's lists hold.
func (s *Set) Entries() int { return s.entryRefs }

// Match returns the lists enabled reports true for (by list name) that value of attribute type typ hits, in list
// order, one Hit per list. Only lists whose matching_attributes include typ are consulted (all lists when typ is
// ""); a composite type (one with "|", and malware-sample) is checked part by part, as MISP does.
func (s *Set) Match(typ, value string, enabled func(name string) bool) []Hit {
	return s.Filter(enabled).Match(typ, value)
}

// Filter is a Set restricted to the lists a predicate selected, ready for many lookups.
type Filter struct {
	s       *Set
	enabled bitset
	forType map[string]bitset
	anyType bitset
}

// Filter selects the lists enabled reports true for, by name; a nil enabled selects all.
func (s *Set) Filter(enabled func(name string) bool) *Filter {
	f := &Filter{s: s, enabled: newBitset(len(s.lists)), forType: make(map[string]bitset, len(s.forType))}
	for i, l := range s.lists {
		if enabled == nil || enabled(l.Name) {
			f.enabled.set(i)
		}
	}
	for t, b := range s.forType {
		f.forType[t] = b.and(f.enabled)
	}
	f.anyType = s.anyType.and(f.enabled)
	return f
}

// Enabled returns how many lists the filter selected.
func (f *Filter) Enabled() int { return f.enabled.count() }

// candidates returns the selected lists consulted for typ.
func (f *Filter) candidates(typ string) bitset {
	if typ == "" {
		return f.enabled
	}
	if b, ok := f.forType[typ]; ok {
		return b
	}
	return f.anyType
}

// Match is Set.Match over the filter's lists.
func (f *Filter) Match(typ, value string) []Hit {
	cand := f.candidates(typ)
	if !cand.any() {
		return nil
	}
	var hits []Hit
	seen := newBitset(len(f.s.lists))
	f.s.match(typ, value, cand, func(list int, matched, part string) bool {
		if !seen.has(list) {
			seen.set(list)
			hits = append(hits, Hit{List: f.s.lists[list], Index: list, Matched: matched, Value: part})
		}
		return true
	})
	sortHits(hits)
	return hits
}

// Hit reports whether value of type typ hits any selected list; it is Match without building the hits, for
// filtering (restSearch's enforceWarninglist).
func (f *Filter) Hit(typ, value string) bool {
	cand := f.candidates(typ)
	if !cand.any() {
		return false
	}
	hit := false
	f.s.match(typ, value, cand, func(int, string, string) bool {
		hit = true
		return false
	})
	return hit
}

func sortHits(h []Hit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Index < h[j-1].Index; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// match calls yield for each (list, matched entry, value part) hit among cand until yield returns false.
func (s *Set) match(typ, value string, cand bitset, yield func(list int, matched, part string) bool) {
	parts := [2]string{value}
	np := 1
	if typ == "malware-sample" || strings.Contains(typ, "|") {
		if a, b, ok := strings.Cut(value, "|"); ok {
			parts[0], parts[1], np = a, b, 2
		}
	}
	for _, part := range parts[:np] {
		if !s.matchPart(part, cand, yield) {
			return
		}
	}
}

// matchPart looks part up in each index whose lists intersect cand; false means yield asked to stop.
func (s *Set) matchPart(v string, cand bitset, yield func(list int, matched, part string) bool) bool {
	each := func(ls []uint16, matched string) bool {
		for _, l := range ls {
			if cand.has(int(l)) && !yield(int(l), matched, v) {
				return false
			}
		}
		return true
	}
	if b := s.ofType[TypeString]; b != nil && b.intersects(cand) {
		if s.exactMay.mayHave(v) {
			if ls, ok := s.exact[v]; ok && !each(ls, v) {
				return false
			}
		}
	}
	if b := s.ofType[TypeHostname]; b != nil && b.intersects(cand) {
		if h := hostOf(v); h != "" {
			// From the shortest suffix (the top-level label) to the whole host, as MISP walks it.
			i := len(h)
			for i > 0 {
				j := strings.LastIndexByte(h[:i], '.')
				suffix := h[j+1:]
				if s.hostsMay.mayHave(suffix) {
					if ls, ok := s.hosts[suffix]; ok && !each(ls, suffix) {
						return false
					}
				}
				if j < 0 {
					break
				}
				i = j
			}
		}
	}
	if b := s.ofType[TypeCIDR]; b != nil && b.intersects(cand) {
		if !s.matchCIDR(v, each) {
			return false
		}
	}
	if b := s.ofType[TypeSubstring]; b != nil && b.intersects(cand) {
		stop := false
		s.substr.scan(v, func(p *acPattern) bool {
			if cand.has(int(p.list)) && !yield(int(p.list), p.s, v) {
				stop = true
				return false
			}
			return true
		})
		if stop {
			return false
		}
	}
	if b := s.ofType[TypeRegex]; b != nil && b.intersects(cand) {
		for _, r := range s.regexes {
			if cand.has(r.list) && r.re.MatchString(v) && !yield(r.list, r.src, v) {
				return false
			}
		}
	}
	return true
}

// matchCIDR looks up an address, or a range, in the cidr indexes: a range matches a list range holding all of it.
func (s *Set) matchCIDR(v string, each func([]uint16, string) bool) bool {
	v = strings.TrimSpace(v)
	var addr netip.Addr
	bitsLimit := -1
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return true
		}
		addr, bitsLimit = p.Masked().Addr(), p.Bits()
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return true
		}
		addr = a.WithZone("")
	}
	idx := &s.v6
	if addr.Is4() {
		idx = &s.v4
	}
	return idx.lookup(keyOf(addr), bitsLimit, func(r *cidrRange) bool {
		return each(r.lists, r.text)
	})
}

// hostOf reduces a value to the host a hostname list is matched with: the authority of a URL (without user
// information and port), or what comes before the first "/"; lower-cased, without trailing dots.
func hostOf(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.Index(v, "//"); i >= 0 {
		v = v[i+2:]
	}
	if i := strings.IndexAny(v, "/?#"); i >= 0 {
		v = v[:i]
	}
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	if strings.HasPrefix(v, "[") {
		if i := strings.IndexByte(v, ']'); i > 0 {
			v = v[1:i]
		}
	} else if i := strings.LastIndexByte(v, ':'); i >= 0 && strings.Count(v, ":") == 1 {
		v = v[:i]
	}
	v = strings.TrimRight(v, ".")
	if !isLower(v) {
		v = strings.ToLower(v)
	}
	return v
}

func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}
