package mispapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// The test instance: a few users in three organisations, each with one API key that exercises
// one branch of authentication. Keys are made-up test values.
var fixedNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// testKey pads prefix with digits to an API key's 40 characters.
func testKey(prefix string) string {
	return prefix + strings.Repeat("7", acl.KeyLength-len(prefix))
}

var (
	keyAdmin    = testKey("AdminKey")
	keyReadOnly = testKey("PublisherReadOnly")
	keySync     = testKey("SyncUser")
	keyExpired  = testKey("ExpiredKey")
	keyDisabled = testKey("DisabledUser")
	keyNoAuth   = testKey("NoAuthRole")
	keyNoRole   = testKey("NoRoleUser")
	keyFailing  = testKey("FailLookup")
	// keyTwin shares its first and last four characters with keyAdmin: the lookup returns both
	// rows and bcrypt tells them apart.
	keyTwin = "Admi" + strings.Repeat("Q", 32) + "7777"
)

const instanceUUID = "5f1d3c6e-1c2b-4e8a-9a51-2f6b3c4d5e6f"

func org(id int, name, uuid string) *misp.Organisation {
	return &misp.Organisation{
		ID: misp.FlexInt(id), Name: name, UUID: uuid, Local: true,
		DateCreated: "2025-06-01 10:00:00", DateModified: "2025-06-01 10:00:00",
		Type: "CSIRT", Nationality: "International", Sector: "Security", CreatedBy: 1,
	}
}

func role(id int64) *misp.Role {
	for _, r := range misp.DefaultRoles() {
		if int64(r.ID) == id {
			r.Created, r.Modified = "2025-06-01 10:00:00", "2025-06-01 10:00:00"
			return &r
		}
	}
	panic("no default role")
}

func user(id, orgID int, email string, r *misp.Role, o *misp.Organisation) misp.User {
	u := misp.User{
		ID: misp.FlexInt(id), OrgID: misp.FlexInt(orgID), Email: email, Autoalert: false,
		NIDSSID: misp.FlexInt(4000000 + id), TermsAccepted: true, ContactAlert: true,
		DateCreated: 1748772000, DateModified: 1748772000, LastLogin: 1767200000,
		Role: r, Organisation: o,
	}
	if r != nil {
		u.RoleID = r.ID
	}
	return u
}

type storedKey struct {
	key string
	KeyCandidate
}

// fakeKeys is an in-memory auth_keys table.
type fakeKeys struct {
	mu      sync.Mutex
	rows    []storedKey
	lookups int
}

var errLookupDown = errors.New("database is down")

func (f *fakeKeys) lookup(_ context.Context, start, end string) ([]KeyCandidate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if start == acl.KeyStart(keyFailing) {
		return nil, errLookupDown
	}
	var out []KeyCandidate
	for _, r := range f.rows {
		if acl.KeyStart(r.key) == start && acl.KeyEnd(r.key) == end {
			out = append(out, r.KeyCandidate)
		}
	}
	return out, nil
}

// newFakeKeys builds the table; hashing is slow by design, so the rows are made once per test
// binary and copied.
var fakeRows = sync.OnceValues(func() ([]storedKey, error) {
	hostOrg := org(1, "ORGNAME", "11111111-1111-4111-8111-111111111111")
	partner := org(2, "Partner CERT", "22222222-2222-4222-8222-222222222222")
	remote := org(3, "Remote Sync Org", "33333333-3333-4333-8333-333333333333")

	admin := user(1, 1, "admin@admin.test", role(acl.RoleAdmin), hostOrg)
	admin.Settings = map[string]json.RawMessage{"homepage": json.RawMessage(`{"path":"/events/index"}`)}
	publisher := user(2, 2, "publisher@partner.test", role(acl.RolePublisher), partner)
	syncUser := user(3, 3, "sync@remote.test", role(acl.RoleSyncUser), remote)
	expired := user(4, 2, "expired@partner.test", role(acl.RoleUser), partner)
	disabled := user(5, 2, "disabled@partner.test", role(acl.RoleUser), partner)
	disabled.Disabled = true
	noAuthRole := role(acl.RoleUser)
	noAuthRole.ID, noAuthRole.Name, noAuthRole.PermAuth = 7, "No API", false
	noAuth := user(6, 2, "noapi@partner.test", noAuthRole, partner)
	noRole := user(7, 2, "norole@partner.test", nil, partner)
	twin := user(8, 2, "twin@partner.test", role(acl.RoleUser), partner)

	rows := []storedKey{
		{keyAdmin, KeyCandidate{ID: 1, User: admin}},
		{keyReadOnly, KeyCandidate{ID: 2, User: publisher, ReadOnly: true,
			Expiration: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{keySync, KeyCandidate{ID: 3, User: syncUser}},
		{keyExpired, KeyCandidate{ID: 4, User: expired, Expiration: fixedNow.Add(-time.Second)}},
		{keyDisabled, KeyCandidate{ID: 5, User: disabled}},
		{keyNoAuth, KeyCandidate{ID: 6, User: noAuth}},
		{keyNoRole, KeyCandidate{ID: 7, User: noRole}},
		{keyTwin, KeyCandidate{ID: 8, User: twin}},
	}
	for i := range rows {
		h, err := acl.HashKey(rows[i].key)
		if err != nil {
			return nil, err
		}
		rows[i].Hash = h
	}
	return rows, nil
})

func newFakeKeys(t testing.TB) *fakeKeys {
	t.Helper()
	rows, err := fakeRows()
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKeys{rows: append([]storedKey(nil), rows...)}
}

func newTestAuth(t testing.TB) (*KeyAuthenticator, *fakeKeys) {
	t.Helper()
	keys := newFakeKeys(t)
	clock := func() time.Time { return fixedNow }
	return NewKeyAuthenticator(keys.lookup, acl.NewKeyChecker(5*time.Minute, 100, clock), clock), keys
}
