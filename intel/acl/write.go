package acl

// Write decisions. Each follows MISP's two steps: the role gate (ACLComponent: a role without the action's permission
// gets 403 "You do not have permission to use this functionality."), then the check against the target. Where MISP
// looks a target up without its read rule (publish, unpublish, attribute delete) hunch checks readability first and
// answers as MISP does for a missing target, so a refusal never discloses that an unreadable event exists.

// active refuses disabled users.
func active(u User) error {
	if u.Disabled {
		return unauthenticated()
	}
	return nil
}

// gate is the role gate: ok is the role's permission for the action.
func gate(u User, ok bool) error {
	if err := active(u); err != nil {
		return err
	}
	if !ok {
		return noFunctionality()
	}
	return nil
}

// canModify is MISP's rule for changing an event: site admins; perm_modify_org users of the creating organisation;
// perm_modify users who created it.
func canModify(u User, r Role, ev Event) bool {
	return r.PermSiteAdmin ||
		(r.PermModifyOrg && ev.OrgcID == u.OrgID) ||
		(r.PermModify && ev.UserID == u.ID)
}

// CanUseAPI decides whether u may authenticate with an API key at all: the user is enabled and the role has
// perm_auth (a read-only key keeps it). A refusal is MISP's 403 "Authentication failed. …".
func (p *Policy) CanUseAPI(u User) error {
	if u.Disabled || !u.Role.PermAuth {
		return unauthenticated()
	}
	return nil
}

// CanAddEvent decides events/add: perm_add.
func (p *Policy) CanAddEvent(u User) error {
	return gate(u, u.EffectiveRole().PermAdd)
}

// CanEditEvent decides events/edit: perm_add, then 404 "Invalid event" for an event u cannot see, then 403 "You are
// not authorised to do that." unless u is a site admin, may modify the event (perm_modify_org in the creating
// organisation, or perm_modify and its creator) and is of the creating organisation, or is a sync user updating an
// event that synchronisation brought in (locked), as MISP's save allows.
func (p *Policy) CanEditEvent(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) {
		return notFound(MsgInvalidEvent)
	}
	if r.PermSiteAdmin || (r.PermSync && ev.Locked) || (canModify(u, r, ev) && ev.OrgcID == u.OrgID) {
		return nil
	}
	return forbidden(MsgNotAuthorised)
}

// CanDeleteEvent decides events/delete: perm_add, then the modify rule. MISP answers every refused delete alike,
// missing or forbidden: 403 "Could not delete Event" with errors "Event was not deleted.".
func (p *Policy) CanDeleteEvent(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) || !canModify(u, r, ev) {
		e := forbidden(MsgCouldNotDeleteEvent)
		e.detail = MsgEventNotDeleted
		return e
	}
	return nil
}

// CanPublish decides events/publish (and alert): perm_publish, then 404 "Invalid event." for an event u cannot see,
// then MISP's 405 "You do not have the permission to do that." unless u is a site admin or in the creating
// organisation.
func (p *Policy) CanPublish(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermPublish); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) {
		return notFound(MsgInvalidEventDot)
	}
	if r.PermSiteAdmin || ev.OrgcID == u.OrgID {
		return nil
	}
	return notAllowed(MsgNoPermissionThe)
}

// CanUnpublish decides events/unpublish: perm_modify, then 404 "Invalid event." for an event u cannot see, then 403
// "You do not have the permission to do that." unless u may modify the event.
func (p *Policy) CanUnpublish(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermModify); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) {
		return notFound(MsgInvalidEventDot)
	}
	if canModify(u, r, ev) {
		return nil
	}
	return forbidden(MsgNoPermissionThe)
}

// CanAddAttribute decides attributes/add, objects/add and objectReferences/add on ev: perm_add, then 404 "Invalid
// event" for an event u cannot see, then 403 "You do not have permission to do that." unless u may modify the event.
// That 403 is PyMISP's cue to retry as a proposal, which CanPropose decides.
func (p *Policy) CanAddAttribute(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) {
		return notFound(MsgInvalidEvent)
	}
	if !canModify(u, r, ev) {
		return forbidden(MsgNoPermission)
	}
	return nil
}

// CanPropose decides shadowAttributes/add (a proposal on another organisation's event): perm_add and an event u can
// see, else 404 "Invalid Event".
func (p *Policy) CanPropose(u User, ev Event) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if !p.eventVisible(u, r, ev) {
		return notFound("Invalid Event")
	}
	return nil
}

// CanEditElement decides attributes/edit, objects/edit and eventReports/edit: perm_add, then 404 for an element u
// cannot see, then 403 "You do not have permission to do that." unless u may modify the event.
func (p *Policy) CanEditElement(u User, ev Event, el Element) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if err := p.CanReadElement(u, ev, el); err != nil {
		return err
	}
	if !canModify(u, r, ev) {
		return forbidden(MsgNoPermission)
	}
	return nil
}

