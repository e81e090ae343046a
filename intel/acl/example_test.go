package acl_test

import (
	"errors"
	"fmt"

	"github.com/hunchsec/hunch/intel/acl"
)

func Example() {
	// Organisation 1 hosts the instance; 2 and 3 have users here. Sharing group 7 lists organisations 1 and 2.
	p := acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: 1, LocalOrgIDs: []int64{1, 2, 3}}},
		[]acl.SharingGroup{{ID: 7, OrgID: 1, Active: true, Orgs: []acl.SharingGroupOrg{{OrgID: 1}, {OrgID: 2}}}})

	user, _ := acl.DefaultRole(acl.RoleUser)
	alice := acl.User{ID: 20, OrgID: 2, Role: user}
	carol := acl.User{ID: 30, OrgID: 3, Role: user}

	ev := acl.Event{ID: 1, OrgID: 1, OrgcID: 1, Distribution: acl.SharingGroupOnly, SharingGroupID: 7, Published: true}
	fmt.Println("alice reads:", p.CanReadEvent(alice, ev) == nil)
	fmt.Println("carol reads:", p.CanReadEvent(carol, ev) == nil)

	// Alice may not add to organisation 1's event: MISP's 403, on which PyMISP retries as a proposal.
	var e *acl.Error
	if err := p.CanAddAttribute(alice, ev); errors.As(err, &e) {
		fmt.Println(e.Status(), e.Message())
	}
	fmt.Println("alice proposes:", p.CanPropose(alice, ev) == nil)

	// Lists filter in the database with the same rule.
	var args []any
	where := p.ReadableConditions(alice).EventSQL(
		acl.EventColumns{OrgID: "org_id", Distribution: "distribution", SharingGroupID: "sharing_group_id", Published: "published"},
		func(v any) string { args = append(args, v); return "?" })
	fmt.Println(where, args)
	// Output:
	// alice reads: true
	// carol reads: false
	// 403 You do not have permission to do that.
	// alice proposes: true
	// (org_id = ? OR ((distribution IN (?, ?, ?) OR (distribution = ? AND sharing_group_id IN (?))))) [2 1 2 3 4 7]
}

func ExampleGenerateKey() {
	key, err := acl.GenerateKey()
	if err != nil {
		panic(err)
	}
	hash, err := acl.HashKey(key) // store hash, KeyStart(key) and KeyEnd(key); show key once
	if err != nil {
		panic(err)
	}
	fmt.Println(len(key), acl.ValidKey(key), acl.CheckKey(hash, key))
	// Output: 40 true true
}
