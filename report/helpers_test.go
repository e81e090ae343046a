package report_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/hunchsec/hunch/record"
)

// readFiles streams the records of the files, one after the other.
func readFiles(t testing.TB, files ...string) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			for r, err := range record.Read(context.Background(), f, name, record.ReadOptions{}) {
				if !yield(r, err) {
					f.Close()
					return
				}
			}
			f.Close()
		}
	}
}

// readString streams the NDJSON records of s.
func readString(s string) record.Stream {
	return record.Read(context.Background(), strings.NewReader(s), "in.ndjson", record.ReadOptions{})
}

// cityDB writes a GeoLite2-City-layout database locating three networks.
func cityDB(t testing.TB) string {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		cidr, iso, city string
		lat, lon        float64
	}{
		{"81.2.69.0/24", "GB", "London", 51.5142, -0.0931},
		{"175.16.199.0/24", "CN", "Changchun", 43.88, 125.3228},
		{"89.160.20.0/24", "SE", "Linköping", 58.4167, 15.6167},
	} {
		_, n, err := net.ParseCIDR(e.cidr)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{
			"country":  mmdbtype.Map{"iso_code": mmdbtype.String(e.iso)},
			"city":     mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(e.city)}},
			"location": mmdbtype.Map{"latitude": mmdbtype.Float64(e.lat), "longitude": mmdbtype.Float64(e.lon)},
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}

// movingAverage is a small stand-in decomposition for the Decompose hook: a centred moving-average trend, no
// seasonal part, and the rest as residual.
func movingAverage(values []float64, _ time.Duration) (trend, seasonal, resid []float64, err error) {
	n := len(values)
	trend, seasonal, resid = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range values {
		lo, hi := max(0, i-3), min(n, i+4)
		var s float64
		for _, v := range values[lo:hi] {
			s += v
		}
		trend[i] = s / float64(hi-lo)
		resid[i] = values[i] - trend[i]
	}
	return trend, seasonal, resid, nil
}
