package intel_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func TestSetPasswordAndLogin(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	user := f.Users["user"]
	good := "correct horse battery"
	tests := []struct {
		name     string
		by       string
		target   string
		password string
		want     error // nil, or a class to errors.Is
		invalid  bool
	}{
		{"self", "user", "user", good, nil, false},
		{"too short", "user", "user", strings.Repeat("a", intel.DefaultMinPasswordLength-1), nil, true},
		{"too long for bcrypt", "user", "user", strings.Repeat("a", intel.MaxPasswordLength+1), nil, true},
		{"site admin for anyone", "admin", "user2", good, nil, false},
		{"org admin for own org", "orgadmin", "publisher", good, nil, false},
		{"org admin for another org", "orgadmin", "user2", good, acl.ErrNotFound, false},
		{"user for another user", "user", "publisher", good, acl.ErrForbidden, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := f.Svc.SetPassword(ctx, f.ACL(tc.by), int64(f.Users[tc.target].ID), tc.password)
			var inv *intel.InvalidError
			switch {
			case tc.invalid:
				if !errors.As(err, &inv) || inv.Fields["password"] == nil {
					t.Fatalf("SetPassword = %v, want an invalid password", err)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("SetPassword = %v, want %v", err, tc.want)
				}
			case err != nil:
				t.Fatalf("SetPassword = %v", err)
			}
		})
	}

	u, err := f.Svc.Login(ctx, strings.ToUpper(user.Email), good)
	if err != nil {
		t.Fatalf("Login = %v", err)
	}
	if u.ID != user.ID || u.Role == nil || u.Organisation == nil {
		t.Fatalf("Login returned %+v without its role or organisation", u)
	}
	for name, c := range map[string][2]string{
		"wrong password":   {user.Email, good + "x"},
		"unknown e-mail":   {"nobody@example.org", good},
		"no password set":  {f.Users["readonly"].Email, good},
		"overlong attempt": {user.Email, strings.Repeat("b", 200)},
	} {
		if _, err := f.Svc.Login(ctx, c[0], c[1]); !errors.Is(err, intel.ErrBadLogin) || !errors.Is(err, acl.ErrUnauthenticated) {
			t.Errorf("%s: Login = %v, want ErrBadLogin", name, err)
		}
	}

	// A disabled user cannot log in; a password change ends the user's sessions.
	now := time.Now()
	if err := f.Store.CreateSession(ctx, &store.Session{TokenHash: "t1", UserID: int64(user.ID), Created: now,
		LastSeen: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.SetPassword(ctx, f.ACL("user"), int64(user.ID), good+"!"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Session(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after a password change: %v, want it gone", err)
	}
	disabled := *user
	disabled.Disabled = true
	disabled.Role, disabled.Organisation = nil, nil
	if err := f.Store.UpdateUser(ctx, &disabled); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Login(ctx, user.Email, good+"!"); !errors.Is(err, intel.ErrBadLogin) {
		t.Errorf("disabled user: Login = %v, want ErrBadLogin", err)
	}
}

func TestAddUserWithPassword(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	pw := "a long enough password"
	nu := &misp.User{Email: "new@orgname.test", Password: pw}
	if _, err := f.Svc.AddUser(ctx, f.ACL("admin"), nu); err != nil {
		t.Fatal(err)
	}
	if nu.Password != "" {
		t.Error("AddUser left the password in the user it returns")
	}
	if _, err := f.Svc.Login(ctx, "new@orgname.test", pw); err != nil {
		t.Errorf("Login with the password given to AddUser: %v", err)
	}
	var inv *intel.InvalidError
	_, err := f.Svc.AddUser(ctx, f.ACL("admin"), &misp.User{Email: "short@orgname.test", Password: "short"})
	if !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotAddUser {
		t.Fatalf("AddUser with a short password = %v, want an invalid password", err)
	}
	if _, err := f.Store.UserByEmail(ctx, "short@orgname.test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a user refused for its password was stored: %v", err)
	}
}
