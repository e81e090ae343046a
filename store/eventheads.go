package store

import (
	"context"

	"github.com/hunchsec/hunch/misp"
)

// EventHead is what a list of events in another order than by id needs, without reading the events: their ids,
// times and sharing (the TAXII server pages collections by date_added with it).
type EventHead struct {
	ID               int64
	UUID             string
	OrgcID           int64
	Published        bool
	Timestamp        misp.Timestamp
	PublishTimestamp misp.Timestamp
	// Distribution is the event's distribution level (0-4).
	Distribution   int
	SharingGroupID int64
}

// EventHeads lists events by their heads.
type EventHeads interface {
	// EventHeads returns the heads of the events f selects, by id, in one query. f's Conditions and filters
	// apply as in SearchEvents; Metadata and Deleted do not matter; Limit and Page are ignored.
	EventHeads(ctx context.Context, f EventFilter) ([]EventHead, error)
}
