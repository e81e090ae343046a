package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hunchsec/hunch/store"
)

const (
	getCachedSQL = `SELECT data FROM enrich_cache
WHERE provider = ? AND type = ? AND value = ? AND expires_ns > ?`

	putCachedSQL = `INSERT INTO enrich_cache (provider, type, value, verdict, data, stored_ns, expires_ns)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (provider, type, value) DO UPDATE SET
	verdict = excluded.verdict, data = excluded.data,
	stored_ns = excluded.stored_ns, expires_ns = excluded.expires_ns`

	cacheStatsSQL = `SELECT provider, count(*), sum(expires_ns <= ?), sum(length(data)),
	sum(verdict = 0), sum(verdict = 1), sum(verdict = 2), sum(verdict = 3),
	min(stored_ns), max(stored_ns)
FROM enrich_cache GROUP BY provider ORDER BY provider`
)

// prepare readies the statements on the hot path.
func (db *DB) prepare(ctx context.Context) error {
	var err error
	if db.getStmt, err = db.r.PrepareContext(ctx, getCachedSQL); err != nil {
		return fmt.Errorf("prepare cache lookup: %w", err)
	}
	if db.putStmt, err = db.w.PrepareContext(ctx, putCachedSQL); err != nil {
		return fmt.Errorf("prepare cache store: %w", err)
	}
	return nil
}

// GetCached returns the stored data for (provider, typ, value) when it has not expired at now:
// an entry is fresh while now is before its expiry. ok is false when there is no fresh entry.
func (db *DB) GetCached(ctx context.Context, provider, typ, value string, now time.Time) (data []byte, ok bool, err error) {
	if db.closed.Load() {
		return nil, false, store.ErrClosed
	}
	err = db.getStmt.QueryRowContext(ctx, provider, typ, value, unixNano(now)).Scan(&data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read cache %s: %w", entryName(provider, typ, value), err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, true, nil
}

// PutCached stores or replaces the entry for (provider, typ, value). verdict must be 0 to 3
// (DBotScore); provider, typ and value must not be empty; stored and expires must be set. Times
// are kept to the nanosecond; those beyond the years 1678–2262 are clamped to that range.
func (db *DB) PutCached(ctx context.Context, provider, typ, value string, verdict int, data []byte, stored, expires time.Time) error {
	if db.closed.Load() {
		return store.ErrClosed
	}
	switch {
	case provider == "" || typ == "" || value == "":
		return fmt.Errorf("store cache entry %s: provider, type and value must not be empty", entryName(provider, typ, value))
	case verdict < 0 || verdict > 3:
		return fmt.Errorf("store cache entry %s: verdict %d is outside 0-3", entryName(provider, typ, value), verdict)
	case stored.IsZero() || expires.IsZero():
		return fmt.Errorf("store cache entry %s: stored and expiry times must be set", entryName(provider, typ, value))
	}
	if data == nil {
		data = []byte{} // a zero-length blob, not NULL
	}
	if _, err := db.putStmt.ExecContext(ctx, provider, typ, value, verdict, data, unixNano(stored), unixNano(expires)); err != nil {
		return fmt.Errorf("store cache entry %s: %w", entryName(provider, typ, value), err)
	}
	return nil
}

// CacheStats summarises the cache per provider, ordered by provider name. Entries whose expiry
// is at or before now count as expired; Bytes sums the stored data.
func (db *DB) CacheStats(ctx context.Context, now time.Time) ([]store.CacheStat, error) {
	if db.closed.Load() {
		return nil, store.ErrClosed
	}
	rows, err := db.r.QueryContext(ctx, cacheStatsSQL, unixNano(now))
	if err != nil {
		return nil, fmt.Errorf("read cache statistics: %w", err)
	}
	defer rows.Close()
	var stats []store.CacheStat
	for rows.Next() {
		var s store.CacheStat
		var oldest, newest int64
		if err := rows.Scan(&s.Provider, &s.Entries, &s.Expired, &s.Bytes,
			&s.Verdicts[0], &s.Verdicts[1], &s.Verdicts[2], &s.Verdicts[3], &oldest, &newest); err != nil {
			return nil, fmt.Errorf("read cache statistics: %w", err)
		}
		s.OldestStored = time.Unix(0, oldest).UTC()
		s.NewestStored = time.Unix(0, newest).UTC()
		stats = append(stats, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cache statistics: %w", err)
	}
	return stats, nil
}

// PurgeCache deletes the entries of provider ("" for every provider) — only those expired at
// now (expiry at or before now) when expiredOnly is set — and returns how many it deleted.
func (db *DB) PurgeCache(ctx context.Context, provider string, expiredOnly bool, now time.Time) (int64, error) {
	if db.closed.Load() {
		return 0, store.ErrClosed
	}
	query, args := `DELETE FROM enrich_cache`, []any(nil)
	switch {
	case provider != "" && expiredOnly:
		query, args = query+` WHERE provider = ? AND expires_ns <= ?`, []any{provider, unixNano(now)}
	case provider != "":
		query, args = query+` WHERE provider = ?`, []any{provider}
	case expiredOnly:
		query, args = query+` WHERE expires_ns <= ?`, []any{unixNano(now)}
	}
	res, err := db.w.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("purge cache: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge cache: %w", err)
	}
	return n, nil
}

// unixNano is t in Unix nanoseconds, which cover 1678 to 2262; times beyond are clamped so that
// a far-future expiry stays in the future instead of wrapping around.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// entryName names a cache entry in an error message, quoted, with a long value cut short.
func entryName(provider, typ, value string) string {
	const maxValue = 120
	if len(value) > maxValue {
		value = value[:maxValue] + "…"
	}
	return fmt.Sprintf("%q %q:%q", provider, typ, value)
}
