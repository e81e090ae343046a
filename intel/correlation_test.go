package intel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store/sqlite"
)

// corrEvent adds an event as user with the given distribution and attributes (type, value pairs).
func corrEvent(t *testing.T, f *inteltest.Fixture, user string, dist misp.Distribution, info string, attrs ...misp.Attribute) *misp.Event {
	t.Helper()
	e := &misp.Event{Info: info, Distribution: dist, Attribute: attrs}
	got, err := f.Svc.AddEvent(context.Background(), f.ACL(user), e, false)
	if err != nil {
		t.Fatalf("add event %s: %v", info, err)
	}
	return got
}

func attr(typ, value string) misp.Attribute {
	return misp.Attribute{Type: typ, Value: value, Distribution: misp.DistributionUnset}
}

// related returns, per value of the viewed event's attributes, the infos of the events its RelatedAttribute
// entries name, and the infos of the RelatedEvent list.
func related(t *testing.T, f *inteltest.Fixture, user string, e *misp.Event) (map[string][]string, []string) {
	t.Helper()
	v, err := f.Svc.ViewEvent(context.Background(), f.ACL(user), fmt.Sprint(e.ID), intel.EventViewOptions{Correlations: true})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	byValue := map[string][]string{}
	for _, a := range v.Attribute {
		for _, r := range a.RelatedAttribute {
			byValue[a.Value] = append(byValue[a.Value], r.Info)
		}
	}
	var events []string
	for _, r := range v.RelatedEvent {
		events = append(events, r.Event.Info)
	}
	return byValue, events
}

func TestCorrelation(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{CorrelationLimit: 3})
	mine := corrEvent(t, f, "user", misp.Distribution("1"), "mine",
		attr("ip-dst", "198.51.100.7"), attr("filename|md5", "drop.exe|0123456789abcdef0123456789abcdef"),
		attr("ip-dst|port", "203.0.113.9|443"), attr("comment", "shared words"), attr("domain", "popular.example"),
		attr("domain", "three.example"))
	corrEvent(t, f, "user2", misp.Distribution("1"), "community",
		attr("ip-dst", "198.51.100.7"), attr("md5", "0123456789abcdef0123456789abcdef"), attr("comment", "shared words"))
	corrEvent(t, f, "user2", misp.Distribution("0"), "private to Org Two", attr("ip-dst", "198.51.100.7"))
	corrEvent(t, f, "user3", misp.Distribution("1"), "port only", attr("ip-dst|port", "192.0.2.1|443"))
	off := attr("ip-dst", "198.51.100.7")
	off.DisableCorrelation = true
	corrEvent(t, f, "user3", misp.Distribution("1"), "correlation disabled", off)
	for i := range 4 { // more than the limit of 3: over-correlating
		corrEvent(t, f, "user3", misp.Distribution("1"), fmt.Sprint("popular ", i), attr("domain", "popular.example"))
	}
	for i := range 3 { // exactly the limit: correlates
		corrEvent(t, f, "user3", misp.Distribution("1"), fmt.Sprint("three ", i), attr("domain", "three.example"))
	}

	byValue, events := related(t, f, "user", mine)
	want := map[string][]string{
		"198.51.100.7": {"community"},
		"drop.exe|0123456789abcdef0123456789abcdef": {"community"},
		"three.example": {"three 0", "three 1", "three 2"},
	}
	if fmt.Sprint(byValue) != fmt.Sprint(want) {
		t.Errorf("user's correlations:\n got %v\nwant %v", byValue, want)
	}
	if !slices.Equal(events, []string{"community", "three 0", "three 1", "three 2"}) {
		t.Errorf("user's related events: %v", events)
	}

	// Org Two's user also reads its private event; the admin reads everything.
	byValue, _ = related(t, f, "user2", mine)
	if got := byValue["198.51.100.7"]; !slices.Equal(got, []string{"community", "private to Org Two"}) {
		t.Errorf("user2's correlations of the ip: %v", got)
	}
	byValue, _ = related(t, f, "admin", mine)
	if got := byValue["198.51.100.7"]; !slices.Equal(got, []string{"community", "private to Org Two"}) {
		t.Errorf("admin's correlations of the ip: %v", got)
	}

	// An event that disables correlation correlates with nothing.
	quiet := &misp.Event{Info: "quiet", Distribution: misp.Distribution("1"), DisableCorrelation: true,
		Attribute: []misp.Attribute{attr("ip-dst", "198.51.100.7")}}
	q, err := f.Svc.AddEvent(context.Background(), f.ACL("user"), quiet, false)
	if err != nil {
		t.Fatal(err)
	}
	if byValue, events := related(t, f, "user", q); len(byValue) != 0 || len(events) != 0 {
		t.Errorf("disable_correlation event correlates: %v %v", byValue, events)
	}
	if byValue, _ := related(t, f, "user", mine); slices.Contains(byValue["198.51.100.7"], "quiet") {
		t.Error("an event with disable_correlation shows up as a correlation")
	}
}

