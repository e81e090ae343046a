// Package acl is the one place hunch decides who may read and write what in its intel store, the way MISP decides it:
// roles and their permission flags, distribution levels 0–5 and sharing groups, the host organisation, read-only API
// keys. The store and the HTTP API adapt their own types to the small structs here and ask; nothing else authorises.
//
// Reads come in two forms that agree case for case: pure functions over one event or element (CanReadEvent,
// CanReadElement) for view paths, and ReadableConditions, a declarative filter a SQL store turns into a WHERE clause
// so that index and search paths filter in the database. Writes go through the Can… methods of Policy. Every refusal
// is an *Error carrying MISP's message and HTTP status, so the API answers exactly what MISP answers (PyMISP, for
// one, falls back to a proposal only on the 403 "You do not have permission to do that.").
//
// The package also decides what synchronisation may send to another instance (CanPushEvent, the one-hop downgrades),
// and makes and checks API keys (GenerateKey, HashKey, CheckKey, KeyChecker).
package acl

import (
	"slices"

	"github.com/hunchsec/hunch/misp"
)

// Distribution is MISP's distribution level of an event, attribute, object or event report.
type Distribution int

// MISP's distribution levels.
const (
	// OrgOnly (0, "Your organisation only"): the owner organisation and site admins.
	OrgOnly Distribution = 0
	// Community (1, "This community only"): every organisation with users on this instance.
	Community Distribution = 1
	// Connected (2, "Connected communities"): this instance and the instances directly connected to it.
	Connected Distribution = 2
	// All (3, "All communities"): everyone.
	All Distribution = 3
	// SharingGroupOnly (4, "Sharing group"): the organisations and instances of the element's sharing group.
	SharingGroupOnly Distribution = 4
	// Inherit (5, "Inherit event"): attributes, objects and reports only; the event's level applies.
	Inherit Distribution = 5
)

// Valid reports whether d is one of MISP's levels, 0–5; events may not inherit, which ValidForEvent tells.
func (d Distribution) Valid() bool { return d >= OrgOnly && d <= Inherit }

// ValidForEvent reports whether d may be an event's distribution (0–4; events cannot inherit).
func (d Distribution) ValidForEvent() bool { return d >= OrgOnly && d <= SharingGroupOnly }

// Role is a MISP role: a named set of permission flags (MISP's `roles` table; JSON names in the field comments).
type Role struct {
	ID   int64
	Name string

	PermAdd                  bool // perm_add: create events and add to the org's own events
	PermModify               bool // perm_modify: modify events the user created
	PermModifyOrg            bool // perm_modify_org: modify every event the organisation created
	PermPublish              bool // perm_publish
	PermPublishZMQ           bool // perm_publish_zmq
	PermPublishKafka         bool // perm_publish_kafka
	PermSync                 bool // perm_sync: server-to-server synchronisation
	PermAdmin                bool // perm_admin: organisation admin (manages the org's users)
	PermSiteAdmin            bool // perm_site_admin: everything, everywhere
	PermAudit                bool // perm_audit: read the audit logs
	PermAuth                 bool // perm_auth: may authenticate with API keys
	PermRegexpAccess         bool // perm_regexp_access
	PermTagger               bool // perm_tagger: attach and detach tags
	PermTagEditor            bool // perm_tag_editor: create tags
	PermTemplate             bool // perm_template
	PermSharingGroup         bool // perm_sharing_group: create and edit sharing groups
	PermDelegate             bool // perm_delegate: delegate events to other organisations
	PermSighting             bool // perm_sighting: add sightings
	PermObjectTemplate       bool // perm_object_template
	PermDecaying             bool // perm_decaying
	PermGalaxyEditor         bool // perm_galaxy_editor
	PermWarninglist          bool // perm_warninglist
	PermViewFeedCorrelations bool // perm_view_feed_correlations
	PermAnalystData          bool // perm_analyst_data
	PermSkipOTP              bool // perm_skip_otp

	// RestrictedToSiteAdmin marks a role only site admins may hand out (restricted_to_site_admin).
	RestrictedToSiteAdmin bool
	// Default marks the role new users get when none is named (default_role).
	Default bool
}

// IDs of MISP's six default roles.
const (
	RoleAdmin     int64 = 1
	RoleOrgAdmin  int64 = 2
	RoleUser      int64 = 3
	RolePublisher int64 = 4
	RoleSyncUser  int64 = 5
	RoleReadOnly  int64 = 6
)

// DefaultRoles returns MISP's six default roles, converted from package misp (the one table of their flags,
// as MISP 2.5 installs them):
// 1 admin, 2 Org Admin, 3 User (the default role), 4 Publisher, 5 Sync user, 6 Read Only. The slice is new on
// every call, so callers may change it.
func DefaultRoles() []Role {
	src := misp.DefaultRoles()
	out := make([]Role, len(src))
	for i := range src {
		out[i] = RoleFromMISP(&src[i])
	}
	return out
}

