package intel

import (
	"context"
	"fmt"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Key is a stored API key with its user, whose Role and Organisation are filled in: a candidate an API key
// presented by a client is checked against.
type Key struct {
	store.AuthKey
	User misp.User
}

// KeysByFragment returns the stored keys whose first and last four characters are start and end, each with its
// user. Expired keys are included; the authenticator decides.
func (s *Service) KeysByFragment(ctx context.Context, start, end string) ([]Key, error) {
	keys, err := s.st.KeysByFragment(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("look up api keys: %w", err)
	}
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		u, err := s.st.User(ctx, k.UserID)
		if err != nil {
			return nil, fmt.Errorf("user of api key %d: %w", k.ID, err)
		}
		if err := s.FillUser(ctx, u); err != nil {
			return nil, err
		}
		out = append(out, Key{AuthKey: k, User: *u})
	}
	return out, nil
}

// FillUser sets u.Role from u.RoleID and u.Organisation from u.OrgID.
func (s *Service) FillUser(ctx context.Context, u *misp.User) error {
	if r, ok := Role(int64(u.RoleID)); ok {
		u.Role = r
	} else {
		return fmt.Errorf("user %d has role %d, which does not exist", u.ID, u.RoleID)
	}
	o, err := s.st.Org(ctx, int64(u.OrgID))
	if err != nil {
		return fmt.Errorf("organisation of user %d: %w", u.ID, err)
	}
	u.Organisation = o
	return nil
}
