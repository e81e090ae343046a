package intel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the sharing-group operations, verbatim.
const (
	// MsgCouldNotAddSharingGroup is the message of a refused sharingGroups/add.
	MsgCouldNotAddSharingGroup = "Could not add SharingGroup"
	// MsgCouldNotSaveSharingGroup is the errors field of a refused sharingGroups/add or edit.
	MsgCouldNotSaveSharingGroup = "Could not save sharing group."
	// MsgInvalidSharingGroupEdit answers the quick edits (addOrg, removeOrg, addServer, removeServer) of a group
	// that does not exist or the caller may not edit.
	MsgInvalidSharingGroupEdit = "Invalid sharing group or no editing rights."
	// MsgInvalidSharingGroupDot answers editing a sharing group that does not exist (404).
	MsgInvalidSharingGroupDot = "Invalid sharing group."
	// MsgNoSharingGroupID answers a quick edit that names no group.
	MsgNoSharingGroupID = "No valid sharing group ID provided."
	// MsgInvalidOrgDot answers a quick edit naming an organisation that does not exist.
	MsgInvalidOrgDot = "Invalid organisation."
	// MsgInvalidServer answers a quick edit naming a server that does not exist.
	MsgInvalidServer = "Invalid Server."
	// MsgOrgAddedToSG and the three below are the quick edits' success messages.
	MsgOrgAddedToSG        = "Organisation added to the sharing group."
	MsgOrgRemovedFromSG    = "Organisation removed from the sharing group."
	MsgServerAddedToSG     = "Server added to the sharing group."
	MsgServerRemovedFromSG = "Server removed from the sharing group."
	// MsgSharingGroupDeleted is sharingGroups/delete's success message.
	MsgSharingGroupDeleted = "SharingGroup deleted"
	// LocalInstanceName is the name MISP shows for server 0, this instance, in a group's server list.
	LocalInstanceName = "Local instance"
)

// nobody is a caller of no organisation with every sharing-group permission but site admin: the policy's refusals
// for it are MISP's answers for groups that do not exist.
var nobody = acl.User{ID: -1, OrgID: -1, Role: acl.Role{PermAuth: true, PermSharingGroup: true}}

// sgTime is MISP's format of sharing groups' created and modified (MySQL datetime).
const sgTime = "2006-01-02 15:04:05"

// SharingGroups lists the sharing groups u may see (sharingGroups/index), by id, with their owner organisation and
// their organisation and server lists filled in: the active ones, or with passive the inactive ones (MISP's
// index/true).
func (s *Service) SharingGroups(ctx context.Context, u acl.User, passive bool) ([]misp.SharingGroup, error) {
	all, err := s.st.ListSharingGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sharing groups: %w", err)
	}
	p := s.Policy()
	out := make([]misp.SharingGroup, 0, len(all))
	for i := range all {
		sg := &all[i]
		if bool(sg.Active) == passive || p.CanViewSharingGroup(u, int64(sg.ID)) != nil {
			continue
		}
		if err := s.fillSharingGroup(ctx, sg); err != nil {
			return nil, err
		}
		out = append(out, *sg)
	}
	return out, nil
}

// SharingGroup returns the sharing group ref names (an id or a uuid) when u may see it (sharingGroups/view);
// anything else, missing groups included, is MISP's 405 "Sharing group doesn't exist or you do not have
// permission to access it.".
func (s *Service) SharingGroup(ctx context.Context, u acl.User, ref string) (*misp.SharingGroup, error) {
	sg, err := s.sgByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if sg == nil {
		return nil, s.Policy().CanViewSharingGroup(nobody, -1)
	}
	if err := s.Policy().CanViewSharingGroup(u, int64(sg.ID)); err != nil {
		return nil, err
	}
	if err := s.fillSharingGroup(ctx, sg); err != nil {
		return nil, err
	}
	return sg, nil
}

// sgByRef loads the group ref names; a ref that names none is nil without error, so that the caller's policy
// decision answers it as it answers a group the caller may not see.
func (s *Service) sgByRef(ctx context.Context, ref string) (*misp.SharingGroup, error) {
	ref = strings.TrimSpace(ref)
	var (
		sg  *misp.SharingGroup
		err error
	)
	if misp.ValidUUID(ref) {
		sg, err = s.st.SharingGroupByUUID(ctx, strings.ToLower(ref))
	} else if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		sg, err = s.st.SharingGroup(ctx, id)
	} else {
		return nil, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up sharing group %s: %w", ref, err)
	}
	return sg, nil
}

