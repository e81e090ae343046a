package intel_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// refused is an outcome answered with intel's RefusedError.
func refusedWith(t *testing.T, err error, status int, message string) {
	t.Helper()
	var re *intel.RefusedError
	if !errors.As(err, &re) || re.Status != status || re.Message != message {
		t.Fatalf("err = %v, want refusal %d %q", err, status, message)
	}
}

// addGroup makes a sharing group owned by fixture user owner's organisation, with members.
func addGroup(t *testing.T, f *inteltest.Fixture, owner string, members ...misp.SharingGroupOrg) *misp.SharingGroup {
	t.Helper()
	sg := &misp.SharingGroup{Name: "Group of " + owner, Active: true, SharingGroupOrg: members}
	if err := f.Svc.AddSharingGroup(t.Context(), f.ACL(owner), sg); err != nil {
		t.Fatal(err)
	}
	return sg
}

func TestAddSharingGroupByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	tests := []struct {
		who  string
		ro   bool
		want outcome
	}{
		{"admin", false, ok},
		{"orgadmin", false, ok},
		{"orgadmin2", false, ok},
		{"sync", false, ok},
		{"orgadmin", true, noFunctionality},
		{"user", false, noFunctionality},
		{"publisher", false, noFunctionality},
		{"readonly", false, noFunctionality},
	}
	for _, tc := range tests {
		t.Run(tc.who+map[bool]string{true: " read-only key"}[tc.ro], func(t *testing.T) {
			u := f.ACL(tc.who)
			u.ReadOnlyKey = tc.ro
			sg := &misp.SharingGroup{Name: "SG of " + tc.who, Active: true}
			err := f.Svc.AddSharingGroup(t.Context(), u, sg)
			tc.want.check(t, err)
			if err != nil {
				return
			}
			if sg.ID == 0 || int64(sg.OrgID) != u.OrgID || sg.Organisation == nil || !bool(sg.Local) ||
				int64(sg.SyncUserID) != u.ID || len(sg.SharingGroupServer) != 1 || sg.SharingGroupServer[0].ServerID != 0 {
				t.Fatalf("stored group %+v", sg)
			}
			if err := f.Svc.Policy().CanViewSharingGroup(u, int64(sg.ID)); err != nil {
				t.Fatalf("creator may not view its new group (policy not reloaded?): %v", err)
			}
		})
	}
}

func TestAddSharingGroupValidates(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	existing := addGroup(t, f, "orgadmin")
	tests := []struct {
		name  string
		sg    misp.SharingGroup
		field string
	}{
		{"no name", misp.SharingGroup{Name: " "}, "name"},
		{"bad uuid", misp.SharingGroup{Name: "x", UUID: "nope"}, "uuid"},
		{"uuid taken", misp.SharingGroup{Name: "x", UUID: existing.UUID}, "uuid"},
		{"unknown member", misp.SharingGroup{Name: "x", SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: 99}}}, "SharingGroupOrg"},
		{"unknown server", misp.SharingGroup{Name: "x", SharingGroupServer: []misp.SharingGroupServer{{ServerID: 3}}}, "SharingGroupServer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sg := tc.sg
			err := f.Svc.AddSharingGroup(t.Context(), f.ACL("admin"), &sg)
			var inv *intel.InvalidError
			if !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotAddSharingGroup || len(inv.Fields[tc.field]) == 0 {
				t.Fatalf("err = %v, want a complaint about %s", err, tc.field)
			}
		})
	}

	// Members named by their organisation's uuid; a roaming group gets no server.
	two := f.Orgs[inteltest.OrgTwo]
	sg := &misp.SharingGroup{Name: "roaming", Roaming: true, SharingGroupOrg: []misp.SharingGroupOrg{
		{Organisation: &misp.Organisation{UUID: two.UUID}, Extend: true}}}
	if err := f.Svc.AddSharingGroup(t.Context(), f.ACL("admin"), sg); err != nil {
		t.Fatal(err)
	}
	if len(sg.SharingGroupOrg) != 1 || sg.SharingGroupOrg[0].OrgID != two.ID || !bool(sg.SharingGroupOrg[0].Extend) ||
		len(sg.SharingGroupServer) != 0 {
		t.Fatalf("group %+v", sg)
	}
}

func TestSharingGroupAccessByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	// Owned by the host organisation; Org Two is a member with extend.
	sg := addGroup(t, f, "orgadmin", misp.SharingGroupOrg{OrgID: f.Orgs[inteltest.OrgTwo].ID, Extend: true})
	ref := strconv.FormatInt(int64(sg.ID), 10)
	viewDenied := outcome{http.StatusMethodNotAllowed, acl.MsgSharingGroupView}
	notAllowed := outcome{http.StatusMethodNotAllowed, acl.MsgActionNotAllowed}
	tests := []struct {
		who          string
		view, delete outcome
		edit         bool
	}{
		{"admin", ok, ok, true},
		{"orgadmin", ok, ok, true},
		{"user", ok, noFunctionality, false},          // owner organisation, no perm_sharing_group
		{"orgadmin2", ok, notAllowed, true},           // member with extend
		{"user2", ok, noFunctionality, false},         // member, no perm_sharing_group
		{"user3", viewDenied, noFunctionality, false}, // outsider
	}
	for _, tc := range tests {
		t.Run(tc.who, func(t *testing.T) {
			u := f.ACL(tc.who)
			_, err := f.Svc.SharingGroup(ctx, u, ref)
			tc.view.check(t, err)
			_, err = f.Svc.EditSharingGroup(ctx, u, ref, func(g *misp.SharingGroup) { g.Description = "by " + tc.who })
			if (err == nil) != tc.edit {
				t.Fatalf("edit by %s: %v, want allowed=%v", tc.who, err, tc.edit)
			}
			err = f.Svc.AddSharingGroupOrg(ctx, u, ref, inteltest.OrgThree, false)
			if tc.edit {
				if err != nil {
					t.Fatalf("addOrg by %s: %v", tc.who, err)
				}
				if err := f.Svc.RemoveSharingGroupOrg(ctx, u, ref, inteltest.OrgThree); err != nil {
					t.Fatalf("removeOrg by %s: %v", tc.who, err)
				}
			} else {
				refusedWith(t, err, http.StatusMethodNotAllowed, intel.MsgInvalidSharingGroupEdit)
			}
			if tc.delete != ok {
				_, err := f.Svc.DeleteSharingGroup(ctx, u, ref)
				tc.delete.check(t, err)
			}
		})
	}

	// Deleting: the owner organisation's admin may; afterwards the group is gone for everyone.
	if _, err := f.Svc.DeleteSharingGroup(ctx, f.ACL("orgadmin"), sg.UUID); err != nil {
		t.Fatal(err)
	}
	_, err := f.Svc.SharingGroup(ctx, f.ACL("admin"), ref)
	viewDenied.check(t, err)
	_, err = f.Svc.DeleteSharingGroup(ctx, f.ACL("admin"), ref)
	notAllowed.check(t, err)
	_, err = f.Svc.EditSharingGroup(ctx, f.ACL("admin"), ref, func(*misp.SharingGroup) {})
	outcome{http.StatusNotFound, intel.MsgInvalidSharingGroupDot}.check(t, err)
}

func TestSharingGroupMembershipDrivesPolicy(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	sg := addGroup(t, f, "orgadmin")
	ref := sg.UUID
	three := f.ACL("user3")
	visible := func() bool { return f.Svc.Policy().CanViewSharingGroup(three, int64(sg.ID)) == nil }
	if visible() {
		t.Fatal("outsider sees the group")
	}
	admin := f.ACL("orgadmin")
	steps := []struct {
		name    string
		do      func() error
		visible bool
	}{
		{"add org by name", func() error { return f.Svc.AddSharingGroupOrg(ctx, admin, ref, inteltest.OrgThree, false) }, true},
		{"remove org by id", func() error {
			return f.Svc.RemoveSharingGroupOrg(ctx, admin, ref, f.Orgs[inteltest.OrgThree].ID.String())
		}, false},
		{"remove this instance", func() error { return f.Svc.RemoveSharingGroupServer(ctx, admin, ref, "0") }, false},
		{"add this instance for all orgs", func() error { return f.Svc.AddSharingGroupServer(ctx, admin, ref, "0", true) }, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if visible() != s.visible {
			t.Fatalf("after %s the outsider sees the group = %v, want %v", s.name, !s.visible, s.visible)
		}
	}
	tests := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"org twice", f.Svc.AddSharingGroupOrg(ctx, admin, ref, inteltest.OrgTwo, false), 0, ""},
		{"org again", f.Svc.AddSharingGroupOrg(ctx, admin, ref, inteltest.OrgTwo, false), http.StatusForbidden, "Could not add Organisation to SharingGroup"},
		{"org not in", f.Svc.RemoveSharingGroupOrg(ctx, admin, ref, inteltest.HostOrg), http.StatusForbidden, "Could not remove Organisation from SharingGroup"},
		{"unknown org", f.Svc.AddSharingGroupOrg(ctx, admin, ref, "Nobody", false), http.StatusMethodNotAllowed, intel.MsgInvalidOrgDot},
		{"server again", f.Svc.AddSharingGroupServer(ctx, admin, ref, "0", false), http.StatusForbidden, "Could not add Server to SharingGroup"},
		{"unknown server", f.Svc.AddSharingGroupServer(ctx, admin, ref, "2", false), http.StatusMethodNotAllowed, intel.MsgInvalidServer},
		{"no group", f.Svc.AddSharingGroupOrg(ctx, admin, "", inteltest.OrgTwo, false), http.StatusMethodNotAllowed, intel.MsgNoSharingGroupID},
		{"missing group", f.Svc.AddSharingGroupOrg(ctx, admin, "77", inteltest.OrgTwo, false), http.StatusMethodNotAllowed, intel.MsgInvalidSharingGroupEdit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == 0 {
				if tc.err != nil {
					t.Fatal(tc.err)
				}
				return
			}
			refusedWith(t, tc.err, tc.status, tc.message)
		})
	}
}

func TestSharingGroupsIndex(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	addGroup(t, f, "orgadmin")                                                                    // host org's
	addGroup(t, f, "orgadmin2")                                                                   // Org Two's
	shared := addGroup(t, f, "admin", misp.SharingGroupOrg{OrgID: f.Orgs[inteltest.OrgThree].ID}) // Org Three a member
	if _, err := f.Svc.EditSharingGroup(ctx, f.ACL("admin"), shared.UUID, func(g *misp.SharingGroup) { g.Active = false }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		who     string
		passive bool
		want    int
	}{
		{"admin", false, 2},
		{"admin", true, 1},
		{"user", false, 1},
		{"user2", false, 1},
		{"user3", false, 0},
		{"user3", true, 1},
	}
	for _, tc := range tests {
		list, err := f.Svc.SharingGroups(ctx, f.ACL(tc.who), tc.passive)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tc.want {
			t.Errorf("%s (passive %v) sees %d groups, want %d", tc.who, tc.passive, len(list), tc.want)
		}
		for _, sg := range list {
			if sg.Organisation == nil {
				t.Errorf("group %d without its owner", sg.ID)
			}
		}
	}
}
