package intel_test

import (
	"errors"
	"net/http"
	"strings"
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

func TestOrgsScopeAndSearch(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	remote := &misp.Organisation{Name: "Remote CERT", Sector: "Government", Local: false}
	if err := f.Svc.AddOrg(ctx, f.ACL("admin"), remote); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		who    string
		scope  intel.OrgScope
		search string
		want   []string
	}{
		{"user", "", "", []string{inteltest.HostOrg, inteltest.OrgTwo, inteltest.OrgThree}},
		{"user", intel.OrgScopeLocal, "org t", []string{inteltest.OrgTwo, inteltest.OrgThree}},
		{"user", intel.OrgScopeExternal, "", []string{"Remote CERT"}},
		{"user", "bogus", "remote", nil},
		{"readonly", intel.OrgScopeAll, "GOVERN", []string{"Remote CERT"}},
		{"admin", intel.OrgScopeAll, remote.UUID[:8], []string{"Remote CERT"}},
	}
	for _, tc := range tests {
		got, err := f.Svc.Orgs(ctx, f.ACL(tc.who), tc.scope, tc.search)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range got {
			names = append(names, o.Name)
			if (o.CreatedBy != 0) && tc.who != "admin" {
				t.Errorf("%s sees created_by of %s", tc.who, o.Name)
			}
		}
		if len(names) != len(tc.want) {
			t.Errorf("Orgs(%s, %q, %q) = %v, want %v", tc.who, tc.scope, tc.search, names, tc.want)
			continue
		}
		for i := range names {
			if names[i] != tc.want[i] {
				t.Errorf("Orgs(%s, %q, %q) = %v, want %v", tc.who, tc.scope, tc.search, names, tc.want)
			}
		}
	}
	for _, ref := range []string{remote.ID.String(), strings.ToUpper(remote.UUID), "Remote CERT"} {
		if o, err := f.Svc.Org(ctx, f.ACL("user"), ref); err != nil || o.ID != remote.ID {
			t.Errorf("Org(%q) = %v, %v", ref, o, err)
		}
	}
	for _, ref := range []string{"0", "-3", "99", "", "Nobody"} {
		_, err := f.Svc.Org(ctx, f.ACL("admin"), ref)
		outcome{http.StatusNotFound, intel.MsgInvalidOrg}.check(t, err)
	}
}

func TestEditAndDeleteOrg(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	admin := f.ACL("admin")
	o := &misp.Organisation{Name: "Temp", Sector: "A"}
	if err := f.Svc.AddOrg(ctx, admin, o); err != nil {
		t.Fatal(err)
	}
	edit := *o
	edit.Sector, edit.UUID, edit.CreatedBy = "B", "", 42
	for _, who := range []string{"orgadmin", "user"} {
		e := edit
		noFunctionality.check(t, f.Svc.EditOrg(ctx, f.ACL(who), &e))
	}
	if err := f.Svc.EditOrg(ctx, admin, &edit); err != nil {
		t.Fatal(err)
	}
	got, err := f.Store.Org(ctx, int64(o.ID))
	if err != nil || got.Sector != "B" || got.UUID != o.UUID || got.CreatedBy != o.CreatedBy || got.DateCreated != o.DateCreated {
		t.Fatalf("edited organisation %+v, %v", got, err)
	}
	taken := *got
	taken.Name = inteltest.OrgTwo
	var inv *intel.InvalidError
	if err := f.Svc.EditOrg(ctx, admin, &taken); !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotEditOrg {
		t.Fatalf("rename to a taken name: %v", err)
	}
	missing := misp.Organisation{ID: 99, Name: "Ghost"}
	outcome{http.StatusNotFound, intel.MsgInvalidOrg}.check(t, f.Svc.EditOrg(ctx, admin, &missing))

	// Deleting: site admins only; organisations with users are kept.
	_, err = f.Svc.DeleteOrg(ctx, f.ACL("orgadmin"), o.ID.String())
	noFunctionality.check(t, err)
	_, err = f.Svc.DeleteOrg(ctx, admin, f.Orgs[inteltest.OrgThree].ID.String())
	if !errors.As(err, &inv) || inv.Message != "Could not delete Organisation" {
		t.Fatalf("deleting an organisation with users: %v", err)
	}
	if id, err := f.Svc.DeleteOrg(ctx, admin, o.UUID); err != nil || id != int64(o.ID) {
		t.Fatalf("DeleteOrg = %d, %v", id, err)
	}
	_, err = f.Svc.DeleteOrg(ctx, admin, o.ID.String())
	outcome{http.StatusNotFound, intel.MsgInvalidOrg}.check(t, err)
}

