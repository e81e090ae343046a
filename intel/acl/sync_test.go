package acl_test

import (
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

func TestPush(t *testing.T) {
	groups := []acl.SharingGroup{
		// 20: orgs 2 and 5, instance 7 listed for all its orgs, not roaming.
		{ID: 20, OrgID: 1, Orgs: []acl.SharingGroupOrg{{OrgID: 2}, {OrgID: 5}}, Servers: []acl.SharingGroupServer{{ServerID: 0, AllOrgs: true}, {ServerID: 7, AllOrgs: true}}},
		// 21: org 5, instance 8 listed without all_orgs.
		{ID: 21, OrgID: 1, Orgs: []acl.SharingGroupOrg{{OrgID: 5}}, Servers: []acl.SharingGroupServer{{ServerID: 8}}},
		// 22: org 5, roaming.
		{ID: 22, OrgID: 1, Roaming: true, Orgs: []acl.SharingGroupOrg{{OrgID: 5}}, Servers: []acl.SharingGroupServer{{ServerID: 0, AllOrgs: true}}},
		// 23: org 5, instance 0 only, not roaming.
		{ID: 23, OrgID: 1, Orgs: []acl.SharingGroupOrg{{OrgID: 5}}, Servers: []acl.SharingGroupServer{{ServerID: 0, AllOrgs: true}}},
	}
	p := acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: 1}}, groups)
	ext7 := acl.Server{ID: 7, RemoteOrgID: 9} // listed in 20 with all orgs; its org in no group
	ext8 := acl.Server{ID: 8, RemoteOrgID: 5} // listed in 21 without all orgs; its org 5 everywhere
	ext9 := acl.Server{ID: 9, RemoteOrgID: 5} // listed nowhere; org 5
	own := acl.Server{ID: 10, RemoteOrgID: 1, Internal: true}
	ev := func(d acl.Distribution, sg int64, published bool) acl.Event {
		return acl.Event{OrgID: 1, OrgcID: 1, Distribution: d, SharingGroupID: sg, Published: published}
	}
	tests := []struct {
		name string
		ev   acl.Event
		s    acl.Server
		want bool
	}{
		{"unpublished never", ev(acl.All, 0, false), ext7, false},
		{"org only stays", ev(acl.OrgOnly, 0, true), ext7, false},
		{"community stays", ev(acl.Community, 0, true), ext7, false},
		{"connected goes", ev(acl.Connected, 0, true), ext7, true},
		{"all goes", ev(acl.All, 0, true), ext7, true},
		{"org only to own internal instance", ev(acl.OrgOnly, 0, true), own, true},
		{"internal flag to another org is not internal", ev(acl.OrgOnly, 0, true), acl.Server{ID: 11, RemoteOrgID: 5, Internal: true}, false},
		{"group lists server with all orgs", ev(acl.SharingGroupOnly, 20, true), ext7, true},
		{"group lists server, org member", ev(acl.SharingGroupOnly, 21, true), ext8, true},
		{"group lists other servers only", ev(acl.SharingGroupOnly, 23, true), ext9, false},
		{"roaming group reaches any instance of a member org", ev(acl.SharingGroupOnly, 22, true), ext9, true},
		{"roaming group, org not a member", ev(acl.SharingGroupOnly, 22, true), ext7, false},
		{"unknown group", ev(acl.SharingGroupOnly, 99, true), ext7, false},
		{"not listed but internal link, member org", ev(acl.SharingGroupOnly, 23, true), acl.Server{ID: 12, RemoteOrgID: 5, Internal: true}, true},
	}
	for _, tt := range tests {
		if got := p.CanPushEvent(tt.ev, tt.s); got != tt.want {
			t.Errorf("%s: CanPushEvent = %t, want %t", tt.name, got, tt.want)
		}
	}

	elems := []struct {
		el   acl.Element
		s    acl.Server
		want bool
	}{
		{acl.Element{Distribution: acl.OrgOnly}, ext7, false},
		{acl.Element{Distribution: acl.Community}, ext7, false},
		{acl.Element{Distribution: acl.Connected}, ext7, true},
		{acl.Element{Distribution: acl.Inherit}, ext7, true},
		{acl.Element{Distribution: acl.SharingGroupOnly, SharingGroupID: 20}, ext7, true},
		{acl.Element{Distribution: acl.SharingGroupOnly, SharingGroupID: 23}, ext9, false},
		{acl.Element{Distribution: acl.OrgOnly}, own, true},
		{acl.Element{Distribution: 9}, own, false},
	}
	for _, tt := range elems {
		if got := p.CanPushElement(tt.el, tt.s); got != tt.want {
			t.Errorf("element %d/%d to server %d: %t, want %t", tt.el.Distribution, tt.el.SharingGroupID, tt.s.ID, got, tt.want)
		}
	}
}

func TestDowngrades(t *testing.T) {
	ext := acl.Server{ID: 1, RemoteOrgID: 5}
	internal := acl.Server{ID: 2, RemoteOrgID: 1, Internal: true}
	tests := []struct {
		d                              acl.Distribution
		pushed, pulled, pushedInternal acl.Distribution
	}{
		{acl.OrgOnly, acl.OrgOnly, acl.OrgOnly, acl.OrgOnly},
		{acl.Community, acl.Community, acl.OrgOnly, acl.Community},
		{acl.Connected, acl.Community, acl.Community, acl.Connected},
		{acl.All, acl.All, acl.All, acl.All},
		{acl.SharingGroupOnly, acl.SharingGroupOnly, acl.SharingGroupOnly, acl.SharingGroupOnly},
		{acl.Inherit, acl.Inherit, acl.Inherit, acl.Inherit},
	}
	for _, tt := range tests {
		if got := acl.PushedDistribution(tt.d, ext); got != tt.pushed {
			t.Errorf("PushedDistribution(%d) = %d, want %d", tt.d, got, tt.pushed)
		}
		if got := acl.PulledDistribution(tt.d, ext); got != tt.pulled {
			t.Errorf("PulledDistribution(%d) = %d, want %d", tt.d, got, tt.pulled)
		}
		if got := acl.PushedDistribution(tt.d, internal); got != tt.pushedInternal {
			t.Errorf("PushedDistribution(%d, internal) = %d", tt.d, got)
		}
		if got := acl.PulledDistribution(tt.d, internal); got != tt.d {
			t.Errorf("PulledDistribution(%d, internal) = %d", tt.d, got)
		}
	}
}
