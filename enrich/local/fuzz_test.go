package local

import (
	"os"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// checkEntries asserts what every successfully read list must satisfy: each entry is found again
// by Match, under its own type and value (a network through its first address).
func checkEntries(t *testing.T, es []Entry) {
	l := NewList(es)
	for _, e := range es {
		ind := enrich.Indicator{Type: e.Type, Value: e.Value}
		if p, ok := e.Prefix(); ok {
			ind.Value = p.Addr().String()
			if ind.Type == "" {
				ind.Type = ioc.IPv4
				if p.Addr().Is6() {
					ind.Type = ioc.IPv6
				}
			}
		} else if ind.Type == "" {
			ind.Type = guessType(e.Value)
		}
		if _, ok := l.Match(ind); !ok {
			t.Errorf("entry %+v not found by Match(%v)", e, ind)
		}
		if e.Verdict < enrich.Unknown || e.Verdict > enrich.Malicious {
			t.Errorf("entry %+v has verdict %d", e, e.Verdict)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	data, err := os.ReadFile("testdata/example.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("value,type,verdict\n::ffff:10.0.0.0/104,ip,1\nA.B.,,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ReadCSV(data, "f.csv")
		if err != nil {
			return
		}
		checkEntries(t, es)
	})
}

func FuzzReadJSON(f *testing.F) {
	for _, p := range []string{"testdata/example.json", "testdata/example.ndjson"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"value":"2001:db8::/32","verdict":"bad","tags":"a;b"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ReadJSON(data, "f.json")
		if err != nil {
			return
		}
		checkEntries(t, es)
	})
}
