package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// captureSyncSharingGroups maps the sharing groups a synchronised event and its elements carry (SharingGroup, by
// uuid) to this side's, creating the ones not stored yet as MISP's captureSG does: with their owner and member
// organisations (found by uuid, then name, or created as non-local), this instance as a server, and the stored
// sync servers whose url the incoming group lists. The policy is reloaded when a group was created.
func (s *Service) captureSyncSharingGroups(ctx context.Context, u acl.User, e *misp.Event) error {
	created := false
	capture := func(d misp.Distribution, id *misp.FlexInt, sg **misp.SharingGroup) error {
		if d.Level() != int(acl.SharingGroupOnly) || *sg == nil || !misp.ValidUUID((*sg).UUID) {
			return nil
		}
		local, made, err := s.captureSharingGroup(ctx, u, *sg)
		if err != nil {
			return err
		}
		created = created || made
		*id, *sg = local, nil
		return nil
	}
	if err := capture(e.Distribution, &e.SharingGroupID, &e.SharingGroup); err != nil {
		return err
	}
	for i := range e.Attribute {
		a := &e.Attribute[i]
		if err := capture(a.Distribution, &a.SharingGroupID, &a.SharingGroup); err != nil {
			return err
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		if err := capture(o.Distribution, &o.SharingGroupID, &o.SharingGroup); err != nil {
			return err
		}
		for j := range o.Attribute {
			a := &o.Attribute[j]
			if err := capture(a.Distribution, &a.SharingGroupID, &a.SharingGroup); err != nil {
				return err
			}
		}
	}
	for i := range e.EventReport {
		r := &e.EventReport[i]
		if err := capture(r.Distribution, &r.SharingGroupID, &r.SharingGroup); err != nil {
			return err
		}
	}
	if created {
		return s.Reload(ctx)
	}
	return nil
}

// captureSharingGroup returns the id of the stored group with sg's uuid, creating it when there is none.
func (s *Service) captureSharingGroup(ctx context.Context, u acl.User, sg *misp.SharingGroup) (misp.FlexInt, bool, error) {
	local, err := s.st.SharingGroupByUUID(ctx, sg.UUID)
	if err == nil {
		return local.ID, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, false, fmt.Errorf("look up sharing group %s: %w", sg.UUID, err)
	}
	g := &misp.SharingGroup{UUID: strings.ToLower(sg.UUID), Name: sg.Name, Description: sg.Description,
		Releasability: sg.Releasability, Active: true, Roaming: sg.Roaming, SyncUserID: misp.FlexInt(u.ID)}
	if strings.TrimSpace(g.Name) == "" {
		g.Name = g.UUID
	}
	owner := sg.Organisation
	if owner == nil {
		owner = &misp.Organisation{UUID: sg.OrganisationUUID}
	}
	ownerID, err := s.captureOrg(ctx, owner)
	if err != nil {
		return 0, false, fmt.Errorf("sharing group %s owner: %w", sg.UUID, err)
	}
	if ownerID == 0 {
		ownerID = u.OrgID
	}
	g.OrgID = misp.FlexInt(ownerID)
	if o, err := s.st.Org(ctx, ownerID); err == nil {
		g.OrganisationUUID = o.UUID
	}
	seen := map[int64]bool{}
	for _, m := range sg.SharingGroupOrg {
		if m.Organisation == nil {
			continue
		}
		id, err := s.captureOrg(ctx, m.Organisation)
		if err != nil {
			return 0, false, fmt.Errorf("sharing group %s member: %w", sg.UUID, err)
		}
		if id != 0 && !seen[id] {
			seen[id] = true
			g.SharingGroupOrg = append(g.SharingGroupOrg, misp.SharingGroupOrg{OrgID: misp.FlexInt(id), Extend: m.Extend})
		}
	}
	g.SharingGroupServer = []misp.SharingGroupServer{{ServerID: 0}}
	if servers, err := s.st.ListServers(ctx); err == nil {
		for _, m := range sg.SharingGroupServer {
			if m.Server == nil || m.Server.URL == "" {
				continue
			}
			for _, sv := range servers {
				if strings.EqualFold(strings.TrimRight(sv.URL, "/"), strings.TrimRight(m.Server.URL, "/")) {
					g.SharingGroupServer = append(g.SharingGroupServer, misp.SharingGroupServer{ServerID: sv.ID, AllOrgs: m.AllOrgs})
				}
			}
		}
	}
	now := s.now().UTC().Format(sgTime)
	g.Created, g.Modified = now, now
	if err := s.st.CreateSharingGroup(ctx, g); err != nil {
		if errors.Is(err, store.ErrConflict) { // made meanwhile by a concurrent sync
			if local, lerr := s.st.SharingGroupByUUID(ctx, sg.UUID); lerr == nil {
				return local.ID, false, nil
			}
		}
		return 0, false, fmt.Errorf("capture sharing group %s: %w", sg.UUID, err)
	}
	return g.ID, true, nil
}

// captureOrg returns the id of the stored organisation o names (by uuid, then name), creating it (not local)
// when there is none; 0 when o names nothing.
func (s *Service) captureOrg(ctx context.Context, o *misp.Organisation) (int64, error) {
	if o.UUID != "" {
		if got, err := s.st.OrgByUUID(ctx, o.UUID); err == nil {
			return int64(got.ID), nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	if o.Name != "" {
		if got, err := s.st.OrgByName(ctx, o.Name); err == nil {
			return int64(got.ID), nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	if o.Name == "" || !misp.ValidUUID(o.UUID) {
		return 0, nil
	}
	n := &misp.Organisation{Name: o.Name, UUID: strings.ToLower(o.UUID), Local: false}
	if err := s.st.CreateOrg(ctx, n); err != nil {
		return 0, fmt.Errorf("capture organisation %q: %w", o.Name, err)
	}
	return int64(n.ID), nil
}
