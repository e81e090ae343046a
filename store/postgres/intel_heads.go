package postgres

import (
	"context"
	"fmt"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

// EventHeads returns the heads of the events f selects, by id.
func (db *DB) EventHeads(ctx context.Context, f store.EventFilter) ([]store.EventHead, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	q := sqlstore.EventQuery(&dialect, f)
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
		var dist *int64
		if err := rows.Scan(&h.ID, &h.UUID, &h.OrgcID, &published, &ts, &pts, &dist, &h.SharingGroupID); err != nil {
			return nil, fmt.Errorf("event heads: %w", err)
		}
		h.Published, h.Timestamp, h.PublishTimestamp = published != 0, misp.Timestamp(ts), misp.Timestamp(pts)
		if dist != nil {
			h.Distribution = int(*dist)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("event heads: %w", err)
	}
	return out, nil
}
