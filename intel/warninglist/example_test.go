package warninglist_test

import (
	"fmt"

	"github.com/hunchsec/hunch/intel/warninglist"
)

func Example() {
	dns, err := warninglist.Parse([]byte(`{
		"name": "List of known IPv4 public DNS resolvers",
		"description": "Event contains one or more public IPv4 DNS resolvers as attribute with an IDS flag set",
		"version": 20260301,
		"type": "cidr",
		"list": ["8.8.8.8", "1.1.1.0/24"],
		"matching_attributes": ["ip-src", "ip-dst", "ip-dst|port", "domain|ip"]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := warninglist.NewSet([]*warninglist.List{dns})
	if err != nil {
		fmt.Println(err)
		return
	}
	enabled := func(name string) bool { return true }
	for _, v := range []struct{ typ, value string }{
		{"ip-dst", "8.8.8.8"}, {"ip-dst|port", "1.1.1.1|53"}, {"url", "8.8.8.8"}, {"ip-src", "192.0.2.1"},
	} {
		for _, h := range set.Match(v.typ, v.value, enabled) {
			fmt.Printf("%s %s: %s (%s)\n", v.typ, v.value, h.List.Name, h.Matched)
		}
	}
	// Output:
	// ip-dst 8.8.8.8: List of known IPv4 public DNS resolvers (8.8.8.8/32)
	// ip-dst|port 1.1.1.1|53: List of known IPv4 public DNS resolvers (1.1.1.0/24)
}
