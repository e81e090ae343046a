package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func all() acl.Conditions { return acl.Conditions{Unrestricted: true} }

// fixture is a small instance: three organisations, two sharing groups and three events whose attributes are
// labelled a1 … a12 in their comments.
type fixture struct {
	orgs   [3]*misp.Organisation
	sgs    [2]*misp.SharingGroup
	events [3]*misp.Event
	// attrs maps labels to the saved attributes.
	attrs map[string]*misp.Attribute
}

func attr(label, typ, cat, value string, toIDS bool, sec int64, d int, tags ...string) misp.Attribute {
	a := misp.Attribute{UUID: uuid(1000 + labelNum(label)), Type: typ, Category: cat, Value: value, Comment: label,
		ToIDS: misp.OptBoolOf(toIDS), Timestamp: ts(sec), Distribution: dist(d)}
	for _, t := range tags {
		a.Tag = append(a.Tag, misp.Tag{Name: t})
	}
	return a
}

func labelNum(label string) int {
	var n int
	fmt.Sscanf(label, "a%d", &n)
	return n
}

func newFixture(t *testing.T, b Backend) *fixture {
	c := ctx(t)
	f := &fixture{attrs: map[string]*misp.Attribute{}}
	for i, name := range []string{"ORG-A", "ORG-B", "ORG-C"} {
		f.orgs[i] = newOrg(t, b, name, i+1)
	}
	a, o, x := f.orgs[0], f.orgs[1], f.orgs[2]
	f.sgs[0] = &misp.SharingGroup{Name: "A and C", OrgID: x.ID, Active: true,
		SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: a.ID}, {OrgID: x.ID}}}
	f.sgs[1] = &misp.SharingGroup{Name: "C only", OrgID: x.ID, Active: true,
		SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: x.ID}}}
	for _, sg := range f.sgs {
		must(t, b.CreateSharingGroup(c, sg))
	}
	f.events[0] = &misp.Event{UUID: uuid(1), OrgID: a.ID, OrgcID: a.ID, Info: "Zebrocy campaign", Date: date("2021-01-10"),
		ThreatLevel: misp.ThreatLevelHigh, Published: true, PublishTimestamp: 1700000000, Timestamp: 1690000000,
		Distribution: dist(1), Tag: []misp.Tag{{Name: "tlp:green"}},
		Attribute: []misp.Attribute{
			attr("a1", "ip-dst", "Network activity", "203.0.113.5", true, 1600000100, 5, "tlp:red"),
			attr("a2", "domain", "Network activity", "evil.example", true, 1600000200, 5),
			attr("a3", "filename|md5", "Payload delivery", "dropper.exe|0123456789abcdef0123456789abcdef", true, 1600000300, 5),
			attr("a4", "text", "Other", "note", false, 1600000400, 5),
		},
		Object: []misp.Object{{UUID: uuid(50), Name: "domain-ip", Timestamp: 1600000500, Distribution: dist(5),
			Attribute: misp.AttributeList{
				attr("a5", "ip-dst", "Network activity", "198.51.100.7", true, 1600000500, 5),
				attr("a6", "domain", "Network activity", "c2.example", false, 1600000600, 5),
			}}},
	}
	f.events[0].Object[0].Attribute[0].ObjectRelation = "ip"
	f.events[0].Object[0].Attribute[1].ObjectRelation = "domain"
	f.events[1] = &misp.Event{UUID: uuid(2), OrgID: o.ID, OrgcID: o.ID, Info: "Turla Crutch", Date: date("2021-06-01"),
		ThreatLevel: misp.ThreatLevelLow, Timestamp: 1695000000, Distribution: dist(0),
		Tag: []misp.Tag{{Name: "tlp:red"}, {Name: `misp-galaxy:threat-actor="Turla"`}},
		Attribute: []misp.Attribute{
			attr("a7", "ip-dst", "Network activity", "203.0.113.5", false, 1650000000, 5),
			attr("a8", "url", "Network activity", "http://evil.example/x", true, 1650000100, 0),
			attr("a9", "sha256", "Payload delivery", strings.Repeat("9a", 32), true, 1650000200, 5),
		},
	}
	f.events[1].Attribute[2].Deleted = true
	f.events[2] = &misp.Event{UUID: uuid(3), OrgID: x.ID, OrgcID: x.ID, Info: "Sharing group event", Date: date("2022-02-02"),
		ThreatLevel: misp.ThreatLevelMedium, Published: true, PublishTimestamp: 1710000000, Timestamp: 1705000000,
		Distribution: dist(4), SharingGroupID: f.sgs[0].ID, Tag: []misp.Tag{{Name: "type:OSINT"}},
		Attribute: []misp.Attribute{
			attr("a10", "domain", "Network activity", "sg.example", true, 1700000000, 5),
			attr("a11", "ip-src", "Network activity", "192.0.2.1", false, 1700000100, 0),
			attr("a12", "domain", "Network activity", "sg2.example", true, 1700000200, 4),
		},
	}
	f.events[2].Attribute[2].SharingGroupID = f.sgs[1].ID
	for _, e := range f.events {
		must(t, b.SaveEvent(c, e))
		for i := range e.Attribute {
			f.attrs[e.Attribute[i].Comment] = &e.Attribute[i]
		}
		for i := range e.Object {
			for j := range e.Object[i].Attribute {
				f.attrs[e.Object[i].Attribute[j].Comment] = &e.Object[i].Attribute[j]
			}
		}
	}
	return f
}

