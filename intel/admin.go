package intel

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
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
// (CanAssignRole). nu.OrgID defaults to the caller's organisation. The e-mail must be valid and unused. Passwords
// are not used by hunch (the API authenticates with keys only): a password in nu is dropped, never stored, and so
// is a key in nu.Authkey (the key is always made here). On success nu holds the stored user with its id, Role and
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
	now := misp.Timestamp(s.now().Unix())
	nu.ID, nu.Password, nu.Authkey = 0, "", ""
	nu.DateCreated, nu.DateModified, nu.InvitedBy = now, now, misp.FlexInt(u.ID)
	if err := s.st.CreateUser(ctx, nu); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return "", Invalid(MsgCouldNotAddUser, "email", MsgEmailTaken)
		}
		return "", fmt.Errorf("add user %s: %w", nu.Email, err)
	}
	key, err := s.newKey(ctx, int64(nu.ID), "", time.Time{}, false)
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
	return key, nil
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
	if !validEmail(nu.Email) {
		return Invalid(message, "email", MsgEmailInvalid)
	}
	if other, err := s.st.UserByEmail(ctx, nu.Email); err == nil && int64(other.ID) != self {
		return Invalid(message, "email", MsgEmailTaken)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("look up user %s: %w", nu.Email, err)
	}
	return nil
}

// validEmail reports whether e is a bare e-mail address (local@domain, no display name).
func validEmail(e string) bool {
	if e == "" || len(e) > 255 {
		return false
	}
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == ""
}

// newKey makes an API key for user userID, stores its hash and returns it in clear.
func (s *Service) newKey(ctx context.Context, userID int64, comment string, expiration time.Time, readOnly bool) (string, error) {
	key, err := acl.GenerateKey()
	if err != nil {
		return "", fmt.Errorf("generate api key: %w", err)
	}
	hash, err := acl.HashKey(key)
	if err != nil {
		return "", fmt.Errorf("hash api key: %w", err)
	}
	k := &store.AuthKey{UserID: userID, Hash: hash, Start: acl.KeyStart(key), End: acl.KeyEnd(key),
		Expiration: expiration, ReadOnly: readOnly, Comment: comment, Created: s.now().UTC().Truncate(time.Second)}
	if err := s.st.AddAuthKey(ctx, k); err != nil {
		return "", fmt.Errorf("store api key of user %d: %w", userID, err)
	}
	return key, nil
}
