// Package intel is hunch's intel service: the operations of a MISP-compatible intel store (events, attributes,
// objects, tags, sightings, organisations, users, sharing groups), each one authorised by intel/acl and persisted
// through a store.Intel. The MISP API (server/mispapi) and the CLI's intel verbs are thin adapters over it.
//
// Every operation takes the acl.User it acts for. Refusals are *acl.Error values carrying MISP's status and
// message; a missing row the caller may not learn about is refused the same way. Internal callers that act for
// the instance itself (the CLI) use System, which sees and may do everything.
package intel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Setting names the service keeps in store.Settings.
const (
	// SettingInstanceUUID is the instance's uuid (MISP.uuid), made on first start.
	SettingInstanceUUID = "instance.uuid"
	// SettingHostOrgID is the id of the host organisation (MISP.host_org_id).
	SettingHostOrgID = "instance.host_org_id"
)

// Options tune a Service. The zero value is MISP's default configuration.
type Options struct {
	// Settings are the access-control settings. When Settings.Instance.HostOrgID is zero it is read from the
	// store (SettingHostOrgID); Instance.LocalOrgIDs is always computed from the store's users.
	Settings acl.Settings
	// DefaultEventDistribution is MISP.default_event_distribution, given to events that come without one;
	// nil means 1 ("This community only"), MISP's default.
	DefaultEventDistribution *misp.Distribution
	// DefaultAttributeDistribution is MISP.default_attribute_distribution, given to attributes and objects that
	// come without one; nil means 5 ("Inherit event"), MISP's default.
	DefaultAttributeDistribution *misp.Distribution
	// Limits bound what one decoded MISP body may hold; the zero value means misp.DefaultLimits().
	Limits misp.Limits
	// ObjectTemplates validate objects whose template is known (misp-objects, loaded with misp.LoadTemplates);
	// nil accepts every object as MISP does for unknown templates.
	ObjectTemplates *misp.Templates
	// DataDir holds the MISP JSON data the service serves beyond the store: taxonomies/ and galaxies/ trees in the
	// layout of the misp-taxonomies and misp-galaxy repositories. Empty means none are installed.
	DataDir string
	// CorrelationLimit is MISP.correlation_limit: a value held by more attributes of other events than this is
	// over-correlating and not correlated; 0 means 20, MISP's default.
	CorrelationLimit int
	// CIDRCorrelationScan bounds the IP attributes read to find those inside one CIDR value (a CIDR holding more
	// is over-correlating and left out); 0 means DefaultCIDRCorrelationScan, negative turns CIDR correlation off.
	CIDRCorrelationScan int
	// NetworkCacheTTL bounds how long the list of networks held by attributes (for correlating an IP with the
	// networks holding it) is kept before it is read again, so that writes by other processes show; the
	// service's own writes renew it at once. 0 means DefaultNetworkCacheTTL.
	NetworkCacheTTL time.Duration
	// MinPasswordLength is the shortest password (in characters) SetPassword and AddUser accept; 0 means
	// DefaultMinPasswordLength.
	MinPasswordLength int
	// ServerKeyFile is the file of the key that seals sync servers' remote API keys at rest (made, 0600, on
	// first use); empty refuses to store remote keys.
	ServerKeyFile string
	// HTTPClient talks to sync servers; nil, or a client without a Timeout, gets DefaultSyncTimeout per request.
	HTTPClient *http.Client
	// Feeds bound and place what feeds read (intel/feeds.go).
	Feeds FeedOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the service notices but does not return; nil discards it.
	Logger *slog.Logger
}

// Service is the intel service over one store. It is safe for concurrent use.
type Service struct {
	st     store.Intel
	opts   Options
	now    func() time.Time
	log    *slog.Logger
	policy atomic.Pointer[acl.Policy]
	mu     sync.Mutex // serialises Reload
	files  fileCache  // parsed reference-data files
	nets   *networkCache
	feedMu sync.Mutex // serialises feed fetches and cachings
}

// New returns a Service over st and builds its access policy from the stored sharing groups and organisations.
func New(ctx context.Context, st store.Intel, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("intel: nil store")
	}
	s := &Service{opts: opts, now: opts.Now, log: opts.Logger, nets: &networkCache{}}
	s.st = watchedStore{Intel: st, gen: &s.nets.gen}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.Limits == (misp.Limits{}) {
		s.opts.Limits = misp.DefaultLimits()
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Store returns the store the service works on. Writes made directly on it bypass authorisation; call Reload
// after changing sharing groups, organisations or users that way.
func (s *Service) Store() store.Intel { return s.st }

// Policy returns the current access policy.
func (s *Service) Policy() *acl.Policy { return s.policy.Load() }

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.now() }

// Limits returns the bounds on decoded MISP bodies.
func (s *Service) Limits() misp.Limits { return s.opts.Limits }

// ObjectTemplates returns the object templates, nil when none are loaded.
func (s *Service) ObjectTemplates() *misp.Templates { return s.opts.ObjectTemplates }

// DataDir returns the directory of MISP JSON data (taxonomies, galaxies), "" when none.
func (s *Service) DataDir() string { return s.opts.DataDir }

// Logger returns the service's logger.
func (s *Service) Logger() *slog.Logger { return s.log }