// CanDeleteElement decides attributes/delete (and objects, reports): perm_add, then 404 for an element u cannot see,
// then 403 "You do not have permission to do that." unless u is a site admin, in the creating organisation, or — for
// a locked (synchronised) event — a sync user of the owning organisation. As in MISP, deleting needs no perm_modify.
func (p *Policy) CanDeleteElement(u User, ev Event, el Element) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdd); err != nil {
		return err
	}
	if err := p.CanReadElement(u, ev, el); err != nil {
		return err
	}
	switch {
	case r.PermSiteAdmin:
		return nil
	case ev.Locked:
		if u.OrgID == ev.OrgID && r.PermSync {
			return nil
		}
	case u.OrgID == ev.OrgcID:
		return nil
	}
	return forbidden(MsgNoPermission)
}

// CanTag decides attaching or detaching a tag on ev (tags/attachTagToObject, removeTagFromObject): perm_tagger;
// a local tag only from the host organisation (403); 404 "Invalid Target." for an event u cannot see; a global tag
// only by a site admin or the creating organisation (403, with MISP's hint to use local tags for host-org users).
func (p *Policy) CanTag(u User, ev Event, local bool) error {
	return p.canTag(u, ev, nil, local)
}

// CanTagElement is CanTag for an attribute (or object) el of ev; el must be readable.
func (p *Policy) CanTagElement(u User, ev Event, el Element, local bool) error {
	return p.canTag(u, ev, &el, local)
}

func (p *Policy) canTag(u User, ev Event, el *Element, local bool) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermTagger); err != nil {
		return err
	}
	host := p.settings.Instance.HostOrgID
	if local && u.OrgID != host {
		return forbidden(MsgLocalTagsHostOrg)
	}
	if el == nil {
		if !p.eventVisible(u, r, ev) {
			return notFound(MsgInvalidTarget)
		}
	} else if p.CanReadElement(u, ev, *el) != nil {
		return notFound(MsgInvalidTarget)
	}
	if local || r.PermSiteAdmin || ev.OrgcID == u.OrgID {
		return nil
	}
	if u.OrgID == host {
		return forbidden(MsgGlobalTagsOrgc + " " + MsgGlobalTagsHostOrgHint)
	}
	return forbidden(MsgGlobalTagsOrgc)
}

// CanCreateTags decides tags/add: perm_tag_editor.
func (p *Policy) CanCreateTags(u User) error {
	return gate(u, u.EffectiveRole().PermTagEditor)
}

// CanEditTags decides tags/edit and tags/delete, which MISP keeps for site admins.
func (p *Policy) CanEditTags(u User) error {
	return gate(u, u.EffectiveRole().PermSiteAdmin)
}

// CanAddSighting decides sightings/add on element el of ev: perm_sighting and an element u can see.
func (p *Policy) CanAddSighting(u User, ev Event, el Element) error {
	if err := gate(u, u.EffectiveRole().PermSighting); err != nil {
		return err
	}
	return p.CanReadElement(u, ev, el)
}

// CanDeleteSighting decides sightings/delete: perm_sighting and perm_modify_org, then site admins, or the sighting's
// own organisation; anything else is 404 "Invalid sighting.", as in MISP.
func (p *Policy) CanDeleteSighting(u User, s Sighting) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermSighting && r.PermModifyOrg); err != nil {
		return err
	}
	if r.PermSiteAdmin || s.OrgID == u.OrgID {
		return nil
	}
	return notFound(MsgInvalidSighting)
}

// CanManageUsers decides the admin/users actions (index, view, add, edit, delete) for users of targetOrg: perm_admin,
// then site admins for any organisation and org admins for their own; anything else is 404 "Invalid user".
func (p *Policy) CanManageUsers(u User, targetOrg int64) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermAdmin); err != nil {
		return err
	}
	if r.PermSiteAdmin || targetOrg == u.OrgID {
		return nil
	}
	return notFound(MsgInvalidUser)
}

// CanManageUser is CanManageUsers for one existing user: an org admin may not edit or delete a site admin, even of
// the same organisation (404 "Invalid user").
func (p *Policy) CanManageUser(u User, target User) error {
	if err := p.CanManageUsers(u, target.OrgID); err != nil {
		return err
	}
	if !u.EffectiveRole().PermSiteAdmin && target.Role.PermSiteAdmin {
		return notFound(MsgInvalidUser)
	}
	return nil
}