// fillSharingGroup sets the group's owner Organisation, the Organisation of each member the store left empty, and
// the Server of server 0 (this instance).
func (s *Service) fillSharingGroup(ctx context.Context, sg *misp.SharingGroup) error {
	if sg.Organisation == nil && sg.OrgID != 0 {
		o, err := s.st.Org(ctx, int64(sg.OrgID))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("owner of sharing group %d: %w", sg.ID, err)
		}
		sg.Organisation = o
	}
	for i := range sg.SharingGroupOrg {
		m := &sg.SharingGroupOrg[i]
		if m.Organisation != nil {
			continue
		}
		o, err := s.st.Org(ctx, int64(m.OrgID))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("member %d of sharing group %d: %w", m.OrgID, sg.ID, err)
		}
		m.Organisation = o
	}
	for i := range sg.SharingGroupServer {
		m := &sg.SharingGroupServer[i]
		switch {
		case m.Server != nil:
		case m.ServerID == 0:
			m.Server = &misp.Server{Name: LocalInstanceName}
		default:
			if sv, err := s.st.Server(ctx, int64(m.ServerID)); err == nil {
				m.Server = &misp.Server{ID: sv.ID, Name: sv.Name, URL: sv.URL}
			}
		}
	}
	return nil
}

// AddSharingGroup creates sg (sharingGroups/add), owned by u's organisation, and reloads the policy. The caller
// needs perm_sharing_group; the name is required; the uuid, when given, must be valid and unused. Members come
// from sg.SharingGroupOrg (by OrgID, or by the uuid of their Organisation), which must name stored
// organisations; servers from sg.SharingGroupServer: 0 (this instance) or stored sync servers. A
// group that is not roaming and lists no server gets this instance, as MISP does. created, modified,
// organisation_uuid, org_id, sync_user_id and local are stamped. On success sg holds the stored group, filled as
// SharingGroup returns it.
func (s *Service) AddSharingGroup(ctx context.Context, u acl.User, sg *misp.SharingGroup) error {
	if err := s.Policy().CanCreateSharingGroup(u); err != nil {
		return err
	}
	fail := func(field, why string) error { return Invalid(MsgCouldNotAddSharingGroup, field, why) }
	sg.Name = strings.TrimSpace(sg.Name)
	if sg.Name == "" {
		return fail("name", "This field cannot be left empty.")
	}
	owner, err := s.st.Org(ctx, u.OrgID)
	if errors.Is(err, store.ErrNotFound) {
		return fail("org_id", MsgInvalidOrg)
	}
	if err != nil {
		return fmt.Errorf("organisation of user %d: %w", u.ID, err)
	}
	sg.UUID = strings.ToLower(strings.TrimSpace(sg.UUID))
	if sg.UUID != "" {
		if !misp.ValidUUID(sg.UUID) {
			return fail("uuid", "Please provide a valid UUID")
		}
		if _, err := s.st.SharingGroupByUUID(ctx, sg.UUID); err == nil {
			return fail("uuid", "A sharing group with this UUID already exists.")
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("look up sharing group %s: %w", sg.UUID, err)
		}
	}
	orgs := make([]misp.SharingGroupOrg, 0, len(sg.SharingGroupOrg))
	seen := map[misp.FlexInt]bool{}
	for _, m := range sg.SharingGroupOrg {
		id := m.OrgID
		if id == 0 && m.Organisation != nil {
			ref := m.Organisation.UUID
			if ref == "" {
				ref = strconv.FormatInt(int64(m.Organisation.ID), 10)
			}
			o, err := s.orgByRef(ctx, ref, false)
			if err != nil {
				return fail("SharingGroupOrg", MsgInvalidOrgDot)
			}
			id = o.ID
		} else if _, err := s.st.Org(ctx, int64(id)); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fail("SharingGroupOrg", MsgInvalidOrgDot)
			}
			return fmt.Errorf("organisation %d: %w", id, err)
		}
		if !seen[id] {
			seen[id] = true
			orgs = append(orgs, misp.SharingGroupOrg{OrgID: id, Extend: m.Extend})
		}
	}
	servers := make([]misp.SharingGroupServer, 0, 1)
	seenServer := map[misp.FlexInt]bool{}
	for _, m := range sg.SharingGroupServer {
		if _, err := s.serverRef(ctx, m.ServerID.String()); err != nil {
			return fail("SharingGroupServer", MsgInvalidServer)
		}
		if !seenServer[m.ServerID] {
			seenServer[m.ServerID] = true
			servers = append(servers, misp.SharingGroupServer{ServerID: m.ServerID, AllOrgs: m.AllOrgs})
		}
	}
	if !seenServer[0] && !bool(sg.Roaming) {
		servers = append(servers, misp.SharingGroupServer{ServerID: 0})
	}
	now := s.now().UTC().Format(sgTime)
	sg.ID, sg.Created, sg.Modified = 0, now, now
	sg.OrgID, sg.OrganisationUUID, sg.SyncUserID, sg.Local = owner.ID, owner.UUID, misp.FlexInt(u.ID), true
	sg.Organisation, sg.SharingGroupOrg, sg.SharingGroupServer = nil, orgs, servers
	if err := s.st.CreateSharingGroup(ctx, sg); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fail("uuid", "A sharing group with this UUID already exists.")
		}
		return fmt.Errorf("add sharing group %q: %w", sg.Name, err)
	}
	if err := s.Reload(ctx); err != nil {
		return err
	}
	stored, err := s.st.SharingGroup(ctx, int64(sg.ID))
	if err != nil {
		return fmt.Errorf("reload sharing group %d: %w", sg.ID, err)
	}
	*sg = *stored
	return s.fillSharingGroup(ctx, sg)
}

