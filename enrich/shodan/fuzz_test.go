package shodan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// FuzzInternetDBReply feeds arbitrary replies to the reply → Result conversion: it must return a
// result for the indicator asked about, with either a bad-reply error and no verdict, or a verdict
// that is never Benign and a summary.
func FuzzInternetDBReply(f *testing.F) {
	files, err := filepath.Glob("testdata/internetdb_*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
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
		if r.Indicator != in {
			t.Fatalf("result for %v", r.Indicator)
		}
		if r.Err != nil {
			if !errors.Is(r.Err, enrich.ErrBadReply) || r.Verdict != enrich.Unknown {
				t.Fatalf("error %v with verdict %v", r.Err, r.Verdict)
			}
			return
		}
		if r.Verdict == enrich.Benign || r.Verdict < enrich.Unknown || r.Verdict > enrich.Malicious || r.Summary == "" {
			t.Fatalf("verdict %v summary %q", r.Verdict, r.Summary)
		}
	})
}
