package tor

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/hunchsec/hunch/enrich"
)

// FuzzParse feeds arbitrary replies to both list parsers: they must not panic, and must return
// either a non-empty list within the bound or an error wrapping enrich.ErrBadReply.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/torbulkexitlist.txt", "testdata/onionoo_details.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("# c\r\n::ffff:1.2.3.4\n\nfe80::1%eth0\n"))
	f.Add([]byte(`{"relays":[{"or_addresses":["[::1]:1"],"exit_policy_v6_summary":{"accept":["1"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 50
		for name, parse := range map[string]func([]byte, int) (map[netip.Addr]struct{}, error){
			"bulk": ParseBulk, "onionoo": ParseOnionoo,
		} {
			addrs, err := parse(data, max)
			if err != nil {
				if !errors.Is(err, enrich.ErrBadReply) {
					t.Errorf("%s: error %v does not wrap ErrBadReply", name, err)
				}
				continue
			}
			if len(addrs) == 0 || len(addrs) > max {
				t.Errorf("%s: %d addresses", name, len(addrs))
			}
			for a := range addrs {
				if !a.IsValid() || a.Is4In6() || a.Zone() != "" {
					t.Errorf("%s: address %v kept unnormalised", name, a)
				}
			}
		}
	})
}