// DefaultEventDistribution is the distribution an event gets when it comes without one.
func (s *Service) DefaultEventDistribution() misp.Distribution {
	if d := s.opts.DefaultEventDistribution; d != nil {
		return *d
	}
	d, _ := misp.DistributionOf(1)
	return d
}

// DefaultAttributeDistribution is the distribution an attribute or object gets when it comes without one.
func (s *Service) DefaultAttributeDistribution() misp.Distribution {
	if d := s.opts.DefaultAttributeDistribution; d != nil {
		return *d
	}
	d, _ := misp.DistributionOf(5)
	return d
}

// Reload rebuilds the access policy from the store: the sharing groups, the host organisation and the
// organisations with users. Operations of the service that change those call it themselves.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	settings := s.opts.Settings
	if settings.Instance.HostOrgID == 0 {
		v, err := s.st.Setting(ctx, SettingHostOrgID)
		switch {
		case err == nil:
			id, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil {
				return fmt.Errorf("intel: setting %s is not an id: %q", SettingHostOrgID, v)
			}
			settings.Instance.HostOrgID = id
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("intel: read host organisation: %w", err)
		}
	}
	users, err := s.st.ListUsers(ctx, 0)
	if err != nil {
		return fmt.Errorf("intel: list users: %w", err)
	}
	seen := map[int64]bool{}
	settings.Instance.LocalOrgIDs = nil
	for _, u := range users {
		if id := int64(u.OrgID); !seen[id] {
			seen[id] = true
			settings.Instance.LocalOrgIDs = append(settings.Instance.LocalOrgIDs, id)
		}
	}
	groups, err := s.st.ListSharingGroups(ctx)
	if err != nil {
		return fmt.Errorf("intel: list sharing groups: %w", err)
	}
	s.policy.Store(acl.NewPolicy(settings, ACLSharingGroups(groups)))
	return nil
}

// InstanceUUID returns the instance's uuid, making and storing one on first use.
func (s *Service) InstanceUUID(ctx context.Context) (string, error) {
	v, err := s.st.Setting(ctx, SettingInstanceUUID)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("intel: read instance uuid: %w", err)
	}
	v = misp.NewUUID()
	if err := s.st.PutSetting(ctx, SettingInstanceUUID, v); err != nil {
		return "", fmt.Errorf("intel: store instance uuid: %w", err)
	}
	return v, nil
}

// System is the caller that acts for the instance itself (the command line working on its own store): a site
// admin of no organisation, who sees and may do everything.
var System = acl.User{ID: 0, OrgID: 0, Role: mustRole(acl.RoleAdmin)}

func mustRole(id int64) acl.Role {
	r, ok := acl.DefaultRole(id)
	if !ok {
		panic("intel: no default role " + strconv.FormatInt(id, 10))
	}
	return r
}

// ACLEvent is what an access decision needs to know about e.
func ACLEvent(e *misp.Event) acl.Event {
	return acl.Event{ID: int64(e.ID), OrgID: int64(e.OrgID), OrgcID: int64(e.OrgcID), UserID: int64(e.UserID),
		Distribution: acl.Distribution(e.Distribution.Level()), SharingGroupID: int64(e.SharingGroupID),
		Published: bool(e.Published), Locked: bool(e.Locked)}
}

// ACLElement is what an access decision needs to know about an attribute, object or report.
func ACLElement(kind acl.ElementKind, d misp.Distribution, sharingGroupID misp.FlexInt) acl.Element {
	return acl.Element{Kind: kind, Distribution: acl.Distribution(d.Level()), SharingGroupID: int64(sharingGroupID)}
}

// ACLSharingGroups converts stored sharing groups to what access decisions need.
func ACLSharingGroups(list []misp.SharingGroup) []acl.SharingGroup {
	out := make([]acl.SharingGroup, 0, len(list))
	for _, sg := range list {
		g := acl.SharingGroup{ID: int64(sg.ID), OrgID: int64(sg.OrgID), Roaming: bool(sg.Roaming),
			Active: bool(sg.Active), Releasability: sg.Releasability}
		for _, o := range sg.SharingGroupOrg {
			g.Orgs = append(g.Orgs, acl.SharingGroupOrg{OrgID: int64(o.OrgID), Extend: bool(o.Extend)})
		}
		for _, sv := range sg.SharingGroupServer {
			g.Servers = append(g.Servers, acl.SharingGroupServer{ServerID: int64(sv.ServerID), AllOrgs: bool(sv.AllOrgs)})
		}
		out = append(out, g)
	}
	return out
}

// Role returns the role with id: one of MISP's six default roles (hunch does not store custom roles yet).
func Role(id int64) (*misp.Role, bool) {
	for _, r := range misp.DefaultRoles() {
		if int64(r.ID) == id {
			return &r, true
		}
	}
	return nil, false
}

// ACLUser is the subject of access decisions for user u (whose RoleID names a default role) authenticated with a
// key that is read-only or not. A user whose role is unknown gets no permissions.
func ACLUser(u *misp.User, readOnlyKey bool) acl.User {
	out := acl.User{ID: int64(u.ID), OrgID: int64(u.OrgID), Disabled: bool(u.Disabled), ReadOnlyKey: readOnlyKey}
	r := u.Role
	if r == nil {
		r, _ = Role(int64(u.RoleID))
	}
	if r != nil {
		out.Role = acl.RoleFromMISP(r)
	}
	return out
}
