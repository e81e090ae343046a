package postgres

import (
	"context"

	"github.com/hunchsec/hunch/store"
)

// EventHeads returns the heads of the events f selects, by id.
func (db *DB) EventHeads(ctx context.Context, f store.EventFilter) ([]store.EventHead, error) {
	return db.EventHeadsOf(ctx, &dialect, f)
}
