package warninglist

import "hash/maphash"

// bloom is a Bloom filter in front of a postings map. Most values looked up are in no list, and a miss answered
// from a bit array that stays in cache costs a fraction of a probe into a map of hundreds of thousands of
// strings (which misses the cache on every lookup).
type bloom struct {
	bits []uint64
	mask uint64
	seed maphash.Seed
}

// newBloom holds the keys of p, with about 16 bits a key (two probes: under 1 % false positives).
func newBloom(p postings) bloom {
	m := uint64(1024)
	for m < uint64(len(p))*16 {
		m <<= 1
	}
	b := bloom{bits: make([]uint64, m/64), mask: m - 1, seed: maphash.MakeSeed()}
	for k := range p {
		h := maphash.String(b.seed, k)
		b.set(h)
		b.set(h>>32 | h<<32)
	}
	return b
}

func (b *bloom) set(h uint64) {
	i := h & b.mask
	b.bits[i/64] |= 1 << (i % 64)
}

func (b *bloom) has(h uint64) bool {
	i := h & b.mask
	return b.bits[i/64]&(1<<(i%64)) != 0
}

// mayHave reports whether k may be a key; false is certain.
func (b *bloom) mayHave(k string) bool {
	if b.bits == nil {
		return true
	}
	h := maphash.String(b.seed, k)
	return b.has(h) && b.has(h>>32|h<<32)
}