// RoleFromMISP converts a role as MISP's wire format and package misp carry it.
func RoleFromMISP(r *misp.Role) Role {
	return Role{
		ID: int64(r.ID), Name: r.Name,
		PermAdd: bool(r.PermAdd), PermModify: bool(r.PermModify), PermModifyOrg: bool(r.PermModifyOrg),
		PermPublish: bool(r.PermPublish), PermPublishZMQ: bool(r.PermPublishZMQ), PermPublishKafka: bool(r.PermPublishKafka),
		PermSync: bool(r.PermSync), PermAdmin: bool(r.PermAdmin), PermSiteAdmin: bool(r.PermSiteAdmin),
		PermAudit: bool(r.PermAudit), PermAuth: bool(r.PermAuth), PermRegexpAccess: bool(r.PermRegexpAccess),
		PermTagger: bool(r.PermTagger), PermTagEditor: bool(r.PermTagEditor), PermTemplate: bool(r.PermTemplate),
		PermSharingGroup: bool(r.PermSharingGroup), PermDelegate: bool(r.PermDelegate), PermSighting: bool(r.PermSighting),
		PermObjectTemplate: bool(r.PermObjectTemplate), PermDecaying: bool(r.PermDecaying),
		PermGalaxyEditor: bool(r.PermGalaxyEditor), PermWarninglist: bool(r.PermWarninglist),
		PermViewFeedCorrelations: bool(r.PermViewFeedCorrelations), PermAnalystData: bool(r.PermAnalystData),
		PermSkipOTP: bool(r.PermSkipOTP), RestrictedToSiteAdmin: bool(r.RestrictedToSiteAdmin), Default: bool(r.DefaultRole),
	}
}

