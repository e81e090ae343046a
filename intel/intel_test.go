package intel_test

import (
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

func TestReloadReadsInstance(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	in := f.Svc.Policy().Settings().Instance
	if want := int64(f.Orgs[inteltest.HostOrg].ID); in.HostOrgID != want {
		t.Errorf("host org = %d, want %d", in.HostOrgID, want)
	}
	var want []int64
	for _, name := range []string{inteltest.HostOrg, inteltest.OrgTwo, inteltest.OrgThree} {
		want = append(want, int64(f.Orgs[name].ID))
	}
	got := slices.Sorted(slices.Values(in.LocalOrgIDs))
	if !slices.Equal(got, want) {
		t.Errorf("local orgs = %v, want %v", got, want)
	}

	// An organisation without users is not local until one is added and the policy reloaded.
	ctx := t.Context()
	o := &misp.Organisation{Name: "Newcomer"}
	if err := f.Store.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	if f.Svc.Policy().Settings().Instance.IsLocalOrg(int64(o.ID)) {
		t.Fatal("organisation without users is local")
	}
	if err := f.Store.CreateUser(ctx, &misp.User{Email: "n@new.test", OrgID: o.ID, RoleID: 3}); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !f.Svc.Policy().Settings().Instance.IsLocalOrg(int64(o.ID)) {
		t.Fatal("organisation with a user is not local after Reload")
	}
}

func TestInstanceUUIDIsKept(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	a, err := f.Svc.InstanceUUID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Svc.InstanceUUID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if a != b || !misp.ValidUUID(a) {
		t.Fatalf("instance uuid %q then %q", a, b)
	}
}

func TestKeysByFragment(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	key := f.Keys["user2"]
	keys, err := f.Svc.KeysByFragment(t.Context(), acl.KeyStart(key), acl.KeyEnd(key))
	if err != nil {
		t.Fatal(err)
	}
	// "user", "user2" and "user3" share their first and last four characters; bcrypt tells them apart.
	var matched []string
	for _, k := range keys {
		if k.User.Role == nil || k.User.Organisation == nil {
			t.Fatalf("key %d: user without role or organisation", k.ID)
		}
		if acl.CheckKey(k.Hash, key) {
			matched = append(matched, k.User.Email)
		}
	}
	if len(keys) != 3 || !slices.Equal(matched, []string{f.Users["user2"].Email}) {
		t.Fatalf("%d candidates, matched %v", len(keys), matched)
	}
}

func TestACLUser(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	u := intel.ACLUser(f.Users["publisher"], true)
	if !u.Role.PermPublish || !u.ReadOnlyKey || u.EffectiveRole().PermPublish {
		t.Fatalf("publisher with read-only key: %+v", u)
	}
	if got := intel.ACLUser(&misp.User{RoleID: 99}, false); got.Role.PermAuth {
		t.Fatal("unknown role has permissions")
	}
	if !intel.System.Role.PermSiteAdmin {
		t.Fatal("System is not a site admin")
	}
}
