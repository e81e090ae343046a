package mispapi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
)

func TestKeyAuthenticator(t *testing.T) {
	auth, keys := newTestAuth(t)
	tests := []struct {
		name       string
		key        string
		wantUser   int64
		wantErr    error // nil, ErrBadKey, ErrUserDisabled, or errLookupDown
		readOnly   bool
		expiration time.Time
		noLookup   bool // the key is refused before the store is asked
	}{
		{name: "admin", key: keyAdmin, wantUser: 1},
		{name: "read-only key", key: keyReadOnly, wantUser: 2, readOnly: true,
			expiration: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "sync user", key: keySync, wantUser: 3},
		{name: "same start and end as another key", key: keyTwin, wantUser: 8},
		{name: "expired key", key: keyExpired, wantErr: ErrBadKey},
		{name: "disabled user", key: keyDisabled, wantErr: ErrUserDisabled},
		{name: "role without perm_auth", key: keyNoAuth, wantErr: ErrBadKey},
		{name: "unknown key", key: testKey("Unknown"), wantErr: ErrBadKey},
		{name: "known start and end, wrong middle", key: "Admi" + "Z" + keyAdmin[5:], wantErr: ErrBadKey},
		{name: "too short", key: keyAdmin[:39], wantErr: ErrBadKey, noLookup: true},
		{name: "not alphanumeric", key: keyAdmin[:39] + "!", wantErr: ErrBadKey, noLookup: true},
		{name: "empty", key: "", wantErr: ErrBadKey, noLookup: true},
		{name: "store fails", key: keyFailing, wantErr: errLookupDown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := keys.lookups
			p, err := auth.Authenticate(context.Background(), tc.key)
			if tc.noLookup != (keys.lookups == before) {
				t.Errorf("lookups %d → %d, noLookup %v", before, keys.lookups, tc.noLookup)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				// Refusals are authentication failures; a store failure is not.
				if got, want := errors.Is(err, acl.ErrUnauthenticated), tc.wantErr != errLookupDown; got != want {
					t.Errorf("errors.Is(%v, acl.ErrUnauthenticated) = %v", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int64(p.User.ID) != tc.wantUser || p.ReadOnly != tc.readOnly || !p.KeyExpiration.Equal(tc.expiration) {
				t.Errorf("principal user %d read-only %v expires %v", p.User.ID, p.ReadOnly, p.KeyExpiration)
			}
			if p.User.Role == nil || p.User.Organisation == nil {
				t.Error("principal without role or organisation")
			}
		})
	}
}

func TestKeyAuthenticatorNoRole(t *testing.T) {
	auth, _ := newTestAuth(t)
	_, err := auth.Authenticate(context.Background(), keyNoRole)
	if err == nil || errors.Is(err, acl.ErrUnauthenticated) {
		t.Fatalf("a user without a role: %v, want an internal error", err)
	}
}

func TestKeyAuthenticatorRemembers(t *testing.T) {
	auth, _ := newTestAuth(t)
	start := time.Now()
	if _, err := auth.Authenticate(context.Background(), keyAdmin); err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	start = time.Now()
	const n = 50
	for range n {
		if _, err := auth.Authenticate(context.Background(), keyAdmin); err != nil {
			t.Fatal(err)
		}
	}
	// bcrypt at cost 10 takes tens of milliseconds; remembered checks take microseconds.
	if again := time.Since(start); again > first {
		t.Errorf("%d remembered checks took %v, one bcrypt check %v", n, again, first)
	}
	// A wrong key is never remembered: it pays the full check every time.
	wrong := "Admi" + "Z" + keyAdmin[5:]
	start = time.Now()
	for range 3 {
		if _, err := auth.Authenticate(context.Background(), wrong); !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
	}
	if bad := time.Since(start); bad < 2*first/3 {
		t.Errorf("three wrong keys took %v, one bcrypt check %v: failures must not be cached", bad, first)
	}
}

func TestPrincipalACL(t *testing.T) {
	auth, _ := newTestAuth(t)
	tests := []struct {
		key                 string
		id, org, role       int64
		siteAdmin, readOnly bool
		effectiveAdd        bool
	}{
		{keyAdmin, 1, 1, acl.RoleAdmin, true, false, true},
		{keyReadOnly, 2, 2, acl.RolePublisher, false, true, false},
		{keySync, 3, 3, acl.RoleSyncUser, false, false, true},
	}
	for _, tc := range tests {
		p, err := auth.Authenticate(context.Background(), tc.key)
		if err != nil {
			t.Fatal(err)
		}
		u := p.ACL()
		if u.ID != tc.id || u.OrgID != tc.org || u.Role.ID != tc.role || u.Role.PermSiteAdmin != tc.siteAdmin ||
			u.ReadOnlyKey != tc.readOnly || u.EffectiveRole().PermAdd != tc.effectiveAdd || !u.Role.PermAuth {
			t.Errorf("user %d: ACL %+v", tc.id, u)
		}
	}
	// Every flag crosses over: the default roles agree with acl's own.
	for _, want := range acl.DefaultRoles() {
		got := aclRole(role(want.ID))
		if got != want {
			t.Errorf("role %d:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
}
