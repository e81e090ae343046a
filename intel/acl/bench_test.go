package acl_test

import (
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

// benchPolicy has 200 sharing groups, the user's organisation in every tenth.
func benchPolicy() *acl.Policy {
	var groups []acl.SharingGroup
	for i := int64(1); i <= 200; i++ {
		g := acl.SharingGroup{ID: i, OrgID: 1, Active: true, Orgs: []acl.SharingGroupOrg{{OrgID: 1}, {OrgID: 100 + i}}}
		if i%10 == 0 {
			g.Orgs = append(g.Orgs, acl.SharingGroupOrg{OrgID: 2})
		}
		groups = append(groups, g)
	}
	return acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: 1}}, groups)
}

func BenchmarkCanReadElement(b *testing.B) {
	p := benchPolicy()
	user, _ := acl.DefaultRole(acl.RoleUser)
	u := acl.User{ID: 1, OrgID: 2, Role: user}
	ev := acl.Event{OrgID: 3, OrgcID: 3, Distribution: acl.SharingGroupOnly, SharingGroupID: 150, Published: true}
	el := acl.Element{Distribution: acl.SharingGroupOnly, SharingGroupID: 190}
	for b.Loop() {
		if p.CanReadElement(u, ev, el) != nil {
			b.Fatal("denied")
		}
	}
}

func BenchmarkReadableConditions(b *testing.B) {
	p := benchPolicy()
	user, _ := acl.DefaultRole(acl.RoleUser)
	u := acl.User{ID: 1, OrgID: 2, Role: user}
	for b.Loop() {
		if c := p.ReadableConditions(u); len(c.SharingGroupIDs) != 20 {
			b.Fatalf("%d groups", len(c.SharingGroupIDs))
		}
	}
}