// CanAssignRole decides giving role to a user of targetOrg: u must manage that organisation's users; an org admin
// may not hand out roles with perm_site_admin, perm_sync or perm_regexp_access or restricted to site admins (403;
// MISP answers this with a 500); with LimitSiteAdminsToHostOrg, site-admin roles go only to host-org users (403).
func (p *Policy) CanAssignRole(u User, role Role, targetOrg int64) error {
	if err := p.CanManageUsers(u, targetOrg); err != nil {
		return err
	}
	privileged := role.PermSiteAdmin || role.PermSync || role.PermRegexpAccess || role.RestrictedToSiteAdmin
	if !u.EffectiveRole().PermSiteAdmin && privileged {
		return forbidden(MsgAssignRole)
	}
	if p.settings.LimitSiteAdminsToHostOrg && role.PermSiteAdmin && targetOrg != p.settings.Instance.HostOrgID {
		return forbidden(MsgSiteAdminHostOrg)
	}
	return nil
}

// CanManageOrgs decides admin/organisations add, edit and delete, which MISP keeps for site admins.
func (p *Policy) CanManageOrgs(u User) error {
	return gate(u, u.EffectiveRole().PermSiteAdmin)
}

// CanManageServers decides the servers actions (index, add, edit, delete, pull, push), kept for site admins.
func (p *Policy) CanManageServers(u User) error {
	return gate(u, u.EffectiveRole().PermSiteAdmin)
}

// CanManageCorrelations decides the correlation exclusions (index, view, add, delete, clean), which MISP keeps
// for site admins.
func (p *Policy) CanManageCorrelations(u User) error {
	return gate(u, u.EffectiveRole().PermSiteAdmin)
}

// CanSync decides the synchronisation endpoints a remote instance's sync user calls: perm_sync.
func (p *Policy) CanSync(u User) error {
	return gate(u, u.EffectiveRole().PermSync)
}

// CanCreateSharingGroup decides sharingGroups/add: perm_sharing_group.
func (p *Policy) CanCreateSharingGroup(u User) error {
	return gate(u, u.EffectiveRole().PermSharingGroup)
}

// CanViewSharingGroup decides sharingGroups/view: site admins, the creating organisation, listed organisations, and
// everyone when the group is open to all local organisations. Anything else, missing groups included, is MISP's 405
// "Sharing group doesn't exist or you do not have permission to access it.".
func (p *Policy) CanViewSharingGroup(u User, id int64) error {
	if err := active(u); err != nil {
		return err
	}
	if !p.canViewSharingGroup(u, u.EffectiveRole(), id) {
		return notAllowed(MsgSharingGroupView)
	}
	return nil
}

func (p *Policy) canViewSharingGroup(u User, r Role, id int64) bool {
	g, ok := p.sharingGroup(id)
	if !ok {
		return false
	}
	return r.PermSiteAdmin || g.OrgID == u.OrgID || g.hasOrg(u.OrgID) || g.openToLocalOrgs()
}

// CanUseSharingGroup decides choosing sharing group id as the distribution of new or edited data: the group must be
// visible to u (as CanViewSharingGroup), else 403 "Invalid Sharing Group or not authorised.".
func (p *Policy) CanUseSharingGroup(u User, id int64) error {
	if err := active(u); err != nil {
		return err
	}
	if !p.canViewSharingGroup(u, u.EffectiveRole(), id) {
		return forbidden(MsgInvalidSharingGroup)
	}
	return nil
}

// CanEditSharingGroup decides sharingGroups/edit, addOrg, removeOrg, addServer and removeServer: perm_sharing_group,
// then 404 "Invalid sharing group." for a group u cannot see, then MISP's 405 "Action not allowed." unless u is a
// site admin, of the creating organisation, or of a listed organisation with the extend flag.
func (p *Policy) CanEditSharingGroup(u User, id int64) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermSharingGroup); err != nil {
		return err
	}
	if !p.canViewSharingGroup(u, r, id) {
		return notFound("Invalid sharing group.")
	}
	g, _ := p.sharingGroup(id)
	if r.PermSiteAdmin || g.OrgID == u.OrgID {
		return nil
	}
	for _, o := range g.Orgs {
		if o.OrgID == u.OrgID && o.Extend {
			return nil
		}
	}
	return notAllowed(MsgActionNotAllowed)
}

// CanDeleteSharingGroup decides sharingGroups/delete: perm_sharing_group, then site admins or the creating
// organisation; anything else, missing groups included, is MISP's 405 "Action not allowed.".
func (p *Policy) CanDeleteSharingGroup(u User, id int64) error {
	r := u.EffectiveRole()
	if err := gate(u, r.PermSharingGroup); err != nil {
		return err
	}
	g, ok := p.sharingGroup(id)
	if ok && (r.PermSiteAdmin || g.OrgID == u.OrgID) {
		return nil
	}
	return notAllowed(MsgActionNotAllowed)
}
