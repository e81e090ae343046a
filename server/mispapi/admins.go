package mispapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
)

// MISP's messages for the administration endpoints, verbatim (and hunch's own where MISP has none).
const (
	msgUserDeleted = "User deleted."
	// msgCustomRoles refuses admin/roles/add and edit: hunch has MISP's six default roles only.
	msgCustomRoles = "Custom roles are not supported: hunch has MISP's six default roles (1 admin, 2 Org Admin, " +
		"3 User, 4 Publisher, 5 Sync user, 6 Read Only)."
	// msgNoPasswords answers users/change_pw: hunch's API authenticates with keys only.
	msgNoPasswords = "Passwords are not used by this instance: it authenticates with API keys only."
)

// adminRoutes registers MISP's OrganisationsController, UsersController (admin actions), RolesController,
// AuthKeysController (add) and SharingGroupsController actions, under both the snake_case and camelCase
// controller names where MISP takes both.
func (h *handler) adminRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.routeArgs([]string{"/organisations/index"}, h.indexOrgs, get, post)
	h.routeArgs([]string{"/organisations/view"}, h.viewOrg, get)
	h.routeArgs([]string{"/admin/organisations/add"}, h.addOrg, post)
	h.routeArgs([]string{"/admin/organisations/edit"}, h.editOrg, post, http.MethodPut)
	h.routeArgs([]string{"/admin/organisations/delete"}, h.deleteOrg, post, http.MethodDelete)

	h.routeArgs([]string{"/admin/users/index"}, h.indexUsers, get, post)
	h.routeArgs([]string{"/admin/users/view"}, h.adminViewUser, get)
	h.routeArgs([]string{"/admin/users/add"}, h.addUser, post)
	h.routeArgs([]string{"/admin/users/edit"}, h.editUser, post, http.MethodPut)
	h.routeArgs([]string{"/admin/users/delete"}, h.deleteUser, post, http.MethodDelete)
	h.routeArgs([]string{"/users/change_pw"}, h.changePassword, post)
	h.routeArgs([]string{"/auth_keys/add", "/authKeys/add"}, h.addAuthKey, post)

	h.routeArgs([]string{"/roles/index"}, h.indexRoles, get)
	h.routeArgs([]string{"/roles/view"}, h.viewRole, get)
	h.routeArgs([]string{"/admin/roles/add", "/admin/roles/edit", "/admin/roles/delete"}, h.changeRole, post,
		http.MethodPut, http.MethodDelete)

	for _, c := range []string{"/sharing_groups", "/sharingGroups"} {
		h.routeArgs([]string{c + "/index"}, h.indexSharingGroups, get, post)
		h.routeArgs([]string{c + "/view"}, h.viewSharingGroup, get, post)
		h.routeArgs([]string{c + "/add"}, h.addSharingGroup, post)
		h.routeArgs([]string{c + "/edit"}, h.editSharingGroup, post, http.MethodPut)
		h.routeArgs([]string{c + "/delete"}, h.deleteSharingGroup, post, http.MethodDelete)
		h.routeArgs([]string{c + "/addOrg"}, h.sgQuickEdit(sgAddOrg), post)
		h.routeArgs([]string{c + "/removeOrg"}, h.sgQuickEdit(sgRemoveOrg), post)
		h.routeArgs([]string{c + "/addServer"}, h.sgQuickEdit(sgAddServer), post)
		h.routeArgs([]string{c + "/removeServer"}, h.sgQuickEdit(sgRemoveServer), post)
	}
}

// adminErr answers err: intel's RefusedError with its status and message (a save failure when it carries
// errors), anything else as writeErr does.
func (h *handler) adminErr(w http.ResponseWriter, r *http.Request, err error) {
	var re *intel.RefusedError
	if errors.As(err, &re) {
		if re.Errors != "" {
			writeSaveFailed(w, r, re.Status, re.Message, re.Errors)
			return
		}
		server.WriteError(w, r, re.Status, re.Message)
		return
	}
	h.writeErr(w, r, err)
}

// adminObjectBody reads the request body as one JSON object, unwrapped from key: nil for an empty body; anything but
// an object is refused as a save failure with message.
func adminObjectBody(r *http.Request, key, message string) (map[string]json.RawMessage, error) {
	body, err := readBody(r)
	if err != nil || body == nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(unwrap(body, key), &m); err != nil {
		return nil, intel.Invalid(message, key, "The request body must be a JSON object.")
	}
	return m, nil
}

