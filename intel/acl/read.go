package acl

// canReadSharingGroupData reports whether a user of org with role r reads data shared to sharing group id: MISP's
// authorised sharing groups, which are those that list the organisation and those open to every organisation of this
// instance. The group's creator is not among them unless it is listed; roaming adds nothing here.
func (p *Policy) canReadSharingGroupData(org int64, r Role, id int64) bool {
	g, ok := p.sharingGroup(id)
	if !ok {
		return false
	}
	if r.PermSiteAdmin {
		return true
	}
	return g.hasOrg(org) || g.openToLocalOrgs()
}

// eventVisible is the read rule for an event, without the disabled-user check.
func (p *Policy) eventVisible(u User, r Role, ev Event) bool {
	if r.PermSiteAdmin || ev.OrgID == u.OrgID {
		return true
	}
	if p.settings.UnpublishedPrivate && !ev.Published {
		return false
	}
	switch ev.Distribution {
	case Community, Connected, All:
		return true
	case SharingGroupOnly:
		return p.canReadSharingGroupData(u.OrgID, r, ev.SharingGroupID)
	default:
		return false
	}
}

// elementOwnVisible is the read rule for an element's own distribution, for a user who reads its event and does not
// own it.
func (p *Policy) elementOwnVisible(u User, r Role, el Element) bool {
	switch el.Distribution {
	case Community, Connected, All, Inherit:
		return true
	case SharingGroupOnly:
		return p.canReadSharingGroupData(u.OrgID, r, el.SharingGroupID)
	default:
		return false
	}
}

// CanReadEvent decides whether u may see ev at all (events/view, HEAD, index, restSearch). Site admins see every
// event; the owner organisation sees its events; others see distributions 1–3, and 4 when their organisation is in
// the sharing group (or the group is open to all local organisations). With UnpublishedPrivate, others see only
// published events. A refusal is 404 "Invalid event": existence is not disclosed.
func (p *Policy) CanReadEvent(u User, ev Event) error {
	if u.Disabled {
		return unauthenticated()
	}
	if !p.eventVisible(u, u.EffectiveRole(), ev) {
		return notFound(MsgInvalidEvent)
	}
	return nil
}

// CanReadElement decides whether u may see attribute, object or event report el of ev. The user must see the event;
// then site admins and the event's owner organisation see every element, and others see elements whose own
// distribution is 1–3 or 5 (inherit), or 4 with a sharing group they read. Together with the event rule this makes the
// effective visibility the lower of the event's and the element's own, as in MISP. A refusal is 404 with MISP's
// not-found message for the element's kind.
func (p *Policy) CanReadElement(u User, ev Event, el Element) error {
	if u.Disabled {
		return unauthenticated()
	}
	r := u.EffectiveRole()
	if !p.eventVisible(u, r, ev) {
		return notFoundFor(el.Kind)
	}
	if r.PermSiteAdmin || ev.OrgID == u.OrgID {
		return nil
	}
	if !p.elementOwnVisible(u, r, el) {
		return notFoundFor(el.Kind)
	}
	return nil
}

// CanReadObjectAttribute decides whether u may see attribute attr of object obj in ev: both the object and the
// attribute must be readable, as MISP requires of attributes inside objects.
func (p *Policy) CanReadObjectAttribute(u User, ev Event, obj, attr Element) error {
	if err := p.CanReadElement(u, ev, obj); err != nil {
		return notFoundFor(attr.Kind)
	}
	return p.CanReadElement(u, ev, attr)
}

// EffectiveDistribution is the distribution el effectively has inside ev, for display and synchronisation: its own,
// or the event's when it inherits, lowered to the event's when that is narrower. A sharing group (4) counts as
// narrower than 1–3 and wider than 0; when both are sharing groups the element's group is returned (both apply).
// The read decisions do not use this: they check the event and the element each, which amounts to the same.
func EffectiveDistribution(ev Event, el Element) (Distribution, int64) {
	own, sg := el.Distribution, el.SharingGroupID
	if own == Inherit {
		own, sg = ev.Distribution, ev.SharingGroupID
	}
	rank := func(d Distribution) int {
		switch d {
		case OrgOnly:
			return 0
		case SharingGroupOnly:
			return 1
		default:
			return int(d) + 1
		}
	}
	if rank(ev.Distribution) < rank(own) {
		return ev.Distribution, ev.SharingGroupID
	}
	return own, sg
}

// Sighting is what a decision needs to know about a sighting: the organisation that reported it.
type Sighting struct {
	OrgID int64
}

// CanSeeSighting reports whether u sees sighting s of element el in ev under the instance's sighting policy. The user
// must see the element; site admins and the event's owner organisation then see every sighting, and everyone sees
// their own organisation's. Beyond that: SightingsEventOwner (MISP's default) shows nothing more; SightingsHostOrg
// adds the host organisation's sightings; SightingsReporter shows all sightings of events on which the user's
// organisation has itself reported one (reported); SightingsEveryone shows all.
func (p *Policy) CanSeeSighting(u User, ev Event, el Element, s Sighting, reported bool) bool {
	if p.CanReadElement(u, ev, el) != nil {
		return false
	}
	r := u.EffectiveRole()
	if r.PermSiteAdmin || ev.OrgID == u.OrgID || s.OrgID == u.OrgID {
		return true
	}
	switch p.settings.Sightings {
	case SightingsEveryone:
		return true
	case SightingsReporter:
		return reported
	case SightingsHostOrg:
		return s.OrgID == p.settings.Instance.HostOrgID
	default:
		return false
	}
}

// ShowSightingOrg reports whether u may see which organisation reported s: always, unless AnonymiseSightings hides
// other organisations' names (site admins still see them).
func (p *Policy) ShowSightingOrg(u User, s Sighting) bool {
	return !p.settings.AnonymiseSightings || s.OrgID == u.OrgID || u.EffectiveRole().PermSiteAdmin
}