func TestUsersListAndView(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	two := f.Orgs[inteltest.OrgTwo].ID
	tests := []struct {
		who    string
		filter intel.UserFilter
		want   int
		err    outcome
	}{
		{"admin", intel.UserFilter{}, 10, ok},
		{"admin", intel.UserFilter{OrgID: int64(two)}, 3, ok},
		{"admin", intel.UserFilter{Search: "publisher"}, 2, ok}, // role name and e-mail
		{"admin", intel.UserFilter{Search: "ORG THREE"}, 1, ok}, // organisation name
		{"orgadmin", intel.UserFilter{}, 6, ok},
		{"orgadmin2", intel.UserFilter{}, 3, ok},
		{"orgadmin2", intel.UserFilter{OrgID: int64(f.Orgs[inteltest.HostOrg].ID)}, 0, invalidUser},
		{"user", intel.UserFilter{}, 0, noFunctionality},
	}
	for _, tc := range tests {
		got, err := f.Svc.Users(ctx, f.ACL(tc.who), tc.filter)
		tc.err.check(t, err)
		if len(got) != tc.want {
			t.Errorf("Users(%s, %+v) = %d users, want %d", tc.who, tc.filter, len(got), tc.want)
		}
		for _, u := range got {
			if u.Role == nil || u.Organisation == nil {
				t.Errorf("user %d without role or organisation", u.ID)
			}
		}
	}

	views := []struct {
		who, target string
		want        outcome
	}{
		{"user", "user", ok},
		{"readonly", "readonly", ok},
		{"admin", "user3", ok},
		{"orgadmin", "admin", ok}, // viewing a site admin of the own organisation is allowed; editing is not
		{"orgadmin", "user2", invalidUser},
		{"orgadmin2", "publisher2", ok},
		{"user", "publisher", noFunctionality},
		{"user2", "admin", noFunctionality},
	}
	for _, tc := range views {
		u, err := f.Svc.User(ctx, f.ACL(tc.who), int64(f.Users[tc.target].ID))
		tc.want.check(t, err)
		if err == nil && (u.Email != f.Users[tc.target].Email || u.Role == nil) {
			t.Errorf("User(%s) = %+v", tc.target, u)
		}
	}
	_, err := f.Svc.User(ctx, f.ACL("admin"), 99)
	invalidUser.check(t, err)
}

func TestEditUserByRole(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		target string
		change func(u *misp.User, f *inteltest.Fixture)
		want   outcome
	}{
		{"site admin moves a user", "admin", "user3", func(u *misp.User, f *inteltest.Fixture) { u.OrgID = f.Orgs[inteltest.OrgTwo].ID }, ok},
		{"site admin makes a site admin", "admin", "user", func(u *misp.User, _ *inteltest.Fixture) { u.RoleID = 1 }, ok},
		{"org admin disables own user", "orgadmin", "user", func(u *misp.User, _ *inteltest.Fixture) { u.Disabled = true }, ok},
		{"org admin keeps an org admin's role", "orgadmin2", "orgadmin2", func(u *misp.User, _ *inteltest.Fixture) { u.Autoalert = true }, ok},
		{"org admin promotes to org admin", "orgadmin", "publisher", func(u *misp.User, _ *inteltest.Fixture) { u.RoleID = 2 }, ok},
		{"org admin hands out site admin", "orgadmin", "user", func(u *misp.User, _ *inteltest.Fixture) { u.RoleID = 1 }, assignRole},
		{"org admin hands out sync", "orgadmin", "user", func(u *misp.User, _ *inteltest.Fixture) { u.RoleID = 5 }, assignRole},
		{"org admin edits a site admin", "orgadmin", "admin", func(u *misp.User, _ *inteltest.Fixture) { u.Autoalert = true }, invalidUser},
		{"org admin edits another org", "orgadmin", "user2", func(u *misp.User, _ *inteltest.Fixture) { u.Autoalert = true }, invalidUser},
		{"user edits a user", "user", "publisher", func(u *misp.User, _ *inteltest.Fixture) { u.Autoalert = true }, noFunctionality},
		{"unknown role", "admin", "user", func(u *misp.User, _ *inteltest.Fixture) { u.RoleID = 9 }, outcome{http.StatusForbidden, intel.MsgCouldNotEditUser}},
		{"taken e-mail", "admin", "user", func(u *misp.User, f *inteltest.Fixture) { u.Email = f.Users["user2"].Email }, outcome{http.StatusForbidden, intel.MsgCouldNotEditUser}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := inteltest.New(t, inteltest.Options{})
			ctx := t.Context()
			stored, err := f.Store.User(ctx, int64(f.Users[tc.target].ID))
			if err != nil {
				t.Fatal(err)
			}
			edited := *stored
			edited.Password = "not kept"
			tc.change(&edited, f)
			want := edited
			err = f.Svc.EditUser(ctx, f.ACL(tc.who), &edited)
			tc.want.check(t, err)
			after, lerr := f.Store.User(ctx, int64(stored.ID))
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tc.want != ok {
				if after.RoleID != stored.RoleID || after.OrgID != stored.OrgID || after.Autoalert != stored.Autoalert ||
					after.Email != stored.Email {
					t.Fatalf("refused edit changed the user: %+v", after)
				}
				return
			}
			if after.RoleID != want.RoleID || after.OrgID != want.OrgID || after.Disabled != want.Disabled ||
				after.Autoalert != want.Autoalert || after.Password != "" || after.DateModified == 0 {
				t.Fatalf("stored %+v, want %+v", after, want)
			}
			if edited.Role == nil || edited.Organisation == nil {
				t.Fatalf("edited user not filled: %+v", edited)
			}
			if !f.Svc.Policy().Settings().Instance.IsLocalOrg(int64(after.OrgID)) {
				t.Fatal("policy not reloaded")
			}
		})
	}
}