// EditSharingGroup changes the sharing group ref names (sharingGroups/edit) when u may edit it
// (CanEditSharingGroup): update is called with the stored group and may change its name, description,
// releasability, active and roaming flags, which are saved with modified stamped. The member and server lists
// are changed with the quick edits (AddSharingGroupOrg, …), not here. It returns the stored group, filled.
func (s *Service) EditSharingGroup(ctx context.Context, u acl.User, ref string, update func(*misp.SharingGroup)) (*misp.SharingGroup, error) {
	sg, err := s.sgByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if sg == nil {
		return nil, acl.NotFound(MsgInvalidSharingGroupDot)
	}
	id := int64(sg.ID)
	if err := s.Policy().CanEditSharingGroup(u, id); err != nil {
		return nil, err
	}
	edited := *sg
	update(&edited)
	kept := *sg
	kept.Name = strings.TrimSpace(edited.Name)
	kept.Description, kept.Releasability = edited.Description, edited.Releasability
	kept.Active, kept.Roaming = edited.Active, edited.Roaming
	if kept.Name == "" {
		return nil, Invalid("Could not edit SharingGroup", "name", "This field cannot be left empty.")
	}
	kept.Modified = s.now().UTC().Format(sgTime)
	if err := s.st.UpdateSharingGroup(ctx, &kept); err != nil {
		return nil, fmt.Errorf("edit sharing group %d: %w", kept.ID, err)
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s.SharingGroup(ctx, u, strconv.FormatInt(id, 10))
}

// DeleteSharingGroup deletes the sharing group ref names (sharingGroups/delete) when u may
// (CanDeleteSharingGroup: site admins and the owner organisation; anything else, missing groups included, is
// MISP's 405 "Action not allowed."), and reloads the policy. It returns the deleted group's id. Data still
// shared to the group stays readable by its owner organisation and site admins only.
func (s *Service) DeleteSharingGroup(ctx context.Context, u acl.User, ref string) (int64, error) {
	sg, err := s.sgByRef(ctx, ref)
	if err != nil {
		return 0, err
	}
	if sg == nil {
		return 0, s.Policy().CanDeleteSharingGroup(nobody, -1)
	}
	id := int64(sg.ID)
	if err := s.Policy().CanDeleteSharingGroup(u, id); err != nil {
		return 0, err
	}
	if err := s.st.DeleteSharingGroup(ctx, id); err != nil {
		return 0, fmt.Errorf("delete sharing group %d: %w", id, err)
	}
	return id, s.Reload(ctx)
}

// sgForQuickEdit loads the group ref names for a quick edit by u: no ref is 405 MsgNoSharingGroupID; a group
// that does not exist or u may not edit is 405 MsgInvalidSharingGroupEdit, as MISP answers both.
func (s *Service) sgForQuickEdit(ctx context.Context, u acl.User, ref string) (*misp.SharingGroup, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgNoSharingGroupID}
	}
	sg, err := s.sgByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if sg == nil || s.Policy().CanEditSharingGroup(u, int64(sg.ID)) != nil {
		return nil, &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgInvalidSharingGroupEdit}
	}
	return sg, nil
}

// quickEditFailed is MISP's save failure of a quick edit: "Could not <what> SharingGroup" with why in errors.
func quickEditFailed(what, why string) error {
	return &RefusedError{Status: http.StatusForbidden, Message: "Could not " + what + " SharingGroup", Errors: why}
}

