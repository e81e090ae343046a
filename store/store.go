// Package store declares hunch's persistence: one interface per aggregate (the enrichment cache
// now, the intel store next), the values they exchange and the sentinel errors every backend
// returns. Backends live in subpackages (store/sqlite); callers depend on these interfaces only.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrSchemaNewer is returned when a database was last migrated by a newer hunch than the running
// one: its schema has versions this binary does not know, so it is left untouched.
var ErrSchemaNewer = errors.New("database schema is newer than this hunch")

// ErrClosed is returned by calls on a database that has been closed.
var ErrClosed = errors.New("database is closed")

// Cache is the persistent enrichment cache: provider answers keyed by (provider, indicator type,
// indicator value), each with the verdict it carried, when it was stored and when it expires.
// An entry is fresh at time now while now is before its expiry.
type Cache interface {
	// GetCached returns the stored data for (provider, typ, value) when it has not expired at now.
	// ok is false when there is no entry or it has expired.
	GetCached(ctx context.Context, provider, typ, value string, now time.Time) (data []byte, ok bool, err error)
	// PutCached stores or replaces one entry. verdict is on the DBotScore scale, 0 to 3.
	PutCached(ctx context.Context, provider, typ, value string, verdict int, data []byte, stored, expires time.Time) error
	// CacheStats summarises the cache per provider, ordered by provider name; entries that
	// expired at or before now are counted as expired.
	CacheStats(ctx context.Context, now time.Time) ([]CacheStat, error)
	// PurgeCache deletes the entries of provider ("" for every provider), only those expired at
	// now when expiredOnly is set, and returns how many it deleted.
	PurgeCache(ctx context.Context, provider string, expiredOnly bool, now time.Time) (int64, error)
}

// CacheStat summarises one provider's entries in the enrichment cache.
type CacheStat struct {
	Provider string `json:"provider"`
	// Entries counts every stored entry, fresh or expired.
	Entries int64 `json:"entries"`
	// Expired counts the entries whose expiry is at or before the time asked about.
	Expired int64 `json:"expired"`
	// Bytes is the total size of the stored data (the providers' answers), without keys.
	Bytes int64 `json:"bytes"`
	// Verdicts counts entries by verdict: index 0 unknown, 1 benign, 2 suspicious, 3 malicious.
	Verdicts [4]int64 `json:"verdicts"`
	// OldestStored and NewestStored are the earliest and latest store times among the entries.
	OldestStored time.Time `json:"oldest_stored"`
	NewestStored time.Time `json:"newest_stored"`
}
