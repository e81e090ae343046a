package warninglist

import (
	"net/netip"
	"sort"
)

// addrKey is an address as two integers (IPv4 in the low word), ordered as the addresses are.
type addrKey struct{ hi, lo uint64 }

func keyOf(a netip.Addr) addrKey {
	if a.Is4() {
		b := a.As4()
		return addrKey{lo: uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	var k addrKey
	for i := 0; i < 8; i++ {
		k.hi = k.hi<<8 | uint64(b[i])
		k.lo = k.lo<<8 | uint64(b[8+i])
	}
	return k
}

func (k addrKey) less(o addrKey) bool { return k.hi < o.hi || k.hi == o.hi && k.lo < o.lo }

// last returns the last address of the range of length n (of bits in all) starting at k.
func (k addrKey) last(n, bits int) addrKey {
	host := bits - n
	switch {
	case host == 0:
		return k
	case host < 64:
		return addrKey{hi: k.hi, lo: k.lo | (1<<host - 1)}
	case host == 64:
		return addrKey{hi: k.hi, lo: ^uint64(0)}
	}
	return addrKey{hi: k.hi | (1<<(host-64) - 1), lo: ^uint64(0)}
}

// next returns k+1; ok is false when k is the largest key.
func (k addrKey) next() (addrKey, bool) {
	if k.lo != ^uint64(0) {
		return addrKey{hi: k.hi, lo: k.lo + 1}, true
	}
	if k.hi != ^uint64(0) {
		return addrKey{hi: k.hi + 1}, true
	}
	return k, false
}

// cidrRange is one distinct list range with the lists holding it and the range that encloses it (-1 for none).
type cidrRange struct {
	start  addrKey
	bits   int
	prefix netip.Prefix
	text   string // prefix as MISP reports a match: address/length
	lists  []uint16
	parent int32
}

// cidrIndex holds the ranges of the cidr lists of one address family as sorted elementary segments: ranges either
// nest or are disjoint, so each segment of the address space has one innermost range, and the ranges holding an
// address are that range and its enclosing ones. A lookup is a binary search and a walk up a short chain.
type cidrIndex struct {
	pending map[netip.Prefix][]uint16 // while building
	ranges  []cidrRange
	starts  []addrKey // segment starts, ascending
	inner   []int32   // innermost range of each segment, -1 for none
}

func (c *cidrIndex) add(p netip.Prefix, list int) {
	if c.pending == nil {
		c.pending = map[netip.Prefix][]uint16{}
	}
	ls := c.pending[p]
	if n := len(ls); n > 0 && int(ls[n-1]) == list {
		return
	}
	c.pending[p] = append(ls, uint16(list))
}

// build turns the added ranges into segments.
func (c *cidrIndex) build(bits int) {
	c.ranges = make([]cidrRange, 0, len(c.pending))
	for p, ls := range c.pending {
		c.ranges = append(c.ranges, cidrRange{start: keyOf(p.Addr()), bits: p.Bits(), prefix: p, text: p.String(), lists: ls,
			parent: -1})
	}
	c.pending = nil
	sort.Slice(c.ranges, func(i, j int) bool {
		a, b := &c.ranges[i], &c.ranges[j]
		if a.start != b.start {
			return a.start.less(b.start)
		}
		return a.bits < b.bits // the enclosing range first
	})
	emit := func(start addrKey, inner int32) {
		if n := len(c.starts); n > 0 && c.starts[n-1] == start {
			c.inner[n-1] = inner
			return
		}
		c.starts = append(c.starts, start)
		c.inner = append(c.inner, inner)
	}
	var stack []int32
	top := func() int32 {
		if len(stack) == 0 {
			return -1
		}
		return stack[len(stack)-1]
	}
	// pop closes the open ranges that end before k: the segment after each belongs to the range enclosing it.
	pop := func(k addrKey, all bool) {
		for len(stack) > 0 {
			r := &c.ranges[top()]
			end := r.start.last(r.bits, bits)
			if !all && !end.less(k) {
				return
			}
			stack = stack[:len(stack)-1]
			if after, ok := end.next(); ok {
				emit(after, top())
			}
		}
	}
	for i := range c.ranges {
		r := &c.ranges[i]
		pop(r.start, false)
		r.parent = top()
		emit(r.start, int32(i))
		stack = append(stack, int32(i))
	}
	pop(addrKey{}, true)
}

// lookup calls each for the ranges holding k, from the outermost in, skipping those longer than maxBits, until
// each returns false (then lookup does too).
func (c *cidrIndex) lookup(k addrKey, maxBits int, each func(r *cidrRange) bool) bool {
	i := sort.Search(len(c.starts), func(i int) bool { return k.less(c.starts[i]) }) - 1
	if i < 0 {
		return true
	}
	var chain [16]int32
	path := chain[:0]
	for r := c.inner[i]; r >= 0; r = c.ranges[r].parent {
		path = append(path, r)
	}
	for j := len(path) - 1; j >= 0; j-- {
		r := &c.ranges[path[j]]
		if maxBits >= 0 && r.bits > maxBits {
			break
		}
		if !each(r) {
			return false
		}
	}
	return true
}
