package intel

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the organisation and user operations, verbatim.
const (
	// MsgCouldNotAddOrg is the message of a refused admin/organisations/add (RestResponse::saveFailResponse).
	MsgCouldNotAddOrg = "Could not add Organisation"
	// MsgCouldNotEditOrg is the message of a refused admin/organisations/edit.
	MsgCouldNotEditOrg = "Could not edit Organisation"
	// MsgOrgNameTaken is the complaint about an organisation name already used.
	MsgOrgNameTaken = "An organisation with this name already exists."
	// MsgOrgUUIDTaken is the complaint about an organisation uuid already used.
	MsgOrgUUIDTaken = "An organisation with this UUID already exists."
	// MsgInvalidOrg answers an organisation that does not exist (organisations/view, edit, delete).
	MsgInvalidOrg = "Invalid organisation"
	// MsgOrgDeleted is admin/organisations/delete's success message.
	MsgOrgDeleted = "Organisation deleted"
	// MsgOrgNotDeleted answers deleting an organisation that still has users, events or sharing groups.
	MsgOrgNotDeleted = "Organisation could not be deleted. Generally organisations should never be deleted, instead consider moving them to the known remote organisations list. Alternatively, if you are certain that you would like to remove an organisation and are aware of the impact, make sure that there are no users or events still tied to this organisation before deleting it."
	// MsgCouldNotAddUser is the message of a refused admin/users/add.
	MsgCouldNotAddUser = "Could not add User"
	// MsgCouldNotEditUser is the message of a refused admin/users/edit.
	MsgCouldNotEditUser = "Could not edit User"
	// MsgEmailTaken is the complaint about an e-mail address another account uses.
	MsgEmailTaken = "An account with this email address already exists."
	// MsgEmailInvalid is the complaint about an e-mail address that is not one.
	MsgEmailInvalid = "Please enter a valid email address."
	// MsgUserDeleted is admin/users/delete's success message.
	MsgUserDeleted = "User deleted."
	// MsgUserNotDeleted answers deleting a user who may not be deleted (the caller itself).
	MsgUserNotDeleted = "User was not deleted."
	// MsgMandatory is the complaint about a required field left out.
	MsgMandatory = "Mandatory field not set."
	// MsgInvalidRole answers a role id that names none of the roles.
	MsgInvalidRole = "Invalid role"
)

// orgTime is MISP's format of organisations' date_created and date_modified (MySQL datetime, UTC).
const orgTime = "2006-01-02 15:04:05"

// AddOrg creates organisation o (admin/organisations/add), which only site admins may do. The name is required
// and unique, the uuid (made when empty) must be valid and unused; date_created, date_modified and created_by are
// stamped. On success o holds the stored organisation with its id.
func (s *Service) AddOrg(ctx context.Context, u acl.User, o *misp.Organisation) error {
	if err := s.Policy().CanManageOrgs(u); err != nil {
		return err
	}
	o.Name = strings.TrimSpace(o.Name)
	o.UUID = strings.ToLower(strings.TrimSpace(o.UUID))
	if err := s.checkOrg(ctx, o, 0, MsgCouldNotAddOrg); err != nil {
		return err
	}
	if o.UUID == "" {
		o.UUID = misp.NewUUID()
	}
	now := s.now().UTC().Format(orgTime)
	o.ID, o.DateCreated, o.DateModified, o.CreatedBy = 0, now, now, misp.FlexInt(u.ID)
	if err := s.st.CreateOrg(ctx, o); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Invalid(MsgCouldNotAddOrg, "name", MsgOrgNameTaken)
		}
		return fmt.Errorf("add organisation %q: %w", o.Name, err)
	}
	return nil
}

// checkOrg validates o as MISP's Organisation model does: a name, unique among organisations other than self,
// and a uuid (when given) that is valid and unused by another.
func (s *Service) checkOrg(ctx context.Context, o *misp.Organisation, self int64, message string) error {
	if o.Name == "" {
		return Invalid(message, "name", "This field cannot be left blank.")
	}
	if other, err := s.st.OrgByName(ctx, o.Name); err == nil && int64(other.ID) != self {
		return Invalid(message, "name", MsgOrgNameTaken)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("look up organisation %q: %w", o.Name, err)
	}
	if o.UUID == "" {
		return nil
	}
	if !misp.ValidUUID(o.UUID) {
		return Invalid(message, "uuid", "Please provide a valid UUID")
	}
	if other, err := s.st.OrgByUUID(ctx, o.UUID); err == nil && int64(other.ID) != self {
		return Invalid(message, "uuid", MsgOrgUUIDTaken)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("look up organisation %s: %w", o.UUID, err)
	}
	return nil
}

