package virustotal

import (
	"errors"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// fuzzIndicators are the indicators FuzzParse asks about, one per supported type and one not.
var fuzzIndicators = []enrich.Indicator{
	{Type: ioc.IPv4, Value: "185.220.101.4"},
	{Type: ioc.IPv6, Value: "2001:db8::1"},
	{Type: ioc.Domain, Value: "example.com"},
	{Type: ioc.URL, Value: "http://a.example/??>"},
	{Type: ioc.MD5, Value: "44d88612fea8a8f36de82e1278abb02f"},
	{Type: ioc.SHA1, Value: "3395856ce81f2b7382dee72602f798b642f14140"},
	{Type: ioc.SHA256, Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
	{Type: ioc.Email, Value: "a@example.com"},
}

// FuzzParse feeds arbitrary reply bodies to the reply → result conversion: it must not panic, and
// it must give either an error or a result that is about the indicator, has a verdict on the
// scale and marshals to JSON.
func FuzzParse(f *testing.F) {
	for i, b := range enrichtest.Seeds(f, "*.json") {
		f.Add(b, uint8(i), uint8(3))
	}
	f.Add([]byte(`{"data":{"attributes":{"last_analysis_stats":{"malicious":-5,"harmless":-1}}}}`), uint8(0), uint8(0))
	f.Add([]byte(`{"data":null,"error":{"code":"NotFoundError"}}`), uint8(3), uint8(1))
	f.Add([]byte(`{"data":{"attributes":{"popular_threat_classification":null,"tags":null}}}`), uint8(6), uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which, threshold uint8) {
		ind := fuzzIndicators[int(which)%len(fuzzIndicators)]
		r, err := parse(ind, body, int(threshold))
		if err != nil {
			if ind.Type != ioc.Email && !errors.Is(err, enrich.ErrBadReply) {
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