// adminOverlay decodes into v the JSON of base with the fields of patch (except those in skip) replacing its own: a
// partial edit applied to a stored row, as MISP's edits save only the fields they are sent.
func adminOverlay(base any, patch map[string]json.RawMessage, v any, message, key string, skip ...string) error {
	raw, err := json.Marshal(base)
	if err != nil {
		return fmt.Errorf("encode %s: %w", strings.ToLower(key), err)
	}
	merged := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &merged); err != nil {
		return fmt.Errorf("decode %s: %w", strings.ToLower(key), err)
	}
	for k, val := range patch {
		skipped := false
		for _, s := range skip {
			skipped = skipped || s == k
		}
		if !skipped {
			merged[k] = val
		}
	}
	raw, err = json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("encode %s: %w", strings.ToLower(key), err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return intel.Invalid(message, key, adminFieldComplaint(err))
	}
	return nil
}

// adminFieldComplaint words a decoding error of a request field for the client.
func adminFieldComplaint(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "Invalid value for field " + te.Field + "."
	}
	return "Invalid input: " + err.Error()
}

// ---- organisations ----

// orgOut is one organisation as MISP answers it: {"Organisation": {…}}.
type orgOut struct {
	Organisation misp.Organisation `json:"Organisation"`
}

// indexOrgs answers organisations/index[/scope:local|external|all][/searchall:…]: [{"Organisation": …}, …].
func (h *handler) indexOrgs(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	search := a.Named["searchall"]
	if search == "" {
		search = a.Named["all"]
	}
	if search == "" {
		search = a.Named["quickFilter"]
	}
	if m, err := adminObjectBody(r, "", "Could not index Organisation"); err == nil && m != nil {
		if v, ok := m["searchall"]; ok {
			search = adminString(v)
		}
	}
	orgs, err := h.svc.Orgs(r.Context(), p.ACL(), intel.OrgScope(a.Named["scope"]), search)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	out := make([]orgOut, len(orgs))
	for i, o := range orgs {
		out[i] = orgOut{Organisation: o}
	}
	writeValue(w, r, out)
}

// viewOrg answers organisations/view/{id|uuid|name} with {"Organisation": …}; HEAD tells whether it exists.
func (h *handler) viewOrg(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	o, err := h.svc.Org(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, orgOut{Organisation: *o})
}

// addOrg answers admin/organisations/add: the new organisation, {"Organisation": …}. An organisation sent
// without "local" is local, as MISP's API makes it.
func (h *handler) addOrg(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if err := h.svc.Policy().CanManageOrgs(p.ACL()); err != nil {
		h.adminErr(w, r, err)
		return
	}
	m, err := adminObjectBody(r, "Organisation", intel.MsgCouldNotAddOrg)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	o := &misp.Organisation{Local: true}
	if err := adminOverlay(o, m, o, intel.MsgCouldNotAddOrg, "Organisation", "id", "created_by", "date_created",
		"date_modified"); err != nil {
		h.adminErr(w, r, err)
		return
	}
	if err := h.svc.AddOrg(r.Context(), p.ACL(), o); err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, orgOut{Organisation: *o})
}

// editOrg answers admin/organisations/edit/{id|uuid}: the fields sent replace the stored ones (name, type,
// nationality, sector, contacts, description, local, uuid, restricted_to_domain); the answer is the organisation.
func (h *handler) editOrg(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	u := p.ACL()
	if err := h.svc.Policy().CanManageOrgs(u); err != nil {
		h.adminErr(w, r, err)
		return
	}
	old, err := h.svc.Org(r.Context(), u, a.Arg(0))
	if err != nil || a.Arg(0) == "" || (!adminDigits(a.Arg(0)) && !misp.ValidUUID(a.Arg(0))) {
		if err == nil {
			err = acl.NotFound(intel.MsgInvalidOrg)
		}
		h.adminErr(w, r, err)
		return
	}
	m, err := adminObjectBody(r, "Organisation", intel.MsgCouldNotEditOrg)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	edited := &misp.Organisation{}
	if err := adminOverlay(old, m, edited, intel.MsgCouldNotEditOrg, "Organisation", "id", "created_by",
		"date_created", "date_modified", "landingpage"); err != nil {
		h.adminErr(w, r, err)
		return
	}
	edited.ID = old.ID
	if err := h.svc.EditOrg(r.Context(), u, edited); err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, orgOut{Organisation: *edited})
}

