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
		// Most addresses are in no special range: decide on the first octet first.
		switch a.As4()[0] {
		case 0, 10, 100, 127, 169, 172, 192, 198, 203:
		default:
			if a.As4()[0] < 224 {
				return 0
			}
		}
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
