package acl

// Server is a remote instance this one synchronises with (MISP's `servers` row, seen from here).
type Server struct {
	ID int64
	// RemoteOrgID is the organisation that runs the remote instance (servers.remote_org_id).
	RemoteOrgID int64
	// Internal marks a link to another instance of the same organisation (servers.internal): no downgrades, and
	// events of distribution 0 and 1 may travel when the remote organisation is this instance's host organisation.
	Internal bool
}

// serverInSharingGroup is MISP's rule for whether data shared to g may go to server s. A group that lists instances
// and does not roam goes only to those instances: to all of an instance's organisations when listed with all_orgs,
// else on to the organisation check; an unlisted instance gets nothing unless the link is internal. A roaming group,
// or one listing no instance, goes to any instance run by one of its organisations.
func serverInSharingGroup(g SharingGroup, s Server) bool {
	if len(g.Servers) > 0 && !g.Roaming {
		listed := false
		for _, gs := range g.Servers {
			if gs.ServerID == s.ID {
				if gs.AllOrgs {
					return true
				}
				listed = true
			}
		}
		if !listed && !s.Internal {
			return false
		}
	}
	return g.hasOrg(s.RemoteOrgID)
}

// CanPushEvent reports whether ev goes to server s on push: only published events; distribution 2 and 3; 0 and 1
// only over an internal link to the host organisation's own instance; 4 when its sharing group reaches s.
func (p *Policy) CanPushEvent(ev Event, s Server) bool {
	if !ev.Published {
		return false
	}
	internal := s.Internal && p.settings.Instance.HostOrgID != 0 && s.RemoteOrgID == p.settings.Instance.HostOrgID
	if !internal && ev.Distribution < Connected {
		return false
	}
	switch ev.Distribution {
	case OrgOnly, Community, Connected, All:
		return true
	case SharingGroupOnly:
		g, ok := p.sharingGroup(ev.SharingGroupID)
		return ok && serverInSharingGroup(g, s)
	default:
		return false
	}
}

// CanPushElement reports whether element el of a pushed event goes along to s: over an external link not at
// distribution 0 or 1, and at 4 only when its sharing group reaches s; inherited elements go with their event.
func (p *Policy) CanPushElement(el Element, s Server) bool {
	if s.Internal {
		return el.Distribution.Valid()
	}
	switch el.Distribution {
	case Connected, All, Inherit:
		return true
	case SharingGroupOnly:
		g, ok := p.sharingGroup(el.SharingGroupID)
		return ok && serverInSharingGroup(g, s)
	default:
		return false
	}
}

// PushedDistribution is the distribution an event or element is sent with to s: "connected communities" (2) travels
// one hop, so it leaves as "this community" (1) unless the link is internal.
func PushedDistribution(d Distribution, s Server) Distribution {
	if d == Connected && !s.Internal {
		return Community
	}
	return d
}

// PulledDistribution is the distribution an event pulled from s is stored with: "this community" (1) becomes "your
// organisation only" (0) and "connected communities" (2) becomes "this community" (1), unless the link is internal.
func PulledDistribution(d Distribution, s Server) Distribution {
	if s.Internal {
		return d
	}
	switch d {
	case Community:
		return OrgOnly
	case Connected:
		return Community
	}
	return d
}
