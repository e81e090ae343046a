package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// aclGroups converts the store's sharing groups to acl's.
func aclGroups(t *testing.T, b Backend) []acl.SharingGroup {
	list, err := b.ListSharingGroups(ctx(t))
	must(t, err)
	var out []acl.SharingGroup
	for _, sg := range list {
		g := acl.SharingGroup{ID: int64(sg.ID), OrgID: int64(sg.OrgID), Roaming: bool(sg.Roaming), Active: bool(sg.Active)}
		for _, o := range sg.SharingGroupOrg {
			g.Orgs = append(g.Orgs, acl.SharingGroupOrg{OrgID: int64(o.OrgID), Extend: bool(o.Extend)})
		}
		for _, s := range sg.SharingGroupServer {
			g.Servers = append(g.Servers, acl.SharingGroupServer{ServerID: int64(s.ServerID), AllOrgs: bool(s.AllOrgs)})
		}
		out = append(out, g)
	}
	return out
}

func aclEvent(e *misp.Event) acl.Event {
	return acl.Event{ID: int64(e.ID), OrgID: int64(e.OrgID), OrgcID: int64(e.OrgcID), UserID: int64(e.UserID),
		Distribution: acl.Distribution(e.Distribution.Level()), SharingGroupID: int64(e.SharingGroupID),
		Published: bool(e.Published)}
}

func aclElement(kind acl.ElementKind, d misp.Distribution, sg misp.FlexInt) acl.Element {
	return acl.Element{Kind: kind, Distribution: acl.Distribution(d.Level()), SharingGroupID: int64(sg)}
}

// testACL checks that searches under a user's acl.Conditions return exactly what acl's pure functions let that
// user read, for users of every organisation and several roles, with and without unpublished events kept private.
func testACL(t *testing.T, b Backend) {
	f := newFixture(t, b)
	c := ctx(t)
	// A few more attributes with every distribution, in an object of each distribution, in each event.
	for ei, e := range f.events {
		for od := 0; od <= 5; od++ {
			o := &misp.Object{Name: "file", Distribution: dist(od), Timestamp: 10}
			if od == 4 {
				o.SharingGroupID = f.sgs[ei%2].ID
			}
			for ad := 0; ad <= 5; ad++ {
				a := misp.Attribute{Type: "text", Category: "Other", Value: "x", ObjectRelation: "text",
					Distribution: dist(ad), Timestamp: 10}
				if ad == 4 {
					a.SharingGroupID = f.sgs[(ei+ad)%2].ID
				}
				o.Attribute = append(o.Attribute, a)
			}
			must(t, b.AddObject(c, int64(e.ID), o))
		}
	}
	// Every event and element, as an unrestricted reader sees them.
	var events []*misp.Event
	for e, err := range b.SearchEvents(c, store.EventFilter{Conditions: all()}) {
		must(t, err)
		events = append(events, e)
	}
	roles := map[int64]acl.Role{}
	for _, r := range acl.DefaultRoles() {
		roles[r.ID] = r
	}
	var users []acl.User
	for i, o := range f.orgs {
		for _, role := range []int64{acl.RoleUser, acl.RoleReadOnly, acl.RoleOrgAdmin} {
			users = append(users, acl.User{ID: int64(10*i) + role, OrgID: int64(o.ID), Role: roles[role]})
		}
	}
	users = append(users, acl.User{ID: 99, OrgID: int64(f.orgs[1].ID), Role: roles[acl.RoleAdmin]},
		acl.User{ID: 98, OrgID: int64(f.orgs[1].ID), Role: roles[acl.RoleAdmin], ReadOnlyKey: true},
		acl.User{ID: 97, OrgID: int64(f.orgs[0].ID), Role: roles[acl.RoleUser], Disabled: true})

	groups := aclGroups(t, b)
	leaks, checked := 0, 0
	for _, private := range []bool{false, true} {
		p := acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: int64(f.orgs[0].ID)}, UnpublishedPrivate: private}, groups)
		for _, u := range users {
			cond := p.ReadableConditions(u)
			var wantEvents, wantAttrs []string
			for _, e := range events {
				ev := aclEvent(e)
				if p.CanReadEvent(u, ev) == nil {
					wantEvents = append(wantEvents, e.UUID)
				}
				for _, a := range e.Attribute {
					if p.CanReadElement(u, ev, aclElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
						wantAttrs = append(wantAttrs, a.UUID)
					}
				}
				for _, o := range e.Object {
					obj := aclElement(acl.KindObject, o.Distribution, o.SharingGroupID)
					for _, a := range o.Attribute {
						if p.CanReadObjectAttribute(u, ev, obj, aclElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
							wantAttrs = append(wantAttrs, a.UUID)
						}
					}
				}
			}
			slices.Sort(wantAttrs)

			var gotAttrs []string
			for a, err := range b.SearchAttributes(c, store.AttributeFilter{Conditions: cond}) {
				must(t, err)
				gotAttrs = append(gotAttrs, a.UUID)
			}
			slices.Sort(gotAttrs)
			var gotEvents, gotInEvents []string
			for e, err := range b.SearchEvents(c, store.EventFilter{Conditions: cond}) {
				must(t, err)
				gotEvents = append(gotEvents, e.UUID)
				for _, a := range e.Attribute {
					gotInEvents = append(gotInEvents, a.UUID)
				}
				for _, o := range e.Object {
					for _, a := range o.Attribute {
						gotInEvents = append(gotInEvents, a.UUID)
					}
				}
			}
			slices.Sort(gotInEvents)
			checked++
			if !slices.Equal(gotEvents, wantEvents) {
				leaks++
				t.Errorf("private=%v user %d (org %d, %s, read-only key %v): events %v, want %v",
					private, u.ID, u.OrgID, u.Role.Name, u.ReadOnlyKey, gotEvents, wantEvents)
			}
			if !slices.Equal(gotAttrs, wantAttrs) {
				leaks++
				t.Errorf("private=%v user %d (org %d, %s): SearchAttributes gave %d attributes, acl allows %d",
					private, u.ID, u.OrgID, u.Role.Name, len(gotAttrs), len(wantAttrs))
			}
			if !slices.Equal(gotInEvents, wantAttrs) {
				leaks++
				t.Errorf("private=%v user %d (org %d, %s): SearchEvents gave %d attributes, acl allows %d",
					private, u.ID, u.OrgID, u.Role.Name, len(gotInEvents), len(wantAttrs))
			}
			n, err := b.CountAttributes(c, store.AttributeFilter{Conditions: cond})
			must(t, err)
			if n != int64(len(wantAttrs)) {
				t.Errorf("user %d: CountAttributes = %d, want %d", u.ID, n, len(wantAttrs))
			}
		}
	}
	if checked == 0 || leaks != 0 {
		t.Errorf("%d of %d user views disagree with acl", leaks, checked)
	}
}

