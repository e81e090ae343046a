package otx

import (
	"errors"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// fuzzIndicators are the indicators FuzzParse asks about, one per section and one unsupported.
var fuzzIndicators = []enrich.Indicator{
	{Type: ioc.IPv4, Value: "185.225.74.55"},
	{Type: ioc.IPv6, Value: "2001:db8::1"},
	{Type: ioc.Domain, Value: "example.com"},
	{Type: ioc.Domain, Value: "www.example.co.uk"},
	{Type: ioc.URL, Value: "http://203.0.113.50/a?b=c#d"},
	{Type: ioc.MD5, Value: "2eb14920c75d5e73264f77cfa273ad2c"},
	{Type: ioc.SHA256, Value: "ed01ebfbc9eb5bbea545af4d01bf5f1071661840480439c6e5babe8e080e41aa"},
	{Type: ioc.CVE, Value: "CVE-2017-0144"},
}

// FuzzParse feeds arbitrary reply bodies to the reply → result conversion: it must not panic, and
// it must give either an error or a result that is about the indicator, has a verdict on the
// scale, a summary, and marshals to JSON.
func FuzzParse(f *testing.F) {
	for i, b := range enrichtest.Seeds(f, "*.json") {
		f.Add(b, uint8(i), uint8(3))
	}
	f.Add([]byte(`{"pulse_info":{"count":-4,"pulses":[{"malware_families":[{"id":null},"",[]]}]}}`), uint8(0), uint8(0))
	f.Add([]byte(`{"validation":[{}],"false_positive":[{"assessment":"ACCEPTED"}]}`), uint8(2), uint8(1))
	f.Add([]byte(`null`), uint8(4), uint8(3))
	f.Fuzz(func(t *testing.T, body []byte, which, threshold uint8) {
		ind := fuzzIndicators[int(which)%len(fuzzIndicators)]
		r, err := parse(ind, body, int(threshold))
		if err != nil {
			if ind.Type != ioc.CVE && !errors.Is(err, enrich.ErrBadReply) {
				t.Fatalf("error %v does not wrap ErrBadReply", err)
			}
			return
		}
		enrichtest.CheckResult(t, ind, r)
		if r.Reference == "" {
			t.Fatalf("no reference in %+v", r)
		}
	})
}