// TestCorrelationStorageIsLinear: 100 000 attributes sharing one value take the same storage as 100 000
// distinct values (nothing is stored per pair: MISP's engine would store about 5·10⁹ pairs), and an event holding
// that value views quickly (the value is over-correlating).
func TestCorrelationStorageIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 200 000 attributes")
	}
	ctx := context.Background()
	const n = 100000
	build := func(value func(i int) string) (*inteltest.Fixture, int64) {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hunch.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f := inteltest.New(t, inteltest.Options{Store: db})
		for base := 0; base < n; base += 10000 {
			e := &misp.Event{Info: fmt.Sprint("bulk ", base), Distribution: misp.Distribution("1")}
			for i := base; i < base+10000; i++ {
				e.Attribute = append(e.Attribute, attr("ip-dst", value(i)))
			}
			if _, err := f.Svc.AddEvent(ctx, f.ACL("admin"), e, true); err != nil {
				t.Fatal(err)
			}
		}
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(db.Path() + suffix); err == nil {
				size += fi.Size()
			}
		}
		return f, size
	}
	f, shared := build(func(int) string { return "198.51.100.77" })
	_, distinct := build(func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) })
	t.Logf("%d attributes: %d bytes sharing one value, %d bytes with distinct values", n, shared, distinct)
	if float64(shared) > 1.1*float64(distinct) {
		t.Errorf("one shared value takes %d bytes against %d for distinct values: storage grows with pairs", shared, distinct)
	}
	mine := corrEvent(t, f, "user", misp.Distribution("1"), "mine", attr("ip-dst", "198.51.100.77"))
	start := time.Now()
	byValue, events := related(t, f, "user", mine)
	took := time.Since(start)
	if len(byValue) != 0 || len(events) != 0 {
		t.Errorf("an over-correlating value correlated: %d values, %d events", len(byValue), len(events))
	}
	if took > 2*time.Second {
		t.Errorf("viewing an event with a value shared by %d attributes took %v", n, took)
	}
	t.Logf("view of an event holding the shared value: %v", took)
}

