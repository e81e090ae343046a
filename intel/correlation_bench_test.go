package intel_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store/storetest"
)

// BenchmarkEventViewCorrelations measures events/view with correlations of an event of 1 000 attributes, a
// hundred of which correlate with other events, over a store of 100 000 attributes: what correlating at view
// time (nothing stored per pair) costs a reader.
func BenchmarkEventViewCorrelations(b *testing.B) {
	f := inteltest.New(b, inteltest.Options{})
	ctx := context.Background()
	org := f.Orgs[inteltest.HostOrg].ID
	for base := 0; base < 100000; base += 10000 {
		if err := f.Store.SaveEvent(ctx, storetest.BulkEvent(org, base, 10000)); err != nil {
			b.Fatal(err)
		}
	}
	e := &misp.Event{Info: "viewed", Distribution: misp.Distribution("1")}
	for i := range 1000 {
		v := fmt.Sprintf("unique-%d.example.org", i)
		if i%10 == 0 {
			v = fmt.Sprintf("host%d.example.com", i*40+1) // a domain of the bulk events
		}
		e.Attribute = append(e.Attribute, misp.Attribute{Type: "domain", Value: v, Distribution: misp.DistributionUnset})
	}
	added, err := f.Svc.AddEvent(ctx, f.ACL("admin"), e, true)
	if err != nil {
		b.Fatal(err)
	}
	ref := fmt.Sprint(added.ID)
	for b.Loop() {
		v, err := f.Svc.ViewEvent(ctx, f.ACL("user"), ref, intel.EventViewOptions{Correlations: true})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, a := range v.Attribute {
			n += len(a.RelatedAttribute)
		}
		if n != 100 {
			b.Fatalf("%d correlations, want 100", n)
		}
	}
}