// testPaging pages through more events and attributes than a backend is likely to read in one go.
func testPaging(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	const n = 600
	for i := range n {
		e := &misp.Event{OrgID: org.ID, OrgcID: org.ID, Info: itoa(i), Timestamp: 10, Distribution: dist(1),
			Attribute: []misp.Attribute{{Type: "text", Category: "Other", Value: itoa(i), Timestamp: 10, Distribution: dist(5)}}}
		must(t, b.SaveEvent(c, e))
	}
	for _, tc := range []struct {
		limit, page  int
		first, count int
	}{
		{0, 0, 0, n},
		{300, 0, 0, 300},
		{300, 2, 300, 300},
		{257, 2, 257, 257},
		{257, 3, 514, 86},
		{1000, 1, 0, n},
		{n, 2, 0, 0},
	} {
		var got []string
		for e, err := range b.SearchEvents(c, store.EventFilter{Conditions: all(), Metadata: true, Limit: tc.limit, Page: tc.page}) {
			must(t, err)
			got = append(got, e.Info)
		}
		var attrs []string
		for a, err := range b.SearchAttributes(c, store.AttributeFilter{Conditions: all(), Limit: tc.limit, Page: tc.page}) {
			must(t, err)
			attrs = append(attrs, a.Value)
		}
		var want []string
		for i := tc.first; i < tc.first+tc.count; i++ {
			want = append(want, itoa(i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("events, limit %d page %d: %d events starting %q, want %d starting %q", tc.limit, tc.page,
				len(got), first(got), len(want), first(want))
		}
		if !slices.Equal(attrs, want) {
			t.Errorf("attributes, limit %d page %d: %d attributes, want %d", tc.limit, tc.page, len(attrs), len(want))
		}
	}
	if got, err := b.CountEvents(c, store.EventFilter{Conditions: all(), Limit: 10}); err != nil || got != n {
		t.Errorf("CountEvents = %d, %v; want %d", got, err, n)
	}
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// testStreaming checks that a search yields its first row without reading the whole result: breaking out after
// the first of many rows is much faster than reading them all.
func testStreaming(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	const events, per = 4, 5000
	for i := range events {
		e := &misp.Event{OrgID: org.ID, OrgcID: org.ID, Info: "bulk", Timestamp: 10, Distribution: dist(1)}
		for j := range per {
			e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Category: "Network activity",
				Value: ipv4(i*per + j), Timestamp: 10, Distribution: dist(5), Tag: nil})
		}
		must(t, b.SaveEvent(c, e))
	}
	f := store.AttributeFilter{Conditions: acl.Conditions{OwnerOrgID: 999, EventDistributions: []acl.Distribution{1, 2, 3},
		ElementDistributions: []acl.Distribution{1, 2, 3, 5}}, Value: store.Any("10.%")}

	// The median of a few runs each, since other work shares the machine.
	first := make([]time.Duration, 5)
	whole := make([]time.Duration, 5)
	for i := range first {
		start := time.Now()
		for _, err := range b.SearchAttributes(c, f) {
			must(t, err)
			break
		}
		first[i] = time.Since(start)
		start = time.Now()
		n := 0
		for _, err := range b.SearchAttributes(c, f) {
			must(t, err)
			n++
		}
		whole[i] = time.Since(start)
		if n != events*per {
			t.Fatalf("search yielded %d rows, want %d", n, events*per)
		}
	}
	slices.Sort(first)
	slices.Sort(whole)
	t.Logf("first row after %v, all %d rows after %v", first[2], events*per, whole[2])
	if first[2]*10 > whole[2] {
		t.Errorf("the first row took %v and all rows %v: the search does not stream", first[2], whole[2])
	}

	// Events stream too.
	start := time.Now()
	for _, err := range b.SearchEvents(c, store.EventFilter{Conditions: all(), Metadata: true}) {
		must(t, err)
		break
	}
	if d := time.Since(start); d > whole[2] {
		t.Errorf("the first event took %v", d)
	}
}

// ipv4 returns a distinct address in 10.0.0.0/8 for n.
func ipv4(n int) string {
	return "10." + itoa((n>>16)&255) + "." + itoa((n>>8)&255) + "." + itoa(n&255)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
