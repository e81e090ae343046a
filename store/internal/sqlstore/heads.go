package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// EventHeadsOf returns the heads of the events f selects, by id; d is the backend's dialect, whose placeholders
// EventQuery writes.
func (s *Store) EventHeadsOf(ctx context.Context, d *Dialect, f store.EventFilter) ([]store.EventHead, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	q := EventQuery(d, f)
	rows, err := r.Query(ctx, "SELECT e.id, e.uuid, e.orgc_id, e.published, e.timestamp, e.publish_timestamp, e.distribution, "+
		"e.sharing_group_id FROM events e\nWHERE "+q.Clause()+"\nORDER BY e.id", q.Args...)
	if err != nil {
		return nil, fmt.Errorf("event heads: %w", err)
	}
	defer rows.Close()
	var out []store.EventHead
	for rows.Next() {
		var h store.EventHead
		var published, ts, pts int64
		var dist sql.NullInt64
		if err := rows.Scan(&h.ID, &h.UUID, &h.OrgcID, &published, &ts, &pts, &dist, &h.SharingGroupID); err != nil {
			return nil, fmt.Errorf("event heads: %w", err)
		}
		h.Published, h.Timestamp, h.PublishTimestamp = published != 0, misp.Timestamp(ts), misp.Timestamp(pts)
		h.Distribution = int(dist.Int64)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("event heads: %w", err)
	}
	return out, nil
}