// deleteOrg answers admin/organisations/delete/{id|uuid} with MISP's "Organisation deleted".
func (h *handler) deleteOrg(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := h.svc.DeleteOrg(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeSaved(w, r, intel.MsgOrgDeleted, strconv.FormatInt(id, 10))
}

// ---- users ----

// indexUsers answers admin/users/index[/value:…][/searchorg:…]: [{"User", "Role", "Organisation"}, …].
func (h *handler) indexUsers(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	f := intel.UserFilter{Search: a.Named["value"]}
	if f.Search == "" {
		f.Search = a.Named["searchall"]
	}
	if org := a.Named["searchorg"]; org != "" {
		o, err := h.svc.Org(r.Context(), p.ACL(), org)
		if err != nil {
			writeValue(w, r, []json.RawMessage{})
			return
		}
		f.OrgID = int64(o.ID)
	}
	users, err := h.svc.Users(r.Context(), p.ACL(), f)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	out := make([]json.RawMessage, 0, len(users))
	for i := range users {
		b, err := encodeUserOut(&users[i], false)
		if err != nil {
			h.adminErr(w, r, err)
			return
		}
		out = append(out, b)
	}
	writeValue(w, r, out)
}

// encodeUserOut encodes u as MISP answers a user: {"User", "Role", "Organisation"} (and "UserSetting" with
// settings), the role with its permission level, no password or key.
func encodeUserOut(u *misp.User, settings bool) ([]byte, error) {
	c := *u
	if c.Role != nil {
		role := c.Role.WithPermission()
		c.Role = &role
	}
	c.Settings = nil
	if settings {
		c.Settings = u.Settings
		if c.Settings == nil {
			c.Settings = map[string]json.RawMessage{}
		}
	}
	c.Authkey, c.Password = "", ""
	b, err := misp.EncodeUser(&c)
	if err != nil {
		return nil, fmt.Errorf("encode user %d: %w", u.ID, err)
	}
	return b, nil
}

// adminUserID reads a user id from a path argument; "me" is the caller.
func adminUserID(arg string, p Principal) int64 {
	if arg == "me" || arg == "" {
		return int64(p.User.ID)
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return -1
	}
	return id
}

// adminViewUser answers admin/users/view/{id} with {"User", "Role", "UserSetting", "Organisation"}.
func (h *handler) adminViewUser(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id := adminUserID(a.Arg(0), p)
	if a.Arg(0) == "" {
		id = -1
	}
	u, err := h.svc.User(r.Context(), p.ACL(), id)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	b, err := encodeUserOut(u, true)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeJSON(w, r, b)
}

// viewOtherUser answers users/view/{id} for another user than the caller: site admins see every user and org
// admins those of their organisation; anyone else gets MISP's "Invalid user or not authorised.".
func (h *handler) viewOtherUser(w http.ResponseWriter, r *http.Request, p Principal, id string) {
	u := p.ACL()
	role := u.EffectiveRole()
	uid := adminUserID(id, p)
	if h.svc == nil || !role.PermSiteAdmin && !role.PermAdmin || uid <= 0 {
		server.WriteError(w, r, http.StatusNotFound, msgInvalidUserOrNotAuthorised)
		return
	}
	target, err := h.svc.User(r.Context(), u, uid)
	var ae *acl.Error
	if errors.As(err, &ae) {
		msg := msgInvalidUserOrNotAuthorised
		if role.PermSiteAdmin {
			msg = acl.MsgInvalidUser
		}
		server.WriteError(w, r, http.StatusNotFound, msg)
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	b, err := encodeUserOut(target, true)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeJSON(w, r, b)
}

// addUserOut is admin/users/add's answer: the new user alone, with its API key in clear, shown this once.
type addUserOut struct {
	User json.RawMessage `json:"User"`
}

// addUser answers admin/users/add with {"User": {…, "authkey": the new key}}. email is required; role_id defaults
// to the default role (3) and org_id to the caller's organisation. A password, as MISP takes one, is set for the web
// UI (intel.AddUser checks its length; the API itself authenticates with keys only).
func (h *handler) addUser(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	u := p.ACL()
	if err := h.svc.Policy().CanManageUsers(u, u.OrgID); err != nil {
		h.adminErr(w, r, err)
		return
	}
	m, err := adminObjectBody(r, "User", intel.MsgCouldNotAddUser)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	if v, ok := m["email"]; !ok || adminString(v) == "" {
		h.adminErr(w, r, intel.Invalid(intel.MsgCouldNotAddUser, "email", intel.MsgMandatory))
		return
	}
	nu := &misp.User{}
	if err := adminOverlay(nu, m, nu, intel.MsgCouldNotAddUser, "User", "id", "authkey",
		"confirm_password", "invited_by", "date_created", "date_modified"); err != nil {
		h.adminErr(w, r, err)
		return
	}
	key, err := h.svc.AddUser(r.Context(), u, nu)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	c := *nu
	c.Role, c.Organisation, c.Settings, c.Password = nil, nil, nil, ""
	c.Authkey = key
	b, err := json.Marshal(c)
	if err != nil {
		h.adminErr(w, r, fmt.Errorf("encode user %d: %w", c.ID, err))
		return
	}
	writeValue(w, r, addUserOut{User: b})
}

// editUser answers admin/users/edit/{id}: the fields sent replace the stored ones (not id, invited_by or the
// dates; passwords and keys are ignored); the answer is {"User": …} as MISP gives it.
func (h *handler) editUser(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	u := p.ACL()
	id := adminUserID(a.Arg(0), p)
	if a.Arg(0) == "" {
		id = -1
	}
	old, err := h.svc.User(r.Context(), u, id)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	m, err := adminObjectBody(r, "User", intel.MsgCouldNotEditUser)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	base := *old
	base.Role, base.Organisation, base.Settings = nil, nil, nil
	edited := &misp.User{}
	if err := adminOverlay(&base, m, edited, intel.MsgCouldNotEditUser, "User", "id", "authkey", "password",
		"confirm_password", "current_password", "invited_by", "date_created", "date_modified"); err != nil {
		h.adminErr(w, r, err)
		return
	}
	edited.ID = old.ID
	if err := h.svc.EditUser(r.Context(), u, edited); err != nil {
		h.adminErr(w, r, err)
		return
	}
	c := *edited
	c.Role, c.Organisation, c.Settings = nil, nil, nil
	b, err := misp.EncodeUser(&c)
	if err != nil {
		h.adminErr(w, r, fmt.Errorf("encode user %d: %w", c.ID, err))
		return
	}
	writeJSON(w, r, b)
}

// deleteUser answers admin/users/delete/{id} with MISP's "User deleted.".
func (h *handler) deleteUser(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id := adminUserID(a.Arg(0), p)
	if a.Arg(0) == "" || a.Arg(0) == "me" {
		id = -1
	}
	if err := h.svc.DeleteUser(r.Context(), p.ACL(), id); err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeSaved(w, r, msgUserDeleted, strconv.FormatInt(id, 10))
}

// changePassword answers users/change_pw: hunch keeps no passwords, so the change is refused, clearly.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, _ Principal, _ Args) {
	writeSaveFailed(w, r, http.StatusForbidden, "Could not change_pw User", msgNoPasswords)
}

// authKeyOut is auth_keys/add's answer, {"AuthKey": …}, with the new key in clear in authkey_raw.
type authKeyOut struct {
	AuthKey struct {
		ID           string  `json:"id"`
		UUID         string  `json:"uuid"`
		AuthkeyStart string  `json:"authkey_start"`
		AuthkeyEnd   string  `json:"authkey_end"`
		Created      string  `json:"created"`
		Expiration   string  `json:"expiration"`
		ReadOnly     bool    `json:"read_only"`
		UserID       string  `json:"user_id"`
		Comment      string  `json:"comment"`
		AllowedIPs   *string `json:"allowed_ips"`
		AuthkeyRaw   string  `json:"authkey_raw"`
	} `json:"AuthKey"`
}

// addAuthKey answers auth_keys/add[/{user id|me}] (PyMISP get_new_authkey) with the new key, once.
func (h *handler) addAuthKey(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	m, err := adminObjectBody(r, "AuthKey", "Could not add AuthKey")
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	arg := a.Arg(0)
	if v, ok := m["user_id"]; ok && arg == "" {
		arg = adminString(v)
	}
	comment := ""
	if v, ok := m["comment"]; ok {
		comment = adminString(v)
	}
	k, err := h.svc.AddAuthKey(r.Context(), p.ACL(), adminUserID(arg, p), comment)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	var out authKeyOut
	out.AuthKey.ID, out.AuthKey.UUID = strconv.FormatInt(k.ID, 10), k.UUID
	out.AuthKey.AuthkeyStart, out.AuthKey.AuthkeyEnd = k.Start, k.End
	out.AuthKey.Created, out.AuthKey.Expiration = strconv.FormatInt(k.Created.Unix(), 10), "0"
	if !k.Expiration.IsZero() {
		out.AuthKey.Expiration = strconv.FormatInt(k.Expiration.Unix(), 10)
	}
	out.AuthKey.ReadOnly, out.AuthKey.UserID, out.AuthKey.Comment = k.ReadOnly, strconv.FormatInt(k.UserID, 10), k.Comment
	out.AuthKey.AuthkeyRaw = k.Clear
	writeValue(w, r, out)
}

// ---- roles ----

// roleOut is one role as MISP answers it: {"Role": {…}}.
type roleOut struct {
	Role misp.Role `json:"Role"`
}

// indexRoles answers roles/index with MISP's six default roles, [{"Role": …}, …].
func (h *handler) indexRoles(w http.ResponseWriter, r *http.Request, _ Principal, _ Args) {
	roles := misp.DefaultRoles()
	out := make([]roleOut, len(roles))
	for i, role := range roles {
		out[i] = roleOut{Role: role.WithPermission()}
	}
	writeValue(w, r, out)
}

// viewRole answers roles/view/{id} with {"Role": …}.
func (h *handler) viewRole(w http.ResponseWriter, r *http.Request, _ Principal, a Args) {
	id, _ := strconv.ParseInt(a.Arg(0), 10, 64)
	role, ok := intel.Role(id)
	if !ok {
		server.WriteError(w, r, http.StatusNotFound, "Invalid role")
		return
	}
	writeValue(w, r, roleOut{Role: role.WithPermission()})
}

// changeRole refuses admin/roles/add, edit and delete: hunch has MISP's six default roles only. Only site admins
// reach the refusal; others are refused as MISP refuses them the action.
func (h *handler) changeRole(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if err := h.svc.Policy().CanManageOrgs(p.ACL()); err != nil {
		h.adminErr(w, r, err)
		return
	}
	action := "add"
	switch {
	case strings.Contains(r.URL.Path, "/roles/edit"):
		action = "edit"
	case strings.Contains(r.URL.Path, "/roles/delete"):
		action = "delete"
	}
	writeSaveFailed(w, r, http.StatusForbidden, "Could not "+action+" Role", msgCustomRoles)
}

// ---- sharing groups ----

// sgFields are a sharing group's own fields as MISP answers them, beside its Organisation and lists.
type sgFields struct {
	ID               misp.FlexInt  `json:"id"`
	UUID             string        `json:"uuid"`
	Name             string        `json:"name"`
	Description      string        `json:"description"`
	Releasability    string        `json:"releasability"`
	Local            misp.FlexBool `json:"local"`
	Active           misp.FlexBool `json:"active"`
	Roaming          misp.FlexBool `json:"roaming"`
	OrganisationUUID string        `json:"organisation_uuid"`
	OrgID            misp.FlexInt  `json:"org_id"`
	SyncUserID       misp.FlexInt  `json:"sync_user_id"`
	Created          string        `json:"created"`
	Modified         string        `json:"modified"`
	OrgCount         *int          `json:"org_count,omitempty"`
}

// sgOut is a sharing group as MISP's view, add and edit answer it: {"SharingGroup", "Organisation",
// "SharingGroupOrg", "SharingGroupServer"}; index items also say whether the caller may edit and delete it.
type sgOut struct {
	SharingGroup       sgFields                  `json:"SharingGroup"`
	Organisation       *misp.Organisation        `json:"Organisation"`
	SharingGroupOrg    []misp.SharingGroupOrg    `json:"SharingGroupOrg"`
	SharingGroupServer []misp.SharingGroupServer `json:"SharingGroupServer"`
	Editable           *bool                     `json:"editable,omitempty"`
	Deletable          *bool                     `json:"deletable,omitempty"`
}

func sgWire(sg *misp.SharingGroup) sgOut {
	out := sgOut{
		SharingGroup: sgFields{ID: sg.ID, UUID: sg.UUID, Name: sg.Name, Description: sg.Description,
			Releasability: sg.Releasability, Local: sg.Local, Active: sg.Active, Roaming: sg.Roaming,
			OrganisationUUID: sg.OrganisationUUID, OrgID: sg.OrgID, SyncUserID: sg.SyncUserID, Created: sg.Created,
			Modified: sg.Modified},
		Organisation:       sg.Organisation,
		SharingGroupOrg:    sg.SharingGroupOrg,
		SharingGroupServer: sg.SharingGroupServer,
	}
	if out.SharingGroupOrg == nil {
		out.SharingGroupOrg = []misp.SharingGroupOrg{}
	}
	if out.SharingGroupServer == nil {
		out.SharingGroupServer = []misp.SharingGroupServer{}
	}
	return out
}

// indexSharingGroups answers sharingGroups/index[/true] with {"response": [groups]} (PyMISP strips "response"):
// the active groups the caller may see, or with /true the inactive ones.
func (h *handler) indexSharingGroups(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	u := p.ACL()
	groups, err := h.svc.SharingGroups(r.Context(), u, a.Arg(0) == "true")
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	pol := h.svc.Policy()
	out := make([]sgOut, len(groups))
	for i := range groups {
		out[i] = sgWire(&groups[i])
		n := len(groups[i].SharingGroupOrg)
		out[i].SharingGroup.OrgCount = &n
		editable := pol.CanEditSharingGroup(u, int64(groups[i].ID)) == nil
		deletable := pol.CanDeleteSharingGroup(u, int64(groups[i].ID)) == nil
		out[i].Editable, out[i].Deletable = &editable, &deletable
	}
	writeValue(w, r, struct {
		Response []sgOut `json:"response"`
	}{out})
}

// viewSharingGroup answers sharingGroups/view/{id|uuid} with the group; HEAD answers whether it exists for the
// caller, 200 or 404 without a body, as MISP's sharing_group_exists check expects.
func (h *handler) viewSharingGroup(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	sg, err := h.svc.SharingGroup(r.Context(), p.ACL(), a.Arg(0))
	if r.Method == http.MethodHead {
		var ae *acl.Error
		switch {
		case err == nil:
			w.WriteHeader(http.StatusOK)
		case errors.As(err, &ae):
			w.WriteHeader(http.StatusNotFound)
		default:
			h.adminErr(w, r, err)
		}
		return
	}
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, sgWire(sg))
}