func TestCorrelationExclusions(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	mine := corrEvent(t, f, "user", misp.Distribution("1"), "mine", attr("ip-dst", "198.51.100.7"),
		attr("domain", "a.example.org"), attr("domain", "keep.example.net"))
	corrEvent(t, f, "user", misp.Distribution("1"), "other", attr("ip-dst", "198.51.100.7"),
		attr("domain", "a.example.org"), attr("domain", "keep.example.net"))
	if byValue, _ := related(t, f, "user", mine); len(byValue) != 3 {
		t.Fatalf("before exclusions: %v", byValue)
	}
	for _, v := range []string{"198.51.100.7", "%.example.org"} {
		if err := f.Svc.AddCorrelationExclusion(ctx, f.ACL("admin"), &misp.CorrelationExclusion{Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	byValue, events := related(t, f, "user", mine)
	if len(byValue) != 1 || len(byValue["keep.example.net"]) != 1 || len(events) != 1 {
		t.Errorf("after excluding the ip and %%.example.org: %v %v", byValue, events)
	}

	// Only site admins manage exclusions; a duplicate and an empty value are refused.
	for _, u := range []string{"orgadmin", "user", "sync"} {
		if err := f.Svc.AddCorrelationExclusion(ctx, f.ACL(u), &misp.CorrelationExclusion{Value: "x"}); err == nil {
			t.Errorf("%s added an exclusion", u)
		}
		if _, err := f.Svc.CorrelationExclusions(ctx, f.ACL(u)); err == nil {
			t.Errorf("%s listed the exclusions", u)
		}
	}
	var inv *intel.InvalidError
	if err := f.Svc.AddCorrelationExclusion(ctx, f.ACL("admin"), &misp.CorrelationExclusion{Value: "198.51.100.7"}); !errors.As(err, &inv) {
		t.Errorf("duplicate: %v", err)
	}
	if err := f.Svc.AddCorrelationExclusion(ctx, f.ACL("admin"), &misp.CorrelationExclusion{Value: "  "}); !errors.As(err, &inv) {
		t.Errorf("empty: %v", err)
	}
	list, err := f.Svc.CorrelationExclusions(ctx, f.ACL("admin"))
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := f.Svc.DeleteCorrelationExclusion(ctx, f.ACL("admin"), int64(list[0].ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.CorrelationExclusion(ctx, f.ACL("admin"), int64(list[0].ID)); err == nil {
		t.Error("a deleted exclusion is still there")
	}
	if byValue, _ := related(t, f, "user", mine); len(byValue["198.51.100.7"]) != 1 {
		t.Errorf("after deleting the ip's exclusion: %v", byValue)
	}
}

// TestCorrelationObjectAttributes: an attribute inside another event's object correlates for readers who may read
// the object, and not for others.
func TestCorrelationObjectAttributes(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	mine := corrEvent(t, f, "user", misp.Distribution("1"), "mine", attr("ip-dst", "203.0.113.77"))
	other := &misp.Event{Info: "object holder", Distribution: misp.Distribution("1"),
		Object: []misp.Object{{Name: "domain-ip", MetaCategory: "network", Distribution: misp.Distribution("0"),
			Attribute: []misp.Attribute{{Type: "ip-dst", Value: "203.0.113.77", ObjectRelation: "ip",
				Distribution: misp.DistributionUnset}}}}}
	if _, err := f.Svc.AddEvent(ctx, f.ACL("user2"), other, true); err != nil {
		t.Fatal(err)
	}
	if byValue, _ := related(t, f, "user", mine); len(byValue) != 0 {
		t.Errorf("user sees an attribute of Org Two's organisation-only object: %v", byValue)
	}
	if byValue, _ := related(t, f, "user2", mine); len(byValue["203.0.113.77"]) != 1 {
		t.Errorf("user2 does not see its own object's attribute: %v", byValue)
	}
}

// TestSearchIncludeCorrelations: attributes/restSearch with includeCorrelations gives each attribute the other
// events' attributes holding its value, each with its event's summary (PyMISP reads RelatedAttribute[].Event),
// for what the reader may see.
func TestSearchIncludeCorrelations(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	first := corrEvent(t, f, "user", misp.Distribution("1"), "first", attr("ip-dst", "192.0.2.55"))
	second := corrEvent(t, f, "user2", misp.Distribution("0"), "second", attr("ip-dst", "192.0.2.55"))
	q, err := intel.ParseSearch([]byte(`{"value":"192.0.2.55","includeCorrelations":1}`))
	if err != nil {
		t.Fatal(err)
	}
	related := func(user string) map[string][]string {
		seq, _ := f.Svc.SearchAttributes(ctx, f.ACL(user), q)
		out := map[string][]string{}
		for a, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprint(a.EventID)
			out[key] = []string{}
			for _, r := range a.RelatedAttribute {
				if r.Event == nil {
					t.Fatalf("related attribute without its event: %+v", r)
				}
				out[key] = append(out[key], r.Event.UUID)
			}
		}
		return out
	}
	got := related("admin")
	want := map[string][]string{fmt.Sprint(first.ID): {second.UUID}, fmt.Sprint(second.ID): {first.UUID}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("admin: %v, want %v", got, want)
	}
	// user cannot read Org Two's organisation-only event: neither the attribute nor its correlation.
	got = related("user")
	if want := map[string][]string{fmt.Sprint(first.ID): {}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("user: %v, want %v", got, want)
	}
}

// TestCorrelationCIDR: IP-typed attributes correlate by containment both ways (a network with the IPs inside it,
// an IP with the networks holding it), IPv4 and IPv6, within the reader's access, and a network holding more IPs
// than the scan bound is over-correlating.
func TestCorrelationCIDR(t *testing.T) {
	build := func(t *testing.T, scan int) (*inteltest.Fixture, *misp.Event, *misp.Event) {
		f := inteltest.New(t, inteltest.Options{CIDRCorrelationScan: scan})
		nets := corrEvent(t, f, "user", misp.Distribution("1"), "nets",
			attr("ip-dst", "10.1.0.0/16"), attr("ip-src", "2001:db8::/32"), attr("ip-dst", "192.0.2.0/25"),
			attr("ip-dst", "172.16.0.0/12"), attr("ip-src", "2001:db8::/48"))
		hosts := corrEvent(t, f, "user2", misp.Distribution("1"), "hosts",
			attr("ip-dst", "10.1.2.3"), attr("ip-src|port", "10.1.200.1|443"), attr("ip-dst", "10.2.0.1"),
			attr("ip-src", "2001:db8:0:1::5"), attr("ip-dst", "192.0.2.5"), attr("ip-dst", "192.0.2.200"),
			attr("domain|ip", "example.com|10.1.9.9"), attr("ip-dst", "172.31.255.254"),
			attr("ip-dst", "2001:db8::7"))
		corrEvent(t, f, "user2", misp.Distribution("0"), "private to Org Two", attr("ip-dst", "10.1.77.1"))
		return f, nets, hosts
	}

	f, nets, hosts := build(t, 0)
	byValue, events := related(t, f, "user", nets)
	want := map[string][]string{
		"10.1.0.0/16":   {"hosts", "hosts"},
		"172.16.0.0/12": {"hosts"},
		"192.0.2.0/25":  {"hosts"},
		"2001:db8::/32": {"hosts", "hosts"},
		"2001:db8::/48": {"hosts", "hosts"},
	}
	if fmt.Sprint(byValue) != fmt.Sprint(want) {
		t.Errorf("networks' correlations:\n got %v\nwant %v", byValue, want)
	}
	if !slices.Equal(events, []string{"hosts"}) {
		t.Errorf("related events: %v", events)
	}
	// Org Two's user also reads its private event's IP inside 10.1.0.0/16.
	if byValue, _ := related(t, f, "user2", nets); len(byValue["10.1.0.0/16"]) != 3 {
		t.Errorf("user2's correlations of 10.1.0.0/16: %v", byValue["10.1.0.0/16"])
	}

	byValue, _ = related(t, f, "user", hosts)
	want = map[string][]string{
		"10.1.2.3":        {"nets"},
		"10.1.200.1|443":  {"nets"},
		"172.31.255.254":  {"nets"},
		"192.0.2.5":       {"nets"},
		"2001:db8:0:1::5": {"nets", "nets"},
		"2001:db8::7":     {"nets", "nets"},
	}
	if fmt.Sprint(byValue) != fmt.Sprint(want) {
		t.Errorf("hosts' correlations:\n got %v\nwant %v", byValue, want)
	}

	// A scan bound of 2 rows: 10.1.0.0/16 reads itself and four IPs, 192.0.2.0/25 itself and two, so both are
	// over-correlating, as are the IPv6 networks (two networks and two IPs in 2001:db8::); 172.16.0.0/12 reads
	// itself and one IP and still correlates.
	f, nets, _ = build(t, 2)
	byValue, _ = related(t, f, "user", nets)
	if fmt.Sprint(byValue) != fmt.Sprint(map[string][]string{"172.16.0.0/12": {"hosts"}}) {
		t.Errorf("with a scan bound of 2: %v", byValue)
	}
	// Off.
	f, nets, hosts = build(t, -1)
	if byValue, _ := related(t, f, "user", nets); len(byValue) != 0 {
		t.Errorf("CIDR correlation off, networks correlate: %v", byValue)
	}
	if byValue, _ := related(t, f, "user", hosts); len(byValue) != 0 {
		t.Errorf("CIDR correlation off, hosts correlate: %v", byValue)
	}
}

// TestCorrelationNetworkCache: a network added through the service correlates with the IPs inside it at once; one
// written to the store by another process shows once the network cache's TTL has passed.
func TestCorrelationNetworkCache(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f := inteltest.New(t, inteltest.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	hosts := corrEvent(t, f, "user", misp.Distribution("1"), "hosts", attr("ip-dst", "10.9.8.7"))
	if byValue, _ := related(t, f, "user", hosts); len(byValue) != 0 {
		t.Fatalf("correlations before any network: %v", byValue)
	}
	corrEvent(t, f, "user", misp.Distribution("1"), "through the service", attr("ip-dst", "10.9.0.0/16"))
	if byValue, _ := related(t, f, "user", hosts); !slices.Equal(byValue["10.9.8.7"], []string{"through the service"}) {
		t.Errorf("a network added through the service: %v", byValue)
	}
	other := &misp.Event{Info: "another process", OrgID: f.Orgs[inteltest.HostOrg].ID, OrgcID: f.Orgs[inteltest.HostOrg].ID,
		Distribution: misp.Distribution("3"), Attribute: []misp.Attribute{{Type: "ip-src", Category: "Network activity",
			Value: "10.0.0.0/8", Distribution: misp.Distribution("5")}}}
	if err := f.Store.SaveEvent(ctx, other); err != nil {
		t.Fatal(err)
	}
	if byValue, _ := related(t, f, "user", hosts); len(byValue["10.9.8.7"]) != 1 {
		t.Errorf("a network written behind the service's back shows before the TTL: %v", byValue)
	}
	now = now.Add(intel.DefaultNetworkCacheTTL + time.Second)
	if byValue, _ := related(t, f, "user", hosts); !slices.Equal(byValue["10.9.8.7"], []string{"another process", "through the service"}) &&
		!slices.Equal(byValue["10.9.8.7"], []string{"through the service", "another process"}) {
		t.Errorf("after the TTL: %v", byValue)
	}
}
