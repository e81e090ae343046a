package abusech

import (
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// addSeeds adds every testdata file matching pattern, and a few hand-made edge cases.
func addSeeds(f *testing.F, pattern string) {
	for _, b := range enrichtest.Seeds(f, pattern) {
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `[]`, `{}`, `{"query_status":"ok"}`, `{"query_status":"ok","data":null}`,
		`{"query_status":"ok","data":[null]}`, `{"query_status":"ok","urls":[{"url_status":"online"}],"url_count":"-5"}`,
		`{"query_status":"ok","data":[{"confidence_level":"1e99","tags":"x"}]}`} {
		f.Add([]byte(s))
	}
}

// checkParsed asserts what every conversion must give: a result for the indicator asked about,
// and either an error wrapping a documented sentinel with an Unknown verdict, or a verdict on the
// scale that is not Benign, with a summary.
func checkParsed(t *testing.T, in enrich.Indicator, r enrich.Result) {
	t.Helper()
	enrichtest.CheckResult(t, in, r, enrich.ErrBadReply, enrich.ErrAuth, ErrRefused, enrich.ErrUnsupported)
	if r.Verdict == enrich.Benign {
		t.Fatalf("verdict %v: abuse.ch lists never say benign", r.Verdict)
	}
}

func fuzzParser(f *testing.F, pattern string, types []ioc.Type, parse func(enrich.Indicator, []byte) enrich.Result) {
	addSeeds(f, pattern)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range types {
			in := enrich.Indicator{Type: typ, Value: "198.51.100.7"}
			checkParsed(t, in, parse(in, body))
		}
	})
}

func FuzzURLhausReply(f *testing.F) {
	fuzzParser(f, "urlhaus_*.json", []ioc.Type{ioc.URL, ioc.IPv4, ioc.SHA256}, parseURLhaus)
}

func FuzzThreatFoxReply(f *testing.F) {
	fuzzParser(f, "threatfox_*.json", []ioc.Type{ioc.IPv4, ioc.Domain, ioc.URL, ioc.MD5}, parseThreatFox)
}

func FuzzMalwareBazaarReply(f *testing.F) {
	fuzzParser(f, "malwarebazaar_*.json", []ioc.Type{ioc.SHA256}, parseMalwareBazaar)
}
