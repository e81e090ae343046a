package intel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Bootstrap makes a new instance usable, as MISP's "cake User init" does: on an instance that has no users yet it
// creates the host organisation orgName (or reuses the organisation of that name when there is one), records it
// as the host organisation (SettingHostOrgID), creates the first user, a site admin (role 1) of that organisation
// with e-mail email, reloads the policy, and returns that user's API key in clear with created set. The key is
// shown only this once; the store keeps its hash.
//
// On an instance that already has users Bootstrap changes nothing and returns "", false, nil, so that a server
// may call it on every start. It is meant for one process starting an instance: two processes bootstrapping the
// same empty store at once may both create an organisation, and then one of the two fails on the e-mail.
func (s *Service) Bootstrap(ctx context.Context, orgName, email string) (key string, created bool, err error) {
	orgName, email = strings.TrimSpace(orgName), strings.TrimSpace(email)
	users, err := s.st.ListUsers(ctx, 0)
	if err != nil {
		return "", false, fmt.Errorf("bootstrap: list users: %w", err)
	}
	if len(users) > 0 {
		return "", false, nil
	}
	if orgName == "" {
		return "", false, errors.New("bootstrap: the host organisation needs a name")
	}
	if !validEmail(email) {
		return "", false, fmt.Errorf("bootstrap: %q is not an e-mail address", email)
	}
	org, err := s.st.OrgByName(ctx, orgName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		org = &misp.Organisation{Name: orgName, Local: true}
		if err := s.AddOrg(ctx, System, org); err != nil {
			return "", false, fmt.Errorf("bootstrap: %w", err)
		}
	case err != nil:
		return "", false, fmt.Errorf("bootstrap: look up organisation %q: %w", orgName, err)
	case !bool(org.Local):
		org.Local = true
		if err := s.st.UpdateOrg(ctx, org); err != nil {
			return "", false, fmt.Errorf("bootstrap: mark organisation %q local: %w", orgName, err)
		}
	}
	if err := s.st.PutSetting(ctx, SettingHostOrgID, strconv.FormatInt(int64(org.ID), 10)); err != nil {
		return "", false, fmt.Errorf("bootstrap: store host organisation: %w", err)
	}
	if err := s.Reload(ctx); err != nil {
		return "", false, fmt.Errorf("bootstrap: %w", err)
	}
	admin := &misp.User{Email: email, OrgID: org.ID, RoleID: misp.FlexInt(acl.RoleAdmin)}
	key, err = s.AddUser(ctx, System, admin)
	if err != nil {
		return "", false, fmt.Errorf("bootstrap: add site admin %s: %w", email, err)
	}
	return key, true, nil
}
