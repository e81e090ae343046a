package intel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the servers actions.
const (
	// MsgInvalidServerID answers a server id that does not exist.
	MsgInvalidServerID = "Invalid server"
	// MsgServerDeleted is servers/delete's success message (PyMISP's test_servers reads it).
	MsgServerDeleted = "Server deleted"
	// MsgCouldNotAddServer and MsgCouldNotEditServer head refused saves.
	MsgCouldNotAddServer  = "Could not add Server"
	MsgCouldNotEditServer = "Could not edit Server"
)

// ServerRows lists the sync servers for servers/index with their owner and remote organisations. The remote
// keys are left out, as MISP's index leaves them out.
func (s *Service) ServerRows(ctx context.Context, u acl.User) ([]misp.ServerRow, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	list, err := s.st.ListServers(ctx)
	if err != nil {
		return nil, err
	}
	orgs := map[int64]*misp.ServerOrg{}
	org := func(id misp.FlexInt) *misp.ServerOrg {
		if id == 0 {
			return nil
		}
		if o, ok := orgs[int64(id)]; ok {
			return o
		}
		var so *misp.ServerOrg
		if o, err := s.st.Org(ctx, int64(id)); err == nil {
			so = &misp.ServerOrg{ID: o.ID, Name: o.Name, UUID: o.UUID}
		}
		orgs[int64(id)] = so
		return so
	}
	out := make([]misp.ServerRow, 0, len(list))
	for _, sv := range list {
		sv.Authkey = ""
		out = append(out, misp.ServerRow{Server: sv, Organisation: org(sv.OrgID), RemoteOrg: org(sv.RemoteOrgID)})
	}
	return out, nil
}

// ServerEntry returns server id with its remote key masked (misp.MaskAuthkey).
func (s *Service) ServerEntry(ctx context.Context, u acl.User, id int64) (*misp.Server, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	return s.maskedServer(ctx, id)
}

func (s *Service) maskedServer(ctx context.Context, id int64) (*misp.Server, error) {
	sv, err := s.st.Server(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidServerID)
	}
	if err != nil {
		return nil, err
	}
	key, err := s.openServerKey(id, sv.Authkey)
	if err != nil {
		return nil, err
	}
	sv.Authkey = misp.MaskAuthkey(key)
	return sv, nil
}

// checkServer validates what servers/add and servers/edit may set, as MISP's Server model does.
func (s *Service) checkServer(ctx context.Context, sv *misp.Server, message string) error {
	sv.Name, sv.URL = strings.TrimSpace(sv.Name), strings.TrimRight(strings.TrimSpace(sv.URL), "/")
	inv := &InvalidError{Message: message, Fields: map[string][]string{}}
	add := func(f, m string) { inv.Fields[f] = append(inv.Fields[f], m) }
	if sv.Name == "" {
		add("name", "Please fill in this field")
	}
	if u, err := url.Parse(sv.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("url", "Please provide a valid BaseURL.")
	}
	if sv.RemoteOrgID == 0 {
		add("Organisation", "Remote Organisation's id/uuid not given (remote_org_id)")
	} else if _, err := s.st.Org(ctx, int64(sv.RemoteOrgID)); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		add("Organisation", "Invalid Remote Organisation")
	}
	if sv.Authkey != "" && !misp.IsMaskedAuthkey(sv.Authkey) && !acl.ValidKey(sv.Authkey) {
		add("authkey", "A authkey of a minimum length of 40 is required.")
	}
	if len(inv.Fields) > 0 {
		return inv
	}
	// As MISP: a link is internal only towards an instance of the host organisation.
	if host := s.Policy().Settings().Instance.HostOrgID; host == 0 || int64(sv.RemoteOrgID) != host {
		sv.Internal = false
	}
	return nil
}

// AddServer stores a new sync server (servers/add), owned by u's organisation (the host organisation for System),
// with its remote key sealed, and returns it with the key masked. The key is required.
func (s *Service) AddServer(ctx context.Context, u acl.User, sv *misp.Server) (*misp.Server, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	if sv.Authkey == "" || misp.IsMaskedAuthkey(sv.Authkey) {
		return nil, Invalid(MsgCouldNotAddServer, "authkey", "A authkey of a minimum length of 40 is required.")
	}
	if err := s.checkServer(ctx, sv, MsgCouldNotAddServer); err != nil {
		return nil, err
	}
	key := sv.Authkey
	sv.ID, sv.Authkey, sv.LastPulledID, sv.LastPushedID = 0, "", 0, 0
	sv.OrgID = misp.FlexInt(u.OrgID)
	if sv.OrgID == 0 {
		sv.OrgID = misp.FlexInt(s.Policy().Settings().Instance.HostOrgID)
	}
	if sv.OrgID == 0 {
		// Pulled events belong to the server's owner: there must be one.
		return nil, Invalid(MsgCouldNotAddServer, "org_id",
			"This instance has no host organisation to own the server's events yet: start 'hunch serve' once to make it.")
	}
	// The sealed key is bound to the server's id, known once the row exists.
	if _, err := s.serverAEAD(); err != nil {
		return nil, err
	}
	if err := s.st.CreateServer(ctx, sv); err != nil {
		return nil, fmt.Errorf("add server %q: %w", sv.Name, err)
	}
	sealed, err := s.sealServerKey(int64(sv.ID), key)
	if err == nil {
		sv.Authkey = sealed
		err = s.st.UpdateServer(ctx, sv)
	}
	if err != nil {
		_ = s.st.DeleteServer(ctx, int64(sv.ID))
		return nil, fmt.Errorf("add server %q: %w", sv.Name, err)
	}
	return s.maskedServer(ctx, int64(sv.ID))
}