// labels runs a search and returns the labels (comments) of what it yields, in order.
func labels(t *testing.T, b Backend, f store.AttributeFilter) []string {
	t.Helper()
	var out []string
	for a, err := range b.SearchAttributes(ctx(t), f) {
		if err != nil {
			t.Fatalf("SearchAttributes: %v", err)
		}
		out = append(out, a.Comment)
	}
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

func testSearchAttributes(t *testing.T, b Backend) {
	f := newFixture(t, b)
	e1, e3 := f.events[0], f.events[2]
	for _, tc := range []struct {
		name   string
		filter store.AttributeFilter
		want   string
	}{
		{"everything live", store.AttributeFilter{}, "a1 a2 a3 a4 a5 a6 a7 a8 a10 a11 a12"},
		{"value exact", store.AttributeFilter{Value: store.Any("203.0.113.5")}, "a1 a7"},
		{"value wildcard", store.AttributeFilter{Value: store.Any("%.example")}, "a2 a6 a10 a12"},
		{"value wildcard is case-insensitive", store.AttributeFilter{Value: store.Any("%.EXAMPLE")}, "a2 a6 a10 a12"},
		{"value underscore is literal", store.AttributeFilter{Value: store.Any("sg_example")}, ""},
		{"value underscore is literal in LIKE", store.AttributeFilter{Value: store.Any("sg_%")}, ""},
		{"composite first part", store.AttributeFilter{Value: store.Any("dropper.exe")}, "a3"},
		{"composite second part", store.AttributeFilter{Value: store.Any("0123456789abcdef0123456789abcdef")}, "a3"},
		{"composite whole", store.AttributeFilter{Value: store.Any("dropper.exe|0123456789abcdef0123456789abcdef")}, "a3"},
		{"composite wildcard across parts", store.AttributeFilter{Value: store.Any("dropper.exe|0123%")}, "a3"},
		{"value OR", store.AttributeFilter{Value: store.Any("203.0.113.5", "evil.example")}, "a1 a2 a7"},
		{"value NOT", store.AttributeFilter{Type: store.Any("domain"), Value: store.Match{NOT: []string{"evil%"}}}, "a6 a10 a12"},
		{"value AND", store.AttributeFilter{Value: store.Match{AND: []string{"%example", "sg%"}}}, "a10 a12"},
		{"value injection", store.AttributeFilter{Value: store.Any("' OR 1=1 --")}, ""},
		{"type", store.AttributeFilter{Type: store.Any("ip-dst")}, "a1 a5 a7"},
		{"type OR", store.AttributeFilter{Type: store.Any("ip-dst", "ip-src")}, "a1 a5 a7 a11"},
		{"type NOT", store.AttributeFilter{Type: store.Match{NOT: []string{"domain", "ip-dst"}}}, "a3 a4 a8 a11"},
		{"category", store.AttributeFilter{Category: store.Any("Payload delivery")}, "a3"},
		{"object relation", store.AttributeFilter{ObjectRelation: store.Any("ip")}, "a5"},
		{"tag on attribute or event", store.AttributeFilter{Tags: store.Any("tlp:red")}, "a1 a7 a8"},
		{"tag wildcard", store.AttributeFilter{Tags: store.Any("tlp:%")}, "a1 a2 a3 a4 a5 a6 a7 a8"},
		{"tag galaxy wildcard", store.AttributeFilter{Tags: store.Any("misp-galaxy:%")}, "a7 a8"},
		{"tags AND", store.AttributeFilter{Tags: store.Match{AND: []string{"tlp:green", "tlp:red"}}}, "a1"},
		{"tags NOT", store.AttributeFilter{Tags: store.Match{NOT: []string{"tlp:red"}}}, "a2 a3 a4 a5 a6 a10 a11 a12"},
		{"tags OR and NOT", store.AttributeFilter{Tags: store.Match{OR: []string{"tlp:green", "type:OSINT"}, NOT: []string{"tlp:red"}}},
			"a2 a3 a4 a5 a6 a10 a11 a12"},
		{"event tags only", store.AttributeFilter{EventTags: store.Any("tlp:red")}, "a7 a8"},
		{"event id", store.AttributeFilter{EventIDs: []int64{int64(e1.ID)}}, "a1 a2 a3 a4 a5 a6"},
		{"event uuid", store.AttributeFilter{EventUUIDs: []string{strings.ToUpper(e3.UUID)}}, "a10 a11 a12"},
		{"attribute uuid", store.AttributeFilter{UUIDs: []string{f.attrs["a2"].UUID, f.attrs["a8"].UUID}}, "a2 a8"},
		{"org by name", store.AttributeFilter{Orgs: store.Any("ORG-B")}, "a7 a8"},
		{"org by uuid", store.AttributeFilter{Orgs: store.Any(f.orgs[2].UUID)}, "a10 a11 a12"},
		{"org by id", store.AttributeFilter{Orgs: store.Any(f.orgs[0].ID.String())}, "a1 a2 a3 a4 a5 a6"},
		{"org NOT", store.AttributeFilter{Orgs: store.Match{NOT: []string{"ORG-A", "ORG-C"}}}, "a7 a8"},
		{"event info", store.AttributeFilter{EventInfo: store.Any("%crutch%")}, "a7 a8"},
		{"published", store.AttributeFilter{Published: bptr(true)}, "a1 a2 a3 a4 a5 a6 a10 a11 a12"},
		{"unpublished", store.AttributeFilter{Published: bptr(false)}, "a7 a8"},
		{"to_ids", store.AttributeFilter{ToIDS: bptr(true)}, "a1 a2 a3 a5 a8 a10 a12"},
		{"not to_ids", store.AttributeFilter{ToIDS: bptr(false)}, "a4 a6 a7 a11"},
		{"timestamp from", store.AttributeFilter{Timestamp: store.TimeRange{From: unix(1650000000)}}, "a7 a8 a10 a11 a12"},
		{"timestamp to", store.AttributeFilter{Timestamp: store.TimeRange{To: unix(1600000300)}}, "a1 a2 a3"},
		{"timestamp range", store.AttributeFilter{Timestamp: store.TimeRange{From: unix(1600000200), To: unix(1600000500)}},
			"a2 a3 a4 a5"},
		{"event timestamp", store.AttributeFilter{EventTimestamp: store.TimeRange{From: unix(1695000000)}}, "a7 a8 a10 a11 a12"},
		{"publish timestamp (last)", store.AttributeFilter{PublishTimestamp: store.TimeRange{From: unix(1705000000)}}, "a10 a11 a12"},
		{"date from", store.AttributeFilter{Date: store.TimeRange{From: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}},
			"a7 a8 a10 a11 a12"},
		{"date to", store.AttributeFilter{Date: store.TimeRange{To: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}},
			"a1 a2 a3 a4 a5 a6 a7 a8"},
		{"deleted only", store.AttributeFilter{Deleted: store.DeletedOnly}, "a9"},
		{"live and deleted", store.AttributeFilter{Deleted: store.LiveAndDeleted}, "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12"},
		{"limit", store.AttributeFilter{Limit: 3}, "a1 a2 a3"},
		{"page 2", store.AttributeFilter{Limit: 2, Page: 2}, "a3 a4"},
		{"last page", store.AttributeFilter{Limit: 5, Page: 3}, "a12"},
		{"past the end", store.AttributeFilter{Limit: 5, Page: 4}, ""},
		{"filters combine", store.AttributeFilter{Type: store.Any("domain"), Published: bptr(true), ToIDS: bptr(true)},
			"a2 a10 a12"},
		{"nothing readable", store.AttributeFilter{Conditions: acl.Conditions{Nothing: true}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ff := tc.filter
			if !ff.Conditions.Nothing {
				ff.Conditions = all()
			}
			got := labels(t, b, ff)
			if !slices.Equal(got, split(tc.want)) {
				t.Errorf("got %v, want %v", got, split(tc.want))
			}
			n, err := b.CountAttributes(ctx(t), ff)
			must(t, err)
			want := len(split(tc.want))
			if ff.Limit > 0 {
				ff.Limit, ff.Page = 0, 0
				want = len(labels(t, b, ff))
			}
			if n != int64(want) {
				t.Errorf("CountAttributes = %d, want %d", n, want)
			}
		})
	}

	// The zero Conditions let nobody read anything.
	if got := labels(t, b, store.AttributeFilter{}); len(got) != 0 {
		t.Errorf("zero conditions yielded %v", got)
	}

	// Decorations.
	for a, err := range b.SearchAttributes(ctx(t), store.AttributeFilter{Conditions: all(), UUIDs: []string{f.attrs["a1"].UUID},
		IncludeEventUUID: true, IncludeEventTags: true}) {
		must(t, err)
		var names []string
		for _, tg := range a.Tag {
			names = append(names, tg.Name)
		}
		if a.EventUUID != e1.UUID || !slices.Equal(names, []string{"tlp:red", "tlp:green"}) || a.Value != "203.0.113.5" ||
			a.EventID != e1.ID {
			t.Errorf("decorated attribute: event uuid %q, tags %v, value %q", a.EventUUID, names, a.Value)
		}
	}
	for a, err := range b.SearchAttributes(ctx(t), store.AttributeFilter{Conditions: all(), UUIDs: []string{f.attrs["a1"].UUID}}) {
		must(t, err)
		if a.EventUUID != "" || len(a.Tag) != 1 {
			t.Errorf("undecorated attribute: event uuid %q, tags %+v", a.EventUUID, a.Tag)
		}
	}
}

func eventLabels(t *testing.T, b Backend, f store.EventFilter) []string {
	t.Helper()
	var out []string
	for e, err := range b.SearchEvents(ctx(t), f) {
		if err != nil {
			t.Fatalf("SearchEvents: %v", err)
		}
		out = append(out, e.Info)
	}
	return out
}

func testSearchEvents(t *testing.T, b Backend) {
	f := newFixture(t, b)
	const z, tu, sg = "Zebrocy campaign", "Turla Crutch", "Sharing group event"
	for _, tc := range []struct {
		name   string
		filter store.EventFilter
		want   []string
	}{
		{"everything", store.EventFilter{}, []string{z, tu, sg}},
		{"ids", store.EventFilter{IDs: []int64{int64(f.events[1].ID)}}, []string{tu}},
		{"uuids", store.EventFilter{UUIDs: []string{strings.ToUpper(uuid(3))}}, []string{sg}},
		{"ids or uuids", store.EventFilter{IDs: []int64{int64(f.events[0].ID)}, UUIDs: []string{uuid(3)}}, []string{z, sg}},
		{"org", store.EventFilter{Orgs: store.Any("ORG-B")}, []string{tu}},
		{"info", store.EventFilter{Info: store.Any("%CAMPAIGN%")}, []string{z}},
		{"event tag", store.EventFilter{Tags: store.Any("tlp:red")}, []string{tu}},
		{"event or attribute tag", store.EventFilter{Tags: store.Any("tlp:red"), AttributeTags: true}, []string{z, tu}},
		{"tag NOT", store.EventFilter{Tags: store.Match{NOT: []string{"tlp:%"}}}, []string{sg}},
		{"value", store.EventFilter{Value: store.Any("203.0.113.5")}, []string{z, tu}},
		{"value of a deleted attribute", store.EventFilter{Value: store.Any(strings.Repeat("9a", 32))}, nil},
		{"type", store.EventFilter{Type: store.Any("ip-src")}, []string{sg}},
		{"category", store.EventFilter{Category: store.Any("Payload delivery")}, []string{z}},
		{"published", store.EventFilter{Published: bptr(true)}, []string{z, sg}},
		{"threat level", store.EventFilter{ThreatLevels: []misp.ThreatLevel{misp.ThreatLevelLow, misp.ThreatLevelMedium}},
			[]string{tu, sg}},
		{"date", store.EventFilter{Date: store.TimeRange{From: time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)}}, []string{tu}},
		{"timestamp", store.EventFilter{Timestamp: store.TimeRange{To: unix(1695000000)}}, []string{z, tu}},
		{"publish timestamp", store.EventFilter{PublishTimestamp: store.TimeRange{From: unix(1700000001)}}, []string{sg}},
		{"page", store.EventFilter{Limit: 2, Page: 2}, []string{sg}},
		{"limit", store.EventFilter{Limit: 1}, []string{z}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ff := tc.filter
			ff.Conditions = all()
			got := eventLabels(t, b, ff)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			n, err := b.CountEvents(ctx(t), ff)
			must(t, err)
			want := len(tc.want)
			if ff.Limit > 0 {
				ff.Limit, ff.Page = 0, 0
				want = len(eventLabels(t, b, ff))
			}
			if n != int64(want) {
				t.Errorf("CountEvents = %d, want %d", n, want)
			}
		})
	}

	// Elements and metadata.
	for e, err := range b.SearchEvents(ctx(t), store.EventFilter{Conditions: all(), IDs: []int64{int64(f.events[1].ID)}}) {
		must(t, err)
		if len(e.Attribute) != 2 || len(e.Tag) != 2 || e.Org == nil || e.Org.Name != "ORG-B" {
			t.Errorf("full event: %d attributes, %d tags, org %+v", len(e.Attribute), len(e.Tag), e.Org)
		}
	}
	for e, err := range b.SearchEvents(ctx(t), store.EventFilter{Conditions: all(), IDs: []int64{int64(f.events[1].ID)},
		Deleted: store.LiveAndDeleted}) {
		must(t, err)
		if len(e.Attribute) != 3 {
			t.Errorf("event with deleted attributes: %d attributes, want 3", len(e.Attribute))
		}
	}
	for e, err := range b.SearchEvents(ctx(t), store.EventFilter{Conditions: all(), Metadata: true}) {
		must(t, err)
		if len(e.Attribute) != 0 || len(e.Object) != 0 || len(e.Tag) == 0 || e.Orgc == nil {
			t.Errorf("metadata event %q: %d attributes, %d objects, %d tags", e.Info, len(e.Attribute), len(e.Object), len(e.Tag))
		}
	}
}

