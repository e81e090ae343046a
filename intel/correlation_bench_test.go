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

// BenchmarkEventViewCIDRCorrelations measures events/view with correlations of an event of 1 000 IP attributes
// (a hundred of them inside networks held by another event) and 10 /24 networks over the store's IPs, on a store
// of 100 000 attributes (25 000 of them IPs), with CIDR correlation on and off: what containment costs a reader.
func BenchmarkEventViewCIDRCorrelations(b *testing.B) {
	for _, tc := range []struct {
		name string
		scan int
		want int
	}{{"cidr", 0, 100 + 10*64}, {"exact-only", -1, 0}} {
		b.Run(tc.name, func(b *testing.B) {
			f := inteltest.New(b, inteltest.Options{CIDRCorrelationScan: tc.scan})
			ctx := context.Background()
			org := f.Orgs[inteltest.HostOrg].ID
			for base := 0; base < 100000; base += 10000 {
				if err := f.Store.SaveEvent(ctx, storetest.BulkEvent(org, base, 10000)); err != nil {
					b.Fatal(err)
				}
			}
			nets := &misp.Event{Info: "networks", Distribution: misp.Distribution("1")}
			for i := range 100 {
				nets.Attribute = append(nets.Attribute, misp.Attribute{Type: "ip-dst",
					Value: fmt.Sprintf("192.168.%d.0/24", i), Distribution: misp.DistributionUnset})
			}
			if _, err := f.Svc.AddEvent(ctx, f.ACL("admin"), nets, true); err != nil {
				b.Fatal(err)
			}
			e := &misp.Event{Info: "viewed", Distribution: misp.Distribution("1")}
			for i := range 1000 {
				v := fmt.Sprintf("172.16.%d.%d", i/250, i%250+1)
				if i%10 == 0 {
					v = fmt.Sprintf("192.168.%d.7", i/10) // inside one of the networks
				}
				e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-src", Value: v, Distribution: misp.DistributionUnset})
			}
			for i := range 10 { // each holds 64 of the bulk IPs, each a value of its own
				e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Value: fmt.Sprintf("10.0.%d.0/24", i),
					Distribution: misp.DistributionUnset})
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
				if n != tc.want {
					b.Fatalf("%d correlations, want %d", n, tc.want)
				}
			}
		})
	}
}
