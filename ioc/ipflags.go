package ioc

import "net/netip"

type prefixFlag struct {
	p netip.Prefix
	f IPFlags
}

var specialRanges = func() []prefixFlag {
	m := []struct {
		s string
		f IPFlags
	}{
		{"10.0.0.0/8", Private}, {"172.16.0.0/12", Private}, {"192.168.0.0/16", Private},
		{"127.0.0.0/8", Loopback}, {"169.254.0.0/16", LinkLocal}, {"224.0.0.0/4", Multicast},
		{"0.0.0.0/8", Reserved}, {"240.0.0.0/4", Reserved}, {"192.0.0.0/24", Reserved},
		{"192.0.2.0/24", Documentation}, {"198.51.100.0/24", Documentation}, {"203.0.113.0/24", Documentation},
		{"100.64.0.0/10", Shared}, {"198.18.0.0/15", Benchmarking}, {"255.255.255.255/32", Broadcast},
		{"fc00::/7", Private}, {"::1/128", Loopback}, {"fe80::/10", LinkLocal}, {"ff00::/8", Multicast},
		{"2001:db8::/32", Documentation}, {"3fff::/20", Documentation}, {"2001:2::/48", Benchmarking},
		{"100::/64", Reserved}, {"2001::/23", Reserved}, {"::/128", Unspecified},
	}
	out := make([]prefixFlag, len(m))
	for i, x := range m {
		out[i] = prefixFlag{netip.MustParsePrefix(x.s), x.f}
	}
	return out
}()

// ipFlags classifies a (zone-less) address. IPv4-mapped IPv6 addresses are classified by
// their IPv4 address.
func ipFlags(a netip.Addr) IPFlags {
	a = a.Unmap()
	if a.Is4() {
		return ipv4Flags(a.As4())
	}
	var f IPFlags
	if a.IsUnspecified() {
		f |= Unspecified
	}
	for _, r := range specialRanges {
		if r.p.Contains(a) {
			f |= r.f
		}
	}
	if f&(Unspecified) != 0 {
		f &^= Reserved
	}
	return f
}

// ipv4Flags classifies an IPv4 address with integer masks (the hot path: most addresses
// in logs are IPv4).
func ipv4Flags(b [4]byte) IPFlags {
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	in := func(p uint32, bits uint) bool { return v>>(32-bits) == p>>(32-bits) }
	var f IPFlags
	switch b[0] {
	case 0:
		if v == 0 {
			return Unspecified
		}
		return Reserved
	case 10:
		return Private
	case 100:
		if in(100<<24|64<<16, 10) {
			f |= Shared
		}
	case 127:
		return Loopback
	case 169:
		if b[1] == 254 {
			f |= LinkLocal
		}
	case 172:
		if in(172<<24|16<<16, 12) {
			f |= Private
		}
	case 192:
		switch {
		case b[1] == 168:
			f |= Private
		case b[1] == 0 && b[2] == 2:
			f |= Documentation
		case b[1] == 0 && b[2] == 0:
			f |= Reserved
		}
	case 198:
		switch {
		case b[1] == 51 && b[2] == 100:
			f |= Documentation
		case in(198<<24|18<<16, 15):
			f |= Benchmarking
		}
	case 203:
		if b[1] == 0 && b[2] == 113 {
			f |= Documentation
		}
	default:
		switch {
		case b[0] >= 224 && b[0] < 240:
			f |= Multicast
		case b[0] >= 240:
			f |= Reserved
			if v == 0xffffffff {
				f |= Broadcast
			}
		}
	}
	return f
}
