package intel_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// emptyService is a service over a new, empty SQLite store.
func emptyService(t *testing.T) (*intel.Service, store.Intel) {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.OpenTemp(ctx, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	svc, err := intel.New(ctx, db, intel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc, db
}

// keyUser returns the user whose stored key is key, as the API's authentication finds it.
func keyUser(t *testing.T, svc *intel.Service, key string) *misp.User {
	t.Helper()
	cands, err := svc.KeysByFragment(t.Context(), acl.KeyStart(key), acl.KeyEnd(key))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if acl.CheckKey(c.Hash, key) {
			return &c.User
		}
	}
	t.Fatalf("key %s…%s matches no stored key", acl.KeyStart(key), acl.KeyEnd(key))
	return nil
}

func TestBootstrapEmptyInstance(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run("existing org "+strconv.FormatBool(existing), func(t *testing.T) {
			ctx := t.Context()
			svc, st := emptyService(t)
			var before *misp.Organisation
			if existing {
				before = &misp.Organisation{Name: "Host", Local: false}
				if err := st.CreateOrg(ctx, before); err != nil {
					t.Fatal(err)
				}
			}
			key, created, err := svc.Bootstrap(ctx, " Host ", "admin@host.test")
			if err != nil || !created {
				t.Fatalf("Bootstrap = %v, %v", created, err)
			}
			if !acl.ValidKey(key) {
				t.Fatalf("key %q is not an api key", key)
			}
			u := keyUser(t, svc, key)
			if u.Email != "admin@host.test" || u.RoleID != misp.FlexInt(acl.RoleAdmin) || u.Organisation == nil ||
				u.Organisation.Name != "Host" || !bool(u.Organisation.Local) {
				t.Fatalf("bootstrapped user %+v (org %+v)", u, u.Organisation)
			}
			orgs, err := st.ListOrgs(ctx)
			if err != nil || len(orgs) != 1 {
				t.Fatalf("organisations %v, %v: want exactly one", orgs, err)
			}
			if existing && orgs[0].ID != before.ID {
				t.Fatalf("organisation %d made, want %d reused", orgs[0].ID, before.ID)
			}
			v, err := st.Setting(ctx, intel.SettingHostOrgID)
			if err != nil || v != orgs[0].ID.String() {
				t.Fatalf("host org setting %q, %v; want %s", v, err, orgs[0].ID.String())
			}
			in := svc.Policy().Settings().Instance
			if in.HostOrgID != int64(orgs[0].ID) || !in.IsLocalOrg(int64(orgs[0].ID)) {
				t.Fatalf("policy instance %+v not reloaded", in)
			}
			// The new admin is a site admin to the policy.
			if err := svc.Policy().CanManageOrgs(intel.ACLUser(u, false)); err != nil {
				t.Fatalf("bootstrapped admin may not manage organisations: %v", err)
			}

			// Second start: nothing changes.
			key2, created2, err := svc.Bootstrap(ctx, "Other", "other@host.test")
			if err != nil || created2 || key2 != "" {
				t.Fatalf("second Bootstrap = %q, %v, %v; want nothing", key2, created2, err)
			}
			users, err := st.ListUsers(ctx, 0)
			if err != nil || len(users) != 1 {
				t.Fatalf("users after second start %d, %v", len(users), err)
			}
		})
	}
}

func TestBootstrapPopulatedInstance(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	key, created, err := f.Svc.Bootstrap(ctx, "Fresh", "fresh@fresh.test")
	if err != nil || created || key != "" {
		t.Fatalf("Bootstrap = %q, %v, %v; want nothing done", key, created, err)
	}
	if _, err := f.Store.OrgByName(ctx, "Fresh"); err == nil {
		t.Fatal("Bootstrap created an organisation on an instance with users")
	}
	v, err := f.Store.Setting(ctx, intel.SettingHostOrgID)
	if err != nil || v != f.Orgs[inteltest.HostOrg].ID.String() {
		t.Fatalf("host org setting changed to %q, %v", v, err)
	}
}

func TestBootstrapRefusesBadInput(t *testing.T) {
	tests := []struct{ name, org, email string }{
		{"no org", " ", "a@b.test"},
		{"no email", "Host", ""},
		{"display name", "Host", "Admin <a@b.test>"},
		{"not an address", "Host", "admin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, st := emptyService(t)
			if _, created, err := svc.Bootstrap(t.Context(), tc.org, tc.email); err == nil || created {
				t.Fatalf("Bootstrap(%q, %q) = %v, %v; want an error", tc.org, tc.email, created, err)
			}
			if users, _ := st.ListUsers(t.Context(), 0); len(users) != 0 {
				t.Fatalf("users made: %v", users)
			}
		})
	}
}