// testSearchTagsAtScale checks each attribute's tags over more rows than a backend reads at once, for a dense
// selection (every attribute: ids side by side) and a sparse one (a few values far apart), with and without the
// event's tags: every tagged attribute has its own tags in order, first, and no other attribute's.
func testSearchTagsAtScale(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-T", 1)
	const n = 3000
	e := BulkEvent(org.ID, 0, n)
	for i := range e.Attribute {
		if i%7 == 0 {
			e.Attribute[i].Tag = append(e.Attribute[i].Tag, misp.Tag{Name: "second:tag"})
		}
	}
	must(t, b.SaveEvent(c, e))
	want := func(k int) []string {
		var names []string
		if k%10 == 0 {
			names = append(names, "kill-chain:delivery")
		}
		if k%7 == 0 {
			names = append(names, "second:tag")
		}
		return names
	}
	check := func(name string, f store.AttributeFilter, wantRows int) {
		t.Helper()
		f.Conditions = acl.Conditions{Unrestricted: true}
		rows := 0
		for a, err := range b.SearchAttributes(c, f) {
			must(t, err)
			rows++
			k := int(a.ID) - int(e.Attribute[0].ID)
			w := want(k)
			if f.IncludeEventTags {
				w = append(w, "tlp:green")
			}
			var got []string
			for _, tg := range a.Tag {
				got = append(got, tg.Name)
			}
			if !slices.Equal(got, w) {
				t.Fatalf("%s: attribute %d (%s): tags %v, want %v", name, k, a.Value, got, w)
			}
		}
		if rows != wantRows {
			t.Fatalf("%s: %d rows, want %d", name, rows, wantRows)
		}
	}
	check("all", store.AttributeFilter{}, n)
	check("all with event tags", store.AttributeFilter{IncludeEventTags: true}, n)
	var values []string
	for k := 0; k < n; k += 4 * 37 { // ip-dst values far apart, some tagged
		values = append(values, e.Attribute[k].Value)
	}
	check("sparse", store.AttributeFilter{Value: store.Any(values...)}, len(values))
	check("sparse with event tags", store.AttributeFilter{Value: store.Any(values...), IncludeEventTags: true}, len(values))
}
