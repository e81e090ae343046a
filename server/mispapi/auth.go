package mispapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// MsgUserDisabled is MISP's answer (403) to a valid key of a disabled user.
const MsgUserDisabled = "Authentication failed. Your user account has been disabled."

// Authentication refusals. Both are acl.ErrUnauthenticated to errors.Is; the handler answers
// them with MISP's 403 and the matching message.
var (
	// ErrBadKey: no key, a malformed key, an unknown or expired key, or a key of a user whose
	// role may not use the API (perm_auth).
	ErrBadKey = fmt.Errorf("api key not accepted: %w", acl.ErrUnauthenticated)
	// ErrUserDisabled: the key is valid but its user is disabled.
	ErrUserDisabled = fmt.Errorf("user account disabled: %w", acl.ErrUnauthenticated)
)

// Principal is who a request authenticated as: the user with its role, organisation and
// settings, and the key it used.
type Principal struct {
	// User is the account as users/view/me shows it; Role and Organisation must be set.
	User misp.User
	// KeyID is the id of the API key used (MISP's auth_keys.id), 0 when unknown.
	KeyID int64
	// ReadOnly is set when the key is flagged read_only: every permission but perm_auth and
	// perm_audit is dropped for the request.
	ReadOnly bool
	// KeyExpiration is when the key expires; the zero time means never.
	KeyExpiration time.Time
}

// ACL returns the principal as the subject of access decisions.
func (p Principal) ACL() acl.User {
	u := acl.User{
		ID:          int64(p.User.ID),
		OrgID:       int64(p.User.OrgID),
		Disabled:    bool(p.User.Disabled),
		ReadOnlyKey: p.ReadOnly,
	}
	if p.User.Role != nil {
		u.Role = aclRole(p.User.Role)
	}
	return u
}

// aclRole converts a wire role to the one decisions use.
func aclRole(r *misp.Role) acl.Role {
	return acl.Role{
		ID:                       int64(r.ID),
		Name:                     r.Name,
		PermAdd:                  bool(r.PermAdd),
		PermModify:               bool(r.PermModify),
		PermModifyOrg:            bool(r.PermModifyOrg),
		PermPublish:              bool(r.PermPublish),
		PermPublishZMQ:           bool(r.PermPublishZMQ),
		PermPublishKafka:         bool(r.PermPublishKafka),
		PermSync:                 bool(r.PermSync),
		PermAdmin:                bool(r.PermAdmin),
		PermSiteAdmin:            bool(r.PermSiteAdmin),
		PermAudit:                bool(r.PermAudit),
		PermAuth:                 bool(r.PermAuth),
		PermRegexpAccess:         bool(r.PermRegexpAccess),
		PermTagger:               bool(r.PermTagger),
		PermTagEditor:            bool(r.PermTagEditor),
		PermTemplate:             bool(r.PermTemplate),
		PermSharingGroup:         bool(r.PermSharingGroup),
		PermDelegate:             bool(r.PermDelegate),
		PermSighting:             bool(r.PermSighting),
		PermObjectTemplate:       bool(r.PermObjectTemplate),
		PermDecaying:             bool(r.PermDecaying),
		PermGalaxyEditor:         bool(r.PermGalaxyEditor),
		PermWarninglist:          bool(r.PermWarninglist),
		PermViewFeedCorrelations: bool(r.PermViewFeedCorrelations),
		PermAnalystData:          bool(r.PermAnalystData),
		PermSkipOTP:              bool(r.PermSkipOTP),
		RestrictedToSiteAdmin:    bool(r.RestrictedToSiteAdmin),
		Default:                  bool(r.DefaultRole),
	}
}

// Authenticator resolves an API key to its principal. It returns an error that is
// acl.ErrUnauthenticated to errors.Is (ErrBadKey, ErrUserDisabled) for a key it refuses, and any
// other error when it could not decide (the handler answers 500).
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (Principal, error)
}