// AddUser creates user nu (admin/users/add) and returns its first API key, in clear, which is shown only this
// once: the store keeps its bcrypt hash. Site admins add users to any organisation, org admins to their own
// (CanManageUsers); the role (the default role, 3 "User", when none is named) must be one the caller may hand out
// (CanAssignRole). nu.OrgID defaults to the caller's organisation. The e-mail must be valid and unused. A password
// in nu, as MISP takes one, must pass CheckPasswordPolicy and is stored as a bcrypt hash (for the web UI; the API
// authenticates with keys only); a key in nu.Authkey is dropped (the key is always made here). On success nu holds the stored user with its id, Role and
// Organisation, and the policy is reloaded (the organisation now has users).
func (s *Service) AddUser(ctx context.Context, u acl.User, nu *misp.User) (string, error) {
	if nu.OrgID == 0 {
		nu.OrgID = misp.FlexInt(u.OrgID)
	}
	if nu.RoleID == 0 {
		nu.RoleID = misp.FlexInt(acl.RoleUser)
	}
	if err := s.Policy().CanManageUsers(u, int64(nu.OrgID)); err != nil {
		return "", err
	}
	if err := s.checkUser(ctx, u, nu, 0, MsgCouldNotAddUser); err != nil {
		return "", err
	}
	password := nu.Password
	if password != "" {
		if err := s.CheckPasswordPolicy(password, MsgCouldNotAddUser); err != nil {
			return "", err
		}
	}
	now := misp.Timestamp(s.now().Unix())
	nu.ID, nu.Password, nu.Authkey = 0, "", ""
	nu.DateCreated, nu.DateModified, nu.InvitedBy = now, now, misp.FlexInt(u.ID)
	if err := s.st.CreateUser(ctx, nu); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return "", Invalid(MsgCouldNotAddUser, "email", MsgEmailTaken)
		}
		return "", fmt.Errorf("add user %s: %w", nu.Email, err)
	}
	k, err := s.newKey(ctx, int64(nu.ID), "")
	if err == nil && password != "" {
		err = s.storePassword(ctx, int64(nu.ID), password)
	}
	if err != nil {
		if derr := s.st.DeleteUser(ctx, int64(nu.ID)); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove user %d again: %w", nu.ID, derr))
		}
		return "", err
	}
	if err := s.Reload(ctx); err != nil {
		return "", err
	}
	if err := s.FillUser(ctx, nu); err != nil {
		return "", err
	}
	return k.Clear, nil
}

// checkUser validates nu for a save by u: an existing organisation, a known role u may give to a user of that
// organisation, and a valid e-mail no other user than self has.
func (s *Service) checkUser(ctx context.Context, u acl.User, nu *misp.User, self int64, message string) error {
	nu.Email = strings.TrimSpace(nu.Email)
	if _, err := s.st.Org(ctx, int64(nu.OrgID)); errors.Is(err, store.ErrNotFound) {
		return Invalid(message, "org_id", MsgInvalidOrg)
	} else if err != nil {
		return fmt.Errorf("organisation %d: %w", nu.OrgID, err)
	}
	role, ok := acl.DefaultRole(int64(nu.RoleID))
	if !ok {
		return Invalid(message, "role_id", MsgInvalidRole)
	}
	if err := s.Policy().CanAssignRole(u, role, int64(nu.OrgID)); err != nil {
		return err
	}
	return s.checkEmail(ctx, nu.Email, self, message)
}

// validEmail reports whether e is a bare e-mail address (local@domain, no display name).
func validEmail(e string) bool {
	if e == "" || len(e) > 255 {
		return false
	}
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == ""
}

// newKey makes an API key for user userID, stores its hash and returns it with the key in clear.
func (s *Service) newKey(ctx context.Context, userID int64, comment string) (*NewAuthKey, error) {
	key, err := acl.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate api key: %w", err)
	}
	hash, err := acl.HashKey(key)
	if err != nil {
		return nil, fmt.Errorf("hash api key: %w", err)
	}
	k := store.AuthKey{UserID: userID, Hash: hash, Start: acl.KeyStart(key), End: acl.KeyEnd(key), Comment: comment,
		Created: s.now().UTC().Truncate(time.Second)}
	if err := s.st.AddAuthKey(ctx, &k); err != nil {
		return nil, fmt.Errorf("store api key of user %d: %w", userID, err)
	}
	return &NewAuthKey{AuthKey: k, Clear: key}, nil
}

