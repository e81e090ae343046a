package storetest

import (
	"fmt"

	"github.com/hunchsec/hunch/misp"
)

// BulkEvent returns an event of n attributes with distinct values of a few common types, numbered from base, and
// one tag on every tenth attribute: the bulk-ingest workload every backend benchmarks, so that the
// figures compare.
func BulkEvent(org misp.FlexInt, base, n int) *misp.Event {
	e := &misp.Event{OrgID: org, OrgcID: org, Info: fmt.Sprintf("bulk %d", base), Timestamp: 1700000000,
		Distribution: "1", Tag: []misp.Tag{{Name: "tlp:green"}}}
	e.Attribute = make([]misp.Attribute, n)
	for i := range e.Attribute {
		k := base + i
		a := &e.Attribute[i]
		a.Category, a.Timestamp, a.Distribution, a.ToIDS = "Network activity", 1700000000, "5", misp.BoolTrue
		switch k % 4 {
		case 0:
			a.Type, a.Value = "ip-dst", fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
		case 1:
			a.Type, a.Value = "domain", fmt.Sprintf("host%d.example.com", k)
		case 2:
			a.Type, a.Value = "url", fmt.Sprintf("http://host%d.example.com/path/%d", k, k)
		default:
			a.Type, a.Category, a.Value = "filename|md5", "Payload delivery", fmt.Sprintf("file%d.exe|%032x", k, k)
		}
		if k%10 == 0 {
			a.Tag = []misp.Tag{{Name: "kill-chain:delivery"}}
		}
	}
	return e
}
