package misp

import (
	"bytes"
	"encoding/json"
)

// Organisation is an organisation known to the instance (JSON key "Organisation"; as an
// event's owner "Org" and creator "Orgc"). Its UUID identifies it across instances; Local
// says whether it has users here.
type Organisation struct {
	ID                 FlexInt    `json:"id"`
	Name               string     `json:"name"`
	UUID               string     `json:"uuid"`
	Local              FlexBool   `json:"local"`
	DateCreated        string     `json:"date_created"`
	DateModified       string     `json:"date_modified"`
	Description        string     `json:"description"`
	Type               string     `json:"type"`
	Nationality        string     `json:"nationality"`
	Sector             string     `json:"sector"`
	CreatedBy          FlexInt    `json:"created_by"`
	Contacts           string     `json:"contacts"`
	RestrictedToDomain StringList `json:"restricted_to_domain"`
	LandingPage        NullString `json:"landingpage"`
}

type organisationEnvelope struct {
	Wrapped  *Organisation   `json:"Organisation"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Organisation
}

func (env *organisationEnvelope) parts() ([]Organisation, [][]byte, *Organisation) {
	if env.Wrapped != nil {
		return []Organisation{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Organisation
}

// DecodeOrganisation decodes one organisation body: {"Organisation": {…}} or a bare one.
func DecodeOrganisation(data []byte) (*Organisation, error) {
	return decodeOne[Organisation, organisationEnvelope](data, "organisation")
}

// DecodeOrganisations decodes organisations/index's [{"Organisation": {…}}, …] (or a single
// organisation).
func DecodeOrganisations(data []byte) ([]Organisation, error) {
	l := DefaultLimits()
	return decodeMany[Organisation, organisationEnvelope](data, "organisation", l.MaxEvents, l.MaxDepth)
}

// EncodeOrganisation writes o as MISP answers organisations/view and admin/organisations/add:
// {"Organisation": {…}}.
func EncodeOrganisation(o *Organisation) ([]byte, error) { return encodeWrapped("Organisation", o) }

// User is a user account (JSON key "User"). Role and Organisation travel beside the user in
// MISP's answers (users/view/me: {"User", "Role", "UserSetting", "Organisation"}); here they
// hang off the user and EncodeUser puts them back beside it.
type User struct {
	ID        FlexInt  `json:"id,omitempty"`
	OrgID     FlexInt  `json:"org_id"`
	ServerID  FlexInt  `json:"server_id"`
	Email     string   `json:"email"`
	Autoalert FlexBool `json:"autoalert"`
	// Authkey is only ever set on the answer to admin/users/add (the new user's clear key,
	// shown once) and in requests; it is omitted when empty.
	Authkey string `json:"authkey,omitempty"`
	// Password is only set in requests (admin/users/add, change_pw); omitted when empty.
	Password             string     `json:"password,omitempty"`
	InvitedBy            FlexInt    `json:"invited_by"`
	GPGKey               string     `json:"gpgkey"`
	CertifPublic         string     `json:"certif_public"`
	NIDSSID              FlexInt    `json:"nids_sid"`
	TermsAccepted        FlexBool   `json:"termsaccepted"`
	NewsRead             Timestamp  `json:"newsread"`
	RoleID               FlexInt    `json:"role_id"`
	ChangePW             FlexBool   `json:"change_pw"`
	ContactAlert         FlexBool   `json:"contactalert"`
	Disabled             FlexBool   `json:"disabled"`
	Expiration           NullString `json:"expiration"`
	CurrentLogin         Timestamp  `json:"current_login"`
	LastLogin            Timestamp  `json:"last_login"`
	LastAPIAccess        Timestamp  `json:"last_api_access"`
	ForceLogout          FlexBool   `json:"force_logout"`
	DateCreated          Timestamp  `json:"date_created"`
	DateModified         Timestamp  `json:"date_modified"`
	LastPWChange         Timestamp  `json:"last_pw_change"`
	NotificationDaily    FlexBool   `json:"notification_daily"`
	NotificationWeekly   FlexBool   `json:"notification_weekly"`
	NotificationMonthly  FlexBool   `json:"notification_monthly"`
	ExternalAuthRequired FlexBool   `json:"external_auth_required"`
	ExternalAuthKey      string     `json:"external_auth_key"`
	Sub                  NullString `json:"sub"`

	// Role is the user's role (the "Role" block beside "User").
	Role *Role `json:"-"`
	// Organisation is the user's organisation (the "Organisation" block beside "User").
	Organisation *Organisation `json:"-"`
	// Settings are the user's settings by name (the "UserSetting" block), nil when absent.
	Settings map[string]json.RawMessage `json:"-"`
}

// userEnvelope decodes {"User": {…}, "Role": {…}, "UserSetting": …, "Organisation": {…}}
// and a bare user.
type userEnvelope struct {
	Wrapped      *User           `json:"User"`
	Role         *Role           `json:"Role"`
	Organisation *Organisation   `json:"Organisation"`
	UserSetting  json.RawMessage `json:"UserSetting"`
	Response     json.RawMessage `json:"response"`
	Request      json.RawMessage `json:"request"`
	User
}

func (env *userEnvelope) parts() ([]User, [][]byte, *User) {
	u := &env.User
	if env.Wrapped != nil {
		u = env.Wrapped
	} else if nested := joinNested(env.Response, env.Request); nested != nil {
		return nil, nested, nil
	}
	u.Role, u.Organisation = env.Role, env.Organisation
	u.Settings = userSettings(env.UserSetting)
	if env.Wrapped != nil {
		return []User{*u}, nil, nil
	}
	return nil, nil, u
}

// userSettings reads a UserSetting block: an object of name → value, or MISP's list of
// {"UserSetting": {"setting": name, "value": v}} rows; [] and {} mean no settings.
func userSettings(raw json.RawMessage) map[string]json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	out := map[string]json.RawMessage{}
	if raw[0] == '{' {
		if json.Unmarshal(raw, &out) != nil {
			return nil
		}
		return out
	}
	var rows []struct {
		UserSetting struct {
			Setting string          `json:"setting"`
			Value   json.RawMessage `json:"value"`
		} `json:"UserSetting"`
	}
	if json.Unmarshal(raw, &rows) != nil {
		return nil
	}
	for _, r := range rows {
		if r.UserSetting.Setting != "" {
			out[r.UserSetting.Setting] = r.UserSetting.Value
		}
	}
	return out
}

// DecodeUser decodes one user body: users/view/me's {"User", "Role", "UserSetting",
// "Organisation"}, {"User": {…}} or a bare user.
func DecodeUser(data []byte) (*User, error) {
	return decodeOne[User, userEnvelope](data, "user")
}

// EncodeUser writes u as MISP answers users/view and admin/users/add: {"User": {…}} followed
// by "Role", "UserSetting" and "Organisation" blocks when u has them.
func EncodeUser(u *User) ([]byte, error) {
	buf, err := encodeWrapped("User", u)
	if err != nil {
		return nil, err
	}
	buf = buf[:len(buf)-1]
	add := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf = append(buf, `,"`...)
		buf = append(buf, key...)
		buf = append(buf, `":`...)
		buf = append(buf, b...)
		return nil
	}
	if u.Role != nil {
		if err := add("Role", u.Role); err != nil {
			return nil, err
		}
	}
	if u.Settings != nil {
		if err := add("UserSetting", u.Settings); err != nil {
			return nil, err
		}
	}
	if u.Organisation != nil {
		if err := add("Organisation", u.Organisation); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// Role is a set of permissions (JSON key "Role"). MISP ships six (DefaultRoles); every user
// has exactly one.
type Role struct {
	ID                       FlexInt  `json:"id,omitempty"`
	Name                     string   `json:"name"`
	Created                  string   `json:"created"`
	Modified                 string   `json:"modified"`
	PermAdd                  FlexBool `json:"perm_add"`
	PermModify               FlexBool `json:"perm_modify"`
	PermModifyOrg            FlexBool `json:"perm_modify_org"`
	PermPublish              FlexBool `json:"perm_publish"`
	PermPublishZMQ           FlexBool `json:"perm_publish_zmq"`
	PermPublishKafka         FlexBool `json:"perm_publish_kafka"`
	PermSync                 FlexBool `json:"perm_sync"`
	PermAdmin                FlexBool `json:"perm_admin"`
	PermAudit                FlexBool `json:"perm_audit"`
	PermAuth                 FlexBool `json:"perm_auth"`
	PermRegexpAccess         FlexBool `json:"perm_regexp_access"`
	PermTagger               FlexBool `json:"perm_tagger"`
	PermSiteAdmin            FlexBool `json:"perm_site_admin"`
	PermTemplate             FlexBool `json:"perm_template"`
	PermSharingGroup         FlexBool `json:"perm_sharing_group"`
	PermTagEditor            FlexBool `json:"perm_tag_editor"`
	PermDelegate             FlexBool `json:"perm_delegate"`
	PermSighting             FlexBool `json:"perm_sighting"`
	PermObjectTemplate       FlexBool `json:"perm_object_template"`
	PermDecaying             FlexBool `json:"perm_decaying"`
	DefaultRole              FlexBool `json:"default_role"`
	MemoryLimit              string   `json:"memory_limit"`
	MaxExecutionTime         string   `json:"max_execution_time"`
	RestrictedToSiteAdmin    FlexBool `json:"restricted_to_site_admin"`
	EnforceRateLimit         FlexBool `json:"enforce_rate_limit"`
	RateLimitCount           FlexInt  `json:"rate_limit_count"`
	PermGalaxyEditor         FlexBool `json:"perm_galaxy_editor"`
	PermWarninglist          FlexBool `json:"perm_warninglist"`
	PermViewFeedCorrelations FlexBool `json:"perm_view_feed_correlations"`
	PermAnalystData          FlexBool `json:"perm_analyst_data"`
	PermSkipOTP              FlexBool `json:"perm_skip_otp"`
	// Permission is MISP's derived access level ("0" read only, "1" manage own events,
	// "2" manage the organisation's events, "3" manage and publish them); see
	// PermissionLevel.
	Permission FlexInt `json:"permission"`
	// PermissionDescription names Permission: read_only, manage_own, manage_org, publish.
	PermissionDescription string `json:"permission_description"`
}

// The ids of MISP's default roles.
const (
	RoleAdmin     = 1
	RoleOrgAdmin  = 2
	RoleUser      = 3
	RolePublisher = 4
	RoleSyncUser  = 5
	RoleReadOnly  = 6
)

// PermissionLevel computes MISP's access level from the role's flags: 3 when it may add,
// modify and publish, 2 when it may add and modify its organisation's events, 1 when it may
// add, 0 otherwise.
func (r *Role) PermissionLevel() int {
	switch {
	case bool(r.PermAdd && r.PermModify && r.PermPublish):
		return 3
	case bool(r.PermAdd && r.PermModifyOrg):
		return 2
	case bool(r.PermAdd):
		return 1
	}
	return 0
}

var permissionDescriptions = [...]string{"read_only", "manage_own", "manage_org", "publish"}

// WithPermission returns r with Permission and PermissionDescription set from its flags.
func (r Role) WithPermission() Role {
	lvl := r.PermissionLevel()
	r.Permission = FlexInt(lvl)
	r.PermissionDescription = permissionDescriptions[lvl]
	return r
}

// DefaultRoles returns MISP's six default roles with the permissions a fresh MISP 2.5
// installation gives them (INSTALL/MYSQL.sql): 1 admin (site admin), 2 Org Admin, 3 User
// (the default role for new users), 4 Publisher, 5 Sync user, 6 Read Only.
func DefaultRoles() []Role {
	type flags struct {
		add, modify, modifyOrg, publish, zmq, kafka, sync, admin, audit, auth, regexp, tagger,
		siteAdmin, template, sharingGroup, tagEditor, delegate, sighting, objectTemplate,
		decaying, defaultRole, galaxyEditor, warninglist, feedCorrelations, analystData, skipOTP bool
	}
	rows := []struct {
		id   int
		name string
		f    flags
	}{
		{RoleAdmin, "admin", flags{add: true, modify: true, modifyOrg: true, publish: true, zmq: true, kafka: true,
			sync: true, admin: true, audit: true, auth: true, regexp: true, tagger: true, siteAdmin: true,
			template: true, sharingGroup: true, tagEditor: true, delegate: true, sighting: true,
			objectTemplate: true, decaying: true, galaxyEditor: true, warninglist: true,
			feedCorrelations: true, analystData: true}},
		{RoleOrgAdmin, "Org Admin", flags{add: true, modify: true, modifyOrg: true, publish: true, zmq: true,
			kafka: true, admin: true, audit: true, auth: true, tagger: true, template: true,
			sharingGroup: true, tagEditor: true, delegate: true, sighting: true, decaying: true,
			galaxyEditor: true, analystData: true}},
		{RoleUser, "User", flags{add: true, modify: true, modifyOrg: true, audit: true, auth: true,
			tagger: true, sighting: true, decaying: true, defaultRole: true, galaxyEditor: true,
			analystData: true}},
		{RolePublisher, "Publisher", flags{add: true, modify: true, modifyOrg: true, publish: true, zmq: true,
			kafka: true, audit: true, auth: true, tagger: true, delegate: true, sighting: true,
			decaying: true, galaxyEditor: true, analystData: true}},
		{RoleSyncUser, "Sync user", flags{add: true, modify: true, modifyOrg: true, publish: true, zmq: true,
			kafka: true, sync: true, audit: true, auth: true, tagger: true, sharingGroup: true,
			tagEditor: true, delegate: true, sighting: true, decaying: true, galaxyEditor: true,
			analystData: true}},
		{RoleReadOnly, "Read Only", flags{audit: true, auth: true}},
	}
	out := make([]Role, 0, len(rows))
	for _, r := range rows {
		f := r.f
		role := Role{
			ID: FlexInt(r.id), Name: r.name,
			PermAdd: FlexBool(f.add), PermModify: FlexBool(f.modify), PermModifyOrg: FlexBool(f.modifyOrg),
			PermPublish: FlexBool(f.publish), PermPublishZMQ: FlexBool(f.zmq), PermPublishKafka: FlexBool(f.kafka),
			PermSync: FlexBool(f.sync), PermAdmin: FlexBool(f.admin), PermAudit: FlexBool(f.audit),
			PermAuth: FlexBool(f.auth), PermRegexpAccess: FlexBool(f.regexp), PermTagger: FlexBool(f.tagger),
			PermSiteAdmin: FlexBool(f.siteAdmin), PermTemplate: FlexBool(f.template),
			PermSharingGroup: FlexBool(f.sharingGroup), PermTagEditor: FlexBool(f.tagEditor),
			PermDelegate: FlexBool(f.delegate), PermSighting: FlexBool(f.sighting),
			PermObjectTemplate: FlexBool(f.objectTemplate), PermDecaying: FlexBool(f.decaying),
			DefaultRole: FlexBool(f.defaultRole), PermGalaxyEditor: FlexBool(f.galaxyEditor),
			PermWarninglist: FlexBool(f.warninglist), PermViewFeedCorrelations: FlexBool(f.feedCorrelations),
			PermAnalystData: FlexBool(f.analystData), PermSkipOTP: FlexBool(f.skipOTP),
		}
		out = append(out, role.WithPermission())
	}
	return out
}

type roleEnvelope struct {
	Wrapped  *Role           `json:"Role"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Role
}

func (env *roleEnvelope) parts() ([]Role, [][]byte, *Role) {
	if env.Wrapped != nil {
		return []Role{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Role
}

// DecodeRole decodes one role body: {"Role": {…}} or a bare role.
func DecodeRole(data []byte) (*Role, error) { return decodeOne[Role, roleEnvelope](data, "role") }

// EncodeRole writes r as MISP answers roles/view: {"Role": {…}}.
func EncodeRole(r *Role) ([]byte, error) { return encodeWrapped("Role", r) }

// SharingGroup is a named set of organisations and servers an element can be limited to
// (distribution 4; JSON key "SharingGroup"). Organisation is the group's owner. With
// Roaming set, the group is not restricted to the listed servers.
type SharingGroup struct {
	ID                 FlexInt              `json:"id,omitempty"`
	UUID               string               `json:"uuid"`
	Name               string               `json:"name"`
	Description        string               `json:"description"`
	Releasability      string               `json:"releasability"`
	Local              FlexBool             `json:"local"`
	Active             FlexBool             `json:"active"`
	Roaming            FlexBool             `json:"roaming"`
	OrganisationUUID   string               `json:"organisation_uuid"`
	OrgID              FlexInt              `json:"org_id"`
	SyncUserID         FlexInt              `json:"sync_user_id"`
	Created            string               `json:"created"`
	Modified           string               `json:"modified"`
	Organisation       *Organisation        `json:"Organisation,omitempty"`
	SharingGroupOrg    []SharingGroupOrg    `json:"SharingGroupOrg"`
	SharingGroupServer []SharingGroupServer `json:"SharingGroupServer"`
}

// MarshalJSON writes the group with SharingGroupOrg and SharingGroupServer as [] when empty.
func (sg SharingGroup) MarshalJSON() ([]byte, error) {
	type plain SharingGroup
	p := plain(sg)
	p.SharingGroupOrg = nonNil(p.SharingGroupOrg)
	p.SharingGroupServer = nonNil(p.SharingGroupServer)
	return json.Marshal(p)
}

// HasOrg reports whether the organisation with the given uuid is a member of the group.
func (sg *SharingGroup) HasOrg(orgUUID string) bool {
	if sg.Organisation != nil && sg.Organisation.UUID == orgUUID {
		return true
	}
	for _, o := range sg.SharingGroupOrg {
		if o.Organisation != nil && o.Organisation.UUID == orgUUID {
			return true
		}
	}
	return false
}

// SharingGroupOrg is an organisation's membership of a sharing group. With Extend set, the
// organisation may edit the group.
type SharingGroupOrg struct {
	ID             FlexInt       `json:"id,omitempty"`
	SharingGroupID FlexInt       `json:"sharing_group_id"`
	OrgID          FlexInt       `json:"org_id"`
	Extend         FlexBool      `json:"extend"`
	Organisation   *Organisation `json:"Organisation,omitempty"`
}

// SharingGroupServer is a server's membership of a sharing group. With AllOrgs set, every
// organisation of that server belongs to the group. ServerID 0 is the local instance.
type SharingGroupServer struct {
	ID             FlexInt  `json:"id,omitempty"`
	SharingGroupID FlexInt  `json:"sharing_group_id"`
	ServerID       FlexInt  `json:"server_id"`
	AllOrgs        FlexBool `json:"all_orgs"`
	Server         *Server  `json:"Server,omitempty"`
}

// sharingGroupEnvelope decodes sharing_groups/view's {"SharingGroup": {…}, "Organisation":
// {…}, "SharingGroupOrg": […], "SharingGroupServer": […]}, the nested form events carry, and
// a bare group.
type sharingGroupEnvelope struct {
	Wrapped      *SharingGroup        `json:"SharingGroup"`
	Organisation *Organisation        `json:"Organisation"`
	Orgs         []SharingGroupOrg    `json:"SharingGroupOrg"`
	Servers      []SharingGroupServer `json:"SharingGroupServer"`
	Response     json.RawMessage      `json:"response"`
	Request      json.RawMessage      `json:"request"`
	SharingGroup
}

func (env *sharingGroupEnvelope) parts() ([]SharingGroup, [][]byte, *SharingGroup) {
	sg := &env.SharingGroup
	if env.Wrapped != nil {
		sg = env.Wrapped
	} else if nested := joinNested(env.Response, env.Request); nested != nil {
		return nil, nested, nil
	}
	if sg.Organisation == nil {
		sg.Organisation = env.Organisation
	}
	if len(sg.SharingGroupOrg) == 0 {
		sg.SharingGroupOrg = env.Orgs
	}
	if len(sg.SharingGroupServer) == 0 {
		sg.SharingGroupServer = env.Servers
	}
	if env.Wrapped != nil {
		return []SharingGroup{*sg}, nil, nil
	}
	return nil, nil, sg
}

// DecodeSharingGroup decodes one sharing group body: sharing_groups/view's
// {"SharingGroup", "Organisation", "SharingGroupOrg", "SharingGroupServer"}, the nested
// {"SharingGroup": {…, "SharingGroupOrg": […]}} or a bare group.
func DecodeSharingGroup(data []byte) (*SharingGroup, error) {
	return decodeOne[SharingGroup, sharingGroupEnvelope](data, "sharing group")
}

// EncodeSharingGroup writes sg as MISP answers sharing_groups/view and add: the group, then
// its owner, organisations and servers beside it.
func EncodeSharingGroup(sg *SharingGroup) ([]byte, error) {
	type plain SharingGroup
	p := plain(*sg)
	p.Organisation, p.SharingGroupOrg, p.SharingGroupServer = nil, nil, nil
	inner, err := json.Marshal(struct {
		plain
		Organisation       *Organisation        `json:"Organisation,omitempty"`
		SharingGroupOrg    []SharingGroupOrg    `json:"SharingGroupOrg,omitempty"`
		SharingGroupServer []SharingGroupServer `json:"SharingGroupServer,omitempty"`
	}{plain: p})
	if err != nil {
		return nil, err
	}
	rest, err := json.Marshal(struct {
		Organisation       *Organisation        `json:"Organisation,omitempty"`
		SharingGroupOrg    []SharingGroupOrg    `json:"SharingGroupOrg"`
		SharingGroupServer []SharingGroupServer `json:"SharingGroupServer"`
	}{sg.Organisation, nonNil(sg.SharingGroupOrg), nonNil(sg.SharingGroupServer)})
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(inner)+len(rest)+20)
	buf = append(buf, `{"SharingGroup":`...)
	buf = append(buf, inner...)
	buf = append(buf, ',')
	buf = append(buf, rest[1:]...)
	return buf, nil
}