// RefusedError is a refusal MISP answers with a status and message that no access decision of intel/acl carries
// (e.g. 405 "Invalid sharing group or no editing rights." from the sharing-group quick edits).
type RefusedError struct {
	// Status is the HTTP status MISP answers with.
	Status int
	// Message is MISP's message, verbatim.
	Message string
	// Errors, when not empty, is the "errors" field of a save-failure reply (RestResponse::saveFailResponse), whose
	// message is Message.
	Errors string
}

// Error describes the refusal in hunch's error style.
func (e *RefusedError) Error() string {
	return "refused: " + strings.ToLower(e.Message[:1]) + e.Message[1:]
}

// msgAuthKeyUser answers auth_keys/add for a user the caller may not make keys for.
const msgAuthKeyUser = "Invalid user or insufficient privileges to interact with an authkey for the given user."

// isSiteAdmin reports whether u acts as a site admin on this request (a read-only key does not).
func isSiteAdmin(u acl.User) bool { return u.EffectiveRole().PermSiteAdmin }

// OrgScope selects organisations in Orgs: "local" ones (with users here; MISP's default), "external" ones (known
// remote organisations) or "all".
type OrgScope string

// The scopes of organisations/index.
const (
	OrgScopeLocal    OrgScope = "local"
	OrgScopeExternal OrgScope = "external"
	OrgScopeAll      OrgScope = "all"
)

// Orgs lists the organisations of scope (anything but external and all means local, as in MISP) whose name,
// description, nationality, sector, type, contacts, restricted domains or uuid contain search (case-insensitive;
// "" matches all), by id. Every user may list organisations, as in MISP by default; created_by is shown to site
// admins only.
func (s *Service) Orgs(ctx context.Context, u acl.User, scope OrgScope, search string) ([]misp.Organisation, error) {
	all, err := s.st.ListOrgs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	search = strings.ToLower(strings.TrimSpace(search))
	out := make([]misp.Organisation, 0, len(all))
	for _, o := range all {
		switch scope {
		case OrgScopeAll:
		case OrgScopeExternal:
			if o.Local {
				continue
			}
		default:
			if !o.Local {
				continue
			}
		}
		if search != "" && !orgMatches(&o, search) {
			continue
		}
		if !isSiteAdmin(u) {
			o.CreatedBy = 0
		}
		out = append(out, o)
	}
	return out, nil
}

func orgMatches(o *misp.Organisation, lower string) bool {
	for _, f := range []string{o.Name, o.Description, o.Nationality, o.Sector, o.Type, o.Contacts, o.UUID,
		strings.Join(o.RestrictedToDomain, " ")} {
		if strings.Contains(strings.ToLower(f), lower) {
			return true
		}
	}
	return false
}

// Org returns the organisation ref names: an id, a uuid or, as MISP's organisations/view accepts, a name. One
// that does not exist is 404 "Invalid organisation". created_by is shown to site admins and to the
// organisation's own org admins only.
func (s *Service) Org(ctx context.Context, u acl.User, ref string) (*misp.Organisation, error) {
	o, err := s.orgByRef(ctx, ref, true)
	if err != nil {
		return nil, err
	}
	if !isSiteAdmin(u) && (!u.EffectiveRole().PermAdmin || u.OrgID != int64(o.ID)) {
		o.CreatedBy = 0
	}
	return o, nil
}

// orgByRef looks an organisation up by id or uuid, and by name when byName is set.
func (s *Service) orgByRef(ctx context.Context, ref string, byName bool) (*misp.Organisation, error) {
	ref = strings.TrimSpace(ref)
	var (
		o   *misp.Organisation
		err error
	)
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		if id <= 0 {
			return nil, acl.NotFound(MsgInvalidOrg)
		}
		o, err = s.st.Org(ctx, id)
	} else if misp.ValidUUID(ref) {
		o, err = s.st.OrgByUUID(ctx, strings.ToLower(ref))
	} else if byName && ref != "" {
		o, err = s.st.OrgByName(ctx, ref)
	} else {
		return nil, acl.NotFound(MsgInvalidOrg)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidOrg)
	}
	if err != nil {
		return nil, fmt.Errorf("look up organisation %s: %w", ref, err)
	}
	return o, nil
}

