package respond

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/internal/testldap"
)

// TestLDAPAccounts disables and re-enables a real account on a local slapd and removes it from
// a group, reading the entries back each time.
func TestLDAPAccounts(t *testing.T) {
	url := testldap.Start(t)
	ctx := context.Background()
	l := &LDAP{URL: url, BindDN: testldap.AdminDN, Password: testldap.Password, BaseDN: testldap.BaseDN}
	for _, e := range []struct {
		dn    string
		attrs map[string][]string
	}{
		{testldap.BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"corp"}, "o": {"Corp"}}},
		{"ou=people," + testldap.BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}},
		{"cn=Mallory Ops,ou=people," + testldap.BaseDN, map[string][]string{"objectClass": {"inetOrgPerson", "adUser"}, "cn": {"Mallory Ops"},
			"sn": {"Ops"}, "sAMAccountName": {"mallory"}, "userAccountControl": {"512"}}},
		{"cn=Domain Admins,ou=people," + testldap.BaseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"Domain Admins"},
			"member": {"cn=Mallory Ops,ou=people," + testldap.BaseDN, "cn=admin," + testldap.BaseDN}}},
	} {
		if err := l.Add(ctx, e.dn, e.attrs); err != nil {
			t.Fatalf("add %s: %v", e.dn, err)
		}
	}
	uac := func() string {
		_, attrs, err := l.Entry(ctx, "sAMAccountName", "mallory", "userAccountControl")
		if err != nil {
			t.Fatal(err)
		}
		return attrs["useraccountcontrol"][0]
	}
	r, err := l.SetDisabled(ctx, "mallory", true, true)
	if err != nil || r.Before != "512" || r.After != "514" || uac() != "512" {
		t.Fatalf("dry run: %+v %v (now %s)", r, err, uac())
	}
	if r, err = l.SetDisabled(ctx, "mallory", true, false); err != nil || r.DN != "cn=Mallory Ops,ou=people,"+testldap.BaseDN {
		t.Fatalf("disable: %+v %v", r, err)
	}
	if got := uac(); got != "514" {
		t.Fatalf("after disable userAccountControl is %s, want 514 (ACCOUNTDISABLE set)", got)
	}
	if _, err := l.SetDisabled(ctx, "mallory", false, false); err != nil || uac() != "512" {
		t.Fatalf("enable: %v, userAccountControl %s", err, uac())
	}
	if r, err = l.RemoveFromGroup(ctx, "mallory", "Domain Admins", false); err != nil || r.Group != "cn=Domain Admins,ou=people,"+testldap.BaseDN {
		t.Fatalf("remove from group: %+v %v", r, err)
	}
	_, g, _ := l.Entry(ctx, "cn", "Domain Admins", "member")
	if slices.Contains(g["member"], "cn=Mallory Ops,ou=people,"+testldap.BaseDN) || len(g["member"]) != 1 {
		t.Errorf("members after removal: %v", g["member"])
	}
	if _, err := l.RemoveFromGroup(ctx, "mallory", "Domain Admins", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing again: %v", err)
	}
	if _, err := l.SetDisabled(ctx, "nobody", true, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	bad := *l
	bad.Password = "wrong"
	if _, err := bad.SetDisabled(ctx, "mallory", true, false); !errors.Is(err, ErrForbidden) {
		t.Errorf("bad credentials: %v", err)
	}
	anon := &LDAP{URL: url, BaseDN: testldap.BaseDN}
	if _, err := anon.SetDisabled(ctx, "mallory", true, false); err == nil || uac() != "512" {
		t.Errorf("an anonymous bind changed the account: %v", err)
	}
}

func TestBER(t *testing.T) {
	for _, n := range []int64{0, 1, 127, 128, 255, 256, 65535, 1 << 30, -1, -129} {
		b, err := parseBER(0x30, berInt(0x02, n), 0)
		if err != nil || len(b.kids) != 1 || b.kids[0].int() != n {
			t.Errorf("%d: %v %v", n, b, err)
		}
	}
	long := bytes.Repeat([]byte("x"), 70000)
	b, err := readBER(bytes.NewReader(berTLV(0x04, long)), 1<<20)
	if err != nil || len(b.val) != 70000 {
		t.Errorf("long: %v", err)
	}
	if _, err := readBER(bytes.NewReader(berTLV(0x04, long)), 1000); err == nil {
		t.Error("an element past the limit was read")
	}
}

func FuzzBER(f *testing.F) {
	f.Add(berTLV(0x30, append(berInt(0x02, 1), berTLV(0x61, append(berInt(0x0A, 0), append(berTLV(0x04, nil), berTLV(0x04, nil)...)...))...)))
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		readBER(bytes.NewReader(b), 1<<16)
	})
}