func TestDeleteUserByRole(t *testing.T) {
	tests := []struct {
		who, target string
		want        outcome
	}{
		{"admin", "user2", ok},
		{"admin", "orgadmin", ok},
		{"orgadmin", "user", ok},
		{"orgadmin", "admin", invalidUser},
		{"orgadmin", "user2", invalidUser},
		{"orgadmin2", "publisher2", ok},
		{"publisher", "user", noFunctionality},
		{"readonly", "user", noFunctionality},
	}
	for _, tc := range tests {
		t.Run(tc.who+" deletes "+tc.target, func(t *testing.T) {
			f := inteltest.New(t, inteltest.Options{})
			id := int64(f.Users[tc.target].ID)
			tc.want.check(t, f.Svc.DeleteUser(t.Context(), f.ACL(tc.who), id))
			_, err := f.Store.User(t.Context(), id)
			if gone := err != nil; gone != (tc.want == ok) {
				t.Fatalf("user gone = %v", gone)
			}
			if tc.want == ok {
				if keys, _ := f.Store.ListAuthKeys(t.Context(), id); len(keys) != 0 {
					t.Fatalf("deleted user keeps %d keys", len(keys))
				}
			}
		})
	}
}

func TestAddAuthKeyByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	refused := outcome{http.StatusMethodNotAllowed, "Invalid user or insufficient privileges to interact with an authkey for the given user."}
	tests := []struct {
		who    string
		ro     bool
		target string
		want   outcome
	}{
		{"user", false, "user", ok},
		{"readonly", false, "readonly", ok},
		{"user", true, "user", refused},
		{"admin", false, "user3", ok},
		{"orgadmin", false, "publisher", ok},
		{"orgadmin", false, "admin", refused},
		{"orgadmin2", false, "user", refused},
		{"user", false, "publisher", refused},
	}
	for _, tc := range tests {
		t.Run(tc.who+" for "+tc.target, func(t *testing.T) {
			u := f.ACL(tc.who)
			u.ReadOnlyKey = tc.ro
			k, err := f.Svc.AddAuthKey(t.Context(), u, int64(f.Users[tc.target].ID), "made by "+tc.who)
			if tc.want != ok {
				refusedWith(t, err, tc.want.status, tc.want.message)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := keyUser(t, f.Svc, k.Clear); got.ID != f.Users[tc.target].ID {
				t.Fatalf("key belongs to %d", got.ID)
			}
			if k.Hash == k.Clear || k.Comment != "made by "+tc.who || k.Start != acl.KeyStart(k.Clear) {
				t.Fatalf("stored key %+v", k.AuthKey)
			}
		})
	}
	_, err := f.Svc.AddAuthKey(t.Context(), f.ACL("admin"), 99, "")
	refusedWith(t, err, refused.status, refused.message)
}
