package warninglist

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// TestCIDRIndexAgainstScan compares the segment index with a scan of every range, on random nested and disjoint
// ranges of both families, for addresses and for ranges as values.
func TestCIDRIndexAgainstScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randAddr := func(v4 bool) netip.Addr {
		if v4 {
			// A small space, so that ranges nest and addresses hit them.
			return netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		}
		var b [16]byte
		b[0], b[1], b[2] = 0x20, 0x01, byte(rng.IntN(4))
		for i := 3; i < 16; i++ {
			b[i] = byte(rng.IntN(256))
		}
		return netip.AddrFrom16(b)
	}
	for _, v4 := range []bool{true, false} {
		bits := 128
		if v4 {
			bits = 32
		}
		var lists []*List
		for l := 0; l < 5; l++ {
			list := &List{Name: fmt.Sprint("l", l), Description: "d", Type: TypeCIDR}
			for range 300 {
				n := bits - rng.IntN(bits-14)
				p, _ := randAddr(v4).Prefix(n)
				if !slices.Contains(list.Entries, p.String()) {
					list.Entries = append(list.Entries, p.String())
				}
			}
			lists = append(lists, list)
		}
		s, err := NewSet(lists)
		if err != nil {
			t.Fatal(err)
		}
		hits := 0
		for range 3000 {
			a := randAddr(v4)
			value := a.String()
			var want []string
			if rng.IntN(3) == 0 { // a range as the value
				p, _ := a.Prefix(bits - rng.IntN(16))
				value = p.String()
				for _, l := range lists {
					var best netip.Prefix
					for _, e := range l.Entries {
						q := netip.MustParsePrefix(e)
						if q.Bits() <= p.Bits() && q.Contains(p.Addr()) && (!best.IsValid() || q.Bits() < best.Bits()) {
							best = q
						}
					}
					if best.IsValid() {
						want = append(want, l.Name+" "+best.String())
					}
				}
			} else {
				for _, l := range lists {
					var best netip.Prefix
					for _, e := range l.Entries {
						q := netip.MustParsePrefix(e)
						if q.Contains(a) && (!best.IsValid() || q.Bits() < best.Bits()) {
							best = q
						}
					}
					if best.IsValid() {
						want = append(want, l.Name+" "+best.String())
					}
				}
			}
			var got []string
			for _, h := range s.Match("", value, nil) {
				got = append(got, h.List.Name+" "+h.Matched)
			}
			if len(want) > 0 {
				hits++
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Match(%s) = %q, want %q", value, got, want)
			}
		}
		if hits < 300 {
			t.Errorf("only %d of 3000 lookups hit: the test checks little", hits)
		}
	}
}
