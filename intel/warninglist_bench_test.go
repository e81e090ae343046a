package intel_test

import (
	"context"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/store/storetest"
)

// BenchmarkRestSearchEnforceWarninglist compares attributes/restSearch (CSV, as the site admin) over the bulk
// attributes with and without enforceWarninglist, every warninglist of the corpus enabled: the cost MISP#1970
// found 40× and the issue bounds at 10 %. Most bulk values (private addresses, example.com hosts) hit a list, so
// the enforced export writes fewer rows; both report the time per request over the same selection.
func BenchmarkRestSearchEnforceWarninglist(b *testing.B) {
	data := testcorpus.Path(b, "misp-data")
	n := benchAttrs(b)
	f := inteltest.New(b, inteltest.Options{DataDir: data})
	ctx := context.Background()
	org := f.Orgs[inteltest.HostOrg].ID
	for base := 0; base < n; base += 10000 {
		if err := f.Store.SaveEvent(ctx, storetest.BulkEvent(org, base, min(10000, n-base))); err != nil {
			b.Fatal(err)
		}
	}
	lists, err := f.Svc.Warninglists(ctx, f.ACL("admin"), intel.WarninglistQuery{})
	if err != nil || len(lists) == 0 {
		b.Fatalf("warninglists: %d, %v", len(lists), err)
	}
	ids := make([]int64, len(lists))
	for i, l := range lists {
		ids[i] = l.ID
	}
	on := true
	if _, err := f.Svc.SetWarninglistsEnabled(ctx, f.ACL("admin"), ids, nil, &on); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body string
	}{
		{"plain", `{"returnFormat":"csv"}`},
		{"enforced", `{"returnFormat":"csv","enforceWarninglist":1}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			q, err := intel.ParseSearch([]byte(tc.body))
			if err != nil {
				b.Fatal(err)
			}
			w := newHeapSampler()
			if err := f.Svc.Export(ctx, intel.System, intel.ScopeAttributes, q, w); err != nil { // warm the lists
				b.Fatal(err)
			}
			start := time.Now()
			for b.Loop() {
				w = newHeapSampler()
				if err := f.Svc.Export(ctx, intel.System, intel.ScopeAttributes, q, w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "attrs-read/s")
			b.ReportMetric(float64(w.bytes), "bytes-out")
		})
	}
}
