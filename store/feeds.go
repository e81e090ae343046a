package store

import (
	"context"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// Feeds persists MISP's feeds and their caches. A feed's cache is the set of md5 digests (lower-case hex) of the
// values it holds, MISP's feed cache, indexed by digest so that finding the feeds holding one value costs one index
// lookup whatever the number of feeds and values.
type Feeds interface {
	// CreateFeed stores f (its Tag is not stored) and sets f.ID.
	CreateFeed(ctx context.Context, f *misp.Feed) error
	// Feed returns feed id; ErrNotFound when there is none.
	Feed(ctx context.Context, id int64) (*misp.Feed, error)
	// ListFeeds returns every feed, by id.
	ListFeeds(ctx context.Context) ([]misp.Feed, error)
	// UpdateFeed replaces every stored field of feed f.ID with f's (CacheTimestamp included); ErrNotFound when
	// there is none.
	UpdateFeed(ctx context.Context, f *misp.Feed) error
	// DeleteFeed removes feed id and its cache; ErrNotFound when there is none.
	DeleteFeed(ctx context.Context, id int64) error
	// ReplaceFeedCache replaces the cache of feed id with hashes (duplicates are stored once) and sets the feed's
	// CacheTimestamp to at, in one transaction. It returns the number of distinct digests stored.
	ReplaceFeedCache(ctx context.Context, id int64, hashes []string, at time.Time) (int64, error)
	// FeedCacheSize returns how many digests the cache of feed id holds.
	FeedCacheSize(ctx context.Context, id int64) (int64, error)
	// FeedCacheOverlap returns, for each ordered pair of distinct feeds whose caches share digests, how many.
	FeedCacheOverlap(ctx context.Context) (map[[2]int64]int64, error)
	// FeedsHolding returns, for each of hashes held by some feed's cache, the ids of those feeds, ascending.
	FeedsHolding(ctx context.Context, hashes []string) (map[string][]int64, error)
}