// addSharingGroup answers sharingGroups/add with the new group. A group sent without "active" is active, as in
// MISP.
func (h *handler) addSharingGroup(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	u := p.ACL()
	if err := h.svc.Policy().CanCreateSharingGroup(u); err != nil {
		h.adminErr(w, r, err)
		return
	}
	m, err := adminObjectBody(r, "SharingGroup", intel.MsgCouldNotAddSharingGroup)
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	sg := &misp.SharingGroup{Active: true}
	if err := adminOverlay(sg, m, sg, intel.MsgCouldNotAddSharingGroup, "SharingGroup", "id", "org_id",
		"organisation_uuid", "sync_user_id", "local", "created", "modified", "Organisation"); err != nil {
		h.adminErr(w, r, err)
		return
	}
	if err := h.svc.AddSharingGroup(r.Context(), u, sg); err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, sgWire(sg))
}

// editSharingGroup answers sharingGroups/edit/{id|uuid}: name, description, releasability, active and roaming
// sent replace the stored ones; the answer is the group.
func (h *handler) editSharingGroup(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	m, err := adminObjectBody(r, "SharingGroup", "Could not edit SharingGroup")
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	var decodeErr error
	sg, err := h.svc.EditSharingGroup(r.Context(), p.ACL(), a.Arg(0), func(sg *misp.SharingGroup) {
		patch := map[string]json.RawMessage{}
		for _, k := range []string{"name", "description", "releasability", "active", "roaming"} {
			if v, ok := m[k]; ok {
				patch[k] = v
			}
		}
		base := *sg
		base.Organisation, base.SharingGroupOrg, base.SharingGroupServer = nil, nil, nil
		edited := misp.SharingGroup{}
		if decodeErr = adminOverlay(&base, patch, &edited, "Could not edit SharingGroup", "SharingGroup"); decodeErr == nil {
			sg.Name, sg.Description, sg.Releasability = edited.Name, edited.Description, edited.Releasability
			sg.Active, sg.Roaming = edited.Active, edited.Roaming
		}
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, sgWire(sg))
}

// deleteSharingGroup answers sharingGroups/delete/{id|uuid} with MISP's "SharingGroup deleted".
func (h *handler) deleteSharingGroup(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := h.svc.DeleteSharingGroup(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.adminErr(w, r, err)
		return
	}
	writeValue(w, r, saved{Saved: true, Success: true, Name: intel.MsgSharingGroupDeleted,
		Message: intel.MsgSharingGroupDeleted, URL: "/sharing_groups/delete/" + a.Arg(0), ID: strconv.FormatInt(id, 10)})
}

// sgQuickAction is one of the sharing groups' quick edits.
type sgQuickAction int

const (
	sgAddOrg sgQuickAction = iota
	sgRemoveOrg
	sgAddServer
	sgRemoveServer
)

// sgQuickEdit answers sharingGroups/addOrg, removeOrg, addServer and removeServer, in MISP's two forms: path
// arguments ({sg}/{org or server}[/{extend or all}]) or a body {"sg_id", "org_id", "extend"} (also sg_uuid, id,
// uuid; org_uuid, org_name; server_id…; all, all_orgs).
func (h *handler) sgQuickEdit(action sgQuickAction) Handler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		m, err := adminObjectBody(r, "", "Could not edit SharingGroup")
		if err != nil {
			h.adminErr(w, r, err)
			return
		}
		first := func(keys ...string) string {
			for _, k := range keys {
				if v, ok := m[k]; ok {
					if s := adminString(v); s != "" && s != "0" || k == "server_id" && s == "0" {
						return s
					}
				}
			}
			return ""
		}
		sgRef, objRef, flag := a.Arg(0), a.Arg(1), phpTrue(a.Arg(2))
		if sgRef == "" {
			sgRef = first("sg_id", "sg_uuid", "id", "uuid")
		}
		isOrg := action == sgAddOrg || action == sgRemoveOrg
		if objRef == "" {
			if isOrg {
				objRef = first("org_id", "org_uuid", "org_name")
			} else {
				objRef = first("server_id", "server_url", "server_baseurl", "server_name")
			}
		}
		for _, k := range []string{"extend", "all", "all_orgs"} {
			if v, ok := m[k]; ok && (k == "extend") == isOrg {
				flag = phpTrue(adminString(v))
			}
		}
		ctx, u := r.Context(), p.ACL()
		var msg, url string
		switch action {
		case sgAddOrg:
			err, msg, url = h.svc.AddSharingGroupOrg(ctx, u, sgRef, objRef, flag), intel.MsgOrgAddedToSG, "addOrg"
		case sgRemoveOrg:
			err, msg, url = h.svc.RemoveSharingGroupOrg(ctx, u, sgRef, objRef), intel.MsgOrgRemovedFromSG, "removeOrg"
		case sgAddServer:
			err, msg, url = h.svc.AddSharingGroupServer(ctx, u, sgRef, objRef, flag), intel.MsgServerAddedToSG, "addServer"
		default:
			err, msg, url = h.svc.RemoveSharingGroupServer(ctx, u, sgRef, objRef), intel.MsgServerRemovedFromSG, "removeServer"
		}
		if err != nil {
			h.adminErr(w, r, err)
			return
		}
		writeValue(w, r, saved{Saved: true, Success: true, Name: msg, Message: msg, URL: "/sharing_groups/" + url})
	}
}

// adminString renders a JSON scalar as a string: strings as they are, numbers and booleans as written.
func adminString(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	t := strings.TrimSpace(string(v))
	if t == "null" {
		return ""
	}
	return t
}

// phpTrue reads a flag as MISP (PHP) does: "", "0", "false" and "null" are false.
func phpTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "null":
		return false
	}
	return true
}

// adminDigits reports whether s is a non-empty run of ASCII digits.
func adminDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