// EditOrg replaces the editable fields of organisation o.ID (admin/organisations/edit; site admins only) with
// o's: name, uuid, type, nationality, sector, contacts, description, local and restricted domains. The
// organisation's id, creation date and creator are kept; date_modified is stamped. o is left holding the stored
// organisation.
func (s *Service) EditOrg(ctx context.Context, u acl.User, o *misp.Organisation) error {
	if err := s.Policy().CanManageOrgs(u); err != nil {
		return err
	}
	old, err := s.orgByRef(ctx, strconv.FormatInt(int64(o.ID), 10), false)
	if err != nil {
		return err
	}
	o.Name = strings.TrimSpace(o.Name)
	o.UUID = strings.ToLower(strings.TrimSpace(o.UUID))
	if o.UUID == "" {
		o.UUID = old.UUID
	}
	if err := s.checkOrg(ctx, o, int64(old.ID), MsgCouldNotEditOrg); err != nil {
		return err
	}
	o.DateCreated, o.CreatedBy, o.LandingPage = old.DateCreated, old.CreatedBy, old.LandingPage
	o.DateModified = s.now().UTC().Format(orgTime)
	if err := s.st.UpdateOrg(ctx, o); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Invalid(MsgCouldNotEditOrg, "name", MsgOrgNameTaken)
		}
		return fmt.Errorf("edit organisation %d: %w", o.ID, err)
	}
	return s.Reload(ctx)
}

// DeleteOrg deletes the organisation ref names, an id or a uuid (admin/organisations/delete; site admins only).
// MISP keeps organisations that still have users or events, and hunch also those that own or belong to sharing
// groups: deleting one is refused with MISP's "Could not delete Organisation" and its explanation. It returns the
// deleted organisation's id.
func (s *Service) DeleteOrg(ctx context.Context, u acl.User, ref string) (int64, error) {
	if err := s.Policy().CanManageOrgs(u); err != nil {
		return 0, err
	}
	o, err := s.orgByRef(ctx, ref, false)
	if err != nil {
		return 0, err
	}
	if err := s.st.DeleteOrg(ctx, int64(o.ID)); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return 0, Invalid("Could not delete Organisation", "Organisation", MsgOrgNotDeleted)
		}
		return 0, fmt.Errorf("delete organisation %d: %w", o.ID, err)
	}
	if s.Policy().Settings().Instance.HostOrgID == int64(o.ID) {
		s.log.Warn("the host organisation was deleted", "org_id", int64(o.ID))
	}
	return int64(o.ID), s.Reload(ctx)
}

// UserFilter selects users in Users.
type UserFilter struct {
	// OrgID keeps the users of one organisation (searchorg); 0 keeps all the caller may see.
	OrgID int64
	// Search keeps users whose e-mail, organisation name or role name contains it (case-insensitive; value:).
	Search string
}

// Users lists users (admin/users/index) with their Role and Organisation, by id: every user for site admins,
// the users of their own organisation for org admins; anyone else is refused as by CanManageUsers.
func (s *Service) Users(ctx context.Context, u acl.User, f UserFilter) ([]misp.User, error) {
	org := f.OrgID
	if !isSiteAdmin(u) {
		if org != 0 && org != u.OrgID {
			return nil, s.Policy().CanManageUsers(u, org)
		}
		org = u.OrgID
	}
	if err := s.Policy().CanManageUsers(u, org); err != nil {
		return nil, err
	}
	list, err := s.st.ListUsers(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	search := strings.ToLower(strings.TrimSpace(f.Search))
	out := make([]misp.User, 0, len(list))
	for i := range list {
		nu := &list[i]
		if err := s.FillUser(ctx, nu); err != nil {
			return nil, err
		}
		if search != "" && !strings.Contains(strings.ToLower(nu.Email), search) &&
			!strings.Contains(strings.ToLower(nu.Organisation.Name), search) &&
			!strings.Contains(strings.ToLower(nu.Role.Name), search) {
			continue
		}
		out = append(out, *nu)
	}
	return out, nil
}

// User returns user id with Role and Organisation (admin/users/view, users/view): the caller itself, or a user
// the caller manages (site admins any, org admins those of their organisation). Anything else, missing users
// included, is 404 "Invalid user".
func (s *Service) User(ctx context.Context, u acl.User, id int64) (*misp.User, error) {
	target, err := s.userRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if id != u.ID {
		if err := s.Policy().CanManageUsers(u, int64(target.OrgID)); err != nil {
			return nil, err
		}
	}
	if err := s.FillUser(ctx, target); err != nil {
		return nil, err
	}
	return target, nil
}

// userRow loads user id; a missing one is 404 "Invalid user".
func (s *Service) userRow(ctx context.Context, id int64) (*misp.User, error) {
	if id <= 0 {
		return nil, acl.NotFound(acl.MsgInvalidUser)
	}
	target, err := s.st.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(acl.MsgInvalidUser)
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %d: %w", id, err)
	}
	return target, nil
}

