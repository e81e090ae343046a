package storetest

import (
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/store"
)

// testEventHeads: EventHeads lists what SearchEvents selects, for every reader of the ACL fixture and with
// filters, with each event's id, uuid, creator, times, distribution and sharing group as stored.
func testEventHeads(t *testing.T, b Backend) {
	f := newFixture(t, b)
	c := ctx(t)
	roles := map[int64]acl.Role{}
	for _, r := range acl.DefaultRoles() {
		roles[r.ID] = r
	}
	groups := aclGroups(t, b)
	p := acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: int64(f.orgs[0].ID)}}, groups)
	filters := []store.EventFilter{{Conditions: all()}, {Conditions: all(), Published: bptr(true)},
		{Conditions: all(), PublishTimestamp: store.TimeRange{From: unix(1700000001)}}}
	for i, o := range f.orgs {
		for _, role := range []int64{acl.RoleUser, acl.RoleAdmin} {
			u := acl.User{ID: int64(10*i) + role, OrgID: int64(o.ID), Role: roles[role]}
			filters = append(filters, store.EventFilter{Conditions: p.ReadableConditions(u)})
		}
	}
	for i, ff := range filters {
		heads, err := b.EventHeads(c, ff)
		must(t, err)
		var want []store.EventHead
		ff.Metadata = true
		for e, err := range b.SearchEvents(c, ff) {
			must(t, err)
			want = append(want, store.EventHead{ID: int64(e.ID), UUID: e.UUID, OrgcID: int64(e.OrgcID), Published: bool(e.Published),
				Timestamp: e.Timestamp, PublishTimestamp: e.PublishTimestamp, Distribution: e.Distribution.Level(),
				SharingGroupID: int64(e.SharingGroupID)})
		}
		if len(want) == 0 && i < 3 {
			t.Fatalf("filter %d selects nothing: the fixture changed", i)
		}
		if !slices.Equal(heads, want) {
			t.Errorf("filter %d: heads %+v, want %+v", i, heads, want)
		}
	}
	if len(f.sgs) == 0 {
		t.Fatal("the fixture has no sharing groups")
	}
}
