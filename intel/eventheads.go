package intel

import (
	"context"
	"fmt"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/store"
)

// EventHeads returns the heads (id, uuid, times, distribution) of the events q selects that u may read, by id,
// in one query: what a listing in another order than by id reads before it reads any event. q's element filters
// apply as in SearchEvents; its format, paging and output options do not.
func (s *Service) EventHeads(ctx context.Context, u acl.User, q Search) ([]store.EventHead, error) {
	f, err := s.EventFilter(ctx, s.Policy().ReadableConditions(u), q)
	if err != nil {
		return nil, err
	}
	f.Limit, f.Page = 0, 0
	heads, err := s.st.EventHeads(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("intel: event heads: %w", err)
	}
	return heads, nil
}