// EditUser saves edited, a whole user (the stored one with the request's fields applied), over user edited.ID
// (admin/users/edit). The caller must manage that user (CanManageUser: org admins only non-site-admins of their
// own organisation); only site admins move users between organisations; a changed role must be one the caller
// may hand out (CanAssignRole; the role a user already has may be kept). The e-mail must stay valid and unique.
// The id, creation date and inviter are kept, date_modified is stamped, and passwords and keys in edited are
// dropped. On success edited holds the stored user with Role and Organisation, and the policy is reloaded.
func (s *Service) EditUser(ctx context.Context, u acl.User, edited *misp.User) error {
	old, err := s.userRow(ctx, int64(edited.ID))
	if err != nil {
		return err
	}
	if err := s.Policy().CanManageUser(u, ACLUser(old, false)); err != nil {
		return err
	}
	if !isSiteAdmin(u) {
		edited.OrgID = old.OrgID
	}
	if edited.RoleID == 0 {
		edited.RoleID = old.RoleID
	}
	if edited.RoleID == old.RoleID && edited.OrgID == old.OrgID {
		// Keeping the user's role is always allowed (MISP lets org admins keep an org admin an org admin).
		edited.Email = strings.TrimSpace(edited.Email)
		if err := s.checkEmail(ctx, edited.Email, int64(old.ID), MsgCouldNotEditUser); err != nil {
			return err
		}
	} else if err := s.checkUser(ctx, u, edited, int64(old.ID), MsgCouldNotEditUser); err != nil {
		return err
	}
	edited.Password, edited.Authkey = "", ""
	edited.DateCreated, edited.InvitedBy = old.DateCreated, old.InvitedBy
	edited.DateModified = misp.Timestamp(s.now().Unix())
	if err := s.st.UpdateUser(ctx, edited); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Invalid(MsgCouldNotEditUser, "email", MsgEmailTaken)
		}
		return fmt.Errorf("edit user %d: %w", edited.ID, err)
	}
	if err := s.Reload(ctx); err != nil {
		return err
	}
	return s.FillUser(ctx, edited)
}

// checkEmail validates e-mail e for user self.
func (s *Service) checkEmail(ctx context.Context, e string, self int64, message string) error {
	if e == "" {
		return Invalid(message, "email", MsgMandatory)
	}
	if !validEmail(e) {
		return Invalid(message, "email", MsgEmailInvalid)
	}
	if other, err := s.st.UserByEmail(ctx, e); err == nil && int64(other.ID) != self {
		return Invalid(message, "email", MsgEmailTaken)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("look up user %s: %w", e, err)
	}
	return nil
}

// DeleteUser deletes user id and its API keys (admin/users/delete) when the caller manages that user
// (CanManageUser), and reloads the policy.
func (s *Service) DeleteUser(ctx context.Context, u acl.User, id int64) error {
	old, err := s.userRow(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Policy().CanManageUser(u, ACLUser(old, false)); err != nil {
		return err
	}
	if err := s.st.DeleteUser(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return acl.NotFound(acl.MsgInvalidUser)
		}
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return s.Reload(ctx)
}

// NewAuthKey is an API key just made by AddAuthKey: the stored row (hash included) and the key in clear, which is
// shown only this once.
type NewAuthKey struct {
	store.AuthKey
	Clear string
}

// AddAuthKey makes a new API key for user userID (auth_keys/add), with comment, and returns it. Users make keys
// for themselves (not with a read-only key); site admins for anyone; org admins for the users of their
// organisation who are not admins themselves. Anything else, missing users included, is MISP's 405 "Invalid user
// or insufficient privileges to interact with an authkey for the given user.".
func (s *Service) AddAuthKey(ctx context.Context, u acl.User, userID int64, comment string) (*NewAuthKey, error) {
	refuse := &RefusedError{Status: 405, Message: msgAuthKeyUser}
	target, err := s.st.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %d: %w", userID, err)
	}
	role := u.EffectiveRole()
	switch {
	case u.ReadOnlyKey || !role.PermAuth:
		return nil, refuse
	case userID == u.ID, role.PermSiteAdmin:
	default:
		t := ACLUser(target, false)
		if !role.PermAdmin || t.OrgID != u.OrgID || t.Role.PermAdmin || t.Role.PermSiteAdmin || t.Disabled {
			return nil, refuse
		}
	}
	return s.newKey(ctx, userID, comment)
}
