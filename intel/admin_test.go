package intel_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// outcome is what an operation should answer: 0 for success, else the refusal's HTTP status and message.
type outcome struct {
	status  int
	message string
}

var ok = outcome{}

// check compares err with want: an *acl.Error or *intel.InvalidError with the status and message, or success.
func (want outcome) check(t *testing.T, err error) {
	t.Helper()
	if want.status == 0 {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var ae *acl.Error
	var inv *intel.InvalidError
	switch {
	case errors.As(err, &ae):
		if ae.Status() != want.status || ae.Message() != want.message {
			t.Fatalf("refused %d %q, want %d %q", ae.Status(), ae.Message(), want.status, want.message)
		}
	case errors.As(err, &inv):
		if want.status != http.StatusForbidden || inv.Message != want.message {
			t.Fatalf("invalid %q (%v), want %d %q", inv.Message, inv.Fields, want.status, want.message)
		}
	default:
		t.Fatalf("err = %v, want refusal %d %q", err, want.status, want.message)
	}
}

// readOnly is user name of f authenticated with a read-only key.
func readOnly(f *inteltest.Fixture, name string) acl.User {
	u := f.ACL(name)
	u.ReadOnlyKey = true
	return u
}

var (
	noFunctionality = outcome{http.StatusForbidden, acl.MsgNoFunctionality}
	invalidUser     = outcome{http.StatusNotFound, acl.MsgInvalidUser}
	assignRole      = outcome{http.StatusForbidden, acl.MsgAssignRole}
)

func TestAddOrgByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	tests := []struct {
		who  string
		ro   bool
		want outcome
	}{
		{"admin", false, ok},
		{"admin", true, noFunctionality},
		{"orgadmin", false, noFunctionality},
		{"orgadmin2", false, noFunctionality},
		{"user", false, noFunctionality},
		{"publisher", false, noFunctionality},
		{"sync", false, noFunctionality},
		{"readonly", false, noFunctionality},
	}
	for _, tc := range tests {
		t.Run(tc.who, func(t *testing.T) {
			u := f.ACL(tc.who)
			u.ReadOnlyKey = tc.ro
			o := &misp.Organisation{Name: "Org by " + tc.who + map[bool]string{true: " ro"}[tc.ro]}
			err := f.Svc.AddOrg(t.Context(), u, o)
			tc.want.check(t, err)
			_, lerr := f.Store.OrgByName(t.Context(), o.Name)
			if (lerr == nil) != (tc.want == ok) {
				t.Fatalf("organisation stored = %v after %v", lerr == nil, err)
			}
		})
	}
}

func TestAddOrgValidates(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	admin := f.ACL("admin")
	host := f.Orgs[inteltest.HostOrg]
	tests := []struct {
		name       string
		org        misp.Organisation
		field, why string
	}{
		{"blank name", misp.Organisation{Name: "  "}, "name", "This field cannot be left blank."},
		{"name taken", misp.Organisation{Name: inteltest.OrgTwo}, "name", intel.MsgOrgNameTaken},
		{"bad uuid", misp.Organisation{Name: "X", UUID: "nope"}, "uuid", "Please provide a valid UUID"},
		{"uuid taken", misp.Organisation{Name: "Y", UUID: host.UUID}, "uuid", intel.MsgOrgUUIDTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.org
			err := f.Svc.AddOrg(t.Context(), admin, &o)
			var inv *intel.InvalidError
			if !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotAddOrg || len(inv.Fields[tc.field]) != 1 ||
				inv.Fields[tc.field][0] != tc.why {
				t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.why)
			}
		})
	}

	o := &misp.Organisation{Name: " New Org ", UUID: "5B5C7A56-5C1D-4E0B-9C6F-1B2C3D4E5F60", Sector: "Finance"}
	if err := f.Svc.AddOrg(t.Context(), admin, o); err != nil {
		t.Fatal(err)
	}
	got, err := f.Store.Org(t.Context(), int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "New Org" || got.UUID != "5b5c7a56-5c1d-4e0b-9c6f-1b2c3d4e5f60" || got.Sector != "Finance" ||
		got.CreatedBy != f.Users["admin"].ID || got.DateCreated == "" {
		t.Fatalf("stored %+v", got)
	}
}

func TestAddUserByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	host, two := f.Orgs[inteltest.HostOrg].ID, f.Orgs[inteltest.OrgTwo].ID
	tests := []struct {
		name string
		who  acl.User
		org  misp.FlexInt
		role int64
		want outcome
	}{
		{"site admin, other org", f.ACL("admin"), two, acl.RoleUser, ok},
		{"site admin, site admin role", f.ACL("admin"), host, acl.RoleAdmin, ok},
		{"site admin, read-only key", readOnly(f, "admin"), host, acl.RoleUser, noFunctionality},
		{"org admin, own org", f.ACL("orgadmin"), host, acl.RoleUser, ok},
		{"org admin, own org, org admin role", f.ACL("orgadmin"), host, acl.RoleOrgAdmin, ok},
		{"org admin, own org by default", f.ACL("orgadmin2"), 0, acl.RolePublisher, ok},
		{"org admin, other org", f.ACL("orgadmin"), two, acl.RoleUser, invalidUser},
		{"org admin, site admin role", f.ACL("orgadmin"), host, acl.RoleAdmin, assignRole},
		{"org admin, sync role", f.ACL("orgadmin2"), two, acl.RoleSyncUser, assignRole},
		{"org admin, read-only key", readOnly(f, "orgadmin"), host, acl.RoleUser, noFunctionality},
		{"user", f.ACL("user"), host, acl.RoleUser, noFunctionality},
		{"publisher", f.ACL("publisher"), host, acl.RoleUser, noFunctionality},
		{"read only role", f.ACL("readonly"), host, acl.RoleUser, noFunctionality},
		{"unknown role", f.ACL("admin"), host, 42, outcome{http.StatusForbidden, intel.MsgCouldNotAddUser}},
		{"unknown org", f.ACL("admin"), 999, acl.RoleUser, outcome{http.StatusForbidden, intel.MsgCouldNotAddUser}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			email := "new" + string(rune('a'+i)) + "@added.test"
			nu := &misp.User{Email: email, OrgID: tc.org, RoleID: misp.FlexInt(tc.role), Password: "Secret-123456"}
			key, err := f.Svc.AddUser(t.Context(), tc.who, nu)
			tc.want.check(t, err)
			stored, lerr := f.Store.UserByEmail(t.Context(), email)
			if tc.want != ok {
				if lerr == nil || key != "" {
					t.Fatalf("refused add stored user %+v / returned key %q", stored, key)
				}
				return
			}
			if lerr != nil {
				t.Fatal(lerr)
			}
			wantOrg := tc.org
			if wantOrg == 0 {
				wantOrg = misp.FlexInt(tc.who.OrgID)
			}
			if stored.OrgID != wantOrg || stored.RoleID != misp.FlexInt(tc.role) || stored.Password != "" ||
				stored.InvitedBy != misp.FlexInt(tc.who.ID) {
				t.Fatalf("stored %+v", stored)
			}
			if nu.Role == nil || int64(nu.Role.ID) != tc.role || nu.Organisation == nil || nu.Organisation.ID != wantOrg {
				t.Fatalf("returned user lacks role/organisation: %+v", nu)
			}
			if u := keyUser(t, f.Svc, key); u.ID != stored.ID {
				t.Fatalf("key belongs to user %d, want %d", u.ID, stored.ID)
			}
		})
	}
}

func TestAddUserValidates(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	admin := f.ACL("admin")
	host := f.Orgs[inteltest.HostOrg].ID
	tests := []struct {
		name       string
		user       misp.User
		field, why string
	}{
		{"no email", misp.User{OrgID: host}, "email", intel.MsgMandatory},
		{"bad email", misp.User{OrgID: host, Email: "not mail"}, "email", intel.MsgEmailInvalid},
		{"email taken", misp.User{OrgID: host, Email: f.Users["user"].Email}, "email", intel.MsgEmailTaken},
		{"unknown org", misp.User{OrgID: 999, Email: "a@b.test"}, "org_id", intel.MsgInvalidOrg},
		{"unknown role", misp.User{OrgID: host, Email: "a@b.test", RoleID: 7}, "role_id", intel.MsgInvalidRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nu := tc.user
			_, err := f.Svc.AddUser(t.Context(), admin, &nu)
			var inv *intel.InvalidError
			if !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotAddUser || len(inv.Fields[tc.field]) != 1 ||
				inv.Fields[tc.field][0] != tc.why {
				t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.why)
			}
		})
	}
}

func TestAddUserMakesOrgLocal(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	admin := f.ACL("admin")
	o := &misp.Organisation{Name: "Remote"}
	if err := f.Svc.AddOrg(ctx, admin, o); err != nil {
		t.Fatal(err)
	}
	if f.Svc.Policy().Settings().Instance.IsLocalOrg(int64(o.ID)) {
		t.Fatal("organisation without users is local")
	}
	nu := &misp.User{Email: "first@remote.test", OrgID: o.ID}
	if _, err := f.Svc.AddUser(ctx, admin, nu); err != nil {
		t.Fatal(err)
	}
	if !f.Svc.Policy().Settings().Instance.IsLocalOrg(int64(o.ID)) {
		t.Fatal("policy not reloaded after adding the organisation's first user")
	}
	if nu.RoleID != misp.FlexInt(acl.RoleUser) {
		t.Fatalf("role %d, want the default role 3", nu.RoleID)
	}
}