// AddSharingGroupOrg adds the organisation orgRef names (an id, uuid or name) to the sharing group sgRef names
// (sharingGroups/addOrg), with the extend flag, and reloads the policy. An organisation already in the group is
// refused, as in MISP ("Organisation is already in the sharing group.").
func (s *Service) AddSharingGroupOrg(ctx context.Context, u acl.User, sgRef, orgRef string, extend bool) error {
	sg, err := s.sgForQuickEdit(ctx, u, sgRef)
	if err != nil {
		return err
	}
	o, err := s.orgByRef(ctx, orgRef, true)
	if err != nil {
		if errors.Is(err, acl.ErrNotFound) {
			return &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgInvalidOrgDot}
		}
		return err
	}
	for _, m := range sg.SharingGroupOrg {
		if m.OrgID == o.ID {
			return quickEditFailed("add Organisation to", "Organisation is already in the sharing group.")
		}
	}
	if err := s.st.AddSharingGroupOrg(ctx, int64(sg.ID), int64(o.ID), extend); err != nil {
		return fmt.Errorf("add organisation %d to sharing group %d: %w", o.ID, sg.ID, err)
	}
	return s.Reload(ctx)
}

// RemoveSharingGroupOrg removes the organisation orgRef names from the sharing group sgRef names
// (sharingGroups/removeOrg) and reloads the policy.
func (s *Service) RemoveSharingGroupOrg(ctx context.Context, u acl.User, sgRef, orgRef string) error {
	sg, err := s.sgForQuickEdit(ctx, u, sgRef)
	if err != nil {
		return err
	}
	o, err := s.orgByRef(ctx, orgRef, true)
	if err != nil {
		if errors.Is(err, acl.ErrNotFound) {
			return &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgInvalidOrgDot}
		}
		return err
	}
	if err := s.st.RemoveSharingGroupOrg(ctx, int64(sg.ID), int64(o.ID)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return quickEditFailed("remove Organisation from", "Organisation is not in the sharing group.")
		}
		return fmt.Errorf("remove organisation %d from sharing group %d: %w", o.ID, sg.ID, err)
	}
	return s.Reload(ctx)
}

// serverRef resolves a server reference for the quick edits: 0 is this instance, any other id a stored sync
// server.
func (s *Service) serverRef(ctx context.Context, ref string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(ref), 10, 64)
	if err != nil || id < 0 {
		return 0, &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgInvalidServer}
	}
	if id == 0 {
		return 0, nil
	}
	if _, err := s.st.Server(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, &RefusedError{Status: http.StatusMethodNotAllowed, Message: MsgInvalidServer}
		}
		return 0, fmt.Errorf("look up server %d: %w", id, err)
	}
	return id, nil
}

// AddSharingGroupServer adds the server serverRef names to the sharing group sgRef names (sharingGroups/addServer),
// with the all-orgs flag (on server 0: every local organisation), and reloads the policy. Server 0 is this
// instance; other ids name stored sync servers.
func (s *Service) AddSharingGroupServer(ctx context.Context, u acl.User, sgRef, serverRefStr string, allOrgs bool) error {
	sg, err := s.sgForQuickEdit(ctx, u, sgRef)
	if err != nil {
		return err
	}
	id, err := s.serverRef(ctx, serverRefStr)
	if err != nil {
		return err
	}
	for _, m := range sg.SharingGroupServer {
		if int64(m.ServerID) == id {
			return quickEditFailed("add Server to", "Server is already in the sharing group.")
		}
	}
	if err := s.st.AddSharingGroupServer(ctx, int64(sg.ID), id, allOrgs); err != nil {
		return fmt.Errorf("add server %d to sharing group %d: %w", id, sg.ID, err)
	}
	return s.Reload(ctx)
}

// RemoveSharingGroupServer removes the server serverRef names from the sharing group sgRef names
// (sharingGroups/removeServer) and reloads the policy.
func (s *Service) RemoveSharingGroupServer(ctx context.Context, u acl.User, sgRef, serverRefStr string) error {
	sg, err := s.sgForQuickEdit(ctx, u, sgRef)
	if err != nil {
		return err
	}
	id, err := s.serverRef(ctx, serverRefStr)
	if err != nil {
		return err
	}
	if err := s.st.RemoveSharingGroupServer(ctx, int64(sg.ID), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return quickEditFailed("remove Server from", "Server is not in the sharing group.")
		}
		return fmt.Errorf("remove server %d from sharing group %d: %w", id, sg.ID, err)
	}
	return s.Reload(ctx)
}