// DefaultRole returns the default role with the given id (1–6) and whether there is one.
func DefaultRole(id int64) (Role, bool) {
	for _, r := range DefaultRoles() {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}

// readOnly returns r with every permission cleared except perm_auth and perm_audit: what MISP does to the role of a
// request authenticated with a read-only key. Even a site admin's read-only key loses perm_site_admin.
func (r Role) readOnly() Role {
	return Role{
		ID: r.ID, Name: r.Name,
		PermAuth: r.PermAuth, PermAudit: r.PermAudit,
		RestrictedToSiteAdmin: r.RestrictedToSiteAdmin, Default: r.Default,
	}
}

// User is the subject of every decision: who is asking, in which organisation, with which role, and through which key.
type User struct {
	ID    int64
	OrgID int64
	Role  Role
	// Disabled users cannot authenticate at all.
	Disabled bool
	// ReadOnlyKey is set when the request was authenticated with an API key flagged read_only: every permission but
	// perm_auth and perm_audit is dropped for that request, so every write is refused and site-admin reads narrow to
	// the user's organisation's view.
	ReadOnlyKey bool
}

// EffectiveRole is the role decisions use: u.Role, or its read-only reduction when u.ReadOnlyKey is set.
func (u User) EffectiveRole() Role {
	if u.ReadOnlyKey {
		return u.Role.readOnly()
	}
	return u.Role
}

// Event is what a decision needs to know about an event.
type Event struct {
	ID int64
	// OrgID owns the event on this instance (events.org_id): for local events the creator, for synced events the
	// organisation of the sync user that brought it in. Read access keys on the owner.
	OrgID int64
	// OrgcID created the event (events.orgc_id). Modify, publish and tag rights key on the creator.
	OrgcID int64
	// UserID is the user who created the event here (events.user_id); perm_modify lets that user edit it.
	UserID         int64
	Distribution   Distribution
	SharingGroupID int64
	Published      bool
	// Locked marks an event received by synchronisation (events.locked).
	Locked bool
}

// ElementKind says which kind of event element an Element is; it picks the not-found message MISP uses.
type ElementKind int

// Kinds of event elements.
const (
	KindAttribute ElementKind = iota
	KindObject
	KindEventReport
)

// Element is an attribute, object or event report of an event: its own distribution and sharing group.
type Element struct {
	Kind           ElementKind
	Distribution   Distribution
	SharingGroupID int64
}

// SharingGroupOrg is one organisation of a sharing group (sharing_group_orgs).
type SharingGroupOrg struct {
	OrgID int64
	// Extend lets users of this organisation with perm_sharing_group edit the group.
	Extend bool
}

// SharingGroupServer is one instance of a sharing group (sharing_group_servers). ServerID 0 is this instance.
type SharingGroupServer struct {
	ServerID int64
	// AllOrgs opens the group to every organisation on that instance; on ServerID 0 that is every local organisation.
	AllOrgs bool
}

// SharingGroup is what a decision needs to know about a sharing group.
type SharingGroup struct {
	ID int64
	// OrgID created the group (sharing_groups.org_id); it may see and edit the group, but reads data shared to the
	// group only if it is also listed in Orgs, as in MISP.
	OrgID   int64
	Orgs    []SharingGroupOrg
	Servers []SharingGroupServer
	// Roaming lifts the server restriction for synchronisation: the group travels to any instance an organisation of
	// the group connects. It gives no extra read access on this instance.
	Roaming bool
	// Active groups are offered when choosing a distribution; inactive ones still govern data already shared to them.
	Active        bool
	Releasability string
}

// hasOrg reports whether org is listed in the group.
func (sg SharingGroup) hasOrg(org int64) bool {
	for _, o := range sg.Orgs {
		if o.OrgID == org {
			return true
		}
	}
	return false
}

// openToLocalOrgs reports whether the group lists this instance (server 0) with all organisations.
func (sg SharingGroup) openToLocalOrgs() bool {
	for _, s := range sg.Servers {
		if s.ServerID == 0 && s.AllOrgs {
			return true
		}
	}
	return false
}

// Instance describes this instance: its host organisation and the organisations that have users here ("this
// community" of distribution 1). Every user belongs to an organisation with users here, so reads of distribution 1
// need no list; LocalOrgIDs answers IsLocalOrg for callers that tell local organisations from known remote ones.
type Instance struct {
	HostOrgID   int64
	LocalOrgIDs []int64
}

// SightingPolicy is MISP's Plugin.Sightings_policy: who sees sightings other organisations reported.
type SightingPolicy int

// Sighting policies, with MISP's values.
const (
	// SightingsEventOwner (0, MISP's default): the event's owner organisation sees every sighting of it; everyone
	// else sees only their own organisation's sightings.
	SightingsEventOwner SightingPolicy = 0
	// SightingsReporter (1): an organisation that has itself reported a sighting on an event sees all of that
	// event's sightings.
	SightingsReporter SightingPolicy = 1
	// SightingsEveryone (2): whoever sees the attribute sees its sightings.
	SightingsEveryone SightingPolicy = 2
	// SightingsHostOrg (3): as SightingsEventOwner, plus the host organisation's sightings for everyone.
	SightingsHostOrg SightingPolicy = 3
)

// Settings are the instance-wide options that change decisions. The zero value is MISP's default configuration for an
// instance whose host organisation is unset; set Instance.HostOrgID.
type Settings struct {
	Instance Instance
	// UnpublishedPrivate is MISP.unpublishedprivate: unpublished events are visible to their owner organisation only.
	UnpublishedPrivate bool
	// Sightings is Plugin.Sightings_policy.
	Sightings SightingPolicy
	// AnonymiseSightings is Plugin.Sightings_anonymise: other organisations' names are hidden on sightings.
	AnonymiseSightings bool
	// LimitSiteAdminsToHostOrg is Security.limit_site_admins_to_host_org: site-admin roles only for host-org users.
	LimitSiteAdminsToHostOrg bool
}

// Policy makes the decisions: the settings plus a snapshot of the instance's sharing groups. It is immutable once
// built and safe for concurrent use; build a new one when a sharing group or a setting changes.
type Policy struct {
	settings Settings
	groups   map[int64]SharingGroup
	ordered  []int64 // group ids in ascending order, for deterministic conditions
}

// NewPolicy returns a Policy over settings and every sharing group of the instance. The groups are copied.
func NewPolicy(settings Settings, groups []SharingGroup) *Policy {
	settings.Instance.LocalOrgIDs = slices.Clone(settings.Instance.LocalOrgIDs)
	p := &Policy{settings: settings, groups: make(map[int64]SharingGroup, len(groups))}
	for _, g := range groups {
		g.Orgs = slices.Clone(g.Orgs)
		g.Servers = slices.Clone(g.Servers)
		if _, dup := p.groups[g.ID]; !dup {
			p.ordered = append(p.ordered, g.ID)
		}
		p.groups[g.ID] = g
	}
	slices.Sort(p.ordered)
	return p
}

// Settings returns the settings the policy decides with.
func (p *Policy) Settings() Settings {
	s := p.settings
	s.Instance.LocalOrgIDs = slices.Clone(s.Instance.LocalOrgIDs)
	return s
}

// sharingGroup looks a group up; id 0 and unknown ids are no group, which grants nothing.
func (p *Policy) sharingGroup(id int64) (SharingGroup, bool) {
	g, ok := p.groups[id]
	return g, ok
}

// IsLocalOrg reports whether org has users on this instance.
func (in Instance) IsLocalOrg(org int64) bool {
	for _, o := range in.LocalOrgIDs {
		if o == org {
			return true
		}
	}
	return false
}
