// Package inteltest builds a test instance of the intel service: a real SQLite store in a temporary directory with
// three organisations, a user of each of MISP's six roles in the host organisation, a few users elsewhere, and one
// API key per user, so that tests of the service, the MISP API and the command line start from the same instance.
package inteltest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// The fixture's organisations: the host organisation and two others.
const (
	HostOrg  = "ORGNAME"
	OrgTwo   = "Org Two"
	OrgThree = "Org Three"
)

// Users of the fixture by name: the host organisation has one of each default role; Org Two has a user, a
// publisher and an org admin; Org Three a user.
var Users = []struct {
	Name string
	Org  string
	Role int64
}{
	{"admin", HostOrg, acl.RoleAdmin},
	{"orgadmin", HostOrg, acl.RoleOrgAdmin},
	{"user", HostOrg, acl.RoleUser},
	{"publisher", HostOrg, acl.RolePublisher},
	{"sync", HostOrg, acl.RoleSyncUser},
	{"readonly", HostOrg, acl.RoleReadOnly},
	{"user2", OrgTwo, acl.RoleUser},
	{"publisher2", OrgTwo, acl.RolePublisher},
	{"orgadmin2", OrgTwo, acl.RoleOrgAdmin},
	{"user3", OrgThree, acl.RoleUser},
}

// Fixture is a test instance.
type Fixture struct {
	Svc   *intel.Service
	Store store.Intel
	// Orgs by name, Users by fixture name (with Role and Organisation filled in), and each user's API key.
	Orgs  map[string]*misp.Organisation
	Users map[string]*misp.User
	Keys  map[string]string
}

// Options tune New.
type Options struct {
	// Now is the clock of the store and the service; nil means time.Now.
	Now func() time.Time
	// Settings are the access-control settings; the host organisation is always the fixture's.
	Settings acl.Settings
	// Store, when set, is used instead of a new SQLite database (it must be empty and migrated).
	Store store.Intel
	// CorrelationLimit is the service's over-correlation threshold (0: MISP's default).
	CorrelationLimit int
	// CIDRCorrelationScan is the service's Options.CIDRCorrelationScan.
	CIDRCorrelationScan int
	// DataDir is the service's reference data directory (taxonomies/, warninglists/, galaxies/).
	DataDir string
	// Feeds are the service's feed options.
	Feeds intel.FeedOptions
}

// Key returns the fixture's API key for user name: the name padded with '7' to 40 characters (letters and digits
// only), so that keys differ in their first four characters.
func Key(name string) string {
	k := strings.ReplaceAll(name, "_", "")
	return k + strings.Repeat("7", acl.KeyLength-len(k))
}

// New builds a fixture, closing its store when the test ends.
func New(t testing.TB, opts Options) *Fixture {
	t.Helper()
	ctx := context.Background()
	st := opts.Store
	if st == nil {
		db, err := sqlite.OpenTemp(ctx, sqlite.Options{Now: opts.Now})
		if err != nil {
			t.Fatalf("inteltest: open store: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		st = db
	}
	f := &Fixture{Store: st, Orgs: map[string]*misp.Organisation{}, Users: map[string]*misp.User{}, Keys: map[string]string{}}
	for _, name := range []string{HostOrg, OrgTwo, OrgThree} {
		o := &misp.Organisation{Name: name, Local: true, Type: "CSIRT", Nationality: "International", Sector: "Security"}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatalf("inteltest: create organisation %s: %v", name, err)
		}
		f.Orgs[name] = o
	}
	if err := st.PutSetting(ctx, intel.SettingHostOrgID, f.Orgs[HostOrg].ID.String()); err != nil {
		t.Fatalf("inteltest: store host organisation: %v", err)
	}
	for _, u := range Users {
		mu := &misp.User{Email: u.Name + "@" + strings.ToLower(strings.ReplaceAll(u.Org, " ", "")) + ".test",
			OrgID: f.Orgs[u.Org].ID, RoleID: misp.FlexInt(u.Role)}
		if err := st.CreateUser(ctx, mu); err != nil {
			t.Fatalf("inteltest: create user %s: %v", u.Name, err)
		}
		key := Key(u.Name)
		hash, err := keyHash(key)
		if err != nil {
			t.Fatalf("inteltest: hash key: %v", err)
		}
		if err := st.AddAuthKey(ctx, &store.AuthKey{UserID: int64(mu.ID), Hash: hash, Start: acl.KeyStart(key),
			End: acl.KeyEnd(key), Comment: "inteltest"}); err != nil {
			t.Fatalf("inteltest: add key for %s: %v", u.Name, err)
		}
		f.Users[u.Name], f.Keys[u.Name] = mu, key
	}
	settings := opts.Settings
	settings.Instance.HostOrgID = int64(f.Orgs[HostOrg].ID)
	svc, err := intel.New(ctx, st, intel.Options{Settings: settings, Now: opts.Now, CorrelationLimit: opts.CorrelationLimit,
		CIDRCorrelationScan: opts.CIDRCorrelationScan, DataDir: opts.DataDir, Feeds: opts.Feeds})
	if err != nil {
		t.Fatalf("inteltest: new service: %v", err)
	}
	for name, u := range f.Users {
		if err := svc.FillUser(ctx, u); err != nil {
			t.Fatalf("inteltest: fill user %s: %v", name, err)
		}
	}
	f.Svc = svc
	return f
}

// hashes remembers the bcrypt hash of each fixture key, so that a test binary pays for bcrypt once per key rather
// than once per fixture. The keys are fixed test values; the hashes are as acl.HashKey makes them.
var hashes sync.Map

func keyHash(key string) (string, error) {
	if h, ok := hashes.Load(key); ok {
		return h.(string), nil
	}
	h, err := acl.HashKey(key)
	if err != nil {
		return "", err
	}
	hashes.Store(key, h)
	return h, nil
}

// ACL returns user name as the subject of access decisions (with a full key).
func (f *Fixture) ACL(name string) acl.User {
	u, ok := f.Users[name]
	if !ok {
		panic("inteltest: no user " + name)
	}
	return intel.ACLUser(u, false)
}
