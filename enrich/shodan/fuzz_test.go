package shodan

import (
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// FuzzInternetDBReply feeds arbitrary replies to the reply → Result conversion: it must return a
// result for the indicator asked about, with either a bad-reply error and no verdict, or a verdict
// that is never Benign and a summary.
func FuzzInternetDBReply(f *testing.F) {
	for _, b := range enrichtest.Seeds(f, "internetdb_*.json") {
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `[]`, `{}`, `{"ip":""}`, `{"ip":"x","ports":null,"tags":null}`,
		`{"ip":"1.2.3.4","tags":["C2","Scanner"]}`, `{"detail":""}`, `{"ip":"1.2.3.4","ports":[1e3]}`} {
		f.Add([]byte(s))
	}
	c, err := New(Options{HTTP: &enrich.HTTP{}})
	if err != nil {
		f.Fatal(err)
	}
	in := enrich.Indicator{Type: ioc.IPv4, Value: "198.51.100.9"}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := c.parse(in, body)
		enrichtest.CheckResult(t, in, r, enrich.ErrBadReply)
		if r.Verdict == enrich.Benign {
			t.Fatalf("verdict %v: InternetDB never says benign", r.Verdict)
		}
	})
}
