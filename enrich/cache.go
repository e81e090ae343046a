package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/hunchsec/hunch/ioc"
)

// CacheStore persists cached answers (store/sqlite implements it). It speaks in builtin types so
// that the store and this package need not import each other.
type CacheStore interface {
	// GetCached returns the stored data for (provider, typ, value) when it has not expired at now.
	GetCached(ctx context.Context, provider, typ, value string, now time.Time) ([]byte, bool, error)
	// PutCached stores or replaces one entry.
	PutCached(ctx context.Context, provider, typ, value string, verdict int, data []byte, stored, expires time.Time) error
}

// TTL says how long an answer stays fresh, by verdict. Zero durations take DefaultTTL's.
type TTL struct {
	Malicious  time.Duration `yaml:"malicious"`
	Suspicious time.Duration `yaml:"suspicious"`
	Benign     time.Duration `yaml:"benign"`
	Unknown    time.Duration `yaml:"unknown"`
}

// DefaultTTL keeps bad news a day, good news a day, and "unknown" an hour, since unknown is the
// answer most likely to change.
var DefaultTTL = TTL{Malicious: 24 * time.Hour, Suspicious: 12 * time.Hour, Benign: 24 * time.Hour, Unknown: time.Hour}

// For returns the lifetime of an answer with verdict v.
func (t TTL) For(v Verdict) time.Duration {
	var d, def time.Duration
	switch v {
	case Malicious:
		d, def = t.Malicious, DefaultTTL.Malicious
	case Suspicious:
		d, def = t.Suspicious, DefaultTTL.Suspicious
	case Benign:
		d, def = t.Benign, DefaultTTL.Benign
	default:
		d, def = t.Unknown, DefaultTTL.Unknown
	}
	if d == 0 {
		return def
	}
	return d
}

// DefaultMemoryEntries bounds the in-memory cache layer.
const DefaultMemoryEntries = 100_000

// Cache is the two-level cache: a bounded in-memory map in front of an optional CacheStore. Failed
// lookups are never cached. Safe for concurrent use.
type Cache struct {
	store CacheStore
	max   int

	mu  sync.Mutex
	mem map[cacheKey]memEntry
}

type cacheKey struct {
	provider string
	typ      ioc.Type
	value    string
}

// cached is what the store keeps: the answer and when it expires.
type cached struct {
	Expires time.Time `json:"expires"`
	Result  Result    `json:"result"`
}

// memEntry points at its answer, so the map's slots stay small (a 1 M-entry map probes and
// grows faster, and the collector scans one pointer per entry instead of a whole Result).
type memEntry struct {
	r       *Result
	expires int64 // Unix nanoseconds
}

// NewCache returns a cache over store (nil: memory only) keeping at most maxMemory entries in
// memory (≤ 0: DefaultMemoryEntries).
func NewCache(store CacheStore, maxMemory int) *Cache {
	if maxMemory <= 0 {
		maxMemory = DefaultMemoryEntries
	}
	return &Cache{store: store, max: maxMemory, mem: make(map[cacheKey]memEntry)}
}

// Get returns a fresh cached answer of provider about ind, marked Cached.
func (c *Cache) Get(ctx context.Context, provider string, ind Indicator, now time.Time) (Result, bool, error) {
	k := cacheKey{provider, ind.Type, ind.Value}
	c.mu.Lock()
	e, ok := c.mem[k]
	if ok && now.UnixNano() >= e.expires {
		delete(c.mem, k)
		ok = false
	}
	c.mu.Unlock()
	if ok {
		r := *e.r
		r.Cached = true
		return r, true, nil
	}
	if c.store == nil {
		return Result{}, false, nil
	}
	data, ok, err := c.store.GetCached(ctx, provider, string(ind.Type), ind.Value, now)
	if err != nil || !ok {
		return Result{}, false, err
	}
	var env cached
	if err := json.Unmarshal(data, &env); err != nil {
		return Result{}, false, fmt.Errorf("reading cached answer of %s about %s: %w", provider, ind, err)
	}
	c.remember(k, env.Result, env.Expires)
	env.Result.Cached = true
	return env.Result, true, nil
}

// Put stores a successful answer for ttl.
func (c *Cache) Put(ctx context.Context, r Result, ttl time.Duration) error {
	if r.Err != nil || ttl <= 0 {
		return nil
	}
	r.Cached = false
	expires := r.Time.Add(ttl)
	c.remember(cacheKey{r.Provider, r.Indicator.Type, r.Indicator.Value}, r, expires)
	if c.store == nil {
		return nil
	}
	data, err := json.Marshal(cached{Expires: expires, Result: r})
	if err != nil {
		return fmt.Errorf("caching answer of %s about %s: %w", r.Provider, r.Indicator, err)
	}
	return c.store.PutCached(ctx, r.Provider, string(r.Indicator.Type), r.Indicator.Value, int(r.Verdict), data, r.Time, expires)
}

func (c *Cache) remember(k cacheKey, r Result, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.mem[k]; !ok && len(c.mem) >= c.max {
		// Evict an arbitrary entry: map iteration order is random, which is as good as any
		// policy for a cache whose backing store keeps everything.
		for old := range c.mem {
			delete(c.mem, old)
			break
		}
	}
	c.mem[k] = memEntry{&r, expires.UnixNano()}
}