// EditServer applies to server id the fields of patch that set names (the JSON keys the request held), as
// servers/edit does: an empty or masked authkey keeps the stored key, the progress and owner never change.
func (s *Service) EditServer(ctx context.Context, u acl.User, id int64, patch *misp.Server, set []string) (*misp.Server, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	sv, err := s.st.Server(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidServerID)
	}
	if err != nil {
		return nil, err
	}
	has := func(k string) bool { return slices.Contains(set, k) }
	if has("name") {
		sv.Name = patch.Name
	}
	if has("url") {
		sv.URL = patch.URL
	}
	if has("remote_org_id") {
		sv.RemoteOrgID = patch.RemoteOrgID
	}
	for k, f := range map[string]struct{ dst, src *misp.FlexBool }{
		"push": {&sv.Push, &patch.Push}, "pull": {&sv.Pull, &patch.Pull},
		"push_sightings": {&sv.PushSightings, &patch.PushSightings}, "self_signed": {&sv.SelfSigned, &patch.SelfSigned},
		"skip_proxy": {&sv.SkipProxy, &patch.SkipProxy}, "caching_enabled": {&sv.CachingEnabled, &patch.CachingEnabled},
		"internal": {&sv.Internal, &patch.Internal}, "unpublish_event": {&sv.UnpublishEvent, &patch.UnpublishEvent},
		"publish_without_email": {&sv.PublishWithoutEmail, &patch.PublishWithoutEmail},
	} {
		if has(k) {
			*f.dst = *f.src
		}
	}
	if has("cert_file") {
		sv.CertFile = patch.CertFile
	}
	if has("priority") {
		sv.Priority = patch.Priority
	}
	if has("pull_rules") {
		sv.PullRules = patch.PullRules
	}
	if has("push_rules") {
		sv.PushRules = patch.PushRules
	}
	newKey := ""
	if has("authkey") && patch.Authkey != "" && !misp.IsMaskedAuthkey(patch.Authkey) {
		newKey = patch.Authkey
	}
	stored := sv.Authkey
	sv.Authkey = newKey
	if err := s.checkServer(ctx, sv, MsgCouldNotEditServer); err != nil {
		return nil, err
	}
	sv.Authkey = stored
	if newKey != "" {
		if sv.Authkey, err = s.sealServerKey(id, newKey); err != nil {
			return nil, err
		}
	}
	if err := s.st.UpdateServer(ctx, sv); err != nil {
		return nil, fmt.Errorf("edit server %d: %w", id, err)
	}
	return s.maskedServer(ctx, id)
}

// DeleteServer deletes server id (servers/delete) and takes it out of the sharing groups that list it.
func (s *Service) DeleteServer(ctx context.Context, u acl.User, id int64) error {
	if err := s.Policy().CanManageServers(u); err != nil {
		return err
	}
	groups, err := s.st.ListSharingGroups(ctx)
	if err != nil {
		return err
	}
	if err := s.st.DeleteServer(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return acl.NotFound(MsgInvalidServerID)
		}
		return err
	}
	changed := false
	for _, g := range groups {
		for _, m := range g.SharingGroupServer {
			if int64(m.ServerID) == id {
				if err := s.st.RemoveSharingGroupServer(ctx, int64(g.ID), id); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("remove server %d from sharing group %d: %w", id, g.ID, err)
				}
				changed = true
			}
		}
	}
	if changed {
		return s.Reload(ctx)
	}
	return nil
}

// ServerRef parses a server id from a path.
func ServerRef(ref string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(ref), ".json"), 10, 64)
	if err != nil || id <= 0 {
		return 0, acl.NotFound(MsgInvalidServerID)
	}
	return id, nil
}

// refusedServer is a refusal of a sync action (MISP's saveFailResponse for servers/pull and push).
func refusedServer(msg string) error {
	return &RefusedError{Status: http.StatusForbidden, Message: msg}
}