// KeyCandidate is a stored API key whose first and last four characters match the key being
// checked, with its user.
type KeyCandidate struct {
	// ID is the key's id (auth_keys.id).
	ID int64
	// Hash is the stored bcrypt hash of the key.
	Hash string
	// Expiration is when the key stops working; the zero time means never.
	Expiration time.Time
	// ReadOnly marks a read-only key.
	ReadOnly bool
	// User is the key's user with its Role and Organisation (and Settings, if any).
	User misp.User
}

// KeyLookup returns the stored keys whose authkey_start and authkey_end are start and end. It
// may leave expired keys out, or return them; KeyAuthenticator skips them either way.
type KeyLookup func(ctx context.Context, start, end string) ([]KeyCandidate, error)

// KeyAuthenticator is the Authenticator over hashed API keys, as MISP's advanced authkeys work:
// the key's first and last four characters find the candidate rows, bcrypt decides among them
// (through an acl.KeyChecker, which remembers successes so a busy client pays for bcrypt once
// per key and period), expired keys are skipped, a role without perm_auth is refused, and a
// disabled user is told so.
type KeyAuthenticator struct {
	lookup  KeyLookup
	checker *acl.KeyChecker
	now     func() time.Time
}

var _ Authenticator = (*KeyAuthenticator)(nil)

// NewKeyAuthenticator returns a KeyAuthenticator over lookup. checker verifies keys against
// their hashes; now is the clock for expirations (time.Now when nil).
func NewKeyAuthenticator(lookup KeyLookup, checker *acl.KeyChecker, now func() time.Time) *KeyAuthenticator {
	if now == nil {
		now = time.Now
	}
	if checker == nil {
		checker = acl.NewKeyChecker(0, 0, now)
	}
	return &KeyAuthenticator{lookup: lookup, checker: checker, now: now}
}

// Authenticate finds key's user. See KeyAuthenticator for the rules.
func (a *KeyAuthenticator) Authenticate(ctx context.Context, key string) (Principal, error) {
	if !acl.ValidKey(key) {
		return Principal{}, ErrBadKey
	}
	cands, err := a.lookup(ctx, acl.KeyStart(key), acl.KeyEnd(key))
	if err != nil {
		return Principal{}, fmt.Errorf("look up api key: %w", err)
	}
	now := a.now()
	for _, c := range cands {
		if !c.Expiration.IsZero() && !now.Before(c.Expiration) {
			continue
		}
		if !a.checker.Check(c.Hash, key) {
			continue
		}
		if c.User.Role == nil {
			return Principal{}, fmt.Errorf("api key %d: user %d has no role", c.ID, c.User.ID)
		}
		if !c.User.Role.PermAuth {
			return Principal{}, ErrBadKey
		}
		if c.User.Disabled {
			return Principal{}, ErrUserDisabled
		}
		return Principal{User: c.User, KeyID: c.ID, ReadOnly: c.ReadOnly, KeyExpiration: c.Expiration}, nil
	}
	return Principal{}, ErrBadKey
}

// authMessage is MISP's message for an authentication refusal.
func authMessage(err error) string {
	if errors.Is(err, ErrUserDisabled) {
		return MsgUserDisabled
	}
	return acl.MsgAuthFailed
}

// The key memory the handler gives a KeyAuthenticator it builds itself (Deps.Auth nil): a success is trusted for
// DefaultKeyCacheTTL, for at most DefaultKeyCacheSize keys.
const (
	DefaultKeyCacheTTL  = 5 * time.Minute
	DefaultKeyCacheSize = 10000
)

// StoreKeyLookup is the KeyLookup over the intel service's store: the keys by their first and last four
// characters, each with its user, role and organisation.
func StoreKeyLookup(svc *intel.Service) KeyLookup {
	return func(ctx context.Context, start, end string) ([]KeyCandidate, error) {
		keys, err := svc.KeysByFragment(ctx, start, end)
		if err != nil {
			return nil, err
		}
		out := make([]KeyCandidate, 0, len(keys))
		for _, k := range keys {
			out = append(out, KeyCandidate{ID: k.ID, Hash: k.Hash, Expiration: k.Expiration, ReadOnly: k.ReadOnly, User: k.User})
		}
		return out, nil
	}
}
